import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Secrets } from "../../src/services/Secrets.ts"
import { SecretsMemory } from "../../src/testing/SecretsMemory.ts"
import { secretsContract } from "../contract/secrets.ts"

secretsContract("in-memory", {
  make: async () => {
    // Build once so every run in a test sees the same store (the layer is on the real clock here).
    const context = await Effect.runPromise(Layer.build(SecretsMemory.layer()).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Secrets>
  }
})

describe("SecretsMemory seeding and ids", () => {
  const arnOf = (idSeed: number) =>
    Effect.gen(function*() {
      return (yield* (yield* Secrets).describe("db/password")).arn
    }).pipe(Effect.provide(SecretsMemory.layer({ secrets: [{ name: "db/password", value: "x" }], idSeed })))

  it.effect("seeded secrets get ARN suffixes from this layer's own counter", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* arnOf(0), "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/password-000001")
      assert.strictEqual(yield* arnOf(0x20), "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/password-000021")
      assert.strictEqual(yield* arnOf(0), "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/password-000001")
    }))
})
