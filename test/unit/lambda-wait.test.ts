/** `aegea lambda update-code/update-config` wait for LastUpdateStatus to end, on LambdaMemory and the TestClock. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { globalFlags } from "../../src/commands/global.ts"
import { lambdaCommand } from "../../src/commands/lambda.ts"
import { defaults } from "../../src/defaults.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { LambdaMemory, type UpdateScript } from "../../src/testing/LambdaMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const root = Command.make("aegea").pipe(Command.withSubcommands([lambdaCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const layers = (update: UpdateScript) =>
  Layer.mergeAll(
    NodeServices.layer,
    LambdaMemory.layer({ functions: [{ name: "api", memoryMiB: 256 }], update }),
    OutputTest.layer({ format: "json" }),
    layerFromValue(structuredClone(defaults))
  )

type Failure = { _tag?: string; message?: string } | undefined

/** Run the command while the clock moves `seconds` (1 s steps); its failure, if any. */
const run = (argv: ReadonlyArray<string>, seconds: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(
      Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as unknown), Effect.catch(() => Effect.succeed(undefined)))
    )
    for (let i = 0; i < seconds; i++) yield* TestClock.adjust("1 second")
    return (yield* Fiber.join(fiber)) as Failure
  })

const printed = Effect.gen(function*() {
  return JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<{ updateStatus?: string; memoryMiB?: number }>
})

describe("lambda update waits for the update to end", () => {
  it.effect("update-config polls through InProgress and prints the function once Successful", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* run(["lambda", "update-config", "api", "--memory", "512"], 10))
      assert.deepInclude((yield* printed)[0], { updateStatus: "Successful", memoryMiB: 512 })
      const statuses = yield* (yield* OutputCapture).statuses
      assert.include(statuses, "waiting for the update of Lambda function api: InProgress")
      assert.strictEqual(statuses.at(-1), "(done)")
    }).pipe(Effect.provide(layers({ seconds: 6 }))))

  it.effect("--no-wait prints it InProgress at once, polling nothing", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* run(["lambda", "update-code", "api", "--s3-bucket", "b", "--s3-key", "k.zip", "--no-wait"], 0))
      assert.strictEqual((yield* printed)[0]?.updateStatus, "InProgress")
      assert.deepStrictEqual(yield* (yield* OutputCapture).statuses, [])
    }).pipe(Effect.provide(layers({ seconds: 6 }))))

  it.effect("a Failed update exits 1 with AWS's reason", () =>
    Effect.gen(function*() {
      const failure = yield* run(["lambda", "update-code", "api", "--s3-bucket", "b", "--s3-key", "k.zip"], 5)
      assert.strictEqual(failure?._tag, "OperationFailed")
      assert.strictEqual(failure?.message, "the update of Lambda function api failed: the zip has no handler")
    }).pipe(Effect.provide(layers({ seconds: 3, failure: "the zip has no handler" }))))

  it.effect("gives up after 5 minutes still InProgress", () =>
    Effect.gen(function*() {
      const failure = yield* run(["lambda", "update-config", "api", "--timeout", "30"], 320)
      assert.strictEqual(failure?._tag, "OperationFailed")
      assert.include(failure?.message ?? "", "still in progress after 5 minutes")
    }).pipe(Effect.provide(layers({ seconds: 3600 }))))
})
