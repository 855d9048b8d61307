import { Effect, Layer } from "effect"
import type { LoadBalancers } from "../../src/services/LoadBalancers.ts"
import { LoadBalancersMemory } from "../../src/testing/LoadBalancersMemory.ts"
import { loadBalancersContract } from "../contract/loadBalancers.ts"

let instance = 0
loadBalancersContract("in-memory", {
  make: async (seed) => {
    const instanceIds = Array.from({ length: seed.instances }, () => `i-${(++instance).toString(16).padStart(17, "0")}`)
    const layer = LoadBalancersMemory.layer({
      loadBalancers: (seed.classic ?? []).map((name) => ({ name, type: "classic" as const, listeners: ["HTTP:80->8080"] })),
      certificates: (seed.certificates ?? []).map((domain, i) => ({ arn: `arn:aws:acm:us-east-1:123456789012:certificate/c-${i}`, domains: [domain] })),
      zones: (seed.zones ?? []).map((name, i) => ({ id: `Z${i}`, name }))
    })
    // Build once so every run in a test sees the same store.
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return { layer: Layer.succeedContext(context) as Layer.Layer<LoadBalancers>, instanceIds }
  }
})
