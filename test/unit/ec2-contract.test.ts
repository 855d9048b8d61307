import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { Ec2 } from "../../src/services/Ec2.ts"
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

// What only the in-memory layer has: ids that count per layer (from idSeed), not per test file.
describe("Ec2Memory ids", () => {
  const idsOf = (idSeed?: number) =>
    Effect.gen(function*() {
      return (yield* (yield* Ec2MemoryState).instances).map((i) => i.id)
    }).pipe(Effect.provide(Ec2Memory.layer({ instances: [{ name: "a" }, { name: "b" }], ...(idSeed !== undefined ? { idSeed } : {}) })))

  it.effect("each layer counts from its own seed, whatever was built before", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* idsOf(), ["i-0000000000a000001", "i-0000000000a000002"])
      assert.deepStrictEqual(yield* idsOf(0xff), ["i-0000000000a000100", "i-0000000000a000101"])
      assert.deepStrictEqual(yield* idsOf(), ["i-0000000000a000001", "i-0000000000a000002"])
    }))

  it.effect("an unsupported filter is an error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runCollect((yield* Ec2).instances({ filters: { "placement-group-name": ["x"] } })))
      assert.strictEqual(error._tag, "AwsInvalidRequest")
      assert.match(error.awsMessage, /'placement-group-name' is invalid or not supported in memory/)
    }).pipe(Effect.provide(Ec2Memory.layer({ instances: [{ name: "a" }] }))))
})
