// `aegea efs` as a user runs it, against moto.
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

interface FsRow {
  name: string
  id: string
  state: string
  mountTargets: Array<{ subnetId: string; availabilityZone: string; securityGroups: Array<string> }>
}

describe("aegea efs (CLI)", () => {
  it("ls with none, create --dry-run changes nothing, create, create again is idempotent, ls", async () => {
    const empty = await runCli(["efs", "ls"])
    expect(empty.code, empty.stderr).toBe(0)
    expect(empty.stdout).toContain("MOUNT TARGETS")
    expect(empty.stdout.trim().split("\n")).toHaveLength(1)

    const dry = await runCli(["efs", "create", "cli-home", "--dry-run", "--json"])
    expect(dry.code, dry.stderr).toBe(0)
    const plan = JSON.parse(dry.stdout) as { vpc: string; securityGroups: Array<string>; mountTargets: Array<{ subnet: string }> }
    expect(plan.vpc).toMatch(/^vpc-/)
    expect(plan.securityGroups[0]).toMatch(/^new aegea\.efs \(NFS, TCP 2049, from \d+\.\d+\.\d+\.\d+\/\d+\)$/)
    expect(plan.mountTargets.length).toBeGreaterThanOrEqual(2)
    expect(JSON.parse((await runCli(["efs", "ls", "--json"])).stdout)).toEqual([])

    const created = await runCli(["efs", "create", "cli-home", "--json"])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).toContain("created file system")
    const [row] = JSON.parse(created.stdout) as Array<FsRow>
    expect(row?.name).toBe("cli-home")
    expect(row?.mountTargets.map((t) => t.subnetId).sort()).toEqual(plan.mountTargets.map((t) => t.subnet).sort())
    const groups = new Set(row?.mountTargets.flatMap((t) => t.securityGroups))
    expect(groups.size).toBe(1)

    const again = await runCli(["efs", "create", "cli-home", "--json"])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain("exists")
    const rows = JSON.parse((await runCli(["efs", "ls", "--json"])).stdout) as Array<FsRow>
    expect(rows.map((r) => r.id)).toEqual([row?.id])
    expect(rows[0]?.mountTargets.length).toBe(row?.mountTargets.length)

    const table = await runCli(["efs", "ls"])
    expect(table.stdout).toContain("MOUNT TARGETS")
    expect(table.stdout).toContain([...groups][0])

    // The security group made the first time is reused: the dry run names it.
    const dry2 = JSON.parse((await runCli(["efs", "create", "cli-data", "--dry-run", "--json"])).stdout) as { securityGroups: Array<string> }
    expect(dry2.securityGroups).toEqual([...groups])
  })

  it("given subnets and a group: mount targets only there, with that group", async () => {
    const ls = JSON.parse((await runCli(["subnets", "--json"])).stdout) as Array<{ id: string; defaultForAz: boolean }>
    const subnet = ls.find((s) => s.defaultForAz)!.id
    const sg = JSON.parse((await runCli(["security-groups", "--json"])).stdout) as Array<{ id: string; name: string }>
    const group = sg.find((g) => g.name === "default")!.id
    const r = await runCli(["efs", "create", "cli-one", "--subnets", subnet, "--security-group", group, "--json"])
    expect(r.code, r.stderr).toBe(0)
    const [row] = JSON.parse(r.stdout) as Array<FsRow>
    expect(row?.mountTargets.map((t) => [t.subnetId, t.securityGroups])).toEqual([[subnet, [group]]])
  })

  it("an unknown subnet -> exit 5; a bad flag -> exit 2", async () => {
    const missing = await runCli(["efs", "create", "cli-x", "--subnets", "subnet-00000000000000000"])
    expect(missing.code, missing.stderr).toBe(5)
    expect(missing.stderr).toContain("subnet")
    expect((await runCli(["efs", "ls", "--bogus"])).code).toBe(2)
  })
})
