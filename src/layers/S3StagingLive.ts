/**
 * The live S3Staging layer: aegea's staging bucket, its lifecycle rules, objects by key, and
 * presigned GET URLs signed here with @smithy/signature-v4 (the process's one credentials provider,
 * the endpoint the S3 client uses: path-style on a custom endpoint, virtual-hosted on AWS). The SDK
 * and the signer are imported lazily, on first use of the layer.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AwsClients } from "./AwsClients.ts"
import { makeS3Aws } from "./s3Client.ts"
import { callWith, idempotent } from "./aws.ts"
import { jsonEndpoint } from "./awsJson.ts"
import { type ExpiryRule, maxPresignSeconds, S3Staging } from "../services/S3Staging.ts"

type SourceData = string | ArrayBuffer | ArrayBufferView

const bytesOf = (data: SourceData): Buffer | string =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
    ? Buffer.from(data)
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength)

/** SHA-256 (or HMAC-SHA-256 with a secret) over node:crypto, in the shape SignatureV4 asks for. */
class Sha256 {
  private hash: Hash | Hmac
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh()
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(this.secret))
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()))
  }
  reset(): void {
    this.hash = this.fresh()
  }
}

/** RFC 3986 encoding, as SigV4 canonicalises query values and path segments. */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * `S3Staging` against S3 (and the process's one STS call), with the region, credentials and endpoint of
 * `AwsClients`.
 */
export const S3StagingLive: Layer.Layer<S3Staging, never, AwsClients> = Layer.effect(
  S3Staging,
  Effect.gen(function*() {
    const { sdk, aws, env, accountId, bucketExists } = yield* makeS3Aws

    const rawRules = (bucket: string) =>
      aws.call(new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), `read the lifecycle rules of bucket ${bucket}`, idempotent).pipe(
        Effect.map((r) => r.Rules ?? []),
        Effect.catchIf((e) => e.code === "NoSuchLifecycleConfiguration", () => Effect.succeed([]))
      )

    const expiryOf = (rule: import("@aws-sdk/client-s3").LifecycleRule): ExpiryRule | undefined => {
      const prefix = rule.Filter?.Prefix ?? rule.Prefix
      const days = rule.Expiration?.Days
      return prefix === undefined || days === undefined ? undefined : { id: rule.ID ?? "", prefix, days }
    }

    const ensureBucket = (bucket: string, rule: ExpiryRule) =>
      Effect.gen(function*() {
        let created = false
        if (!(yield* bucketExists(bucket))) {
          yield* aws.call(
            new sdk.CreateBucketCommand({
              Bucket: bucket,
              ...(env.region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: env.region as "eu-west-1" } })
            }),
            `create bucket ${bucket}`,
            // A second attempt after a lost answer finds the bucket ours (BucketAlreadyOwnedByYou): done.
            idempotent
          ).pipe(Effect.catchIf((e) => e.code === "BucketAlreadyOwnedByYou", () => Effect.void))
          created = true
        }
        const rules = yield* rawRules(bucket)
        if (rules.some((r) => r.ID === rule.id)) return { created, ruleAdded: false }
        yield* aws.call(
          new sdk.PutBucketLifecycleConfigurationCommand({
            Bucket: bucket,
            LifecycleConfiguration: {
              Rules: [
                ...rules,
                { ID: rule.id, Status: "Enabled", Filter: { Prefix: rule.prefix }, Expiration: { Days: rule.days } }
              ]
            }
          }),
          `add the lifecycle rule ${rule.id} to bucket ${bucket}`,
          idempotent
        )
        return { created, ruleAdded: true }
      })

    // The signer is loaded on first presign: commands that never presign never load it.
    let signer: Promise<import("@smithy/signature-v4").SignatureV4> | undefined
    const signerOf = () =>
      signer ??= import("@smithy/signature-v4").then(({ SignatureV4 }) =>
        new SignatureV4({ service: "s3", region: env.region, credentials: env.clientConfig.credentials, sha256: Sha256, uriEscapePath: false })
      )
    const s3Endpoint = {
      service: "S3",
      signingName: "s3",
      targetPrefix: "",
      endpoint: `https://s3.${env.region}.amazonaws.com`,
      endpointEnvId: "S3",
      region: env.region
    }

    const presignGet = (bucket: string, key: string, expiresInSeconds: number) => {
      const base = new URL(jsonEndpoint(s3Endpoint, env))
      const custom = base.href !== new URL(s3Endpoint.endpoint).href
      const hostname = custom ? base.hostname : `${bucket}.${base.hostname}`
      const host = custom ? base.host : hostname
      const prefix = custom ? `${base.pathname.replace(/\/$/, "")}/${rfc3986(bucket)}` : ""
      const path = `${prefix}/${key.split("/").map(rfc3986).join("/")}`
      const send = async () => {
        const presigned = await (await signerOf()).presign(
          {
            method: "GET",
            protocol: base.protocol,
            hostname,
            ...(base.port !== "" ? { port: Number(base.port) } : {}),
            path,
            query: {},
            headers: { host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }
          },
          { expiresIn: Math.min(expiresInSeconds, maxPresignSeconds) }
        )
        const query = Object.entries(presigned.query ?? {})
          .flatMap(([k, v]) => (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]).map((x) => `${rfc3986(k)}=${rfc3986(String(x))}`))
          .join("&")
        return `${base.protocol}//${host}${path}?${query}`
      }
      return callWith(env, { service: "S3", operation: "Presign", action: `presign s3://${bucket}/${key}` }, send, idempotent)
    }

    return S3Staging.of({
      region: env.region,
      accountId,
      ensureBucket,
      expiryRules: (bucket) =>
        Effect.map(rawRules(bucket), (rules) => rules.flatMap((r) => {
          const e = expiryOf(r)
          return e === undefined ? [] : [e]
        })),
      put: (bucket, key, body) =>
        Effect.asVoid(aws.call(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), `upload s3://${bucket}/${key}`, idempotent)),
      exists: (bucket, key) =>
        aws.call(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), `check s3://${bucket}/${key}`, idempotent).pipe(
          Effect.as(true),
          Effect.catchTag("AwsNotFound", () => Effect.succeed(false))
        ),
      remove: (bucket, key) =>
        Effect.asVoid(aws.call(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }), `delete s3://${bucket}/${key}`, idempotent)),
      presignGet
    })
  })
)
