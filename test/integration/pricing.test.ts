import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { PricingLive } from "../../src/layers/PricingLive.ts"
import { pricingContract } from "../contract/pricing.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

// moto serves EC2 spot price history but not the Price List (GetProducts): on-demand runs in test/unit.
pricingContract("live on moto", {
  make: async () =>
    PricingLive.pipe(Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))),
  priceList: false
})
