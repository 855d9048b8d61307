// The Billing contract on moto: moto has no CUR API, so the listing fails with one clear error naming
// CUR DescribeReportDefinitions (the served scenarios run in test/unit/billing-contract.test.ts).
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { BillingLive } from "../../src/layers/BillingLive.ts"
import { billingContract } from "../contract/billing.ts"
import { motoEndpoint, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

billingContract("live on moto", {
  served: false,
  make: async () =>
    BillingLive.pipe(Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })))
})
