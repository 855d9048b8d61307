import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { InventoryLive } from "../../src/layers/InventoryLive.ts"
import { inventoryContract } from "../contract/inventory.ts"
import { seedInventory } from "../support/inventorySeed.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

inventoryContract("live on moto", {
  make: async ({ tag }) => {
    const ids = await seedInventory(tag)
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return { layer: InventoryLive.pipe(Layer.provide(env)), ids }
  }
})
