import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client
} from "@aws-sdk/client-s3"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { S3AdminLive } from "../../src/layers/S3AdminLive.ts"
import { lifecycleRule, s3AdminContract } from "../contract/s3admin.ts"
import { motoEndpoint, sdkConfig, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

s3AdminContract("live on moto", {
  make: async (buckets) => {
    const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true })
    for (const [name, f] of Object.entries(buckets)) {
      await s3.send(new CreateBucketCommand({ Bucket: name }))
      if (f.versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }))
      if (f.encrypted) {
        await s3.send(new PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] }
        }))
      }
      if (f.lifecycle) {
        await s3.send(new PutBucketLifecycleConfigurationCommand({
          Bucket: name,
          LifecycleConfiguration: { Rules: [structuredClone(lifecycleRule) as never] }
        }))
      }
      for (const w of f.writes ?? []) {
        await (w.body === null
          ? s3.send(new DeleteObjectCommand({ Bucket: name, Key: w.key }))
          : s3.send(new PutObjectCommand({ Bucket: name, Key: w.key, Body: w.body, ...(w.storageClass ? { StorageClass: w.storageClass } : {}) })))
      }
    }
    s3.destroy()
    return S3AdminLive.pipe(
      Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
    )
  }
})
