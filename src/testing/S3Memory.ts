/** An in-memory S3 for tests: buckets with their policy, encryption flag and objects (with the time each was written). */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsNotFound } from "../errors.ts"
import { logExportBucketPolicy, S3 } from "../services/S3.ts"

/** A bucket as `S3Memory` holds it: policy, encryption and objects. */
export interface MemoryBucket {
  readonly policy: unknown
  readonly encrypted: boolean
  readonly objects: ReadonlyMap<string, Uint8Array>
}

/** What `S3Memory` starts with: buckets and their objects. */
export interface S3Seed {
  readonly region?: string
  readonly accountId?: string
  readonly buckets?: Readonly<Record<string, Readonly<Record<string, Uint8Array | string>>>>
  /** Page size of object listings (default 1000, like S3). */
  readonly pageSize?: number
}

/** Inspect and change the in-memory S3 from a test (and from LogsMemory's export tasks). */
export class S3MemoryState extends Context.Service<S3MemoryState, {
  readonly bucket: (name: string) => Effect.Effect<Option.Option<MemoryBucket>>
  /** Write an object, creating the bucket if needed (a bucket created this way has no policy). */
  readonly putObject: (bucket: string, key: string, body: Uint8Array) => Effect.Effect<void>
}>()("aegea/testing/S3MemoryState") {}

const bytes = (b: Uint8Array | string) => (typeof b === "string" ? new TextEncoder().encode(b) : b)

/** `S3` in memory, with `S3MemoryState` to inspect buckets and put objects. */
export const S3Memory = {
  layer: (seed: S3Seed = {}): Layer.Layer<S3 | S3MemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const accountId = seed.accountId ?? "123456789012"
        const pageSize = seed.pageSize ?? 1000
        const initial = new Map<string, MemoryBucket>(
          Object.entries(seed.buckets ?? {}).map(([name, objects]) => [
            name,
            { policy: undefined, encrypted: false, objects: new Map(Object.entries(objects).map(([k, v]) => [k, bytes(v)])) }
          ])
        )
        const store = yield* Ref.make<ReadonlyMap<string, MemoryBucket>>(initial)
        // When each object was written (Effect's Clock), listed as S3 lists LastModified.
        const built = new Date(yield* Clock.currentTimeMillis)
        const written = new Map<string, Date>()
        const writtenAt = (bucket: string, key: string) => written.get(`${bucket}/${key}`) ?? built
        const noSuchBucket = (bucket: string, operation: string) =>
          new AwsNotFound({
            action: `read bucket ${bucket}`,
            service: "S3",
            operation,
            code: "NoSuchBucket",
            awsMessage: "The specified bucket does not exist",
            region
          })
        const existing = (bucket: string, operation: string) =>
          Effect.flatMap(Ref.get(store), (all) => {
            const b = all.get(bucket)
            return b ? Effect.succeed(b) : Effect.fail(noSuchBucket(bucket, operation))
          })
        const update = (bucket: string, f: (b: MemoryBucket) => MemoryBucket) =>
          Ref.update(store, (all) => {
            const next = new Map(all)
            next.set(bucket, f(all.get(bucket) ?? { policy: undefined, encrypted: false, objects: new Map() }))
            return next
          })

        const s3 = S3.of({
          region,
          accountId: Effect.succeed(accountId),
          ensureLogExportBucket: (bucket) =>
            Effect.flatMap(Ref.get(store), (all) =>
              all.has(bucket)
                ? Effect.void
                : update(bucket, (b) => ({ ...b, encrypted: true, policy: logExportBucketPolicy(bucket, region, accountId) }))),
          objects: (bucket, prefix) =>
            Stream.unwrap(
              Effect.map(existing(bucket, "ListObjectsV2"), (b) => {
                const all = [...b.objects.entries()]
                  .filter(([key]) => key.startsWith(prefix))
                  .sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))
                  .map(([key, body]) => ({ key, size: body.length, lastModified: writtenAt(bucket, key) }))
                return Stream.paginate(0, (offset: number) =>
                  Effect.succeed([
                    all.slice(offset, offset + pageSize),
                    offset + pageSize < all.length ? Option.some(offset + pageSize) : Option.none()
                  ] as const))
              })
            ),
          getObject: (bucket, key, options) =>
            Effect.flatMap(existing(bucket, "GetObject"), (b) => {
              const body = b.objects.get(key)
              // Progress as a network read would report it: 0, then in chunks of at most 64 KiB.
              if (body && options?.onProgress) for (let read = 0; ; read = Math.min(body.length, read + 65_536)) {
                options.onProgress(read)
                if (read >= body.length) break
              }
              return body
                ? Effect.succeed(body)
                : Effect.fail(
                  new AwsNotFound({
                    action: `download s3://${bucket}/${key}`,
                    service: "S3",
                    operation: "GetObject",
                    code: "NoSuchKey",
                    awsMessage: "The specified key does not exist.",
                    region
                  })
                )
            })
        })
        const state = S3MemoryState.of({
          bucket: (name) => Effect.map(Ref.get(store), (all) => Option.fromUndefinedOr(all.get(name))),
          putObject: (bucket, key, body) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) => {
              written.set(`${bucket}/${key}`, new Date(now))
              return update(bucket, (b) => ({ ...b, objects: new Map([...b.objects, [key, body]]) }))
            })
        })
        return Context.make(S3, s3).pipe(Context.add(S3MemoryState, state))
      })
    )
}
