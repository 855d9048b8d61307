/** An in-memory S3 bucket administration for tests: buckets with settings, lifecycle rules, object versions. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest, AwsNotFound } from "../errors.ts"
import { archivedClasses, type LifecycleRule, type ObjectVersion, type RestoreRequest, S3Admin } from "../services/S3Admin.ts"

/** A bucket as `S3AdminMemory` holds it: region, settings, lifecycle rules and object versions. */
export interface MemoryAdminBucket {
  readonly region?: string
  readonly created?: Date
  readonly versioning?: string
  readonly encryption?: string
  readonly lifecycle?: ReadonlyArray<LifecycleRule>
  /** Versions and delete markers, in any order. */
  readonly versions?: ReadonlyArray<ObjectVersion>
}

/** The buckets `S3AdminMemory` starts with. */
export interface S3AdminSeed {
  readonly region?: string
  readonly buckets?: Readonly<Record<string, MemoryAdminBucket>>
}

/** The restore requests made, for assertions. */
export class S3AdminMemoryState extends Context.Service<S3AdminMemoryState, {
  readonly restores: Effect.Effect<ReadonlyArray<RestoreRequest>>
}>()("aegea/testing/S3AdminMemoryState") {}

/** `S3Admin` in memory, with `S3AdminMemoryState` to inspect restores. */
export const S3AdminMemory = {
  layer: (seed: S3AdminSeed = {}): Layer.Layer<S3Admin | S3AdminMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const buckets = new Map(Object.entries(seed.buckets ?? {}))
        const restores = yield* Ref.make<ReadonlyArray<RestoreRequest>>([])
        const notFound = (operation: string, code: string, action: string, message: string) =>
          new AwsNotFound({ action, service: "S3", operation, code, awsMessage: message, region })
        const bucket = (name: string, operation: string) => {
          const b = buckets.get(name)
          return b
            ? Effect.succeed(b)
            : Effect.fail(notFound(operation, "NoSuchBucket", `read bucket ${name}`, "The specified bucket does not exist"))
        }
        const current = (b: MemoryAdminBucket, key: string) =>
          (b.versions ?? []).filter((v) => v.key === key).sort((a, c) => (c.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))[0]
        const missingKey = (name: string, key: string, operation: string) =>
          notFound(operation, "NoSuchKey", `read s3://${name}/${key}`, "The specified key does not exist.")

        const s3 = S3Admin.of({
          region,
          buckets: () =>
            Stream.fromIterable(
              [...buckets.entries()].sort(([a], [c]) => (a < c ? -1 : 1)).map(([name, b]) => ({ name, ...(b.created ? { created: b.created } : {}) }))
            ),
          settings: (name) =>
            Effect.map(bucket(name, "GetBucketLocation"), (b) => ({
              region: b.region ?? region,
              versioning: b.versioning ?? "Disabled",
              encryption: b.encryption ?? "none"
            })),
          lifecycle: (name) => Effect.map(bucket(name, "GetBucketLifecycleConfiguration"), (b) => b.lifecycle ?? []),
          versions: (name, prefix) =>
            Stream.unwrap(
              Effect.map(bucket(name, "ListObjectVersions"), (b) =>
                Stream.fromIterable(
                  (b.versions ?? []).filter((v) => v.key.startsWith(prefix)).sort((a, c) =>
                    a.key < c.key ? -1 : a.key > c.key ? 1 : (c.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0)
                  )
                ))
            ),
          storageClass: (name, key) =>
            Effect.flatMap(bucket(name, "HeadObject"), (b) => {
              const v = current(b, key)
              return v && v.kind === "version" ? Effect.succeed(v.storageClass ?? "STANDARD") : Effect.fail(missingKey(name, key, "HeadObject"))
            }),
          restore: (request) =>
            Effect.gen(function*() {
              const b = yield* bucket(request.bucket, "RestoreObject")
              const v = current(b, request.key)
              if (!v || v.kind !== "version") return yield* missingKey(request.bucket, request.key, "RestoreObject")
              if (!archivedClasses.includes(v.storageClass ?? "STANDARD")) {
                return yield* new AwsInvalidRequest({
                  action: `request a restore of s3://${request.bucket}/${request.key}`,
                  service: "S3",
                  operation: "RestoreObject",
                  code: "InvalidObjectState",
                  awsMessage: "Restore is not allowed for the object's current storage class",
                  region
                })
              }
              const before = yield* Ref.get(restores)
              yield* Ref.set(restores, [...before, request])
              // Like moto, a restore completes at once: asking again finds the copy there.
              return before.some((r) => r.bucket === request.bucket && r.key === request.key) ? "already restored" as const : "started" as const
            })
        })
        const state = S3AdminMemoryState.of({ restores: Ref.get(restores) })
        return Context.make(S3Admin, s3).pipe(Context.add(S3AdminMemoryState, state))
      })
    )
}
