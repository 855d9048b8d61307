/** `aegea launch` as a user runs it (the built binary) against moto. */
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { type FaultProxy, type FaultRule, operationIs, reply, startFaultProxy, status } from "../support/faultProxy.ts"
import { ec2Client, motoEndpoint, resetMoto } from "../support/moto.ts"

const ec2 = ec2Client()
afterAll(() => ec2.destroy())
beforeEach(resetMoto)

const proxies: Array<FaultProxy> = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})
/** moto behind a fault proxy applying `rules` (every time they match). */
const motoWith = async (rules: ReadonlyArray<FaultRule>) => {
  const proxy = await startFaultProxy(motoEndpoint(), { rules: rules.map((r) => ({ times: Infinity, ...r })) })
  proxies.push(proxy)
  return proxy
}
const serverErrorPage = (code: number, text: string) =>
  status(code, `<!doctype html>\n<html lang=en>\n<title>${code} ${text}</title>\n<h1>${text}</h1>\n`, { "content-type": "text/html" })

const instanceCount = async () =>
  ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []).length

describe("aegea launch (binary)", () => {
  it("launches box, and aegea ls shows it with its tags; the same name again exits 1", async () => {
    const launched = await runCli(["launch", "box", "--amazon-linux-ami", "--no-wait", "--tags", "team=ml", "--json"], { timeoutMs: 60_000 })
    expect(launched.stderr).toContain("launched box")
    expect(launched.code).toBe(0)
    const [row] = JSON.parse(launched.stdout) as Array<{ name: string; id: string; hostKeyFingerprint: string }>
    expect(row?.name).toBe("box")
    expect(row?.hostKeyFingerprint).toMatch(/^SHA256:/)

    const ls = await runCli(["ls", "--json", "--columns", "name,id,tags"])
    expect(ls.code).toBe(0)
    const listed = JSON.parse(ls.stdout) as Array<{ name: string; id: string; tags: Record<string, string> }>
    expect(listed).toHaveLength(1)
    expect(listed[0]?.id).toBe(row?.id)
    expect(listed[0]?.tags.team).toBe("ml")
    expect(listed[0]?.tags.SSHHostPublicKeyPart1).toMatch(/^ssh-ed25519 /)

    const again = await runCli(["launch", "box", "--amazon-linux-ami", "--no-wait"], { timeoutMs: 60_000 })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("an instance named box already exists")
    expect(await instanceCount()).toBe(1)
  })

  it("--dry-run prints the requests as JSON and creates nothing", async () => {
    const r = await runCli(["launch", "dry", "--amazon-linux-ami", "--storage", "/data=20", "--dry-run", "--json"], { timeoutMs: 60_000 })
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { RunInstances: { ImageId: string; UserData: string; BlockDeviceMappings: Array<unknown> } }
    expect(doc.RunInstances.ImageId).toBe("ami-0ed094fb1304fd857")
    expect(doc.RunInstances.UserData).toContain("/data")
    expect(r.stdout).not.toContain("PRIVATE KEY")
    expect(await instanceCount()).toBe(0)
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["aegea.launch"] }] }))
    expect(groups.SecurityGroups).toEqual([])
  })

  it("bad input exits 2 and launches nothing", async () => {
    const r = await runCli(["launch", "box", "--amazon-linux-ami", "--storage", "data", "--no-wait"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--storage")
    expect(await instanceCount()).toBe(0)
    // The table's columns are checked before the launch, not after it (it used to launch, then fail).
    const columns = await runCli(["launch", "box", "--amazon-linux-ami", "--no-wait", "--columns", "name,instance_type"])
    expect(columns.code).toBe(2)
    expect(columns.stderr).toContain('unknown column "instance_type" for --columns')
    expect(columns.stderr).not.toContain("launched")
    expect(await instanceCount()).toBe(0)
  })

  describe("a wait that fails after launching says the instance was launched, and still prints its row", () => {
    const instances = async () =>
      ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? [])

    it("the SSM agent check fails (HTTP 500): 'launched NAME (i-...), but ...', the row as running, exit 6", async () => {
      const proxy = await motoWith([{ match: operationIs("DescribeInstanceInformation"), action: serverErrorPage(500, "Internal Server Error") }])
      const r = await runCli(["launch", "agentless", "--amazon-linux-ami", "--json"], { env: { AWS_ENDPOINT_URL: proxy.url }, timeoutMs: 60_000 })
      const [instance] = await instances()
      const id = instance?.InstanceId ?? "?"
      expect(r.stderr).toContain(
        `aegea: launched agentless (${id}), but could not check the SSM agent of ${id} in us-east-1: AWS SSM DescribeInstanceInformation answered HTTP 500: 500 Internal Server Error.`
      )
      expect(r.stderr).toContain("'aegea terminate agentless'")
      expect(r.code).toBe(6)
      const rows = JSON.parse(r.stdout) as Array<{ name: string; id: string; state: string; hostKeyFingerprint: string }>
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ name: "agentless", id, state: "running" })
      expect(rows[0]?.hostKeyFingerprint).toMatch(/^SHA256:/)
      expect(await instanceCount()).toBe(1)
    })

    it("the wait for running fails: the row as last seen (pending), the table on stdout, exit 6", async () => {
      // DescribeInstances of the new instance by id (the name check before launching filters by tag instead)
      const proxy = await motoWith([
        { match: (q) => operationIs("DescribeInstances")(q) && q.body.includes("InstanceId.1="), action: serverErrorPage(503, "Service Unavailable") }
      ])
      const r = await runCli(["launch", "stuck", "--amazon-linux-ami", "--iam-role", ""], { env: { AWS_ENDPOINT_URL: proxy.url }, timeoutMs: 60_000 })
      const [instance] = await instances()
      const id = instance?.InstanceId ?? "?"
      expect(r.stderr).toContain(`aegea: launched stuck (${id}), but could not list instances in us-east-1: AWS EC2 DescribeInstances answered HTTP 503: 503 Service Unavailable.`)
      expect(r.code).toBe(6)
      const [header, row] = r.stdout.trim().split("\n")
      expect(header).toMatch(/^NAME\s+ID\s+STATE/)
      expect(row).toMatch(new RegExp(`^stuck\\s+${id}\\s+pending\\s`))
    })

    it("the instance does not start (EC2 says terminated): the row as terminated, exit 1", async () => {
      // EC2's own answer to DescribeInstances of the new instance: it is terminated (a spot reclaim, a bad image)
      const terminated = reply((q) => {
        const id = new URLSearchParams(q.body).get("InstanceId.1") ?? ""
        return {
          status: 200,
          headers: { "content-type": "text/xml" },
          body: `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet><item>
<reservationId>r-0123</reservationId><ownerId>123456789012</ownerId><instancesSet><item><instanceId>${id}</instanceId>
<imageId>ami-0ed094fb1304fd857</imageId><instanceState><code>48</code><name>terminated</name></instanceState>
<instanceType>t3a.micro</instanceType><tagSet><item><key>Name</key><value>doomed</value></item></tagSet></item></instancesSet>
</item></reservationSet></DescribeInstancesResponse>`
        }
      })
      const proxy = await motoWith([{ match: (q) => operationIs("DescribeInstances")(q) && q.body.includes("InstanceId.1="), action: terminated }])
      const r = await runCli(["launch", "doomed", "--amazon-linux-ami", "--iam-role", "", "--json"], { env: { AWS_ENDPOINT_URL: proxy.url }, timeoutMs: 60_000 })
      const [instance] = await instances()
      const id = instance?.InstanceId ?? "?"
      expect(r.stderr).toContain(`aegea: launched doomed (${id}), but ${id} did not start: it is terminated.`)
      expect(r.stderr).not.toContain("aegea terminate doomed")
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stdout)).toMatchObject([{ name: "doomed", id, state: "terminated" }])
    })
  })
})
