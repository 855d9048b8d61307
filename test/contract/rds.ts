/**
 * The Rds contract: the same scenarios against RdsMemory (test/unit) and RdsLive on moto
 * (test/integration), so the two cannot drift. Every test uses fresh names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Redacted, Stream } from "effect"
import { Rds } from "../../src/services/Rds.ts"

export interface RdsHarness {
  /** A layer over an empty (or at least unrelated) store; the same store for every run in a test. */
  readonly make: () => Promise<Layer.Layer<Rds>>
}

let counter = 0
const fresh = (base: string) => `ct-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<Rds>, f: (s: Rds["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Rds)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Rds>, f: (s: Rds["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Rds)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; code?: string; name?: string }
}

const spec = (name: string) => ({ name, engine: "postgres", instanceClass: "db.t3.micro", storageGb: 20, masterUsername: "postgres" })

export const rdsContract = (label: string, harness: RdsHarness) =>
  describe(`Rds contract (${label})`, () => {
    it("creates an instance whose password RDS keeps in Secrets Manager; lists and describes it; a second create of the name fails", async () => {
      const layer = await harness.make()
      const name = fresh("create")
      const created = await run(layer, (s) => s.create(spec(name)))
      assert.strictEqual(created.name, name)
      assert.strictEqual(created.kind, "instance")
      assert.strictEqual(created.engine, "postgres")
      assert.strictEqual(created.class, "db.t3.micro")
      assert.include(created.arn, `:db:${name}`)
      assert.isString(created.masterSecretArn)
      const described = await run(layer, (s) => s.describe(name))
      assert.strictEqual(described.storageGb, 20)
      assert.include(["creating", "available"], described.status)
      assert.isFalse(described.multiAz)
      const listed = await run(layer, (s) => Stream.runCollect(s.instances()))
      assert.strictEqual(listed.find((d) => d.name === name)?.engine, "postgres")
      const again = await failureOf(layer, (s) => s.create(spec(name)))
      assert.strictEqual(again._tag, "AwsInvalidRequest")
      assert.strictEqual(again.code, "DBInstanceAlreadyExists")
    })

    it("a given password is used as is: no Secrets Manager secret", async () => {
      const layer = await harness.make()
      const name = fresh("pw")
      const created = await run(layer, (s) => s.create({ ...spec(name), engine: "mysql", masterUsername: "admin", password: Redacted.make("Correct-Horse-9") }))
      assert.strictEqual(created.engine, "mysql")
      assert.isUndefined(created.masterSecretArn)
    })

    it("a missing instance or snapshot is ResourceNotFound, for describe, snapshot, restore and delete", async () => {
      const layer = await harness.make()
      const nope = fresh("nope")
      const instanceCalls: Array<(s: Rds["Service"]) => Effect.Effect<unknown, unknown>> = [(s) => s.describe(nope), (s) => s.snapshot(nope, fresh("snap")), (s) => s.delete(nope)]
      for (const f of instanceCalls) {
        const e = await failureOf(layer, f)
        assert.strictEqual(e._tag, "ResourceNotFound")
        assert.strictEqual(e.kind, "DB instance")
        assert.strictEqual(e.name, nope)
      }
      const snapshotCalls: Array<(s: Rds["Service"]) => Effect.Effect<unknown, unknown>> = [(s) => s.describeSnapshot(nope), (s) => s.restore(nope, fresh("copy"))]
      for (const f of snapshotCalls) {
        const e = await failureOf(layer, f)
        assert.strictEqual(e._tag, "ResourceNotFound")
        assert.strictEqual(e.kind, "DB snapshot")
      }
    })

    it("snapshots an instance, lists the snapshot, restores it as a new instance", async () => {
      const layer = await harness.make()
      const name = fresh("src")
      const snap = fresh("snap")
      await run(layer, (s) => s.create(spec(name)))
      const made = await run(layer, (s) => s.snapshot(name, snap))
      assert.strictEqual(made.name, snap)
      assert.strictEqual(made.source, name)
      assert.strictEqual(made.type, "manual")
      assert.include(made.arn, `:snapshot:${snap}`)
      assert.include(["creating", "available"], (await run(layer, (s) => s.describeSnapshot(snap))).status)
      const ofInstance = await run(layer, (s) => Stream.runCollect(s.snapshots(name)))
      assert.deepStrictEqual(ofInstance.filter((x) => x.type === "manual").map((x) => x.name), [snap])
      assert.isTrue((await run(layer, (s) => Stream.runCollect(s.snapshots()))).some((x) => x.name === snap))
      const taken = await failureOf(layer, (s) => s.snapshot(name, snap))
      assert.strictEqual(taken.code, "DBSnapshotAlreadyExists")
      const copy = fresh("copy")
      const restored = await run(layer, (s) => s.restore(snap, copy, { instanceClass: "db.t3.small" }))
      assert.strictEqual(restored.name, copy)
      assert.strictEqual(restored.engine, "postgres")
      assert.strictEqual((await run(layer, (s) => s.describe(copy))).class, "db.t3.small")
    })

    it("deletes an instance after a final snapshot; then it is gone (or deleting)", async () => {
      const layer = await harness.make()
      const name = fresh("del")
      const final = fresh("final")
      await run(layer, (s) => s.create(spec(name)))
      const deleted = await run(layer, (s) => s.delete(name, { finalSnapshot: final }))
      assert.strictEqual(deleted.name, name)
      assert.strictEqual((await run(layer, (s) => s.describeSnapshot(final))).source, name)
      const after = await Effect.runPromise(Effect.gen(function*() {
        return yield* (yield* Rds).describe(name)
      }).pipe(Effect.provide(layer), Effect.map((d) => d.status), Effect.catchTag("ResourceNotFound", () => Effect.succeed("gone"))))
      assert.include(["gone", "deleting"], after)
    })
  })
