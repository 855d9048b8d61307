import { describe, expect, it } from "vitest"
import { isoString } from "../../src/lib/isoTime.ts"

describe("isoString", () => {
  it("is toISOString for times in order, out of order, across minutes, days and years", () => {
    const base = Date.UTC(2026, 11, 31, 23, 58, 58, 990)
    const times = [
      ...Array.from({ length: 200_000 }, (_, i) => base + i * 7),
      base, base - 1, 0, -1, -60_000, -60_001, -62_135_596_800_001, 253_402_300_799_999, 253_402_300_800_000,
      8.64e15, -8.64e15, 1_000, 59_999, 60_000
    ]
    for (const t of times) {
      const date = new Date(t)
      const got = isoString(date)
      if (got !== date.toISOString()) expect(got).toBe(date.toISOString())
    }
  })

  it("throws as toISOString does on an invalid date", () => {
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError)
  })
})
