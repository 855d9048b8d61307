import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2Live } from "../../src/layers/Ec2Live.ts"
import { ec2Contract } from "../contract/ec2.ts"
import { motoEndpoint, resetMoto, seedInstances, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

ec2Contract("live on moto", {
  pollEvery: "100 millis",
  make: async (instances) => {
    await resetMoto()
    const ids: Array<string> = []
    for (const i of instances) {
      ids.push(...(await seedInstances(1, { names: [i.name], instanceType: i.type ?? "t3.micro", tags: i.tags ?? {} })))
    }
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return { layer: Ec2Live.pipe(Layer.provide(env)), ids }
  }
})
