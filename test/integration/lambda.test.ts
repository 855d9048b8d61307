import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { LambdaLive } from "../../src/layers/LambdaLive.ts"
import { lambdaContract } from "../contract/lambda.ts"
import { createFunctions, mapStreamTo } from "../support/lambdaSfnMoto.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

lambdaContract("live on moto", {
  make: async (seed) => {
    await createFunctions(seed.functions)
    const eventSourceArn = seed.mapTo === undefined ? undefined : await mapStreamTo(seed.mapTo, `${seed.mapTo}-table`)
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return { layer: LambdaLive.pipe(Layer.provide(env)), eventSourceArn }
  }
})
