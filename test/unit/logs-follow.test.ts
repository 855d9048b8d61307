import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Ref, Stream } from "effect"
import { TestClock } from "effect/testing"
import { followDelay, followEvents } from "../../src/workflows/followEvents.ts"
import { type LogEvent, Logs } from "../../src/services/Logs.ts"
import { LogsMemory, LogsMemoryState } from "../../src/testing/LogsMemory.ts"

const group = "/aws/batch/job"

/** Follow `group` from t=0 in the background, collecting messages and the remembered-id counts. */
const startFollowing = (options: { readonly end?: Date } = {}) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const seen = yield* Ref.make<ReadonlyArray<LogEvent>>([])
    const remembered = yield* Ref.make<ReadonlyArray<number>>([])
    const fiber = yield* followEvents((from) => logs.events({ group, start: from }), {
      start: new Date(0),
      ...(options.end ? { end: options.end } : {}),
      lookBack: "30 seconds",
      onPoll: (stats) => Ref.update(remembered, (r) => [...r, stats.remembered])
    }).pipe(
      Stream.runForEach((e) => Ref.update(seen, (all) => [...all, e])),
      Effect.forkChild
    )
    yield* TestClock.adjust("0 millis")
    const messages = Effect.map(Ref.get(seen), (all) => all.map((e) => e.message))
    return { fiber, messages, remembered: Ref.get(remembered) }
  })

const layer = (pageSize: number) =>
  LogsMemory.layer({
    pageSize,
    groups: { [group]: { "stream-a": [{ timestamp: 0, message: "a0" }, { timestamp: 0, message: "a1" }], "stream-b": [{ timestamp: 0, message: "b0" }] } }
  })

describe("followEvents", () => {
  it.effect("prints every event once across pages, including late arrivals with older timestamps", () =>
    Effect.gen(function*() {
      const state = yield* LogsMemoryState
      const follow = yield* startFollowing()
      assert.deepStrictEqual(yield* follow.messages, ["a0", "a1", "b0"])

      yield* TestClock.adjust("5 seconds")
      yield* state.putEvents(group, "stream-a", [{ timestamp: 5_000, message: "a2" }])
      // ingested now, but stamped 3 s ago: inside the look-back window, so still found
      yield* state.putEvents(group, "stream-b", [{ timestamp: 2_000, message: "b1-late" }, { timestamp: 5_000, message: "b2" }])
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* follow.messages, ["a0", "a1", "b0", "b1-late", "a2", "b2"])

      // many more polls: nothing printed twice
      yield* TestClock.adjust("20 seconds")
      assert.deepStrictEqual(yield* follow.messages, ["a0", "a1", "b0", "b1-late", "a2", "b2"])
      yield* Fiber.interrupt(follow.fiber)
    }).pipe(Effect.provide(layer(2))))

  it.effect("shows a new event within 2 seconds even after a long idle period", () =>
    Effect.gen(function*() {
      const state = yield* LogsMemoryState
      const follow = yield* startFollowing()
      yield* TestClock.adjust("10 minutes")
      yield* state.putEvents(group, "stream-a", [{ timestamp: 600_000, message: "after idle" }])
      yield* TestClock.adjust("2 seconds")
      assert.include(yield* follow.messages, "after idle")
      yield* Fiber.interrupt(follow.fiber)
    }).pipe(Effect.provide(layer(2))))

  it.effect("forgets ids older than the look-back window (bounded memory)", () =>
    Effect.gen(function*() {
      const state = yield* LogsMemoryState
      const follow = yield* startFollowing()
      for (let i = 1; i <= 5; i++) {
        yield* state.putEvents(group, "stream-a", [{ timestamp: i * 10_000, message: `m${i}` }])
        yield* TestClock.adjust("10 seconds")
      }
      yield* TestClock.adjust("2 minutes")
      const counts = yield* follow.remembered
      assert.isAbove(Math.max(...counts), 0)
      assert.strictEqual(counts[counts.length - 1], 0)
      assert.deepStrictEqual(yield* follow.messages, ["a0", "a1", "b0", "m1", "m2", "m3", "m4", "m5"])
      yield* Fiber.interrupt(follow.fiber)
    }).pipe(Effect.provide(layer(2))))

  it.effect("backs off on throttling instead of failing, then catches up", () =>
    Effect.gen(function*() {
      const state = yield* LogsMemoryState
      const follow = yield* startFollowing()
      yield* state.throttle(3)
      yield* state.putEvents(group, "stream-a", [{ timestamp: 1_000, message: "during throttling" }])
      yield* TestClock.adjust("30 seconds")
      assert.include(yield* follow.messages, "during throttling")
      const calls = yield* state.calls
      assert.isBelow(calls.filter((c) => c === "FilterLogEvents").length, 40)
      yield* Fiber.interrupt(follow.fiber)
    }).pipe(Effect.provide(layer(50))))

  it.effect("stops after --end-time has passed", () =>
    Effect.gen(function*() {
      const follow = yield* startFollowing({ end: new Date(3_000) })
      yield* TestClock.adjust("10 seconds")
      assert.isTrue((yield* Fiber.await(follow.fiber))._tag === "Success")
    }).pipe(Effect.provide(layer(50))))

  it("waits 1 s after events, backing off to 2 s when idle", () => {
    assert.strictEqual(followDelay(0, 1000, 2000), 1000)
    assert.strictEqual(followDelay(1, 1000, 2000), 1500)
    assert.strictEqual(followDelay(5, 1000, 2000), 2000)
  })
})

