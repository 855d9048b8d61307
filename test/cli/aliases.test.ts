// The Python aegea's spellings, one test each: each must give what the command it stands for gives.
import { CreateLogGroupCommand, CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs"
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, sdkConfig, TEST_AMI, useMoto } from "../support/moto.ts"
import { CreateTagsCommand, RunInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2"

useMoto()

let running = ""
let stopped = ""
beforeAll(async () => {
  const ec2 = ec2Client()
  const run = await ec2.send(new RunInstancesCommand({ ImageId: TEST_AMI, InstanceType: "t3.micro", MinCount: 2, MaxCount: 2 }))
  const [a, b] = run.Instances!.map((i) => i.InstanceId!)
  running = a!
  stopped = b!
  await ec2.send(new CreateTagsCommand({ Resources: [running], Tags: [{ Key: "Name", Value: "alias-web" }, { Key: "env", Value: "prod" }] }))
  await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped] }))
  const logs = new CloudWatchLogsClient(sdkConfig())
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/alias/app" }))
  await logs.send(new CreateLogStreamCommand({ logGroupName: "/alias/app", logStreamName: "s1" }))
  await logs.send(new PutLogEventsCommand({
    logGroupName: "/alias/app",
    logStreamName: "s1",
    logEvents: [{ timestamp: Date.now() - 60_000, message: "ERROR boom" }, { timestamp: Date.now() - 59_000, message: "all fine" }]
  }))
  const ecs = new ECSClient(sdkConfig())
  await ecs.send(new CreateClusterCommand({ clusterName: "alias-cluster" }))
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: "alias-family",
    containerDefinitions: [{ name: "main", image: "busybox", memory: 128 }]
  }))
})

const same = async (alias: ReadonlyArray<string>, canonical: ReadonlyArray<string>) => {
  const [a, c] = [await runCli(alias), await runCli(canonical)]
  expect(a.code, a.stderr).toBe(c.code)
  expect(a.stdout).toBe(c.stdout)
  expect(a.stderr).toBe(c.stderr)
  return a
}

describe("the Python aegea's spellings", () => {
  it("aegea alone prints the help and exits 2", async () => {
    const r = await runCli([])
    expect(r.code).toBe(2)
    expect(r.stdout).toContain("aegea: an AWS operator CLI")
    expect(r.stdout).toContain("COMMANDS")
  })

  it("configure ls/get/set = config show/get/set", async () => {
    const { makeTestHome } = await import("../support/moto.ts")
    const home = makeTestHome()
    const set = await runCli(["configure", "set", "ls.columns", "[name, id]"], { home })
    expect(set.code, set.stderr).toBe(0)
    expect((await runCli(["configure", "get", "ls.columns", "--json"], { home })).stdout).toBe((await runCli(["config", "get", "ls.columns", "--json"], { home })).stdout)
    const ls = await runCli(["configure", "ls", "--json"], { home })
    expect(ls.code).toBe(0)
    expect(ls.stdout).toBe((await runCli(["config", "show", "--json"], { home })).stdout)
    expect(ls.stdout).toContain("ls.columns")
  })

  it("cost-forecast = cost forecast (moto has no Cost Explorer forecast: both exit 6)", async () => {
    const r = await same(["cost-forecast", "--days", "3"], ["cost", "forecast", "--days", "3"])
    expect(r.code).toBe(6)
    expect((await runCli(["cost-forecast", "--help"])).stdout).toContain("--prediction-interval")
  })

  it("filter PATTERN GROUP = logs GROUP --filter PATTERN; exit 65 when nothing matched", async () => {
    const hit = await runCli(["filter", "ERROR", "/alias/app"])
    expect(hit.code, hit.stderr).toBe(0)
    expect(hit.stdout).toBe((await runCli(["logs", "/alias/app", "--filter", "ERROR"])).stdout)
    expect(hit.stdout).toContain("ERROR boom")
    expect(hit.stdout).not.toContain("all fine")
    const miss = await runCli(["filter", "NOTHING_LIKE_THIS", "/alias/app"])
    expect(miss.code).toBe(65)
    expect(miss.stderr).toMatch(/^aegea: no log events in \/alias\/app matching NOTHING_LIKE_THIS between/)
    expect((await runCli(["logs", "/alias/app", "--filter", "NOTHING_LIKE_THIS"])).code).toBe(0)
  })

  it("batch get-logs = batch logs", async () => {
    const r = await same(["batch", "get-logs", "no-such-job"], ["batch", "logs", "no-such-job"])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("no-such-job")
  })

  it("ecs launch = ecs run", async () => {
    const r = await same(
      ["ecs", "launch", "--command", "echo hi", "--dry-run", "--json"],
      ["ecs", "run", "--command", "echo hi", "--dry-run", "--json"]
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("echo hi")
  })

  it("clusters, tasks, taskdefs = ecs clusters, ecs tasks, ecs task-definitions", async () => {
    const clusters = await same(["clusters", "--json"], ["ecs", "clusters", "--json"])
    expect(clusters.stdout).toContain("alias-cluster")
    await same(["tasks", "--json"], ["ecs", "tasks", "--json"])
    const defs = await same(["taskdefs", "--json"], ["ecs", "task-definitions", "--json"])
    expect(defs.stdout).toContain("alias-family")
  })

  it("-f/--filter, -t/--tag and -c/--columns (space- or comma-separated); --filter state=running", async () => {
    const rows = (r: { stdout: string }) => JSON.parse(r.stdout) as Array<Record<string, unknown>>
    const running1 = await runCli(["ls", "--filter", "state=running", "--json"])
    expect(running1.code, running1.stderr).toBe(0)
    expect(rows(running1).map((r) => r["id"])).toContain(running)
    expect(rows(running1).map((r) => r["id"])).not.toContain(stopped)
    expect((await runCli(["ls", "-f", "state=running", "--json"])).stdout).toBe(running1.stdout)
    const tagged = await runCli(["ls", "-t", "env=prod", "-c", "id name", "--json"])
    expect(rows(tagged)).toEqual([{ id: running, name: "alias-web" }])
    expect((await runCli(["ls", "--tag", "env=prod", "--columns", "id,name", "--json"])).stdout).toBe(tagged.stdout)
    const table = await runCli(["ls", "-t", "env=prod", "-c", "id name"])
    expect(table.stdout).toMatch(/^ID\s+NAME\n/)
  })

  it("--tag and --filter on the other EC2 listings", async () => {
    const ec2 = ec2Client()
    const { CreateVpcCommand } = await import("@aws-sdk/client-ec2")
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.77.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "team", Value: "aliases" }] }] }))
    const vpcId = vpc.Vpc!.VpcId!
    const byTag = JSON.parse((await runCli(["vpcs", "--tag", "team=aliases", "--json"])).stdout) as Array<{ id: string }>
    expect(byTag.map((v) => v.id)).toEqual([vpcId])
    const byFilter = JSON.parse((await runCli(["security-groups", "-f", `vpc-id=${vpcId}`, "--json"])).stdout) as Array<{ vpcId: string }>
    expect(byFilter.length).toBeGreaterThan(0)
    expect(new Set(byFilter.map((r) => r.vpcId))).toEqual(new Set([vpcId]))
    const subnets = JSON.parse((await runCli(["subnets", "--filter", `vpc-id=${vpcId}`, "--json"])).stdout) as Array<unknown>
    expect(subnets).toEqual([])
    expect((await runCli(["volumes", "--filter", "bad"])).code).toBe(2)
  })
})
