// `aegea cost` as a user runs it, against moto's canned GetCostAndUsage results.
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { motoEndpoint, useMoto } from "../support/moto.ts"

useMoto()

const group = (key: string, amount: string) => ({ Keys: [key], Metrics: { AmortizedCost: { Amount: amount, Unit: "USD" } } })

beforeAll(async () => {
  const res = await fetch(`${motoEndpoint()}/moto-api/static/ce/cost-and-usage-results`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      results: [{
        ResultsByTime: [
          { TimePeriod: { Start: "2024-03-08", End: "2024-03-09" }, Total: {}, Groups: [group("Amazon EC2", "10.004"), group("Amazon S3", "0.1234567891")], Estimated: false },
          { TimePeriod: { Start: "2024-03-09", End: "2024-03-10" }, Total: {}, Groups: [group("Amazon EC2", "12.5")], Estimated: false }
        ],
        DimensionValueAttributes: []
      }]
    })
  })
  expect(res.status).toBe(201)
})

describe("aegea cost (CLI)", () => {
  it("prints the pivot with totals rounded to cents", async () => {
    const r = await runCli(["cost", "--start", "2024-03-08", "--end", "2024-03-10"])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split("\n").map((l) => l.split(/\s{2,}/))
    expect(lines[0]).toEqual(["SERVICE", "2024-03-08", "2024-03-09", "TOTAL", "UNIT"])
    expect(lines[1]).toEqual(["Amazon EC2", "10.00", "12.50", "22.50", "USD"])
    expect(lines.at(-1)).toEqual(["total", "10.13", "12.50", "22.63", "USD"])
  })

  it("prints exact strings in JSON, CSV and YAML", async () => {
    const json = await runCli(["cost", "--start", "2024-03-08", "--end", "2024-03-10", "--json"])
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    expect(rows[1]).toMatchObject({ group: "Amazon S3", "2024-03-08": "0.1234567891", "2024-03-09": "0", total: "0.1234567891", unit: "USD" })
    const csv = await runCli(["cost", "--start", "2024-03-08", "--end", "2024-03-10", "--output", "csv"])
    expect(csv.code).toBe(0)
    expect(csv.stdout).toContain("0.1234567891")
    const yaml = await runCli(["cost", "--start", "2024-03-08", "--end", "2024-03-10", "--output", "yaml"])
    expect(yaml.stdout).toContain("22.504")
  })

  it("bad input exits 2; forecast (not in moto) fails with exit 6", async () => {
    expect((await runCli(["cost", "--group-by", "A,B,C"])).code).toBe(2)
    expect((await runCli(["cost", "--metric", "Dollars"])).code).toBe(2)
    expect((await runCli(["cost", "--start", "tomorrow"])).code).toBe(2)
    expect((await runCli(["cost", "forecast"])).code).toBe(6)
  })
})
