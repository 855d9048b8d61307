/** The S3 client of aegea's S3 layers (the SDK imported lazily), the account id and a bucket check. */
import * as Effect from "effect/Effect"
import { idempotent, makeAws } from "./aws.ts"

export const makeS3Aws = Effect.gen(function*() {
  const sdk = yield* Effect.promise(() => import("@aws-sdk/client-s3"))
  // moto and other emulators serve S3 path-style only (no <bucket>.127.0.0.1 host names).
  const aws = yield* makeAws("S3", (config) =>
    new sdk.S3Client({ ...config, ...(config.endpoint !== undefined ? { forcePathStyle: true } : {}) }))
  const accountId = Effect.map(aws.callerIdentity, (identity) => identity.account)
  const bucketExists = (bucket: string) =>
    aws.call(new sdk.HeadBucketCommand({ Bucket: bucket }), `check bucket ${bucket}`, idempotent).pipe(
      Effect.as(true),
      Effect.catchTag("AwsNotFound", () => Effect.succeed(false))
    )
  return { sdk, aws, env: aws.env, accountId, bucketExists }
})
