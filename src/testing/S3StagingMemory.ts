/**
 * An in-memory S3Staging for tests: buckets with lifecycle expiry rules and objects; presigned URLs
 * are virtual-hosted AWS URLs with the query parameters a SigV4 presign has (the signature is fake).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { type ExpiryRule, maxPresignSeconds, S3Staging } from "../services/S3Staging.ts"

/** What `S3StagingMemory` starts with: buckets with their expiry rules and objects. */
export interface S3StagingSeed {
  readonly region?: string
  readonly accountId?: string
  /** Existing buckets, with their expiry rules and objects. */
  readonly buckets?: Readonly<Record<string, { readonly rules?: ReadonlyArray<ExpiryRule>; readonly objects?: Readonly<Record<string, Uint8Array | string>> }>>
}

interface StoredBucket {
  readonly rules: ReadonlyArray<ExpiryRule>
  readonly objects: ReadonlyMap<string, Uint8Array>
}

/** Inspect the in-memory staging buckets from a test. */
export class S3StagingMemoryState extends Context.Service<S3StagingMemoryState, {
  /** The keys of the objects in a bucket (empty for a bucket that does not exist). */
  readonly keys: (bucket: string) => Effect.Effect<ReadonlyArray<string>>
  readonly object: (bucket: string, key: string) => Effect.Effect<Uint8Array | undefined>
  readonly buckets: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/S3StagingMemoryState") {}

const bytes = (b: Uint8Array | string) => (typeof b === "string" ? new TextEncoder().encode(b) : b)

/** `S3Staging` in memory, with `S3StagingMemoryState` to inspect its buckets. */
export const S3StagingMemory = {
  layer: (seed: S3StagingSeed = {}): Layer.Layer<S3Staging | S3StagingMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const accountId = seed.accountId ?? "123456789012"
        const store = yield* Ref.make<ReadonlyMap<string, StoredBucket>>(
          new Map(Object.entries(seed.buckets ?? {}).map(([name, b]) => [
            name,
            { rules: b.rules ?? [], objects: new Map(Object.entries(b.objects ?? {}).map(([k, v]) => [k, bytes(v)])) }
          ]))
        )
        const update = (bucket: string, f: (b: StoredBucket) => StoredBucket) =>
          Ref.update(store, (all) => {
            const b = all.get(bucket) ?? { rules: [], objects: new Map() }
            return new Map(all).set(bucket, f(b))
          })
        const service = S3Staging.of({
          region,
          accountId: Effect.succeed(accountId),
          ensureBucket: (bucket, rule) =>
            Effect.gen(function*() {
              const existing = (yield* Ref.get(store)).get(bucket)
              const ruleAdded = existing === undefined || !existing.rules.some((r) => r.id === rule.id)
              yield* update(bucket, (b) => (ruleAdded ? { ...b, rules: [...b.rules, rule] } : b))
              return { created: existing === undefined, ruleAdded }
            }),
          expiryRules: (bucket) => Effect.map(Ref.get(store), (all) => all.get(bucket)?.rules ?? []),
          put: (bucket, key, body) => update(bucket, (b) => ({ ...b, objects: new Map(b.objects).set(key, body) })),
          exists: (bucket, key) => Effect.map(Ref.get(store), (all) => all.get(bucket)?.objects.has(key) ?? false),
          remove: (bucket, key) =>
            Ref.update(store, (all) => {
              const b = all.get(bucket)
              if (b === undefined || !b.objects.has(key)) return all
              const objects = new Map(b.objects)
              objects.delete(key)
              return new Map(all).set(bucket, { ...b, objects })
            }),
          presignGet: (bucket, key, expiresInSeconds) =>
            Effect.succeed(
              `https://${bucket}.s3.${region}.amazonaws.com/${key.split("/").map(encodeURIComponent).join("/")}` +
                `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=${Math.min(expiresInSeconds, maxPresignSeconds)}` +
                `&X-Amz-SignedHeaders=host&X-Amz-Signature=memory`
            )
        })
        const state = S3StagingMemoryState.of({
          keys: (bucket) => Effect.map(Ref.get(store), (all) => [...(all.get(bucket)?.objects.keys() ?? [])]),
          object: (bucket, key) => Effect.map(Ref.get(store), (all) => all.get(bucket)?.objects.get(key)),
          buckets: Effect.map(Ref.get(store), (all) => [...all.keys()])
        })
        return Context.make(S3Staging, service).pipe(Context.add(S3StagingMemoryState, state))
      })
    )
}
