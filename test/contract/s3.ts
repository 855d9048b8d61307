/**
 * The S3 contract (what `aegea logs export` uses: the export bucket, listing and reading objects):
 * the same scenarios against S3Memory (test/unit) and S3Live on moto (test/integration). Every test
 * uses fresh bucket names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { logExportBucketPolicy, S3 } from "../../src/services/S3.ts"
import { failureOn, freshName, runOn } from "./run.ts"

export interface S3Harness {
  readonly make: () => Promise<{
    readonly layer: Layer.Layer<S3>
    /** Write an object as another writer would (CloudWatch Logs, the bucket's owner), creating the bucket. */
    readonly put: (bucket: string, key: string, body: string) => Promise<void>
    /** The bucket's policy as a parsed document, or undefined when it has none. */
    readonly policy: (bucket: string) => Promise<unknown>
    /** Whether the bucket encrypts new objects with SSE-S3 (AES256) by default. */
    readonly sseS3: (bucket: string) => Promise<boolean>
  }>
}

const s3 = Effect.gen(function*() {
  return yield* S3
})
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

export const s3Contract = (label: string, harness: S3Harness) =>
  describe(`S3 contract (${label})`, () => {
    it("ensureLogExportBucket creates the bucket, encrypted, with the CloudWatch Logs policy; a second ensure changes nothing", async () => {
      const { layer, policy, sseS3 } = await harness.make()
      const bucket = freshName("aegea-contract-export")
      const [region, account] = await runOn(layer, Effect.flatMap(s3, (s) => Effect.all([Effect.succeed(s.region), s.accountId])))
      assert.match(account, /^\d{12}$/)
      await runOn(layer, Effect.flatMap(s3, (s) => s.ensureLogExportBucket(bucket)))
      assert.deepStrictEqual(await policy(bucket), logExportBucketPolicy(bucket, region, account))
      assert.isTrue(await sseS3(bucket))
      await runOn(layer, Effect.flatMap(s3, (s) => s.ensureLogExportBucket(bucket)))
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(s3, (s) => Stream.runCollect(s.objects(bucket, "")))), [])
    })

    it("an existing bucket is left as its owner made it (no policy added)", async () => {
      const { layer, put, policy } = await harness.make()
      const bucket = freshName("aegea-contract-owned")
      await put(bucket, "keep.txt", "mine")
      await runOn(layer, Effect.flatMap(s3, (s) => s.ensureLogExportBucket(bucket)))
      assert.isUndefined(await policy(bucket))
    })

    it("objects under a prefix, in key order, every page, with size and time; getObject reads them", async () => {
      const { layer, put } = await harness.make()
      const bucket = freshName("aegea-contract-list")
      const keys = ["export/b/000001.gz", "export/a/000000.gz", "export/c/000000.gz", "export/a/000001.gz", "export/b/000000.gz"]
      for (const key of keys) await put(bucket, key, `body of ${key}`)
      await put(bucket, "other/x", "not listed")
      const before = Date.now() - 60_000
      const listed = await runOn(layer, Effect.flatMap(s3, (s) => Stream.runCollect(s.objects(bucket, "export/"))))
      assert.deepStrictEqual(listed.map((o) => o.key), [...keys].sort())
      for (const o of listed) {
        assert.strictEqual(o.size, `body of ${o.key}`.length)
        assert.instanceOf(o.lastModified, Date)
        assert.isAbove(o.lastModified!.getTime(), before)
      }
      const seen: Array<number> = []
      const body = await runOn(layer, Effect.flatMap(s3, (s) => s.getObject(bucket, "export/a/000000.gz", { onProgress: (n) => seen.push(n) })))
      assert.strictEqual(text(body), "body of export/a/000000.gz")
      assert.strictEqual(seen[0], 0)
      assert.strictEqual(seen.at(-1), body.length)
      assert.deepStrictEqual([...seen].sort((a, b) => a - b), seen)
    })

    it("a missing bucket is AwsNotFound NoSuchBucket; a missing key is AwsNotFound NoSuchKey", async () => {
      const { layer, put } = await harness.make()
      const missing = freshName("aegea-contract-missing")
      const listing = await failureOn(layer, Effect.flatMap(s3, (s) => Stream.runCollect(s.objects(missing, ""))))
      assert.deepStrictEqual([listing._tag, listing.code], ["AwsNotFound", "NoSuchBucket"])
      const reading = await failureOn(layer, Effect.flatMap(s3, (s) => s.getObject(missing, "k")))
      assert.deepStrictEqual([reading._tag, reading.code], ["AwsNotFound", "NoSuchBucket"])
      const bucket = freshName("aegea-contract-nokey")
      await put(bucket, "present", "x")
      const key = await failureOn(layer, Effect.flatMap(s3, (s) => s.getObject(bucket, "absent")))
      assert.deepStrictEqual([key._tag, key.code], ["AwsNotFound", "NoSuchKey"])
    })
  })
