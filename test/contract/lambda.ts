/**
 * The Lambda contract: the same scenarios against LambdaMemory (test/unit) and LambdaLive on moto
 * (test/integration). Every test uses fresh function names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Stream } from "effect"
import { Lambda } from "../../src/services/Lambda.ts"
import { zipV1, zipV2 } from "../support/lambdaZips.ts"

export interface LambdaSeed {
  readonly functions: ReadonlyArray<{ readonly name: string; readonly memoryMiB?: number; readonly environment?: Record<string, string> }>
  /** Map an event source (a stream) to this function. */
  readonly mapTo?: string
}

export interface LambdaHarness {
  /** A layer over a Lambda holding (at least) these functions, each with zipV1 as code. */
  readonly make: (seed: LambdaSeed) => Promise<{ readonly layer: Layer.Layer<Lambda>; readonly eventSourceArn?: string | undefined }>
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<Lambda>, f: (s: Lambda["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Lambda)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Lambda>, f: (s: Lambda["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Lambda)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; name?: string }
}

export const lambdaContract = (label: string, harness: LambdaHarness) =>
  describe(`Lambda contract (${label})`, () => {
    it("lists functions with runtime, memory, timeout, handler, code size and last modified", async () => {
      const a = fresh("a")
      const b = fresh("b")
      const { layer } = await harness.make({ functions: [{ name: a, memoryMiB: 256 }, { name: b }] })
      const rows = await run(layer, (l) => Stream.runCollect(l.list()))
      const row = rows.find((r) => r.name === a)
      assert.isDefined(row)
      assert.isDefined(rows.find((r) => r.name === b))
      assert.strictEqual(row?.runtime, "python3.12")
      assert.strictEqual(row?.memoryMiB, 256)
      assert.strictEqual(row?.timeoutSeconds, 3)
      assert.strictEqual(row?.handler, "index.handler")
      assert.strictEqual(row?.codeSize, zipV1.byteLength)
      assert.instanceOf(row?.lastModified, Date)
      assert.match(row?.arn ?? "", new RegExp(`:function:${a}$`))
      assert.notProperty(row, "environment")
    })

    it("get returns the environment; an unknown function is ResourceNotFound", async () => {
      const name = fresh("env")
      const { layer } = await harness.make({ functions: [{ name, environment: { A: "1" } }] })
      const got = await run(layer, (l) => l.get(name))
      assert.deepStrictEqual(got.environment, { A: "1" })
      const missing = await failureOf(layer, (l) => l.get(fresh("missing")))
      assert.strictEqual(missing._tag, "ResourceNotFound")
      assert.strictEqual(missing.kind, "Lambda function")
    })

    it("updateCode with a zip changes the code size and SHA-256", async () => {
      const name = fresh("code")
      const { layer } = await harness.make({ functions: [{ name }] })
      const before = await run(layer, (l) => l.get(name))
      const updated = await run(layer, (l) => l.updateCode(name, { _tag: "ZipFile", bytes: zipV2 }))
      assert.strictEqual(updated.name, name)
      assert.strictEqual(updated.codeSize, zipV2.byteLength)
      assert.notStrictEqual(updated.codeSha256, before.codeSha256)
      assert.strictEqual((await run(layer, (l) => l.get(name))).codeSize, zipV2.byteLength)
      const missing = await failureOf(layer, (l) => l.updateCode(fresh("nope"), { _tag: "ZipFile", bytes: zipV2 }))
      assert.strictEqual(missing._tag, "ResourceNotFound")
    })

    it("updateConfig changes what it names and leaves the rest", async () => {
      const name = fresh("config")
      const { layer } = await harness.make({ functions: [{ name, environment: { KEEP: "k" } }] })
      const updated = await run(layer, (l) =>
        l.updateConfig(name, { memoryMiB: 512, timeoutSeconds: 30, handler: "app.main", environment: { KEEP: "k", NEW: "n" } }))
      assert.strictEqual(updated.memoryMiB, 512)
      assert.strictEqual(updated.timeoutSeconds, 30)
      assert.strictEqual(updated.handler, "app.main")
      assert.strictEqual(updated.runtime, "python3.12")
      const got = await run(layer, (l) => l.get(name))
      assert.deepStrictEqual(got.environment, { KEEP: "k", NEW: "n" })
      assert.strictEqual(got.memoryMiB, 512)
      const missing = await failureOf(layer, (l) => l.updateConfig(fresh("nope"), { memoryMiB: 256 }))
      assert.strictEqual(missing._tag, "ResourceNotFound")
    })

    it("lists a function's event source mappings, and all of them", async () => {
      const mapped = fresh("mapped")
      const other = fresh("other")
      const { layer, eventSourceArn } = await harness.make({ functions: [{ name: mapped }, { name: other }], mapTo: mapped })
      const mine = await run(layer, (l) => Stream.runCollect(l.eventSourceMappings(mapped)))
      assert.strictEqual(mine.length, 1)
      assert.strictEqual(mine[0]?.eventSourceArn, eventSourceArn)
      assert.match(mine[0]?.functionArn ?? "", new RegExp(`:function:${mapped}$`))
      assert.strictEqual(mine[0]?.batchSize, 10)
      assert.isAbove(mine[0]?.uuid.length ?? 0, 0)
      assert.deepStrictEqual(await run(layer, (l) => Stream.runCollect(l.eventSourceMappings(other))), [])
      const all = await run(layer, (l) => Stream.runCollect(l.eventSourceMappings()))
      assert.isTrue(all.some((m) => m.uuid === mine[0]?.uuid))
    })
  })
