// `aegea flow-logs create | ls | get` as a user runs them (dist/aegea.js), against moto. moto records
// flow logs but delivers no traffic: the test writes records into the flow log's group itself.
import { CloudWatchLogsClient, CreateLogStreamCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs"
import { CreateVpcCommand } from "@aws-sdk/client-ec2"
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { putEvents } from "../support/logs.ts"
import { ec2Client, resetMoto, sdkConfig } from "../support/moto.ts"

let vpcId = ""
beforeAll(async () => {
  await resetMoto()
  const ec2 = ec2Client()
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.30.0.0/16" }))).Vpc?.VpcId ?? ""
  ec2.destroy()
})

const groupsInMoto = async () => {
  const logs = new CloudWatchLogsClient(sdkConfig())
  try {
    return ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName)
  } finally {
    logs.destroy()
  }
}

describe("aegea flow-logs", () => {
  it("create --dry-run names what it would create and creates nothing", async () => {
    const r = await runCli(["flow-logs", "create", vpcId, "--dry-run"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      `dry run: would create log group aegea.flow_logs, create IAM role aegea.flow_logs (trusting vpc-flow-logs.amazonaws.com), create a flow log of ALL traffic of VPC ${vpcId} to log group aegea.flow_logs`
    )
    expect(await groupsInMoto()).toEqual([])
    expect((await runCli(["flow-logs", "ls", "--json"])).stdout.trim()).toBe("[]")
  })

  it("create makes the log group, the role and the flow log; ls lists it; a second create fails", async () => {
    const r = await runCli(["flow-logs", "create", vpcId, "--json"])
    expect(r.code, r.stderr).toBe(0)
    const [created] = JSON.parse(r.stdout) as Array<{ id: string; resourceId: string; logGroup: string }>
    expect(created).toMatchObject({ resourceId: vpcId, logGroup: "aegea.flow_logs" })
    expect(created?.id).toMatch(/^fl-/)
    expect(await groupsInMoto()).toEqual(["aegea.flow_logs"])
    const iam = new IAMClient(sdkConfig())
    const role = await iam.send(new GetRoleCommand({ RoleName: "aegea.flow_logs" }))
    iam.destroy()
    expect(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? "")).toContain("vpc-flow-logs.amazonaws.com")
    const withRole = JSON.parse((await runCli(["flow-logs", "ls", "--columns", "id,roleArn", "--json"])).stdout) as Array<{ roleArn: string }>
    expect(withRole[0]?.roleArn).toBe(role.Role?.Arn)

    const ls = await runCli(["flow-logs", "ls"])
    expect(ls.code, ls.stderr).toBe(0)
    expect(ls.stdout.split("\n")[0]).toMatch(/^ID\s+RESOURCE\s+STATUS\s+TRAFFIC\s+LOG GROUP\s+DELIVERY\s+CREATED/)
    expect(ls.stdout).toContain(created!.id)

    const again = await runCli(["flow-logs", "create", vpcId])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("FlowLogAlreadyExists")
    const bad = await runCli(["flow-logs", "create", "sg-0abc"])
    expect(bad.code).toBe(2)
    const missing = await runCli(["flow-logs", "create", "vpc-0000000000deadbee", "--log-group", "other"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("aegea vpcs")
    expect(await groupsInMoto()).toEqual(["aegea.flow_logs"])
  })

  it("get prints the records of the flow log's group in time order; an unknown id exits 5", async () => {
    const logs = new CloudWatchLogsClient(sdkConfig())
    await logs.send(new CreateLogStreamCommand({ logGroupName: "aegea.flow_logs", logStreamName: "eni-0aaa-all" }))
    logs.destroy()
    const t = Date.now() - 10 * 60_000
    await putEvents("aegea.flow_logs", "eni-0aaa-all", [
      { timestamp: t, message: "2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 443 5000 6 1 40 0 0 ACCEPT OK" },
      { timestamp: t + 1000, message: "2 123456789012 eni-0aaa 10.0.0.9 10.0.0.2 22 5001 6 1 40 0 0 REJECT OK" }
    ])
    const all = await runCli(["flow-logs", "get"])
    expect(all.code, all.stderr).toBe(0)
    const lines = all.stdout.trim().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toContain("eni-0aaa-all 2 123456789012 eni-0aaa 10.0.0.1")
    expect(lines[1]).toContain("REJECT")
    const [fl] = JSON.parse((await runCli(["flow-logs", "ls", "--json"])).stdout) as Array<{ id: string }>
    const rejected = await runCli(["flow-logs", "get", fl!.id, "--filter", "REJECT", "--json"])
    expect(rejected.code, rejected.stderr).toBe(0)
    expect((JSON.parse(rejected.stdout) as Array<{ message: string }>).map((e) => e.message)).toEqual([
      "2 123456789012 eni-0aaa 10.0.0.9 10.0.0.2 22 5001 6 1 40 0 0 REJECT OK"
    ])
    const old = await runCli(["flow-logs", "get", "--start-time", "2h", "--end-time", "1h"])
    expect(old.code).toBe(0)
    expect(old.stdout).toBe("")
    expect(old.stderr).toContain("no flow log records in aegea.flow_logs")
    const unknown = await runCli(["flow-logs", "get", "fl-0000000000deadbee"])
    expect(unknown.code).toBe(5)
    expect(unknown.stderr).toContain("flow-logs ls")
  })
})
