import { Effect, Layer } from "effect"
import type { S3Admin } from "../../src/services/S3Admin.ts"
import type { LifecycleRule, ObjectVersion } from "../../src/services/S3Admin.ts"
import { type MemoryAdminBucket, S3AdminMemory } from "../../src/testing/S3AdminMemory.ts"
import { type BucketFixture, s3AdminContract } from "../contract/s3admin.ts"

const rule: LifecycleRule = {
  id: "archive",
  status: "Enabled",
  prefix: "logs/",
  transitions: "30d:GLACIER",
  expirationDays: 365,
  noncurrentExpirationDays: 7,
  abortUploadsDays: 3
}

/** The versions S3 would keep for the fixture's writes. */
const toMemory = (f: BucketFixture): MemoryAdminBucket => {
  let clock = Date.parse("2026-01-01T00:00:00Z")
  let versions: Array<ObjectVersion> = []
  for (const [i, w] of (f.writes ?? []).entries()) {
    const versionId = f.versioned ? `v${i + 1}` : "null"
    const others = versions.filter((v) => v.key !== w.key || f.versioned).map((v) => (v.key === w.key ? { ...v, latest: false } : v))
    const entry: ObjectVersion = w.body === null
      ? { key: w.key, versionId, kind: "delete-marker", latest: true, lastModified: new Date(clock += 1000) }
      : {
        key: w.key,
        versionId,
        kind: "version",
        latest: true,
        size: w.body.length,
        lastModified: new Date(clock += 1000),
        storageClass: w.storageClass ?? "STANDARD"
      }
    versions = f.versioned || w.body !== null ? [...others, entry] : others
  }
  return {
    ...(f.versioned ? { versioning: "Enabled" } : {}),
    ...(f.encrypted ? { encryption: "AES256" } : {}),
    ...(f.lifecycle ? { lifecycle: [rule] } : {}),
    versions
  }
}

s3AdminContract("in-memory", {
  make: async (buckets) => {
    const seed = { buckets: Object.fromEntries(Object.entries(buckets).map(([name, f]) => [name, toMemory(f)])) }
    const context = await Effect.runPromise(Layer.build(S3AdminMemory.layer(seed)).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<S3Admin>
  }
})
