// `aegea elb` as a user runs it, against moto: create, ls (with a classic load balancer made with the
// SDK), register, targets, deregister, delete.
import { CreateLoadBalancerCommand, ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, ModifyInstanceAttributeCommand } from "@aws-sdk/client-ec2"
import { ec2Client, sdkConfig, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

useMoto()

let ids: Array<string> = []
/** The security group of elb-web-1, which `elb create` opens to the load balancer's group. */
let appGroup = ""
beforeAll(async () => {
  ids = await seedInstances(3, { namePrefix: "elb-web-" })
  const ec2 = ec2Client()
  try {
    appGroup = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "elb-app", Description: "app" }))).GroupId ?? ""
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: ids[0]!, Groups: [appGroup] }))
  } finally {
    ec2.destroy()
  }
  const elb = new ElasticLoadBalancingClient(sdkConfig())
  try {
    await elb.send(new CreateLoadBalancerCommand({
      LoadBalancerName: "old-classic",
      Listeners: [{ Protocol: "HTTP", LoadBalancerPort: 80, InstanceProtocol: "HTTP", InstancePort: 8080 }],
      AvailabilityZones: [`${TEST_REGION}a`]
    }))
  } finally {
    elb.destroy()
  }
})

type Row = Record<string, unknown>
const json = (stdout: string) => JSON.parse(stdout) as Array<Row>

describe("aegea elb (CLI)", () => {
  it("create, ls (classic too), register --wait, targets, deregister --wait, delete", async () => {
    const [web1, web2, web3] = ids as [string, string, string]
    const created = await runCli(["elb", "create", "web", "--instances", "elb-web-1", "--port", "8080", "--health-check-path", "/health", "--json"])
    expect(created.code, created.stderr).toBe(0)
    expect(json(created.stdout)[0]).toMatchObject({ name: "web", type: "application", listeners: ["HTTP:80"], healthy: 1, unhealthy: 0 })
    // the instance's security group now lets the load balancer's group in on the target port
    const ec2 = ec2Client()
    try {
      const lbGroup = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["aegea-elb-web"] }] }))).SecurityGroups?.[0]
      expect(lbGroup?.IpPermissions?.map((p) => [p.FromPort, p.IpRanges?.[0]?.CidrIp])).toEqual([[80, "0.0.0.0/0"]])
      const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [appGroup] }))).SecurityGroups?.[0]
      expect(group?.IpPermissions?.some((p) => p.FromPort === 8080 && p.UserIdGroupPairs?.some((g) => g.GroupId === lbGroup?.GroupId))).toBe(true)
    } finally {
      ec2.destroy()
    }

    const [ls, register, dryRun] = await Promise.all([
      runCli(["elb", "ls", "--json"]),
      runCli(["elb", "register", "web", "elb-web-2", "--wait", "--json"]),
      runCli(["elb", "register", "old-classic", web3, "--dry-run"])
    ])
    expect(ls.code, ls.stderr).toBe(0)
    const rows = json(ls.stdout)
    expect(rows.map((r) => [r.name, r.type])).toEqual([["old-classic", "classic"], ["web", "application"]])
    expect(rows[0]).toMatchObject({ listeners: ["HTTP:80->8080"], healthy: 0, unhealthy: 0 })
    expect(register.code, register.stderr).toBe(0)
    expect(json(register.stdout)).toEqual([expect.objectContaining({ id: web2, instance: "elb-web-2", targetGroup: "web", port: 8080, state: "healthy" })])
    expect(register.stderr).toContain(`${web2} (elb-web-2) healthy`)
    expect(dryRun.code, dryRun.stderr).toBe(0)
    expect(dryRun.stderr).toContain(`dry run: would register ${web3} (elb-web-3) with classic load balancer old-classic; nothing was changed`)

    const targets = await runCli(["elb", "targets", "web"])
    expect(targets.code, targets.stderr).toBe(0)
    expect(targets.stdout).toMatch(/^ID\s+INSTANCE\s+TARGET GROUP\s+PORT\s+STATE\s+REASON\n/)
    expect(targets.stdout).toContain("elb-web-1")
    expect(targets.stdout).toContain("elb-web-2")

    const deregister = await runCli(["elb", "deregister", "web", web1, "--wait", "--json"])
    expect(deregister.code, deregister.stderr).toBe(0)
    expect(json(deregister.stdout)).toEqual([expect.objectContaining({ id: web1, state: "deregistered" })])

    const [refused, notFound] = await Promise.all([runCli(["elb", "delete", "web"]), runCli(["elb", "targets", "nope"])])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("refusing to delete 3 resources without --yes")
    expect(notFound.code).toBe(5)
    expect(notFound.stderr).toContain("aegea elb ls")

    const deleted = await runCli(["elb", "delete", "web", "--yes", "--json"])
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(json(deleted.stdout)).toEqual([{ name: "web", type: "application", listeners: "HTTP:80", targetGroups: "web", result: "deleted" }])
  })
})
