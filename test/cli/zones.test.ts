/** `aegea zones ...` and the DNS records of launch, rename and terminate, as a user runs them, against moto. */
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import {
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client
} from "@aws-sdk/client-route-53"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

const ec2 = ec2Client()
const route53 = new Route53Client(sdkConfig())
afterAll(() => {
  ec2.destroy()
  route53.destroy()
})

const privateZones = async (name: string) =>
  ((await route53.send(new ListHostedZonesByNameCommand({ DNSName: name }))).HostedZones ?? [])
    .filter((z) => z.Name === name && z.Config?.PrivateZone === true)

/** "name TYPE value,value" for every record of the zone. */
const recordsOf = async (zoneId: string) =>
  ((await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [])
    .map((r) => `${r.Name} ${r.Type} ${(r.ResourceRecords ?? []).map((v) => v.Value).join(",")}`)

const instance = async (id: string) =>
  (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]

describe("instance names in the private zone", () => {
  it("launch registers NAME.aegea. (zone made with the VPC), rename moves it, terminate removes it", async () => {
    const launched = await runCli(["launch", "dnsbox", "--amazon-linux-ami", "--no-wait", "--json"], { timeoutMs: 60_000 })
    expect(launched.code, launched.stderr).toBe(0)
    const id = (JSON.parse(launched.stdout) as Array<{ id: string }>)[0]!.id
    const described = await instance(id)
    const ip = described?.PrivateIpAddress ?? ""
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(launched.stderr).toContain("created private hosted zone aegea.")
    expect(launched.stderr).toContain(`registered dnsbox.aegea. -> ${ip}`)
    expect(launched.stderr).not.toContain("warning")
    const [zone] = await privateZones("aegea.")
    const zoneId = zone?.Id ?? ""
    const vpcs = (await route53.send(new GetHostedZoneCommand({ Id: zoneId }))).VPCs ?? []
    expect(vpcs.map((v) => v.VPCId)).toEqual([described?.VpcId])
    expect(await recordsOf(zoneId)).toContain(`dnsbox.aegea. A ${ip}`)

    const renamed = await runCli(["rename", "dnsbox", "dnsbox2", "--json"])
    expect(renamed.code, renamed.stderr).toBe(0)
    expect(renamed.stderr).toContain(`moved dnsbox.aegea. -> ${ip} to dnsbox2.aegea.`)
    const afterRename = await recordsOf(zoneId)
    expect(afterRename).toContain(`dnsbox2.aegea. A ${ip}`)
    expect(afterRename.some((r) => r.startsWith("dnsbox.aegea."))).toBe(false)

    const terminated = await runCli(["terminate", "dnsbox2", "--yes", "--json"])
    expect(terminated.code, terminated.stderr).toBe(0)
    expect(terminated.stderr).toContain(`removed dnsbox2.aegea. -> ${ip}`)
    expect((await recordsOf(zoneId)).some((r) => r.startsWith("dnsbox2.aegea."))).toBe(false)
    // the zone stays for the next launch, which reuses it
    expect(await privateZones("aegea.")).toHaveLength(1)
  })
})

describe("aegea zones", () => {
  it("update (UPSERT, --dry-run prints the batch), records, ls, delete (refused without --yes)", async () => {
    const [zone] = await privateZones("aegea.")
    const zoneId = zone?.Id ?? ""
    expect(zoneId).not.toBe("")

    const dry = await runCli(["zones", "update", "aegea.", "www=10.9.9.9", "--dry-run", "--json"])
    expect(dry.code, dry.stderr).toBe(0)
    const batch = JSON.parse(dry.stdout) as { ChangeBatch: { Changes: Array<{ Action: string; ResourceRecordSet: { Name: string; TTL: number } }> } }
    expect(batch.ChangeBatch.Changes).toEqual([
      { Action: "UPSERT", ResourceRecordSet: { Name: "www.aegea.", Type: "A", TTL: 60, ResourceRecords: [{ Value: "10.9.9.9" }] } }
    ])
    expect(dry.stderr).toContain("dry run")
    expect((await recordsOf(zoneId)).some((r) => r.startsWith("www.aegea."))).toBe(false)

    const updated = await runCli(["zones", "update", zoneId.replace("/hostedzone/", ""), "www=10.9.9.9", "www=10.9.9.10", "api.aegea.=10.9.9.8", "--ttl", "300", "--json"])
    expect(updated.code, updated.stderr).toBe(0)
    expect((JSON.parse(updated.stdout) as Array<{ name: string; values: Array<string> }>).map((r) => [r.name, r.values])).toEqual([
      ["www.aegea.", ["10.9.9.9", "10.9.9.10"]],
      ["api.aegea.", ["10.9.9.8"]]
    ])

    const records = await runCli(["zones", "records", "aegea", "--json"])
    expect(records.code, records.stderr).toBe(0)
    const rows = JSON.parse(records.stdout) as Array<{ name: string; type: string; ttl: number; values: Array<string> }>
    expect(rows.find((r) => r.name === "www.aegea." && r.type === "A")).toMatchObject({ name: "www.aegea.", type: "A", ttl: 300, values: ["10.9.9.9", "10.9.9.10"] })

    const ls = await runCli(["zones", "ls", "--json"])
    expect(ls.code, ls.stderr).toBe(0)
    expect((JSON.parse(ls.stdout) as Array<{ name: string; private: boolean }>).filter((z) => z.name === "aegea.")).toEqual([
      expect.objectContaining({ name: "aegea.", private: true })
    ])

    const refused = await runCli(["zones", "delete", "aegea.", "www"])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("refusing to delete record www.aegea. A")
    const deleted = await runCli(["zones", "delete", "aegea.", "www", "api", "--type", "A", "--yes", "--json"])
    expect(deleted.code, deleted.stderr).toBe(0)
    expect((JSON.parse(deleted.stdout) as Array<{ action: string }>).map((r) => r.action)).toEqual(["DELETE", "DELETE"])
    expect((await recordsOf(zoneId)).filter((r) => / A /.test(r))).toEqual([])
  })

  it("a missing zone exits 5 with a hint; a name shared by a public and a private zone asks for the id", async () => {
    const missing = await runCli(["zones", "records", "nowhere.example"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("aegea zones ls")
    await route53.send(new CreateHostedZoneCommand({ Name: "aegea.", CallerReference: `public-${Date.now()}` }))
    const ambiguous = await runCli(["zones", "delete", "aegea.", "nothing", "--yes"])
    expect(ambiguous.code).toBe(5)
    expect(ambiguous.stderr).toMatch(/matches 2 hosted zones \(.*\(private\), .*\(public\)|\(public\), .*\(private\)/)
  })
})
