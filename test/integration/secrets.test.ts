import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { SecretsLive } from "../../src/layers/SecretsLive.ts"
import { secretsContract } from "../contract/secrets.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

secretsContract("live on moto", {
  make: async () => {
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return SecretsLive.pipe(Layer.provide(env))
  }
})
