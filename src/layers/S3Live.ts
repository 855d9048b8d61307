/** The live S3 layer (the account id comes from the process's one STS call): the SDK is imported lazily, on first use of the layer. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AwsClients } from "./AwsClients.ts"
import { makeS3Aws } from "./s3Client.ts"
import { idempotent, paginate } from "./aws.ts"
import { type GetObjectOptions, logExportBucketPolicy, S3 } from "../services/S3.ts"

/** `S3` against S3 (and the process's one STS call), with the region, credentials and endpoint of `AwsClients`. */
export const S3Live: Layer.Layer<S3, never, AwsClients> = Layer.effect(
  S3,
  Effect.gen(function*() {
    const { sdk, aws, env, accountId, bucketExists } = yield* makeS3Aws

    const createBucket = (bucket: string) =>
      aws.call(
        new sdk.CreateBucketCommand({
          Bucket: bucket,
          ...(env.region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: env.region as "eu-west-1" } })
        }),
        `create bucket ${bucket}`,
        // A second attempt after a lost answer finds the bucket ours (BucketAlreadyOwnedByYou): done.
        idempotent
      ).pipe(
        Effect.asVoid,
        Effect.catchIf((e) => e.code === "BucketAlreadyOwnedByYou", () => Effect.void)
      )

    const ensureLogExportBucket = (bucket: string) =>
      Effect.gen(function*() {
        // An existing bucket is the owner's: its policy and encryption are left as they are.
        if (yield* bucketExists(bucket)) return
        yield* createBucket(bucket)
        yield* aws.call(
          new sdk.PutBucketEncryptionCommand({
            Bucket: bucket,
            ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] }
          }),
          `turn on encryption of bucket ${bucket}`,
          idempotent
        )
        const policy = logExportBucketPolicy(bucket, env.region, yield* accountId)
        yield* aws.call(
          new sdk.PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }),
          `let CloudWatch Logs write to bucket ${bucket}`,
          idempotent
        )
      })

    // The body is read within the attempt: a download that breaks midway is retried whole, and
    // interruption aborts it (the abort signal closes the connection).
    const getObject = (bucket: string, key: string, options?: GetObjectOptions) =>
      aws.callAndRead(
        new sdk.GetObjectCommand({ Bucket: bucket, Key: key }),
        `download s3://${bucket}/${key}`,
        idempotent,
        (r) =>
          r.Body === undefined
            ? Promise.resolve(new Uint8Array())
            : options?.onProgress === undefined
            ? r.Body.transformToByteArray()
            : readCounting(r.Body as unknown as AsyncIterable<Uint8Array>, options.onProgress)
      )

    return S3.of({
      region: env.region,
      accountId,
      ensureLogExportBucket,
      objects: (bucket, prefix) =>
        paginate((token) =>
          aws.call(
            new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
            `list s3://${bucket}/${prefix}`,
            idempotent
          ).pipe(
            Effect.map((r) =>
              [
                (r.Contents ?? []).map((o) => ({ key: o.Key ?? "", size: o.Size ?? 0, lastModified: o.LastModified })),
                r.IsTruncated ? r.NextContinuationToken : undefined
              ] as const
            )
          )
        ),
      getObject
    })
  })
)

/** A body read chunk by chunk, telling `onProgress` the bytes read so far. */
const readCounting = async (body: AsyncIterable<Uint8Array>, onProgress: (bytesRead: number) => void): Promise<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  let read = 0
  onProgress(0)
  for await (const chunk of body) {
    chunks.push(chunk)
    read += chunk.length
    onProgress(read)
  }
  const all = new Uint8Array(read)
  let at = 0
  for (const chunk of chunks) {
    all.set(chunk, at)
    at += chunk.length
  }
  return all
}
