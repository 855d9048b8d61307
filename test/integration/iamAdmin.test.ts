import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { IamAdminLive } from "../../src/layers/IamAdminLive.ts"
import { iamAdminContract } from "../contract/iamAdmin.ts"
import { seedIam } from "../support/iamSeed.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

iamAdminContract("live on moto", {
  make: async (seed) => {
    await seedIam(seed)
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return IamAdminLive.pipe(Layer.provide(env))
  }
})
