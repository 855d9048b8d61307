import { describe, expect, it } from "vitest"
import { barChart, sparkline } from "../../src/lib/sparkline.ts"

describe("sparkline", () => {
  it("scales from zero (or the lowest value) to the highest, one character per value", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█")
    expect(sparkline([1, 5, 3])).toBe("▂█▅")
    expect(sparkline([-2, 0, 2])).toBe("▁▅█")
    expect(sparkline([4, 4, 4])).toBe("███")
    expect(sparkline([0, 0])).toBe("▁▁")
    expect(sparkline([1, Number.NaN, 2])).toBe("▅ █")
    expect(sparkline([])).toBe("")
  })
})

describe("barChart", () => {
  const input = {
    labels: ["2024-04-01", "2024-04-02"],
    groups: ["EC2", "S3"],
    values: [[30, 10], [60, 20]],
    totals: ["40.00", "80.00"]
  }

  it("scales the longest bar to the width, stacks the groups and ends with a legend", () => {
    const lines = barChart(input, { width: 40, color: false })
    expect(lines).toHaveLength(4)
    for (const line of lines.slice(0, 2)) expect([...line].length).toBeLessThanOrEqual(40)
    // 40 - 10 (label) - 5 (total) - 2 spaces = 23 cells for the longest bar; the first is half of it.
    expect(lines[1]).toBe(`2024-04-02 ${"█".repeat(17)}${"▓".repeat(6)} 80.00`)
    expect(lines[0]).toBe(`2024-04-01 ${"█".repeat(9)}${"▓".repeat(3)}${" ".repeat(11)} 40.00`)
    expect(lines[3]).toBe("█ EC2  ▓ S3")
  })

  it("colours each group's segment when colour is on", () => {
    const lines = barChart(input, { width: 40, color: true })
    expect(lines[1]).toContain("\u001b[36m█")
    expect(lines[1]).toContain("\u001b[35m█")
    expect(lines[3]).toContain("\u001b[35m█\u001b[39m S3")
  })

  it("an all-zero chart draws no bars", () => {
    const lines = barChart({ ...input, values: [[0, 0], [0, 0]], totals: ["0.00", "0.00"] }, { width: 40, color: false })
    expect(lines[0]).not.toMatch(/[█▓▒░]/)
    expect(lines[0]).toMatch(/^2024-04-01 +0\.00$/)
  })
})
