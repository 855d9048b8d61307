/**
 * The Step Functions contract: the same scenarios against StepFunctionsMemory (test/unit) and
 * StepFunctionsLive on moto (test/integration). moto's executions stay RUNNING until stopped and
 * its histories are canned, so the scenarios hold for a RUNNING execution; the memory layer's
 * scripted ends are tested under TestClock in test/unit/sfn-watch.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Stream } from "effect"
import { StepFunctions } from "../../src/services/StepFunctions.ts"

export interface StepFunctionsHarness {
  /** A layer over Step Functions holding (at least) these state machines, whose executions stay RUNNING until stopped. */
  readonly make: (stateMachines: ReadonlyArray<string>) => Promise<Layer.Layer<StepFunctions>>
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<StepFunctions>, f: (s: StepFunctions["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* StepFunctions)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<StepFunctions>, f: (s: StepFunctions["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* StepFunctions)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string }
}

const machineArn = (layer: Layer.Layer<StepFunctions>, name: string) =>
  run(layer, (s) => Stream.runCollect(s.stateMachines())).then((ms) => {
    const found = ms.find((m) => m.name === name)
    if (found === undefined) throw new Error(`no state machine ${name}`)
    return found.arn
  })

export const stepFunctionsContract = (label: string, harness: StepFunctionsHarness) =>
  describe(`Step Functions contract (${label})`, () => {
    it("lists state machines with their creation date (and type)", async () => {
      const name = fresh("sm")
      const layer = await harness.make([name])
      const machines = await run(layer, (s) => Stream.runCollect(s.stateMachines()))
      const found = machines.find((m) => m.name === name)
      assert.match(found?.arn ?? "", new RegExp(`:stateMachine:${name}$`))
      // AWS lists the type; moto leaves it out.
      if (found?.type !== undefined) assert.strictEqual(found.type, "STANDARD")
      assert.instanceOf(found?.created, Date)
    })

    it("starts executions, lists them newest first and by status, describes one", async () => {
      const name = fresh("runs")
      const layer = await harness.make([name])
      const arn = await machineArn(layer, name)
      const first = await run(layer, (s) => s.startExecution(arn, { name: "first", input: "{\"n\":1}" }))
      const second = await run(layer, (s) => s.startExecution(arn, { name: "second" }))
      assert.match(first.arn, new RegExp(`:execution:${name}:first$`))
      const all = await run(layer, (s) => Stream.runCollect(s.executions(arn)))
      assert.sameMembers(all.map((x) => x.arn), [first.arn, second.arn])
      assert.isTrue(all.every((x) => x.status === "RUNNING" && x.stateMachineArn === arn && x.started instanceof Date))
      assert.strictEqual((await run(layer, (s) => Stream.runCollect(s.executions(arn, "SUCCEEDED")))).length, 0)
      assert.strictEqual((await run(layer, (s) => Stream.runCollect(s.executions(arn, "RUNNING")))).length, 2)
      const described = await run(layer, (s) => s.describeExecution(first.arn))
      assert.strictEqual(described.name, "first")
      assert.strictEqual(described.status, "RUNNING")
      assert.strictEqual(described.input, "{\"n\":1}")
      assert.isUndefined(described.stopped)
    })

    it("history starts with ExecutionStarted, ids increasing", async () => {
      const name = fresh("history")
      const layer = await harness.make([name])
      const arn = await machineArn(layer, name)
      const x = await run(layer, (s) => s.startExecution(arn, { name: "h" }))
      const events = await run(layer, (s) => Stream.runCollect(s.history(x.arn)))
      assert.strictEqual(events[0]?.type, "ExecutionStarted")
      assert.strictEqual(events[0]?.id, 1)
      assert.isTrue(events.every((e, i) => i === 0 || e.id > events[i - 1]!.id))
      assert.isTrue(events.every((e) => e.timestamp instanceof Date))
    })

    it("stop aborts a running execution", async () => {
      const name = fresh("stop")
      const layer = await harness.make([name])
      const arn = await machineArn(layer, name)
      const x = await run(layer, (s) => s.startExecution(arn, { name: "s" }))
      const stopped = await run(layer, (s) => s.stopExecution(x.arn, { error: "Manual", cause: "by the contract" }))
      assert.instanceOf(stopped.stopped, Date)
      const described = await run(layer, (s) => s.describeExecution(x.arn))
      assert.strictEqual(described.status, "ABORTED")
      assert.instanceOf(described.stopped, Date)
      assert.strictEqual((await run(layer, (s) => Stream.runCollect(s.executions(arn, "ABORTED")))).length, 1)
    })

    it("an unknown execution or state machine is ResourceNotFound", async () => {
      const name = fresh("missing")
      const layer = await harness.make([name])
      const arn = await machineArn(layer, name)
      const missingExecution = `${arn.replace(":stateMachine:", ":execution:")}:nope`
      const calls: ReadonlyArray<(s: StepFunctions["Service"]) => Effect.Effect<unknown, unknown>> = [
        (s) => s.describeExecution(missingExecution),
        (s) => Stream.runCollect(s.history(missingExecution)),
        (s) => s.stopExecution(missingExecution)
      ]
      for (const f of calls) {
        const e = await failureOf(layer, f)
        assert.strictEqual(e._tag, "ResourceNotFound")
        assert.strictEqual(e.kind, "execution")
      }
      const machine = await failureOf(layer, (s) => Stream.runCollect(s.executions(`${arn}-gone`)))
      assert.strictEqual(machine._tag, "ResourceNotFound")
      assert.strictEqual(machine.kind, "state machine")
    })
  })
