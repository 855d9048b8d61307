import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2NetworkLive } from "../../src/layers/Ec2NetworkLive.ts"
import { EcsLive } from "../../src/layers/EcsLive.ts"
import { IamLive } from "../../src/layers/IamLive.ts"
import { LogsLive } from "../../src/layers/LogsLive.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { ecsContract } from "../contract/ecs.ts"
import { motoEndpoint, resetMoto, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

ecsContract("live on moto", async () => {
  await resetMoto()
  const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
  return Layer.mergeAll(EcsLive, IamLive, LogsLive, Ec2NetworkLive).pipe(Layer.provide(env), Layer.merge(OutputTest.layer()))
})
