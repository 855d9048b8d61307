/**
 * `Polling`: the schedules of every wait, replaced for a whole computation with `withPolling`. The
 * waits read them at run time, so a program can poll less often, or (here) not repeat at all.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref, Schedule } from "effect"
import { waitForState } from "../../src/services/Ec2.ts"
import { defaultPolling, Polling, pollUntil, withPolling } from "../../src/services/Polling.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"

describe("Polling", () => {
  it.effect("is aegea's schedules by default, and withPolling replaces only the ones given", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Polling, defaultPolling)
      const fast = Schedule.recurs(1)
      const inside = yield* withPolling({ state: fast })(Effect.gen(function*() { return yield* Polling }))
      assert.strictEqual(inside.state, fast)
      assert.strictEqual(inside.agent, defaultPolling.agent)
    }))

  it.effect("pollUntil repeats on the current schedule, within the bound", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const count = Ref.updateAndGet(calls, (n) => n + 1)
      // until never holds: the schedule (1 repetition) ends it after 2 calls
      assert.strictEqual(yield* withPolling({ command: Schedule.recurs(1) })(pollUntil(count, "command", () => false)), 2)
      // the bound ends it before the schedule does
      yield* Ref.set(calls, 0)
      assert.strictEqual(yield* withPolling({ command: Schedule.recurs(10) })(pollUntil(count, "command", () => false, 3)), 4)
    }))

  it.effect("Ec2.waitForState polls on Polling's state schedule", () =>
    Effect.gen(function*() {
      // A stopped instance never becomes running by itself: with the default schedule this wait would
      // poll until its 10-minute timeout; with two repetitions it returns the third listing at once.
      const last = yield* waitForState(["i-0000000000a000001"], "running").pipe(withPolling({ state: Schedule.recurs(2) }))
      assert.deepStrictEqual(last.map((i) => i.state), ["stopped"])
    }).pipe(Effect.provide(Ec2Memory.layer({ instances: [{ id: "i-0000000000a000001", name: "box", state: "stopped" }] }))))
})
