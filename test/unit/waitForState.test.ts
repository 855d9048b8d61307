// waitForState takes any Schedule for its polls (issue 17: every wait and poll accepts a Schedule).
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schedule, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Ec2, waitForState } from "../../src/services/Ec2.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"

describe("waitForState with a Schedule", () => {
  it.effect("polls on the given schedule until the state is reached", () =>
    Effect.gen(function*() {
      const ec2 = yield* Ec2
      const [box] = yield* Stream.runCollect(ec2.instances({ names: ["box"] }))
      yield* ec2.changeState("stop", [box!.id])
      let polls = 0
      const schedule = Schedule.spaced("30 seconds").pipe(Schedule.tap(() => Effect.sync(() => void polls++)))
      const fiber = yield* Effect.forkChild(waitForState([box!.id], "stopped", { schedule }))
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual(polls, 1) // the first answer (stopping) went to the schedule, which waits 30 s
      yield* TestClock.adjust("2 seconds")
      const [last] = yield* Fiber.join(fiber)
      assert.strictEqual(last?.state, "stopped")
    }).pipe(Effect.provide(Ec2Memory.layer({ instances: [{ name: "box" }] }))))

  it.effect("a schedule that ends gives up with the last listing", () =>
    Effect.gen(function*() {
      const ec2 = yield* Ec2
      const [box] = yield* Stream.runCollect(ec2.instances({ names: ["box"] }))
      yield* ec2.changeState("stop", [box!.id])
      const [last] = yield* waitForState([box!.id], "stopped", { schedule: Schedule.recurs(0) })
      assert.strictEqual(last?.state, "stopping")
    }).pipe(Effect.provide(Ec2Memory.layer({ instances: [{ name: "box" }] }))))
})
