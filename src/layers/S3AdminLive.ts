/** The live S3 bucket-administration layer: the SDK is imported lazily, on first use of the layer. */
import type * as Sdk from "@aws-sdk/client-s3"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate } from "./aws.ts"
import { type AwsError, AwsInvalidRequest } from "../errors.ts"
import { type LifecycleRule, type ObjectVersion, S3Admin } from "../services/S3Admin.ts"

/** AWS answered with one of these error codes, which the caller treats as an answer. */
const answered = (...codes: ReadonlyArray<string>) => (e: AwsError) => codes.includes(e.code ?? "")

const toRule = (r: Sdk.LifecycleRule): LifecycleRule => ({
  id: r.ID ?? "",
  status: r.Status ?? "",
  prefix: r.Filter?.Prefix ?? r.Filter?.And?.Prefix ?? r.Prefix ?? "",
  transitions: (r.Transitions ?? []).map((t) => `${t.Days ?? t.Date?.toISOString().slice(0, 10) ?? "?"}${t.Days !== undefined ? "d" : ""}:${t.StorageClass ?? "?"}`).join(", "),
  ...(r.Expiration?.Days !== undefined ? { expirationDays: r.Expiration.Days } : {}),
  ...(r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined ? { noncurrentExpirationDays: r.NoncurrentVersionExpiration.NoncurrentDays } : {}),
  ...(r.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
    ? { abortUploadsDays: r.AbortIncompleteMultipartUpload.DaysAfterInitiation }
    : {})
})

/** `S3Admin` against S3, with the region, credentials and endpoint of `AwsClients`. */
export const S3AdminLive: Layer.Layer<S3Admin, never, AwsClients> = Layer.effect(
  S3Admin,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-s3"))
    // Buckets live in many regions: follow S3's redirects. Emulators serve S3 path-style only.
    const aws = yield* makeAws("S3", (config) =>
      new sdk.S3Client({ ...config, followRegionRedirects: true, ...(config.endpoint !== undefined ? { forcePathStyle: true } : {}) }))

    const settings = (bucket: string) =>
      Effect.all({
        region: aws.call(new sdk.GetBucketLocationCommand({ Bucket: bucket }), `get the region of bucket ${bucket}`, idempotent).pipe(
          // An empty LocationConstraint is us-east-1; "EU" is the old name of eu-west-1.
          Effect.map((r) => (r.LocationConstraint === undefined || (r.LocationConstraint as string) === "" ? "us-east-1" : r.LocationConstraint === "EU" ? "eu-west-1" : r.LocationConstraint))
        ),
        versioning: aws.call(new sdk.GetBucketVersioningCommand({ Bucket: bucket }), `get the versioning of bucket ${bucket}`, idempotent).pipe(
          Effect.map((r) => r.Status ?? "Disabled")
        ),
        encryption: aws.call(new sdk.GetBucketEncryptionCommand({ Bucket: bucket }), `get the default encryption of bucket ${bucket}`, idempotent).pipe(
          Effect.map((r) => r.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? "none"),
          Effect.catchIf(answered("ServerSideEncryptionConfigurationNotFoundError"), () => Effect.succeed("none"))
        )
      }, { concurrency: 3 })

    return S3Admin.of({
      region: aws.region,
      buckets: () =>
        paginate((token) =>
          aws.call(new sdk.ListBucketsCommand({ ...(token ? { ContinuationToken: token } : {}) }), "list the buckets", idempotent).pipe(
            Effect.map((r) =>
              [
                (r.Buckets ?? []).map((b) => ({ name: b.Name ?? "", ...(b.CreationDate ? { created: b.CreationDate } : {}) })),
                r.ContinuationToken
              ] as const
            )
          )
        ),
      settings,
      lifecycle: (bucket) =>
        aws.call(
          new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: bucket }),
          `get the lifecycle rules of bucket ${bucket}`,
          idempotent
        ).pipe(
          Effect.map((r) => (r.Rules ?? []).map(toRule)),
          Effect.catchIf(answered("NoSuchLifecycleConfiguration"), () => Effect.succeed([]))
        ),
      versions: (bucket, prefix) =>
        paginate((token) => {
          const [keyMarker, versionIdMarker] = token === undefined ? [undefined, undefined] : JSON.parse(token) as [string, string | undefined]
          return aws.call(
            new sdk.ListObjectVersionsCommand({
              Bucket: bucket,
              ...(prefix ? { Prefix: prefix } : {}),
              ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
              ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {})
            }),
            `list the object versions of s3://${bucket}/${prefix}`,
            idempotent
          ).pipe(
            Effect.map((r) => {
              const versions: Array<ObjectVersion> = (r.Versions ?? []).map((v) => ({
                key: v.Key ?? "",
                versionId: v.VersionId ?? "null",
                kind: "version",
                latest: v.IsLatest ?? false,
                ...(v.Size !== undefined ? { size: v.Size } : {}),
                ...(v.LastModified ? { lastModified: v.LastModified } : {}),
                ...(v.StorageClass ? { storageClass: v.StorageClass } : {})
              }))
              const markers: Array<ObjectVersion> = (r.DeleteMarkers ?? []).map((m) => ({
                key: m.Key ?? "",
                versionId: m.VersionId ?? "null",
                kind: "delete-marker",
                latest: m.IsLatest ?? false,
                ...(m.LastModified ? { lastModified: m.LastModified } : {})
              }))
              // S3 returns versions and markers in two lists: merge them back into key, newest-first order.
              const rows = [...versions, ...markers].sort((a, b) =>
                a.key < b.key ? -1 : a.key > b.key ? 1 : (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0)
              )
              const next = r.IsTruncated ? JSON.stringify([r.NextKeyMarker ?? "", r.NextVersionIdMarker]) : undefined
              return [rows, next] as const
            })
          )
        }),
      storageClass: (bucket, key) =>
        aws.call(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), `read s3://${bucket}/${key}`, idempotent).pipe(
          Effect.map((r) => r.StorageClass ?? "STANDARD")
        ),
      restore: (request) =>
        aws.call(
          new sdk.RestoreObjectCommand({
            Bucket: request.bucket,
            Key: request.key,
            RestoreRequest: { Days: request.days, GlacierJobParameters: { Tier: request.tier } }
          }),
          `request a restore of s3://${request.bucket}/${request.key}`,
          // A second request while the first runs is answered RestoreAlreadyInProgress: harmless.
          idempotent
        ).pipe(
          Effect.map((r): "started" | "already restored" => (r.$metadata.httpStatusCode === 200 ? "already restored" : "started")),
          Effect.catchIf(answered("RestoreAlreadyInProgress"), () => Effect.succeed("in progress" as const)),
          // S3 answers 403 for an object that is not archived: a wrong request, not missing permissions.
          Effect.catchTag("AwsAccessDenied", (e) =>
            Effect.fail(
              e.code === "InvalidObjectState"
                ? new AwsInvalidRequest({
                  action: e.action,
                  service: e.service,
                  operation: e.operation,
                  code: e.code,
                  awsMessage: e.awsMessage,
                  ...(e.region !== undefined ? { region: e.region } : {})
                })
                : e
            ))
        )
    })
  })
)
