/** `aegea launch` as a user runs it (the built binary) against moto. */
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2"
import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { ec2Client, resetMoto } from "../support/moto.ts"

const ec2 = ec2Client()
afterAll(() => ec2.destroy())
beforeEach(resetMoto)

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
  })
})
