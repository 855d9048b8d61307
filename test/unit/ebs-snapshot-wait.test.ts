/** `aegea ebs snapshot --wait` on Ec2ResourcesMemory and the TestClock: progress on the status line, bounded. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { ebsCommand } from "../../src/commands/ebs.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { defaults } from "../../src/defaults.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { Ec2ResourcesMemory, emptyEc2ResourcesStore } from "../../src/testing/Ec2ResourcesMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const root = Command.make("aegea").pipe(Command.withSubcommands([ebsCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const layers = (snapshotSeconds: number) => {
  const store = emptyEc2ResourcesStore()
  store.snapshotSeconds = snapshotSeconds
  store.volumes.set("vol-1", {
    id: "vol-1", state: "available", sizeGiB: 8, type: "gp3", availabilityZone: "us-east-1a", encrypted: false, created: new Date(0), tags: {}
  })
  return Layer.mergeAll(
    NodeServices.layer,
    Ec2Memory.layer(),
    Ec2ResourcesMemory.layer(store),
    OutputTest.layer({ format: "json" }),
    layerFromValue(structuredClone(defaults))
  )
}

type Failure = { _tag?: string; message?: string } | undefined

const run = (argv: ReadonlyArray<string>, seconds: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(
      Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as unknown), Effect.catch(() => Effect.succeed(undefined)))
    )
    for (let i = 0; i < seconds; i++) yield* TestClock.adjust("1 second")
    return (yield* Fiber.join(fiber)) as Failure
  })

const printed = Effect.gen(function*() {
  return JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<{ state: string; progress: string }>
})

describe("ebs snapshot --wait", () => {
  it.effect("polls until completed, its progress on the status line, and prints the completed snapshot", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* run(["ebs", "snapshot", "vol-1", "--wait"], 30))
      assert.deepInclude((yield* printed)[0], { state: "completed", progress: "100%" })
      const statuses = yield* (yield* OutputCapture).statuses
      assert.isTrue(statuses.some((s) => /^waiting for snapshot snap-\w+ of vol-1: pending [1-9]\d?%$/.test(s)), statuses.join("\n"))
      assert.strictEqual(statuses.at(-1), "(done)")
    }).pipe(Effect.provide(layers(20))))

  it.effect("without --wait, prints it pending at once", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* run(["ebs", "snapshot", "vol-1"], 0))
      assert.deepInclude((yield* printed)[0], { state: "pending", progress: "0%" })
    }).pipe(Effect.provide(layers(20))))

  it.effect("gives up (exit 1) after 2 hours still pending", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        Effect.flip(aegea("ebs", "snapshot", "vol-1", "--wait")).pipe(Effect.map((e) => e as Failure), Effect.catch(() => Effect.succeed(undefined)))
      )
      for (let i = 0; i < 130; i++) yield* TestClock.adjust("1 minute")
      const failure = yield* Fiber.join(fiber)
      assert.strictEqual(failure?._tag, "OperationFailed")
      assert.include(failure?.message ?? "", "still pending after 2 hours")
    }).pipe(Effect.provide(layers(3 * 3600))))
})
