/**
 * S3 bucket administration as `aegea s3` needs it: the account's buckets with their region,
 * versioning and default encryption; lifecycle rules; object versions and delete markers; Glacier
 * restore requests. (Object transfer for `logs export` is the separate S3 service.)
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

/** An S3 bucket: its name and creation date. */
export const Bucket = Schema.Struct({
  name: Schema.String,
  created: Schema.optional(Schema.Date)
})
/** An S3 bucket: its name and creation date. */
export type Bucket = typeof Bucket.Type

/** What GetBucketLocation, GetBucketVersioning and GetBucketEncryption say about one bucket. */
export interface BucketSettings {
  readonly region: string
  /** "Enabled", "Suspended", or "Disabled" when versioning was never turned on. */
  readonly versioning: string
  /** The default encryption algorithm (AES256, aws:kms...), or "none". */
  readonly encryption: string
}

/** A bucket lifecycle rule: its prefix, status, transitions and expiry. */
export const LifecycleRule = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  /** The key prefix the rule applies to ("" for the whole bucket). */
  prefix: Schema.String,
  /** "30d:STANDARD_IA, 90d:GLACIER" */
  transitions: Schema.String,
  /** Days after which current versions expire. */
  expirationDays: Schema.optional(Schema.Number),
  /** Days after which noncurrent versions expire. */
  noncurrentExpirationDays: Schema.optional(Schema.Number),
  /** Days after which incomplete multipart uploads are aborted. */
  abortUploadsDays: Schema.optional(Schema.Number)
})
/** A bucket lifecycle rule: its prefix, status, transitions and expiry. */
export type LifecycleRule = typeof LifecycleRule.Type

/** One version of an object (or a delete marker) in a versioned bucket. */
export const ObjectVersion = Schema.Struct({
  key: Schema.String,
  versionId: Schema.String,
  /** "version" or "delete-marker". */
  kind: Schema.String,
  latest: Schema.Boolean,
  size: Schema.optional(Schema.Number),
  lastModified: Schema.optional(Schema.Date),
  storageClass: Schema.optional(Schema.String)
})
/** One version of an object (or a delete marker) in a versioned bucket. */
export type ObjectVersion = typeof ObjectVersion.Type

/** How fast S3 restores an archived object (and what it costs). */
export type RestoreTier = "Standard" | "Bulk" | "Expedited"
/** Every restore tier, the default first. */
export const restoreTiers: ReadonlyArray<RestoreTier> = ["Standard", "Bulk", "Expedited"]

/** What `S3Admin.restore` restores: an archived object, for how many days, at which tier. */
export interface RestoreRequest {
  readonly bucket: string
  readonly key: string
  readonly days: number
  readonly tier: RestoreTier
}

/** What a restore request did: "started", or "in progress" when one was already running (AWS 409). */
export type RestoreOutcome = "started" | "in progress" | "already restored"

/**
 * S3 administration for `aegea buckets`: buckets and their settings, lifecycle rules, object versions, storage
 * classes, restores. Live: `S3AdminLive`; in memory: `S3AdminMemory`.
 */
export class S3Admin extends Context.Service<S3Admin, {
  readonly region: string
  /** Every bucket of the account (ListBuckets), all pages. */
  readonly buckets: () => Stream.Stream<Bucket, AwsError>
  /** A bucket's region, versioning and default encryption. */
  readonly settings: (bucket: string) => Effect.Effect<BucketSettings, AwsError>
  /** The bucket's lifecycle rules ([] when it has no lifecycle configuration). */
  readonly lifecycle: (bucket: string) => Effect.Effect<ReadonlyArray<LifecycleRule>, AwsError>
  /** Object versions and delete markers of keys starting with `prefix`, all pages, newest first per key. */
  readonly versions: (bucket: string, prefix: string) => Stream.Stream<ObjectVersion, AwsError>
  /** The storage class of an object (STANDARD when S3 names none); a missing object fails with AwsNotFound. */
  readonly storageClass: (bucket: string, key: string) => Effect.Effect<string, AwsError>
  /** RestoreObject: a temporary copy of an archived object for `days` days. */
  readonly restore: (request: RestoreRequest) => Effect.Effect<RestoreOutcome, AwsError>
}>()("aegea/S3Admin") {}

/** Storage classes whose objects must be restored before they can be read. */
export const archivedClasses: ReadonlyArray<string> = ["GLACIER", "DEEP_ARCHIVE"]
