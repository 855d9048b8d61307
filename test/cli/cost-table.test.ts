/**
 * `aegea cost`'s table through the built CLI, against moto's canned GetCostAndUsage results: amounts
 * right-aligned, the TOTAL column and the newest periods kept on a narrow terminal (the oldest are
 * left out first), and the total row last under any --sort-by.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { motoEndpoint, useMoto } from "../support/moto.ts"

useMoto()

const days = ["2024-04-01", "2024-04-02", "2024-04-03", "2024-04-04", "2024-04-05"]
const range = ["cost", "--start", "2024-04-01", "--end", "2024-04-06", "--no-color"]

const group = (key: string, amount: string) => ({ Keys: [key], Metrics: { AmortizedCost: { Amount: amount, Unit: "USD" } } })

beforeAll(async () => {
  const res = await fetch(`${motoEndpoint()}/moto-api/static/ce/cost-and-usage-results`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      results: [{
        ResultsByTime: days.map((day, i) => ({
          TimePeriod: { Start: day, End: `2024-04-0${i + 2}` },
          Total: {},
          Groups: [group("Amazon EC2", String(100 + i)), group("Amazon S3", "0.5"), group("AWS Lambda", String(3 * i))],
          Estimated: false
        })),
        DimensionValueAttributes: []
      }]
    })
  })
  expect(res.status).toBe(201)
})

/** `aegea ...args` on a terminal COLUMNS wide: stdout and stderr merged. */
const runOnTerminal = (args: ReadonlyArray<string>, columns: number) => runCliOnTerminal(args, { columns })

const cells = (line: string) => line.trim().split(/\s{2,}/)

describe("aegea cost table", () => {
  it("right-aligns amounts and their headers", async () => {
    const r = await runCli(range)
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(cells(lines[0]!)).toEqual(["SERVICE", ...days, "TOTAL", "UNIT"])
    const end = lines[0]!.indexOf("TOTAL") + "TOTAL".length
    for (const line of lines) {
      expect(line.slice(0, end), line).toMatch(/(TOTAL|\d\.\d\d)$/)
      expect(line[end]).toBe(" ")
    }
    // S3's 2.50 ends where EC2's 510.00 ends
    expect(lines.find((l) => l.startsWith("Amazon S3"))!.slice(0, end)).toMatch(/ {4}2\.50$/)
  })

  it("keeps the total row last under any --sort-by", async () => {
    for (const sortBy of ["total", "TOTAL:desc", "group", "group:desc", "2024-04-05", "unit"]) {
      const r = await runCli([...range, "--sort-by", sortBy])
      expect(r.code, r.stderr).toBe(0)
      const groups = r.stdout.trimEnd().split("\n").slice(1).map((l) => cells(l)[0])
      expect(groups.at(-1), sortBy).toBe("total")
      expect(groups).toHaveLength(4)
    }
    const ascending = await runCli([...range, "--sort-by", "total"])
    expect(ascending.stdout.trimEnd().split("\n").slice(1).map((l) => cells(l)[0])).toEqual(["Amazon S3", "AWS Lambda", "Amazon EC2", "total"])
  })

  it("machine formats are unchanged: exact amounts, no total row", async () => {
    const r = await runCli([...range, "--json", "--sort-by", "total"])
    const rows = JSON.parse(r.stdout) as Array<{ group: string; total: string }>
    expect(rows.map((row) => row.group)).toEqual(["Amazon S3", "AWS Lambda", "Amazon EC2"])
    expect(rows[2]!.total).toBe("510")
  })

  it("on a terminal each row gets a sparkline across the periods; a pipe gets none", async () => {
    const r = await runOnTerminal(range, 150)
    expect(r.code, r.output).toBe(0)
    const lines = r.output.trimEnd().split("\n")
    expect(cells(lines[0]!)).toEqual(["SERVICE", ...days, "TOTAL", "TREND", "UNIT"])
    // EC2 grows 100..104 (from zero: high ticks all along), Lambda 0..12, S3 flat.
    expect(lines.find((l) => l.startsWith("AWS Lambda"))).toContain("▁▃▅▆█")
    expect(lines.find((l) => l.startsWith("Amazon S3"))).toContain("█████")
    const piped = await runCli(range)
    expect(piped.stdout).not.toContain("TREND")
    expect(piped.stdout).not.toMatch(/[▁▂▃▄▅▆▇█]/)
  })

  it("--chart draws a stacked bar per period that fits the terminal, with a legend", async () => {
    const r = await runOnTerminal([...range, "--chart"], 70)
    expect(r.code, r.output).toBe(0)
    const lines = r.output.trimEnd().split("\n")
    expect(lines).toHaveLength(days.length + 2)
    for (const [i, day] of days.entries()) {
      expect(lines[i]!.startsWith(day)).toBe(true)
      expect([...lines[i]!].length).toBeLessThanOrEqual(70)
    }
    expect(lines[4]).toMatch(/116\.50$/)
    expect(lines.at(-1)).toContain("Amazon EC2")
    expect(lines.at(-1)).toContain("AWS Lambda")
    const json = await runCli([...range, "--chart", "--json"])
    expect(json.code).toBe(2)
    expect(json.stderr).toContain("--chart draws on a terminal")
  })

  it("a narrow terminal leaves out the unit and the oldest periods, never TOTAL", async () => {
    const r = await runOnTerminal(range, 60)
    expect(r.code, r.output).toBe(0)
    const lines = r.output.trimEnd().split("\n")
    expect(cells(lines[0]!)).toEqual(["SERVICE", "2024-04-03", "2024-04-04", "2024-04-05", "TOTAL"])
    expect(cells(lines[4]!)).toEqual(["total", "108.50", "112.50", "116.50", "542.50"])
    for (const line of lines.slice(0, 5)) expect(line.length).toBeLessThanOrEqual(60)
    expect(r.output).toContain("(2024-04-01, 2024-04-02, TREND, UNIT left out to fit the terminal")
  })
})
