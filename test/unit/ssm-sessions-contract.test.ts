import { Effect, Layer } from "effect"
import type { Ssm } from "../../src/services/Ssm.ts"
import { SsmMemory } from "../../src/testing/SsmMemory.ts"
import { ssmSessionsContract } from "../contract/ssmSessions.ts"

ssmSessionsContract("in-memory", {
  make: async () => {
    const context = await Effect.runPromise(Layer.build(SsmMemory.layer({ agents: [{ instanceId: "i-0123456789abcdef0" }] })).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Ssm>
  },
  instanceId: () => "i-0123456789abcdef0",
  offlineInstanceId: () => "i-0fffffffffffffff0"
})
