import { Context, Effect, Layer } from "effect"
import type { Ecr } from "../../src/services/Ecr.ts"
import { EcrMemory, EcrMemoryState } from "../../src/testing/EcrMemory.ts"
import { ecrContract } from "../contract/ecr.ts"

ecrContract("in-memory", {
  make: async () => {
    // Built once so every run in a test sees the same store.
    const context = await Effect.runPromise(Layer.build(EcrMemory.layer()).pipe(Effect.scoped))
    const state = Context.get(context, EcrMemoryState)
    return {
      layer: Layer.succeedContext(context) as Layer.Layer<Ecr>,
      createBare: (name) => Effect.runPromise(state.createRepository(name)),
      push: (repository, tag) => Effect.runPromise(Effect.asVoid(state.pushImage(repository, tag)))
    }
  }
})
