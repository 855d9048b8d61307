import { Effect, Layer } from "effect"
import type { Secrets } from "../../src/services/Secrets.ts"
import { SecretsMemory } from "../../src/testing/SecretsMemory.ts"
import { secretsContract } from "../contract/secrets.ts"

secretsContract("in-memory", {
  make: async () => {
    // Build once so every run in a test sees the same store (the layer is on the real clock here).
    const context = await Effect.runPromise(Layer.build(SecretsMemory.layer()).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Secrets>
  }
})
