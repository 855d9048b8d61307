import { describe, expect, it } from "vitest"
import {
  compareDecimals,
  displayKey,
  parseDecimal,
  type PeriodInput,
  pivot,
  roundDecimal,
  sumDecimals
} from "../../src/lib/costPivot.ts"

const usd = (amount: string) => ({ amount, unit: "USD" })
const period = (start: string, groups: Record<string, string>): PeriodInput => ({
  start,
  groups: Object.entries(groups).map(([key, amount]) => ({ keys: [key], amount: usd(amount) }))
})

describe("exact decimals", () => {
  it("adds without floating-point error", () => {
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3")
    expect(0.1 + 0.2).not.toBe(0.3)
    expect(sumDecimals(["12.3456789012", "0.0000000001", "-2"])).toBe("10.3456789013")
    expect(sumDecimals(["1E-7", "0.0000003"])).toBe("0.0000004")
    expect(sumDecimals([])).toBe("0")
    expect(sumDecimals(["-0.5", "0.25"])).toBe("-0.25")
  })

  it("keeps precision far beyond a double", () => {
    const many = Array.from({ length: 1000 }, () => "0.0000000000000000001")
    expect(sumDecimals(many)).toBe("0.0000000000000001000")
    expect(sumDecimals(["9007199254740993", "1"])).toBe("9007199254740994")
  })

  it("parses and rejects", () => {
    expect(parseDecimal("12.50")).toEqual({ units: 1250n, scale: 2 })
    expect(parseDecimal("1.5e2")).toEqual({ units: 150n, scale: 0 })
    expect(parseDecimal("abc")).toBeUndefined()
    expect(parseDecimal("")).toBeUndefined()
  })

  it("compares exactly", () => {
    expect(compareDecimals("0.30", "0.3")).toBe(0)
    expect(compareDecimals("10", "9.9999999999999999")).toBe(1)
    expect(compareDecimals("-1", "0")).toBe(-1)
  })

  it("rounds half away from zero to cents", () => {
    expect(roundDecimal("2.345")).toBe("2.35")
    expect(roundDecimal("2.344999")).toBe("2.34")
    expect(roundDecimal("-2.345")).toBe("-2.35")
    expect(roundDecimal("-0.001")).toBe("0.00")
    expect(roundDecimal("7")).toBe("7.00")
    expect(roundDecimal("0.0000001512")).toBe("0.00")
  })
})

describe("pivot", () => {
  const periods = [
    period("2024-03-01", { EC2: "10.005", S3: "1.10", Lambda: "0.0000001" }),
    period("2024-03-02", { EC2: "12.5", S3: "0.90", CloudWatch: "3" })
  ]

  it("makes one row per group, one amount per period (0 when absent), sorted by total", () => {
    const result = pivot(periods)
    expect(result.periods).toEqual(["2024-03-01", "2024-03-02"])
    expect(result.rows.map((r) => [r.group, r.total])).toEqual([
      ["EC2", "22.505"],
      ["CloudWatch", "3"],
      ["S3", "2.00"],
      ["Lambda", "0.0000001"]
    ])
    expect(result.rows[1]?.amounts).toEqual({ "2024-03-01": "0", "2024-03-02": "3" })
  })

  it("totals every period and the whole range exactly", () => {
    const totals = pivot(periods).totals
    expect(totals?.amounts).toEqual({ "2024-03-01": "11.1050001", "2024-03-02": "16.40" })
    expect(totals?.total).toBe("27.5050001")
    expect(totals?.unit).toBe("USD")
  })

  it("folds all but the top N into other, keeping the grand total", () => {
    const result = pivot(periods, { top: 2 })
    expect(result.rows.map((r) => r.group)).toEqual(["EC2", "CloudWatch", "other"])
    expect(result.rows[2]?.total).toBe("2.0000001")
    expect(result.rows[2]?.amounts).toEqual({ "2024-03-01": "1.1000001", "2024-03-02": "0.90" })
    expect(result.totals?.total).toBe("27.5050001")
  })

  it("does not fold a single group into other", () => {
    expect(pivot(periods, { top: 3 }).rows.map((r) => r.group)).toEqual(["EC2", "CloudWatch", "S3", "Lambda"])
  })

  it("joins two group keys and shows tag keys as key=value", () => {
    const result = pivot([
      { start: "2024-03-01", groups: [{ keys: ["EC2", "team$web"], amount: usd("2") }, { keys: ["EC2", "team$"], amount: usd("1") }] }
    ])
    expect(result.rows.map((r) => r.group)).toEqual(["EC2 / team=web", "EC2 / team=(untagged)"])
    expect(displayKey("Amazon S3")).toBe("Amazon S3")
  })

  it("uses the period total when ungrouped, and has no total row for mixed units", () => {
    expect(pivot([{ start: "2024-03-01", groups: [], total: usd("5.5") }]).rows[0]?.total).toBe("5.5")
    const mixed = pivot([
      { start: "2024-03-01", groups: [{ keys: ["a"], amount: { amount: "1", unit: "Hrs" } }, { keys: ["b"], amount: { amount: "1", unit: "GB" } }] }
    ])
    expect(mixed.totals).toBeUndefined()
  })
})
