import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { checkTimeRange, parseTimeExpression, parseTimeFlag } from "../../src/lib/timeExpr.ts"

const now = Date.parse("2024-05-10T12:00:00.000Z")
const at = (text: string) => parseTimeExpression(text, now)?.toISOString()

describe("parseTimeExpression", () => {
  it("relative times count back from now", () => {
    assert.strictEqual(at("-15m"), "2024-05-10T11:45:00.000Z")
    assert.strictEqual(at("-2h"), "2024-05-10T10:00:00.000Z")
    assert.strictEqual(at("-3d"), "2024-05-07T12:00:00.000Z")
    assert.strictEqual(at("-1w"), "2024-05-03T12:00:00.000Z")
    assert.strictEqual(at("-30s"), "2024-05-10T11:59:30.000Z")
    assert.strictEqual(at("-1.5h"), "2024-05-10T10:30:00.000Z")
  })
  it("unsigned and + relative times are in the future", () => {
    assert.strictEqual(at("7d"), "2024-05-17T12:00:00.000Z")
    assert.strictEqual(at("+1h"), "2024-05-10T13:00:00.000Z")
  })
  it("now, epoch milliseconds, ISO dates and date-times (UTC unless a zone is given)", () => {
    assert.strictEqual(at("now"), "2024-05-10T12:00:00.000Z")
    assert.strictEqual(at("1714564800000"), "2024-05-01T12:00:00.000Z")
    assert.strictEqual(at("2024-05-01"), "2024-05-01T00:00:00.000Z")
    assert.strictEqual(at("2024-05-01T12:30"), "2024-05-01T12:30:00.000Z")
    assert.strictEqual(at("2024-05-01 12:30:15"), "2024-05-01T12:30:15.000Z")
    assert.strictEqual(at("2024-05-01T12:30:15.250Z"), "2024-05-01T12:30:15.250Z")
    assert.strictEqual(at("2024-05-01T12:30:00+02:00"), "2024-05-01T10:30:00.000Z")
    assert.strictEqual(at("2024-05-01T12:30:00-0500"), "2024-05-01T17:30:00.000Z")
  })
  it("rejects what is not a time", () => {
    for (const bad of ["", "yesterday", "-2x", "2h ago", "2024-13-01", "2024-02-30", "12:00", "--2h"]) {
      assert.strictEqual(at(bad), undefined, bad)
    }
  })
})

describe("parseTimeFlag", () => {
  it.effect("a bad value is a UsageError naming the flag, with examples", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseTimeFlag("start-time", "yesterday", now))
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.message, "--start-time")
      assert.include(error.message, "yesterday")
      assert.include(error.hint ?? "", "-2h")
    }))
  it.effect("an empty range is a UsageError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(checkTimeRange(new Date(now), new Date(now - 1)))
      assert.strictEqual(error._tag, "UsageError")
      yield* checkTimeRange(new Date(now - 1), new Date(now))
    }))
})
