import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { StepFunctionsLive } from "../../src/layers/StepFunctionsLive.ts"
import { stepFunctionsContract } from "../contract/stepFunctions.ts"
import { createStateMachine } from "../support/lambdaSfnMoto.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

stepFunctionsContract("live on moto", {
  make: async (stateMachines) => {
    for (const name of stateMachines) await createStateMachine(name)
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return StepFunctionsLive.pipe(Layer.provide(env))
  }
})
