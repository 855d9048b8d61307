import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { BatchLive } from "../../src/layers/BatchLive.ts"
import { Ec2NetworkLive } from "../../src/layers/Ec2NetworkLive.ts"
import { IamLive } from "../../src/layers/IamLive.ts"
import { LogsLive } from "../../src/layers/LogsLive.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { batchContract } from "../contract/batch.ts"
import { motoEndpoint, resetMoto, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

batchContract("live on moto", async () => {
  await resetMoto()
  const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
  return Layer.mergeAll(BatchLive, IamLive, LogsLive, Ec2NetworkLive).pipe(Layer.provide(env), Layer.merge(OutputTest.layer()))
})
