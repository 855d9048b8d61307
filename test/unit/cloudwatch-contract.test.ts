import { Effect, Layer } from "effect"
import type { CloudWatch } from "../../src/services/CloudWatch.ts"
import { CloudWatchMemory } from "../../src/testing/CloudWatchMemory.ts"
import { cloudWatchContract } from "../contract/cloudwatch.ts"

cloudWatchContract("in-memory", {
  make: async (metrics = []) => {
    const context = await Effect.runPromise(Layer.build(CloudWatchMemory.layer({ metrics })).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<CloudWatch>
  }
})
