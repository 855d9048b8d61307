import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { EfsLive } from "../../src/layers/EfsLive.ts"
import { efsContract } from "../contract/efs.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

efsContract("live on moto", {
  make: async () =>
    EfsLive.pipe(Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })))
})
