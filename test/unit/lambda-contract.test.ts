import { Effect, Layer } from "effect"
import type { Lambda } from "../../src/services/Lambda.ts"
import { LambdaMemory } from "../../src/testing/LambdaMemory.ts"
import { lambdaContract } from "../contract/lambda.ts"
import { zipV1 } from "../support/lambdaZips.ts"

lambdaContract("in-memory", {
  make: async (seed) => {
    const eventSourceArn = seed.mapTo === undefined
      ? undefined
      : `arn:aws:dynamodb:us-east-1:123456789012:table/${seed.mapTo}/stream/2024-01-01T00:00:00.000`
    const layer = LambdaMemory.layer({
      functions: seed.functions.map((f) => ({ ...f, codeSize: zipV1.byteLength })),
      mappings: seed.mapTo === undefined ? [] : [{ functionName: seed.mapTo, eventSourceArn: eventSourceArn! }]
    })
    // Build once so every run in a test sees the same store.
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return { layer: Layer.succeedContext(context) as Layer.Layer<Lambda>, eventSourceArn }
  }
})
