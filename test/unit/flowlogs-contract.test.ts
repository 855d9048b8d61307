import { Effect, Layer } from "effect"
import type { FlowLogs } from "../../src/services/FlowLogs.ts"
import { FlowLogsMemory } from "../../src/testing/FlowLogsMemory.ts"
import { flowLogsContract } from "../contract/flowlogs.ts"

flowLogsContract("in-memory", {
  make: async () => {
    const vpcId = "vpc-0123456789abcdef0"
    const context = await Effect.runPromise(Layer.build(FlowLogsMemory.layer({ resources: [vpcId] })).pipe(Effect.scoped))
    return { layer: Layer.succeedContext(context) as Layer.Layer<FlowLogs>, vpcId }
  }
})
