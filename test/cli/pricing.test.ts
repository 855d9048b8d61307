// `aegea pricing` as a user runs it, against moto: spot prices are served, the Price List is not
// (on-demand prices are tested on the in-memory layer in test/unit/pricing-command.test.ts).
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

describe("aegea pricing (CLI)", () => {
  it("--spot --instance-type lists the latest price per zone", async () => {
    const r = await runCli(["pricing", "--spot", "--instance-type", "t3.micro", "--json"])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<{ instanceType: string; availabilityZone: string; price: string }>
    expect(rows.length).toBeGreaterThanOrEqual(2)
    expect(new Set(rows.map((x) => x.instanceType))).toEqual(new Set(["t3.micro"]))
    const table = await runCli(["pricing", "--spot", "--instance-type", "t3.micro"])
    expect(table.stdout.split("\n")[0]).toMatch(/^INSTANCE TYPE\s+AZ\s+USD\/HOUR\s+PRODUCT\s+SINCE$/)
  })

  it("on-demand prices against moto: one clear line naming Pricing GetProducts (moto has no Price List)", async () => {
    const r = await runCli(["pricing", "--instance-type", "t3.micro"])
    expect(r.code).toBe(6)
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("could not get AmazonEC2 prices")
    expect(lines[0]).toContain("Pricing GetProducts")
    expect(lines[0]).toContain("may not support this call")
  }, 60_000)

  it("--spot with another service -> exit 2; help names the columns", async () => {
    const bad = await runCli(["pricing", "AmazonS3", "--spot"])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--spot is for EC2 prices")
    const help = await runCli(["pricing", "--help"])
    expect(help.stdout).toContain("Columns:")
  })
})
