import { Effect, Layer } from "effect"
import type { IamAdmin } from "../../src/services/IamAdmin.ts"
import { IamAdminMemory } from "../../src/testing/IamAdminMemory.ts"
import { iamAdminContract } from "../contract/iamAdmin.ts"

iamAdminContract("in-memory", {
  make: async (seed) => {
    // Build once so every run in a test sees the same store.
    const context = await Effect.runPromise(Layer.build(IamAdminMemory.layer(seed)).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<IamAdmin>
  }
})
