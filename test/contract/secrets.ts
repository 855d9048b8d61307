/**
 * The Secrets contract: the same scenarios against SecretsMemory (test/unit) and SecretsLive on moto
 * (test/integration), so the two cannot drift. Every test uses fresh secret names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Redacted, Stream } from "effect"
import { Secrets } from "../../src/services/Secrets.ts"

export interface SecretsHarness {
  /** A layer over an empty (or at least unrelated) store. */
  readonly make: () => Promise<Layer.Layer<Secrets>>
}

let counter = 0
const fresh = (base: string) => `contract/${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<Secrets>, f: (s: Secrets["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Secrets)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Secrets>, f: (s: Secrets["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Secrets)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; code?: string }
}

const secret = (text: string) => Redacted.make(text)

export const secretsContract = (label: string, harness: SecretsHarness) =>
  describe(`Secrets contract (${label})`, () => {
    it("creates a secret and reads it back as a Redacted value", async () => {
      const layer = await harness.make()
      const name = fresh("create")
      const put = await run(layer, (s) => s.put(name, secret("first-value"), { description: "for the contract" }))
      assert.strictEqual(put.created, true)
      assert.strictEqual(put.name, name)
      assert.include(put.arn, `:secret:${name}-`)
      const got = await run(layer, (s) => s.getValue(name))
      assert.strictEqual(Redacted.value(got.value), "first-value")
      assert.strictEqual(String(got.value), "<redacted>")
      assert.deepStrictEqual(got.stages, ["AWSCURRENT"])
      assert.strictEqual(got.versionId, put.versionId)
      const described = await run(layer, (s) => s.describe(name))
      assert.strictEqual(described.description, "for the contract")
      assert.deepStrictEqual(described.versions.map((v) => v.stages), [["AWSCURRENT"]])
    })

    it("put on an existing secret adds a version: AWSCURRENT moves, the old one becomes AWSPREVIOUS", async () => {
      const layer = await harness.make()
      const name = fresh("rotate")
      const first = await run(layer, (s) => s.put(name, secret("v1")))
      const second = await run(layer, (s) => s.put(name, secret("v2")))
      assert.strictEqual(second.created, false)
      assert.notStrictEqual(second.versionId, first.versionId)
      assert.strictEqual(Redacted.value((await run(layer, (s) => s.getValue(name))).value), "v2")
      const previous = await run(layer, (s) => s.getValue(name, { versionStage: "AWSPREVIOUS" }))
      assert.strictEqual(Redacted.value(previous.value), "v1")
      assert.strictEqual(previous.versionId, first.versionId)
      const byId = await run(layer, (s) => s.getValue(name, { versionId: first.versionId }))
      assert.strictEqual(Redacted.value(byId.value), "v1")
      const third = await run(layer, (s) => s.put(name, secret("v3")))
      const stages = Object.fromEntries((await run(layer, (s) => s.describe(name))).versions.map((v) => [v.versionId, [...v.stages]]))
      assert.deepStrictEqual(stages[third.versionId], ["AWSCURRENT"])
      assert.deepStrictEqual(stages[second.versionId], ["AWSPREVIOUS"])
      assert.notInclude(stages[first.versionId] ?? [], "AWSCURRENT")
      assert.notInclude(stages[first.versionId] ?? [], "AWSPREVIOUS")
    })

    it("lists secrets with their metadata", async () => {
      const layer = await harness.make()
      const name = fresh("list")
      await run(layer, (s) => s.put(name, secret("listed"), { description: "listed secret" }))
      const all = await run(layer, (s) => Stream.runCollect(s.list()))
      const found = all.find((s) => s.name === name)
      assert.strictEqual(found?.description, "listed secret")
      assert.instanceOf(found?.lastChanged, Date)
      assert.deepStrictEqual(found?.tags, {})
    })

    it("delete with a recovery window: reading fails, ls hides it, describe shows the date", async () => {
      const layer = await harness.make()
      const name = fresh("recover")
      await run(layer, (s) => s.put(name, secret("doomed")))
      const before = Date.now()
      const deleted = await run(layer, (s) => s.delete(name, { recoveryDays: 7 }))
      const days = ((deleted.deletionDate?.getTime() ?? 0) - before) / 86_400_000
      assert.isTrue(days > 6.9 && days < 7.1, `deletion in ${days} days`)
      const error = await failureOf(layer, (s) => s.getValue(name))
      assert.strictEqual(error._tag, "AwsInvalidRequest")
      const all = await run(layer, (s) => Stream.runCollect(s.list()))
      assert.isFalse(all.some((s) => s.name === name))
      assert.instanceOf((await run(layer, (s) => s.describe(name))).deletionDate, Date)
      assert.strictEqual((await failureOf(layer, (s) => s.delete(name, { recoveryDays: 7 })))._tag, "AwsInvalidRequest")
    })

    it("force delete removes the secret at once; the name can be reused", async () => {
      const layer = await harness.make()
      const name = fresh("force")
      await run(layer, (s) => s.put(name, secret("gone")))
      await run(layer, (s) => s.delete(name, { force: true }))
      const error = await failureOf(layer, (s) => s.getValue(name))
      assert.strictEqual(error._tag, "ResourceNotFound")
      assert.strictEqual((await run(layer, (s) => s.put(name, secret("again")))).created, true)
    })

    it("a missing secret or version is ResourceNotFound (exit 5) everywhere", async () => {
      const layer = await harness.make()
      const name = fresh("missing")
      const attempts: ReadonlyArray<(s: Secrets["Service"]) => Effect.Effect<unknown, unknown>> = [
        (s: Secrets["Service"]) => s.getValue(name),
        (s: Secrets["Service"]) => s.describe(name),
        (s: Secrets["Service"]) => s.delete(name),
        (s: Secrets["Service"]) => s.delete(name, { force: true })
      ]
      for (const attempt of attempts) {
        const error = await failureOf(layer, attempt)
        assert.strictEqual(error._tag, "ResourceNotFound")
        assert.strictEqual(error.kind, "secret")
      }
      await run(layer, (s) => s.put(name, secret("x")))
      const version = await failureOf(layer, (s) => s.getValue(name, { versionId: "00000000-0000-0000-0000-000000000000" }))
      assert.strictEqual(version._tag, "ResourceNotFound")
      assert.strictEqual(version.kind, "secret version")
    })

    it("rejects a recovery window outside 7-30 days", async () => {
      const layer = await harness.make()
      const name = fresh("window")
      await run(layer, (s) => s.put(name, secret("kept")))
      const error = await failureOf(layer, (s) => s.delete(name, { recoveryDays: 3 }))
      assert.strictEqual(error._tag, "AwsInvalidRequest")
      assert.strictEqual(Redacted.value((await run(layer, (s) => s.getValue(name))).value), "kept")
    })
  })
