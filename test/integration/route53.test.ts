import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Route53Live } from "../../src/layers/Route53Live.ts"
import { route53Contract } from "../contract/route53.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

route53Contract("live on moto", {
  make: async () => {
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return Route53Live.pipe(Layer.provide(env))
  }
})
