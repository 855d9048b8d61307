/** `aegea sfn` through the real parser against StepFunctionsMemory, on the TestClock: watch to each end, stop's safety. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, Stream } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { globalFlags } from "../../src/commands/global.ts"
import { sfnCommand } from "../../src/commands/sfn.ts"
import { defaults } from "../../src/defaults.ts"
import { AwsThrottled } from "../../src/errors.ts"
import { StepFunctions } from "../../src/services/StepFunctions.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { type ExecutionScript, StepFunctionsMemory } from "../../src/testing/StepFunctionsMemory.ts"

const root = Command.make("aegea").pipe(Command.withSubcommands([sfnCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const layers = (script: ExecutionScript, format: "table" | "json" = "table") =>
  Layer.mergeAll(
    NodeServices.layer,
    StepFunctionsMemory.layer({ stateMachines: ["etl"], script: () => script }),
    OutputTest.layer({ format }),
    layerFromValue(structuredClone(defaults))
  )

/** The memory layer, with DescribeExecution throttled `times` times in a row from its second call on. */
const throttledLayers = (script: ExecutionScript, times: number) => {
  let calls = 0
  const throttling = Layer.effect(
    StepFunctions,
    Effect.map(Effect.service(StepFunctions), (inner) =>
      StepFunctions.of({
        ...inner,
        describeExecution: (arn) =>
          Effect.suspend(() => {
            calls++
            return calls >= 2 && calls < 2 + times
              ? Effect.fail(new AwsThrottled({ action: `describe execution ${arn}`, service: "Step Functions", operation: "DescribeExecution", code: "ThrottlingException", awsMessage: "Rate exceeded" }))
              : inner.describeExecution(arn)
          })
      }))
  ).pipe(Layer.provide(StepFunctionsMemory.layer({ stateMachines: ["etl"], script: () => script })))
  return Layer.mergeAll(NodeServices.layer, throttling, OutputTest.layer(), layerFromValue(structuredClone(defaults)))
}

type Failure = { _tag?: string; exitCode?: number; message?: string; summary?: string } | undefined

/** Start the command, let the clock run `forTime` (in 1 s steps, so `during` can act), and return its failure, if any. */
const run = (argv: ReadonlyArray<string>, forTime = 120, during?: (second: number) => Effect.Effect<void, unknown, StepFunctions>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(
      Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as unknown), Effect.catch(() => Effect.succeed(undefined)))
    )
    for (let second = 1; second <= forTime; second++) {
      yield* TestClock.adjust("1 second" satisfies Duration.Input)
      if (during !== undefined) yield* during(second)
    }
    return (yield* Fiber.join(fiber)) as Failure
  })

const start = (name = "run-1") =>
  Effect.gen(function*() {
    const sfn = yield* StepFunctions
    const [machine] = yield* Stream.runCollect(sfn.stateMachines())
    return (yield* sfn.startExecution(machine!.arn, { name })).arn
  })

const succeeding: ExecutionScript = {
  events: [
    { at: 1000, type: "TaskStateEntered", state: "Fetch" },
    { at: 4000, type: "TaskStateExited", state: "Fetch" },
    { at: 4000, type: "PassStateEntered", state: "Done" },
    { at: 9000, type: "PassStateExited", state: "Done" }
  ],
  end: { at: 9000, status: "SUCCEEDED", output: "{\"ok\":true}" }
}

describe("aegea sfn watch", () => {
  it.effect("prints every event once, in order, as it happens, and succeeds", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      const error = yield* run(["sfn", "watch", arn])
      assert.isUndefined(error, error?.summary)
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, [
        "1970-01-01T00:00:00Z ExecutionStarted",
        "1970-01-01T00:00:01Z TaskStateEntered Fetch",
        "1970-01-01T00:00:04Z TaskStateExited Fetch",
        "1970-01-01T00:00:04Z PassStateEntered Done",
        "1970-01-01T00:00:09Z PassStateExited Done",
        "1970-01-01T00:00:09Z ExecutionSucceeded"
      ])
      assert.include((yield* out.stderr).join("\n"), "execution run-1 SUCCEEDED")
      // The status line named the state it was in, and was erased at the end.
      const statuses = yield* out.statuses
      assert.include(statuses, "execution run-1: RUNNING in state Fetch")
      assert.strictEqual(statuses.at(-1), "(done)")
    }).pipe(Effect.provide(layers(succeeding))))

  it.effect("with --output json, one JSON object per event", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      assert.isUndefined(yield* run(["sfn", "watch", arn, "--output", "json"]))
      const lines = yield* (yield* OutputCapture).stdout
      const events = lines.map((l) => JSON.parse(l) as { id: number; type: string })
      assert.deepStrictEqual(events.map((e) => e.id), [1, 2, 3, 4, 5, 6])
      assert.strictEqual(events.at(-1)?.type, "ExecutionSucceeded")
    }).pipe(Effect.provide(layers(succeeding, "json"))))

  it.effect("a FAILED execution exits 1 with its error and cause", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      const error = yield* run(["sfn", "watch", arn])
      assert.strictEqual(error?._tag, "OperationFailed")
      assert.strictEqual(error?.exitCode, 1)
      assert.strictEqual(error?.message, "execution run-1 FAILED: States.TaskFailed: the task blew up")
      const stdout = yield* (yield* OutputCapture).stdout
      assert.strictEqual(stdout.at(-1), "1970-01-01T00:00:03Z ExecutionFailed: States.TaskFailed: the task blew up")
    }).pipe(Effect.provide(layers({
      events: [{ at: 1000, type: "TaskStateEntered", state: "Fetch" }, { at: 3000, type: "TaskFailed" }],
      end: { at: 3000, status: "FAILED", error: "States.TaskFailed", cause: "the task blew up" }
    }))))

  it.effect("a TIMED_OUT execution exits 1", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      const error = yield* run(["sfn", "watch", arn])
      assert.strictEqual(error?.exitCode, 1)
      assert.strictEqual(error?.message, "execution run-1 TIMED_OUT: States.Timeout")
    }).pipe(Effect.provide(layers({ end: { at: 30_000, status: "TIMED_OUT", error: "States.Timeout" } }))))

  it.effect("an execution stopped while watched exits 1 ABORTED with the stop's error and cause", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      const sfn = yield* StepFunctions
      const error = yield* run(["sfn", "watch", arn], 60, (second) =>
        second === 20 ? Effect.asVoid(sfn.stopExecution(arn, { error: "Manual", cause: "stopped by a test" })) : Effect.void)
      assert.strictEqual(error?.exitCode, 1)
      assert.strictEqual(error?.message, "execution run-1 ABORTED: Manual: stopped by a test")
      const stdout = yield* (yield* OutputCapture).stdout
      assert.deepStrictEqual(stdout, [
        "1970-01-01T00:00:00Z ExecutionStarted",
        "1970-01-01T00:00:01Z TaskStateEntered Fetch",
        "1970-01-01T00:00:20Z ExecutionAborted: Manual: stopped by a test"
      ])
    }).pipe(Effect.provide(layers({ events: [{ at: 1000, type: "TaskStateEntered", state: "Fetch" }] }))))

  it.effect("keeps watching through throttled polls and still prints every event once", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      assert.isUndefined(yield* run(["sfn", "watch", arn], 600))
      const stdout = yield* (yield* OutputCapture).stdout
      assert.deepStrictEqual(stdout.map((l) => l.split(" ")[1]), [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded"
      ])
    }).pipe(Effect.provide(throttledLayers(succeeding, 5))))

  it.effect("gives up with the throttling error after too many throttled polls in a row", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      const error = yield* run(["sfn", "watch", arn], 3600)
      assert.strictEqual(error?._tag, "AwsThrottled")
    }).pipe(Effect.provide(throttledLayers({ events: [] }, 1000))))

  it.effect("an unknown execution exits 5", () =>
    Effect.gen(function*() {
      const error = yield* run(["sfn", "watch", "arn:aws:states:us-east-1:123456789012:execution:etl:nope"], 1)
      assert.strictEqual(error?._tag, "ResourceNotFound")
    }).pipe(Effect.provide(layers(succeeding))))
})

describe("aegea sfn stop", () => {
  const running: ExecutionScript = { events: [] }

  it.effect("refuses without --yes when there is no terminal; --dry-run changes nothing; --yes stops", () =>
    Effect.gen(function*() {
      const arn = yield* start()
      const sfn = yield* StepFunctions
      const refused = yield* run(["sfn", "stop", arn], 1)
      assert.strictEqual(refused?._tag, "UsageError")
      assert.include(refused?.summary ?? "", "--yes")
      assert.isUndefined(yield* run(["sfn", "stop", arn, "--dry-run"], 1))
      assert.include((yield* (yield* OutputCapture).stderr).join("\n"), "dry run: would stop execution run-1")
      assert.strictEqual((yield* sfn.describeExecution(arn)).status, "RUNNING")
      assert.isUndefined(yield* run(["sfn", "stop", arn, "--yes", "--cause", "done with it"], 1))
      const stopped = yield* sfn.describeExecution(arn)
      assert.strictEqual(stopped.status, "ABORTED")
      assert.strictEqual(stopped.cause, "done with it")
      // Stopping it again changes nothing and says so.
      assert.isUndefined(yield* run(["sfn", "stop", arn, "--yes"], 1))
      assert.include((yield* (yield* OutputCapture).stderr).join("\n"), "is ABORTED, not running: nothing to stop")
    }).pipe(Effect.provide(layers(running))))
})
