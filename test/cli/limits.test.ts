// `aegea limits --service CODE` as a user runs it, against moto (which serves the VPC quotas' defaults,
// not the account's applied values: aegea says so in one warning line and shows the defaults).
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

describe("aegea limits --service", () => {
  it("lists a service's quotas by name; an unknown service is exit 5; help names the flag and the columns", async () => {
    const r = await runCli(["limits", "--service", "vpc", "--json"])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    expect(rows.find((q) => q.code === "L-F678F1CE")).toEqual({
      name: "VPCs per Region", value: 5, usage: null, defaultValue: 5, unit: "None", adjustable: true, code: "L-F678F1CE"
    })
    const names = rows.map((q) => String(q.name))
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)))
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("warning: showing AWS's default values")

    const unknown = await runCli(["limits", "--service", "no-such-service"])
    expect(unknown.code).toBe(5)
    expect(unknown.stderr).toContain("Service Quotas")

    const help = await runCli(["limits", "--help"])
    expect(help.stdout).toContain("--service")
    expect(help.stdout).toMatch(/Columns: name, value, usage, DEFAULT \(defaultValue\)/)
  })
})
