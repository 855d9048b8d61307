/** `aegea rds` through the real parser against RdsMemory on the TestClock: --wait shows each status and is bounded; delete's safety. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schedule } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { rdsCommand, snapshotNameFor } from "../../src/commands/rds.ts"
import { defaults } from "../../src/defaults.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { Rds } from "../../src/services/Rds.ts"
import { RdsMemory } from "../../src/testing/RdsMemory.ts"
import { waitForRds } from "../../src/workflows/rdsWait.ts"
import { SecretsMemory } from "../../src/testing/SecretsMemory.ts"
import { rootOf } from "../support/root.ts"

const aegea = (...argv: Array<string>) => Command.runWith(rootOf(rdsCommand), { version: "test" })(argv)

const layers = (transitionSeconds: number) =>
  Layer.mergeAll(
    NodeServices.layer,
    RdsMemory.layer({ instances: [{ name: "orders" }], transitionSeconds }),
    SecretsMemory.layer(),
    OutputTest.layer({ format: "json" }),
    layerFromValue(structuredClone(defaults))
  )

type Failure = { _tag?: string; message?: string } | undefined

/** Start the command, move the clock `seconds` forward in `step` s steps, and return its failure, if any. */
const run = (argv: ReadonlyArray<string>, seconds: number, step = 5) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as Failure), Effect.catch(() => Effect.succeed(undefined))))
    for (let t = 0; t < seconds; t += step) yield* TestClock.adjust(`${step} seconds`)
    return yield* Fiber.join(fiber)
  })

describe("aegea rds --wait", () => {
  it.effect("create --wait polls until available, showing the status, then prints the instance", () =>
    Effect.gen(function*() {
      const error = yield* run(["rds", "create", "reports", "--wait"], 60)
      assert.isUndefined(error, error?.message)
      const out = yield* OutputCapture
      assert.include(yield* out.statuses, "waiting for DB instance reports: creating → available")
      const [row] = JSON.parse(yield* out.stdoutText) as Array<{ name: string; status: string }>
      assert.deepStrictEqual([row?.name, row?.status], ["reports", "available"])
    }).pipe(Effect.provide(layers(30))))

  it.effect("the wait is bounded: past its schedule it fails with the status it was in", () =>
    Effect.gen(function*() {
      yield* (yield* Rds).create({ name: "slow", engine: "mysql", instanceClass: "db.t3.micro", storageGb: 20, masterUsername: "admin" })
      const short = Schedule.max([Schedule.spaced("5 seconds"), Schedule.during("1 minute")])
      const fiber = yield* Effect.forkChild(Effect.flip(waitForRds({ kind: "instance", name: "slow", until: "available" }, short)))
      for (let t = 0; t < 90; t += 5) yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "OperationFailed")
      assert.strictEqual(error.message, "gave up waiting for DB instance slow: it is still creating")
    }).pipe(Effect.provide(layers(3 * 3600))))

  it.effect("delete --wait: a final snapshot by default, then polls until the instance is gone", () =>
    Effect.gen(function*() {
      const error = yield* run(["rds", "delete", "orders", "--yes", "--wait"], 60)
      assert.isUndefined(error, error?.message)
      const out = yield* OutputCapture
      assert.include(yield* out.statuses, "waiting for DB instance orders: deleting → gone")
      const [row] = JSON.parse(yield* out.stdoutText) as Array<{ status: string; finalSnapshot: string }>
      assert.strictEqual(row?.status, "deleted")
      assert.strictEqual(row?.finalSnapshot, snapshotNameFor("orders", new Date(0), "-final"))
    }).pipe(Effect.provide(layers(30))))

  it.effect("delete refuses without --yes when there is no terminal, and rejects contradictory snapshot flags", () =>
    Effect.gen(function*() {
      const refused = yield* run(["rds", "delete", "orders"], 0)
      assert.strictEqual(refused?.message, "refusing to delete DB instance orders (postgres 16.3, db.t3.micro, 20 GB) without --yes: no terminal to ask on")
      const both = yield* run(["rds", "delete", "orders", "--skip-final-snapshot", "--final-snapshot", "x", "--yes"], 0)
      assert.strictEqual(both?.message, "--skip-final-snapshot conflicts with --final-snapshot")
    }).pipe(Effect.provide(layers(0))))
})
