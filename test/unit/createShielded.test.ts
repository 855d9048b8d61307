// Issue 19: Ctrl-C while a creating call (SubmitJob, RunTask) is in flight must not leave what it
// created running unnoticed: the interruption waits for the answer, then stops it (with the flag) or
// names it with the command that stops it.
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Layer from "effect/Layer"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"
import { createShieldedFromInterrupt } from "../../src/commands/confirm.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const run = (stopOnInterrupt: boolean) =>
  Effect.gen(function*() {
    const stopped: Array<string> = []
    let answered = false
    // The call takes 2 s to answer; the job exists once it has.
    const create = Effect.sleep("2 seconds").pipe(Effect.andThen(Effect.sync(() => {
      answered = true
      return "j-1"
    })))
    const fiber = yield* Effect.forkChild(createShieldedFromInterrupt(create, (id) => ({
      stopOnInterrupt,
      label: `job ${id}`,
      verb: "Terminate",
      done: "terminated",
      stop: Effect.sync(() => void stopped.push(id)),
      stopCommand: `aegea batch terminate ${id}`
    })))
    yield* TestClock.adjust("1 second")
    const interrupting = yield* Effect.forkChild(Fiber.interrupt(fiber))
    yield* TestClock.adjust("1 second")
    yield* Fiber.join(interrupting)
    const stderr = yield* (yield* OutputCapture).stderr
    return { answered, stopped, stderr }
  }).pipe(Effect.provide(Layer.merge(OutputTest.layer(), NodeServices.layer)))

describe("a creating call interrupted by Ctrl-C", () => {
  it.effect("waits for the answer, then stops what was created when asked to", () =>
    Effect.gen(function*() {
      const { answered, stopped, stderr } = yield* run(true)
      assert.isTrue(answered)
      assert.deepStrictEqual(stopped, ["j-1"])
      assert.include(stderr.join("\n"), "terminated job j-1")
    }))

  it.effect("without the flag (and no terminal), names it and the command that stops it", () =>
    Effect.gen(function*() {
      const { stopped, stderr } = yield* run(false)
      assert.deepStrictEqual(stopped, [])
      assert.include(stderr.join("\n"), "Ctrl-C arrived during the request; job j-1 keeps running (aegea batch terminate j-1 stops it)")
    }))

  it.effect("without a Ctrl-C it is the call itself", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(createShieldedFromInterrupt(Effect.succeed("t-1"), () => {
        throw new Error("not interrupted: no handler")
      }))
      assert.strictEqual(yield* Fiber.join(fiber), "t-1")
    }).pipe(Effect.provide(Layer.merge(OutputTest.layer(), NodeServices.layer))))
})
