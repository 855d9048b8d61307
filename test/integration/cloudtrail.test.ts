import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail"
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { CloudTrailLive } from "../../src/layers/CloudTrailLive.ts"
import { cloudTrailContract } from "../contract/cloudtrail.ts"
import { motoEndpoint, sdkConfig, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

cloudTrailContract("live on moto", {
  lookupServed: false,
  make: async ({ trails = [] }) => {
    const config = sdkConfig()
    const s3 = new S3Client({ ...config, forcePathStyle: true })
    const client = new CloudTrailClient(config)
    for (const t of trails) {
      await s3.send(new CreateBucketCommand({ Bucket: t.bucket }))
      await client.send(new CreateTrailCommand({
        Name: t.name,
        S3BucketName: t.bucket,
        IsMultiRegionTrail: t.multiRegion,
        ...(t.logGroup !== undefined
          ? {
            CloudWatchLogsLogGroupArn: `arn:aws:logs:${TEST_REGION}:123456789012:log-group:${t.logGroup}:*`,
            CloudWatchLogsRoleArn: "arn:aws:iam::123456789012:role/trail-to-logs"
          }
          : {})
      }))
      if (t.logging) await client.send(new StartLoggingCommand({ Name: t.name }))
    }
    s3.destroy()
    client.destroy()
    return CloudTrailLive.pipe(
      Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
    )
  }
})
