/** The live S3 layer (plus STS for the account id): SDK clients imported lazily, on first use of the layer. */
import { Effect, Layer } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import { logExportBucketPolicy, S3 } from "../services/S3.ts"

export const S3Live: Layer.Layer<S3, never, AwsClients> = Layer.effect(
  S3,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-s3"))
    const stsSdk = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
    // moto and other emulators serve S3 path-style only (no <bucket>.127.0.0.1 host names).
    const s3 = yield* client(() =>
      new sdk.S3Client({ ...env.clientConfig, ...(env.endpointUrl !== undefined ? { forcePathStyle: true } : {}) })
    )
    const sts = yield* client(() => new stsSdk.STSClient(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "S3", operation, action }, run)

    const accountId = call(
      env,
      { service: "STS", operation: "GetCallerIdentity", action: "find the account id" },
      (abortSignal) => sts.send(new stsSdk.GetCallerIdentityCommand({}), { abortSignal })
    ).pipe(Effect.map((r) => r.Account ?? ""))

    const bucketExists = (bucket: string) =>
      send("HeadBucket", `check bucket ${bucket}`, (abortSignal) =>
        s3.send(new sdk.HeadBucketCommand({ Bucket: bucket }), { abortSignal })).pipe(
          Effect.as(true),
          Effect.catchTag("AwsNotFound", () => Effect.succeed(false))
        )

    const createBucket = (bucket: string) =>
      send("CreateBucket", `create bucket ${bucket}`, (abortSignal) =>
        s3.send(
          new sdk.CreateBucketCommand({
            Bucket: bucket,
            ...(env.region === "us-east-1"
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: env.region as "eu-west-1" } })
          }),
          { abortSignal }
        ))

    const ensureLogExportBucket = (bucket: string) =>
      Effect.gen(function*() {
        // An existing bucket is the owner's: its policy and encryption are left as they are.
        if (yield* bucketExists(bucket)) return
        yield* createBucket(bucket)
        yield* send("PutBucketEncryption", `turn on encryption of bucket ${bucket}`, (abortSignal) =>
          s3.send(
            new sdk.PutBucketEncryptionCommand({
              Bucket: bucket,
              ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] }
            }),
            { abortSignal }
          ))
        const policy = logExportBucketPolicy(bucket, env.region, yield* accountId)
        yield* send("PutBucketPolicy", `let CloudWatch Logs write to bucket ${bucket}`, (abortSignal) =>
          s3.send(new sdk.PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }), { abortSignal }))
      })

    return S3.of({
      region: env.region,
      accountId,
      ensureLogExportBucket,
      objects: (bucket, prefix) =>
        paginate((token) =>
          send("ListObjectsV2", `list s3://${bucket}/${prefix}`, (abortSignal) =>
            s3.send(
              new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
              { abortSignal }
            )).pipe(
              Effect.map((r) =>
                [
                  (r.Contents ?? []).map((o) => ({ key: o.Key ?? "", size: o.Size ?? 0, lastModified: o.LastModified })),
                  r.IsTruncated ? r.NextContinuationToken : undefined
                ] as const
              )
            )
        ),
      getObject: (bucket, key) =>
        send("GetObject", `download s3://${bucket}/${key}`, async (abortSignal) => {
          const r = await s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })
          return r.Body ? await r.Body.transformToByteArray() : new Uint8Array()
        })
    })
  })
)
