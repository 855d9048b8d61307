import { Effect, Layer } from "effect"
import type { Ec2 } from "../../src/services/Ec2.ts"
import { Ec2Memory, Ec2MemoryState } from "../../src/testing/Ec2Memory.ts"
import { ec2Contract } from "../contract/ec2.ts"

ec2Contract("in-memory", {
  pollEvery: "1 millis",
  make: async (instances) => {
    const layer = Ec2Memory.layer({
      instances: instances.map((i) => ({ name: i.name, type: i.type ?? "t3.micro", tags: { ...i.tags } })),
      settleAfter: "0 millis",
      pageSize: 2
    })
    // Build once so every run in a test sees the same state.
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    const seeded = await Effect.runPromise(
      Effect.provideContext(Effect.gen(function*() {
        return yield* (yield* Ec2MemoryState).instances
      }), context)
    )
    const ids = seeded.map((i) => i.id)
    return { layer: Layer.succeedContext(context) as Layer.Layer<Ec2>, ids }
  }
})
