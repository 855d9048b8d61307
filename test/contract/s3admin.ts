/**
 * The S3Admin contract: the same scenarios against S3AdminMemory (test/unit) and S3AdminLive on moto
 * (test/integration). Each harness builds the same fixture its own way.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Stream } from "effect"
import { S3Admin } from "../../src/services/S3Admin.ts"

export interface ObjectWrite {
  readonly key: string
  /** null deletes the key (a delete marker in a versioned bucket). */
  readonly body: string | null
  readonly storageClass?: "STANDARD" | "GLACIER"
}

export interface BucketFixture {
  readonly versioned?: boolean
  readonly encrypted?: boolean
  /** Give the bucket `lifecycleRule`. */
  readonly lifecycle?: boolean
  /** Applied in order. */
  readonly writes?: ReadonlyArray<ObjectWrite>
}

/** The one lifecycle rule fixtures use, as S3 takes it. */
export const lifecycleRule = {
  ID: "archive",
  Status: "Enabled",
  Filter: { Prefix: "logs/" },
  Transitions: [{ Days: 30, StorageClass: "GLACIER" }],
  Expiration: { Days: 365 },
  NoncurrentVersionExpiration: { NoncurrentDays: 7 },
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 }
} as const

export interface S3AdminHarness {
  readonly make: (buckets: Readonly<Record<string, BucketFixture>>) => Promise<Layer.Layer<S3Admin>>
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<S3Admin>, f: (s: S3Admin["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* S3Admin)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<S3Admin>, f: (s: S3Admin["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* S3Admin)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; code?: string }
}

export const s3AdminContract = (label: string, harness: S3AdminHarness) =>
  describe(`S3Admin contract (${label})`, () => {
    it("lists buckets with their region, versioning and default encryption", async () => {
      const plain = fresh("plain")
      const secured = fresh("secured")
      const layer = await harness.make({ [plain]: {}, [secured]: { versioned: true, encrypted: true } })
      const names = (await run(layer, (s) => Stream.runCollect(s.buckets()))).map((b) => b.name)
      assert.includeMembers(names, [plain, secured])
      assert.deepStrictEqual(await run(layer, (s) => s.settings(plain)), { region: "us-east-1", versioning: "Disabled", encryption: "none" })
      const securedSettings = await run(layer, (s) => s.settings(secured))
      assert.strictEqual(securedSettings.versioning, "Enabled")
      assert.strictEqual(securedSettings.encryption, "AES256")
      assert.strictEqual((await failureOf(layer, (s) => s.settings(fresh("missing"))))._tag, "AwsNotFound")
    })

    it("reads lifecycle rules, and none as an empty list", async () => {
      const withRules = fresh("rules")
      const without = fresh("norules")
      const layer = await harness.make({ [withRules]: { lifecycle: true }, [without]: {} })
      assert.deepStrictEqual(await run(layer, (s) => s.lifecycle(withRules)), [{
        id: "archive",
        status: "Enabled",
        prefix: "logs/",
        transitions: "30d:GLACIER",
        expirationDays: 365,
        noncurrentExpirationDays: 7,
        abortUploadsDays: 3
      }])
      assert.deepStrictEqual(await run(layer, (s) => s.lifecycle(without)), [])
    })

    it("lists versions and delete markers under a prefix", async () => {
      const bucket = fresh("versions")
      const layer = await harness.make({
        [bucket]: {
          versioned: true,
          writes: [
            { key: "a/one", body: "1" },
            { key: "a/one", body: "22" },
            { key: "a/gone", body: "x" },
            { key: "a/gone", body: null },
            { key: "b/other", body: "o" }
          ]
        }
      })
      const rows = await run(layer, (s) => Stream.runCollect(s.versions(bucket, "a/")))
      assert.deepStrictEqual(rows.map((r) => r.key).sort(), ["a/gone", "a/gone", "a/one", "a/one"])
      const one = rows.filter((r) => r.key === "a/one")
      assert.deepStrictEqual(one.map((r) => [r.kind, r.latest, r.size]), [["version", true, 2], ["version", false, 1]])
      assert.notStrictEqual(one[0]!.versionId, one[1]!.versionId)
      const gone = rows.filter((r) => r.key === "a/gone")
      assert.deepStrictEqual(gone.map((r) => [r.kind, r.latest]).sort(), [["delete-marker", true], ["version", false]])
      assert.strictEqual((await run(layer, (s) => Stream.runCollect(s.versions(bucket, "")))).length, 5)
    })

    it("restores an archived object; refuses a standard one; a missing key is not found", async () => {
      const bucket = fresh("archive")
      const layer = await harness.make({
        [bucket]: { writes: [{ key: "cold", body: "c", storageClass: "GLACIER" }, { key: "warm", body: "w" }] }
      })
      assert.strictEqual(await run(layer, (s) => s.storageClass(bucket, "cold")), "GLACIER")
      assert.strictEqual(await run(layer, (s) => s.storageClass(bucket, "warm")), "STANDARD")
      assert.strictEqual(await run(layer, (s) => s.restore({ bucket, key: "cold", days: 2, tier: "Bulk" })), "started")
      const refused = await failureOf(layer, (s) => s.restore({ bucket, key: "warm", days: 2, tier: "Standard" }))
      assert.strictEqual(refused._tag, "AwsInvalidRequest")
      assert.strictEqual(refused.code, "InvalidObjectState")
      assert.strictEqual((await failureOf(layer, (s) => s.storageClass(bucket, "nope")))._tag, "AwsNotFound")
    })
  })
