import { AwsClients } from "../../src/layers/AwsClients.ts"
import { EcrLive } from "../../src/layers/EcrLive.ts"
import { Layer } from "effect"
import { ecrContract } from "../contract/ecr.ts"
import { createRepository, pushImage } from "../support/ecrSeed.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

ecrContract("live on moto", {
  make: async () => ({
    layer: EcrLive.pipe(
      Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
    ),
    createBare: (name) => createRepository(name),
    push: (repository, tag) => pushImage(repository, tag)
  })
})
