import { Effect, Layer } from "effect"
import type { Rds } from "../../src/services/Rds.ts"
import { RdsMemory } from "../../src/testing/RdsMemory.ts"
import { rdsContract } from "../contract/rds.ts"

rdsContract("in-memory", {
  make: async () => {
    // Build once so every run in a test sees the same store.
    const context = await Effect.runPromise(Layer.build(RdsMemory.layer()).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Rds>
  }
})
