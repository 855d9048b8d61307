/** The one time syntax of every aegea time flag (src/lib/timeExpr.ts): one table of what each text means. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { formatDay, parseDay } from "../../src/commands/costOptions.ts"
import { checkTimeRange, parseTimeExpression, parseTimeFlag, parseTimeRange } from "../../src/lib/timeExpr.ts"

const now = Date.parse("2024-05-10T12:00:00.000Z")
const at = (text: string) => parseTimeExpression(text, now)?.toISOString()

/** text -> the time it stands for at `now` (2024-05-10T12:00:00Z). */
const table: ReadonlyArray<readonly [text: string, iso: string]> = [
  // a relative amount means that long ago, however it is written
  ["2h", "2024-05-10T10:00:00.000Z"],
  ["-2h", "2024-05-10T10:00:00.000Z"],
  ["2 hours", "2024-05-10T10:00:00.000Z"],
  ["2 hours ago", "2024-05-10T10:00:00.000Z"],
  ["2h ago", "2024-05-10T10:00:00.000Z"],
  ["2hours", "2024-05-10T10:00:00.000Z"],
  ["  2  Hours  AGO ", "2024-05-10T10:00:00.000Z"],
  ["2 hr", "2024-05-10T10:00:00.000Z"],
  ["120m", "2024-05-10T10:00:00.000Z"],
  ["90m", "2024-05-10T10:30:00.000Z"],
  ["15 minutes", "2024-05-10T11:45:00.000Z"],
  ["-15m", "2024-05-10T11:45:00.000Z"],
  ["1 min", "2024-05-10T11:59:00.000Z"],
  ["30s", "2024-05-10T11:59:30.000Z"],
  ["-30s", "2024-05-10T11:59:30.000Z"],
  ["45 seconds", "2024-05-10T11:59:15.000Z"],
  ["3 days", "2024-05-07T12:00:00.000Z"],
  ["-3d", "2024-05-07T12:00:00.000Z"],
  ["1 day ago", "2024-05-09T12:00:00.000Z"],
  ["1w", "2024-05-03T12:00:00.000Z"],
  ["-1w", "2024-05-03T12:00:00.000Z"],
  ["2 weeks", "2024-04-26T12:00:00.000Z"],
  ["1.5h", "2024-05-10T10:30:00.000Z"],
  ["-1.5h", "2024-05-10T10:30:00.000Z"],
  ["0d", "2024-05-10T12:00:00.000Z"],
  ["-0d", "2024-05-10T12:00:00.000Z"],
  // only an explicit + or "in" is in the future (an --end-time while following, a forecast window)
  ["+1h", "2024-05-10T13:00:00.000Z"],
  ["+7d", "2024-05-17T12:00:00.000Z"],
  ["in 2 hours", "2024-05-10T14:00:00.000Z"],
  // words
  ["now", "2024-05-10T12:00:00.000Z"],
  ["NOW", "2024-05-10T12:00:00.000Z"],
  ["today", "2024-05-10T00:00:00.000Z"],
  ["yesterday", "2024-05-09T00:00:00.000Z"],
  // epoch milliseconds
  ["1714564800000", "2024-05-01T12:00:00.000Z"],
  // ISO-8601 dates and date-times, UTC unless a zone is given
  ["2024-05-01", "2024-05-01T00:00:00.000Z"],
  ["2024-05-01T12:30", "2024-05-01T12:30:00.000Z"],
  ["2024-05-01 12:30:15", "2024-05-01T12:30:15.000Z"],
  ["2024-05-01t12:30z", "2024-05-01T12:30:00.000Z"],
  ["2024-05-01T12:30:15.250Z", "2024-05-01T12:30:15.250Z"],
  ["2024-05-01T12:30:00+02:00", "2024-05-01T10:30:00.000Z"],
  ["2024-05-01T12:30:00-0500", "2024-05-01T17:30:00.000Z"],
  ["2024-02-29", "2024-02-29T00:00:00.000Z"]
]

const invalid: ReadonlyArray<string> = [
  "", "   ", "later", "tomorrow", "2", "2x", "-2x", "2 fortnights", "2mo", "--2h", "+-2h", "-2h ago", "+2h ago",
  "in -2h", "in 2h ago", "h", "2 h h", "2024-13-01", "2024-02-30", "2023-02-29", "12:00", "2024-05-01T25:00",
  "12345", "999999999999999999999d", "2024/05/01"
]

describe("parseTimeExpression", () => {
  for (const [text, iso] of table) {
    it(`${JSON.stringify(text)} is ${iso}`, () => assert.strictEqual(at(text), iso))
  }
  it("rejects what is not a time", () => {
    for (const bad of invalid) assert.strictEqual(at(bad), undefined, bad)
  })
  it("today and yesterday are UTC midnights, also just after midnight", () => {
    const early = Date.parse("2024-05-10T00:00:01.000Z")
    assert.strictEqual(parseTimeExpression("today", early)?.toISOString(), "2024-05-10T00:00:00.000Z")
    assert.strictEqual(parseTimeExpression("yesterday", early)?.toISOString(), "2024-05-09T00:00:00.000Z")
  })
})

describe("parseTimeFlag", () => {
  it.effect("a bad value is a UsageError naming the flag, with examples", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseTimeFlag("start-time", "later", now))
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "--start-time")
      assert.include(error.message, "later")
      assert.include(error.hint ?? "", "2h")
      assert.include(error.hint ?? "", "yesterday")
    }))
})

describe("checkTimeRange and parseTimeRange", () => {
  it.effect("a start after the end is a UsageError naming both", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(checkTimeRange(new Date(now - 1000), new Date(now - 2000), now))
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "--start-time 2024-05-10T11:59:59.000Z")
      assert.include(error.message, "--end-time 2024-05-10T11:59:58.000Z")
      yield* checkTimeRange(new Date(now - 2000), new Date(now - 1000), now)
      yield* checkTimeRange(new Date(now), new Date(now), now)
    }))
  it.effect("a start in the future is a UsageError, even without an end", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(checkTimeRange(new Date(now + 1), undefined, now, { start: "since" }))
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "--since")
      assert.include(error.message, "in the future")
    }))
  it.effect("an unsigned relative end time is in the past too: --start-time 2h --end-time 1h", () =>
    Effect.gen(function*() {
      const range = yield* parseTimeRange({ start: "2h", end: "1h" }, now)
      assert.deepStrictEqual([range.start.toISOString(), range.end?.toISOString()], ["2024-05-10T10:00:00.000Z", "2024-05-10T11:00:00.000Z"])
      const swapped = yield* Effect.flip(parseTimeRange({ start: "1h", end: "2h" }, now))
      assert.include(swapped.message, "is after --end-time")
      const future = yield* Effect.flip(parseTimeRange({ start: "+1h", end: undefined }, now))
      assert.include(future.message, "in the future")
      const open = yield* parseTimeRange({ start: "yesterday", end: "+1h" }, now)
      assert.strictEqual(open.end?.toISOString(), "2024-05-10T13:00:00.000Z")
    }))
})

describe("cost days: the same syntax, rounded down to the UTC day", () => {
  const early = Date.parse("2024-05-10T01:00:00.000Z")
  const days: ReadonlyArray<readonly [text: string, day: string]> = [
    ["2024-03-01", "2024-03-01"],
    ["2024-03-01T23:59:59Z", "2024-03-01"],
    ["30d", "2024-04-10"],
    ["-30d", "2024-04-10"],
    ["30 days ago", "2024-04-10"],
    ["-0d", "2024-05-10"],
    ["now", "2024-05-10"],
    ["today", "2024-05-10"],
    ["yesterday", "2024-05-09"],
    ["2h", "2024-05-09"],
    ["+2d", "2024-05-12"],
    ["in 30 days", "2024-06-09"]
  ]
  for (const [text, expected] of days) {
    it.effect(`${JSON.stringify(text)} at 01:00 is ${expected}`, () =>
      Effect.gen(function*() {
        assert.strictEqual(formatDay(yield* parseDay("start", text, early)), expected)
      }))
  }
  it.effect("anything else is a UsageError naming the flag", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseDay("end", "2024-02-30", early))
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "--end")
    }))
})

describe("out-of-range times", () => {
  const outOfRange = ["-999999999999d", "-99999999d", "99999999d", "+99999999 days", "99999999999999999", "-200000 weeks"]
  for (const text of outOfRange) {
    it.effect(`${JSON.stringify(text)} is a UsageError naming the flag, never an invalid Date`, () =>
      Effect.gen(function*() {
        assert.isUndefined(parseTimeExpression(text, now))
        const error = yield* Effect.flip(parseTimeRange({ start: text, end: undefined }, now))
        assert.strictEqual(error._tag, "UsageError")
        assert.include(error.message, `invalid time for --start-time: ${JSON.stringify(text)} is out of range (years 0 to 9999)`)
      }))
  }
  it("the edges of the range are times", () => {
    assert.strictEqual(at("0000-01-01"), "0000-01-01T00:00:00.000Z")
    assert.strictEqual(at("9999-12-31T23:59"), "9999-12-31T23:59:00.000Z")
  })
})
