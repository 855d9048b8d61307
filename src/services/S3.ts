/**
 * S3 as `aegea logs export` needs it: a bucket CloudWatch Logs may write to, the objects under a
 * prefix, and their bytes. Nothing more.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

/** An S3 object as a listing returns it: key, size and last change. */
export interface S3Object {
  readonly key: string
  readonly size: number
  readonly lastModified: Date | undefined
}

/** How `S3.getObject` reports progress: a callback with the bytes read so far. */
export interface GetObjectOptions {
  readonly onProgress?: ((bytesRead: number) => void) | undefined
}

/**
 * S3 for logs and downloads: the caller's account, the log export bucket, listing and reading objects. Live:
 * `S3Live`; in memory: `S3Memory`.
 */
export class S3 extends Context.Service<S3, {
  readonly region: string
  /** The account of the caller (STS GetCallerIdentity). */
  readonly accountId: Effect.Effect<string, AwsError>
  /**
   * Create the bucket if it does not exist, with default encryption (SSE-S3) and a policy letting
   * CloudWatch Logs (logs.<region>.amazonaws.com) call GetBucketAcl and PutObject. An existing
   * bucket is left untouched (its owner decides its policy).
   */
  readonly ensureLogExportBucket: (bucket: string) => Effect.Effect<void, AwsError>
  /** Objects whose keys start with `prefix`, all pages. */
  readonly objects: (bucket: string, prefix: string) => Stream.Stream<S3Object, AwsError>
  /** The object's bytes; `onProgress` is told the bytes read so far in this attempt (from 0 again on a retry). */
  readonly getObject: (bucket: string, key: string, options?: GetObjectOptions) => Effect.Effect<Uint8Array, AwsError>
}>()("aegea/S3") {}

/** The bucket policy CloudWatch Logs needs to export into `bucket` from `region` for `accountId`. */
export const logExportBucketPolicy = (bucket: string, region: string, accountId: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AegeaLogsExportAcl",
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: "s3:GetBucketAcl",
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringEquals: { "aws:SourceAccount": [accountId] } }
    },
    {
      Sid: "AegeaLogsExportWrite",
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${bucket}/*`,
      Condition: {
        StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": [accountId] }
      }
    }
  ]
})

/** The default export bucket of an account and region. */
export const defaultExportBucket = (accountId: string, region: string) => `aegea-logs-${accountId}-${region}`
