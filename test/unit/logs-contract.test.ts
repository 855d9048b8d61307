import { Effect, Layer } from "effect"
import type { Logs } from "../../src/services/Logs.ts"
import type { S3 } from "../../src/services/S3.ts"
import { LogsMemory, LogsMemoryState } from "../../src/testing/LogsMemory.ts"
import { S3Memory } from "../../src/testing/S3Memory.ts"
import { logsContract } from "../contract/logs.ts"

logsContract("in-memory", {
  make: async (seed) => {
    const layer = LogsMemory.layer({ groups: seed, pageSize: 1 }).pipe(Layer.provideMerge(S3Memory.layer({ pageSize: 1 })))
    // Built once so that every run in a test sees the same state.
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return {
      layer: Layer.succeedContext(context) as Layer.Layer<Logs | S3>,
      put: (group, stream, events) =>
        Effect.runPromise(
          Effect.provideContext(Effect.gen(function*() {
            yield* (yield* LogsMemoryState).putEvents(group, stream, events)
          }), context)
        )
    }
  }
})
