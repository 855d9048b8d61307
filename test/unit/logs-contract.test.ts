import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { Logs } from "../../src/services/Logs.ts"
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

// What only the in-memory layer has: seeded events with ids that count per layer from idSeed.
describe("LogsMemory seeding and ids", () => {
  const seeded = (idSeed: number) =>
    Effect.gen(function*() {
      const events = yield* Stream.runCollect((yield* Logs).events({ group: "/g" }))
      return events.map((e) => [e.message, e.id])
    }).pipe(Effect.provide(LogsMemory.layer({ groups: { "/g": { s: [{ timestamp: 1000, message: "a" }, { timestamp: 2000, message: "b" }] } }, idSeed })))

  it.effect("seeded events read back in order, with ids from this layer's own counter", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* seeded(0), [["a", "event-1"], ["b", "event-2"]])
      // A second layer starts from its own seed, whatever was built before it.
      assert.deepStrictEqual(yield* seeded(10), [["a", "event-11"], ["b", "event-12"]])
      assert.deepStrictEqual(yield* seeded(0), [["a", "event-1"], ["b", "event-2"]])
    }))
})
