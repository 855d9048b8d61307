/**
 * The S3Staging contract: the same scenarios against S3StagingMemory (test/unit) and S3StagingLive on
 * moto (test/integration). Every test uses a fresh bucket.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { executeExpiryRule, S3Staging, stagingBucketName } from "../../src/services/S3Staging.ts"

export interface S3StagingHarness {
  readonly make: () => Promise<Layer.Layer<S3Staging>>
}

let counter = 0
const freshBucket = () => `aegea-contract-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<S3Staging>, f: (s: S3Staging["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* S3Staging)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

export const s3StagingContract = (label: string, harness: S3StagingHarness) =>
  describe(`S3Staging contract (${label})`, () => {
    it("the staging bucket is aegea-<account>-<region>", async () => {
      const layer = await harness.make()
      const [account, region] = await run(layer, (s) => Effect.all([s.accountId, Effect.succeed(s.region)]))
      assert.match(account, /^\d{12}$/)
      assert.strictEqual(stagingBucketName(account, region), `aegea-${account}-${region}`)
    })

    it("ensureBucket creates the bucket with the expiry rule once, and adds a second rule beside the first", async () => {
      const layer = await harness.make()
      const bucket = freshBucket()
      assert.deepStrictEqual(await run(layer, (s) => s.ensureBucket(bucket, executeExpiryRule)), { created: true, ruleAdded: true })
      assert.deepStrictEqual(await run(layer, (s) => s.ensureBucket(bucket, executeExpiryRule)), { created: false, ruleAdded: false })
      const other = { id: "other", prefix: "other/", days: 3 }
      assert.deepStrictEqual(await run(layer, (s) => s.ensureBucket(bucket, other)), { created: false, ruleAdded: true })
      const rules = await run(layer, (s) => s.expiryRules(bucket))
      assert.deepStrictEqual([...rules].sort((a, b) => a.id.localeCompare(b.id)), [executeExpiryRule, other].sort((a, b) => a.id.localeCompare(b.id)))
    })

    it("put, exists, presignGet and remove (removing twice is fine)", async () => {
      const layer = await harness.make()
      const bucket = freshBucket()
      await run(layer, (s) => s.ensureBucket(bucket, executeExpiryRule))
      const key = "aegea-execute/abc-1/tool"
      assert.strictEqual(await run(layer, (s) => s.exists(bucket, key)), false)
      await run(layer, (s) => s.put(bucket, key, new TextEncoder().encode("#!/bin/sh\necho hi\n")))
      assert.strictEqual(await run(layer, (s) => s.exists(bucket, key)), true)
      const url = new URL(await run(layer, (s) => s.presignGet(bucket, key, 3600)))
      assert.include(url.href, bucket)
      assert.isTrue(url.pathname.endsWith(`/${key}`))
      assert.strictEqual(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256")
      assert.strictEqual(url.searchParams.get("X-Amz-Expires"), "3600")
      assert.isNotNull(url.searchParams.get("X-Amz-Signature"))
      await run(layer, (s) => s.remove(bucket, key))
      assert.strictEqual(await run(layer, (s) => s.exists(bucket, key)), false)
      await run(layer, (s) => s.remove(bucket, key))
    })
  })
