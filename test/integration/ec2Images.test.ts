/** The Ec2Launch images contract on the live layer, against moto. */
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2LaunchLive } from "../../src/layers/Ec2LaunchLive.ts"
import { Ec2Live } from "../../src/layers/Ec2Live.ts"
import { ec2ImagesContract } from "../contract/ec2Images.ts"
import { motoEndpoint, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

ec2ImagesContract("live on moto", {
  make: async () => {
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    const [instanceId] = await seedInstances(1, { names: ["source"] })
    return { layer: Layer.mergeAll(Ec2LaunchLive, Ec2Live).pipe(Layer.provide(env)), instanceId: instanceId! }
  }
})
