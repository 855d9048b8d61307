import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { CloudWatchLive } from "../../src/layers/CloudWatchLive.ts"
import { cloudWatchContract } from "../contract/cloudwatch.ts"
import { motoEndpoint, sdkConfig, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

cloudWatchContract("live on moto", {
  make: async (metrics = []) => {
    const cw = new CloudWatchClient(sdkConfig())
    for (const m of metrics) {
      await cw.send(new PutMetricDataCommand({
        Namespace: m.namespace,
        MetricData: m.datapoints.map((d) => ({
          MetricName: m.metric,
          Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
          Timestamp: d.timestamp,
          Value: d.value
        }))
      }))
    }
    cw.destroy()
    return CloudWatchLive.pipe(
      Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
    )
  }
})
