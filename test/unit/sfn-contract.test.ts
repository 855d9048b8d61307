import { Effect, Layer } from "effect"
import type { StepFunctions } from "../../src/services/StepFunctions.ts"
import { StepFunctionsMemory } from "../../src/testing/StepFunctionsMemory.ts"
import { stepFunctionsContract } from "../contract/stepFunctions.ts"

stepFunctionsContract("in-memory", {
  make: async (stateMachines) => {
    // Executions that stay RUNNING (as on moto) with one state entered; built once per test.
    const layer = StepFunctionsMemory.layer({ stateMachines, script: () => ({ events: [{ at: 0, type: "PassStateEntered", state: "Pass" }] }) })
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<StepFunctions>
  }
})
