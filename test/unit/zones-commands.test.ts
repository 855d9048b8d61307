/** `aegea zones` through the real parser on Route53Memory: what moto-backed CLI tests do not spawn for. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { zonesCommand } from "../../src/commands/zones.ts"
import type { ConfigMap } from "../../src/lib/merge.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { Route53Memory, Route53MemoryState } from "../../src/testing/Route53Memory.ts"
import { rootOf } from "../support/root.ts"

const aegea = (...argv: Array<string>) => Command.runWith(rootOf(zonesCommand), { version: "test" })(["zones", ...argv])

const layers = (config: ConfigMap = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    Route53Memory.layer({
      zones: [{
        name: "example.com",
        records: [
          { name: "www.example.com.", type: "A", ttl: 300, values: ["10.0.0.5"] },
          { name: "www.example.com.", type: "TXT", ttl: 300, values: ['"site"'] }
        ]
      }]
    }),
    OutputTest.layer({ format: "json" }),
    layerFromValue(config)
  )

const stdout = Effect.gen(function*() {
  return JSON.parse(yield* (yield* OutputCapture).stdoutText) as unknown
})
const recordsOfZone = Effect.gen(function*() {
  return (yield* (yield* Route53MemoryState).records("example.com")).map((r) => `${r.name} ${r.type} ${r.ttl} ${r.values.join(",")}`)
})

describe("aegea zones (in memory)", () => {
  it.effect("delete --dry-run prints every type of the name (not the apex NS/SOA) and changes nothing; --type narrows it", () =>
    Effect.gen(function*() {
      yield* aegea("delete", "example.com.", "www", "--dry-run")
      const batch = (yield* stdout) as { ChangeBatch: { Changes: Array<{ Action: string; ResourceRecordSet: { Name: string; Type: string } }> } }
      assert.deepStrictEqual(batch.ChangeBatch.Changes.map((c) => `${c.Action} ${c.ResourceRecordSet.Name} ${c.ResourceRecordSet.Type}`), [
        "DELETE www.example.com. A",
        "DELETE www.example.com. TXT"
      ])
      assert.lengthOf(yield* recordsOfZone, 4)
      yield* aegea("delete", "example.com", "www.example.com", "--type", "txt", "--yes")
      assert.deepStrictEqual((yield* recordsOfZone).filter((r) => r.startsWith("www")), ["www.example.com. A 300 10.0.0.5"])
      const apex = yield* Effect.flip(aegea("delete", "example.com", "@", "--type", "NS", "--yes"))
      assert.strictEqual(apex._tag, "ResourceNotFound")
    }).pipe(Effect.provide(layers())))

  it.effect("update takes --type and --ttl from the config section zones_update, quotes TXT, refuses a name outside the zone and a bad pair", () =>
    Effect.gen(function*() {
      yield* aegea("update", "example.com", "note=hello world")
      assert.include(yield* recordsOfZone, 'note.example.com. TXT 120 "hello world"')
      const outside = yield* Effect.flip(aegea("update", "example.com", "www.example.org.=10.0.0.1"))
      assert.strictEqual(outside._tag, "UsageError")
      const bad = yield* Effect.flip(aegea("update", "example.com", "novalue"))
      assert.strictEqual(bad._tag === "UsageError" ? bad.summary : "", 'invalid record "novalue". Write each record as NAME=VALUE, e.g. www=10.0.0.5 (NAME relative to the zone, or ending with a dot)')
    }).pipe(Effect.provide(layers({ zones_update: { type: "TXT", ttl: 120 } }))))
})
