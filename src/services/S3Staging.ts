/**
 * S3 as a staging area for jobs: aegea's own bucket `aegea-<account>-<region>` (created on demand
 * with lifecycle rules that expire what aegea leaves under a prefix), objects put and removed by
 * key, and presigned GET URLs a container can fetch without credentials (`batch submit --execute`
 * and `ecs run --execute` with a file too large for the job's environment).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AwsError } from "../errors.ts"

/** A lifecycle rule that deletes the objects under `prefix` `days` after they were written. */
export interface ExpiryRule {
  readonly id: string
  readonly prefix: string
  readonly days: number
}

/** What `S3Staging.ensureBucket` did: whether it created the bucket, and whether it added the expiry rule. */
export interface EnsuredBucket {
  /** The bucket was created by this call. */
  readonly created: boolean
  /** The rule was added to the bucket's lifecycle rules by this call. */
  readonly ruleAdded: boolean
}

/**
 * The account's staging bucket (aegea-<account>-<region>) for files a job or a build downloads: ensure it, put,
 * check and remove objects, presign GETs. Live: `S3StagingLive`; in memory: `S3StagingMemory`.
 */
export class S3Staging extends Context.Service<S3Staging, {
  readonly region: string
  readonly accountId: Effect.Effect<string, AwsError>
  /**
   * The bucket, created in this region when missing, with `rule` among its lifecycle rules (added
   * beside an existing bucket's other rules, which are kept).
   */
  readonly ensureBucket: (bucket: string, rule: ExpiryRule) => Effect.Effect<EnsuredBucket, AwsError>
  /** The bucket's lifecycle rules that expire a prefix (none when it has no lifecycle configuration). */
  readonly expiryRules: (bucket: string) => Effect.Effect<ReadonlyArray<ExpiryRule>, AwsError>
  readonly put: (bucket: string, key: string, body: Uint8Array) => Effect.Effect<void, AwsError>
  /** Whether the object exists. */
  readonly exists: (bucket: string, key: string) => Effect.Effect<boolean, AwsError>
  /** Delete the object (nothing happens when it is not there). */
  readonly remove: (bucket: string, key: string) => Effect.Effect<void, AwsError>
  /** A presigned GET URL for the object, valid `expiresInSeconds` (at most 7 days; less with temporary credentials). */
  readonly presignGet: (bucket: string, key: string, expiresInSeconds: number) => Effect.Effect<string, AwsError>
}>()("aegea/S3Staging") {}

/** aegea's staging bucket of an account and region. */
export const stagingBucketName = (accountId: string, region: string) => `aegea-${accountId}-${region}`

/** Where `--execute` files go, and the rule that deletes what a watch did not. */
export const executePrefix = "aegea-execute/"
/** The lifecycle rule that deletes staged files after 7 days, should nothing else delete them. */
export const executeExpiryRule: ExpiryRule = { id: "aegea-execute-expiry", prefix: executePrefix, days: 7 }

/** The longest a SigV4 presigned URL may be valid: 7 days. */
export const maxPresignSeconds = 7 * 24 * 60 * 60
