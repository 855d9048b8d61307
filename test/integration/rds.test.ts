import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { RdsLive } from "../../src/layers/RdsLive.ts"
import { rdsContract } from "../contract/rds.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

rdsContract("live on moto", {
  make: async () => {
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return RdsLive.pipe(Layer.provide(env))
  }
})
