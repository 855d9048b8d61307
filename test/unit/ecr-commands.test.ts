/** `aegea ecr ls REPO` through the real parser on EcrMemory: scan findings, which moto does not report. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { ecrCommand, findingsSummary } from "../../src/commands/ecr.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { EcrMemory } from "../../src/testing/EcrMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { rootOf } from "../support/root.ts"

const aegea = (...argv: Array<string>) => Command.runWith(rootOf(ecrCommand), { version: "test" })(["ecr", ...argv])

const layers = Layer.mergeAll(
  NodeServices.layer,
  EcrMemory.layer({
    repositories: [{ name: "app", scanOnPush: true }],
    images: [
      { repository: "app", tags: ["old"], pushedAt: new Date("2026-11-01T00:00:00Z"), findings: { LOW: 5, CRITICAL: 1, HIGH: 3 } },
      { repository: "app", tags: ["new", "latest"], pushedAt: new Date("2026-11-20T00:00:00Z"), findings: { HIGH: 0 } },
      { repository: "app", tags: [], pushedAt: new Date("2026-11-10T00:00:00Z") }
    ]
  }),
  OutputTest.layer({ format: "json" }),
  layerFromValue({})
)

describe("aegea ecr (in memory)", () => {
  it("findings: most severe first, zero counts left out, none for a clean scan, empty for no scan", () => {
    assert.strictEqual(findingsSummary({ LOW: 5, CRITICAL: 1, HIGH: 3, UNDEFINED: 2 }), "CRITICAL=1 HIGH=3 LOW=5 UNDEFINED=2")
    assert.strictEqual(findingsSummary({ HIGH: 0 }), "none")
    assert.strictEqual(findingsSummary({}), "none")
    assert.strictEqual(findingsSummary(undefined), "")
  })

  it.effect("ls REPO lists the images newest push first with their findings summary", () =>
    Effect.gen(function*() {
      yield* aegea("ls", "app")
      const rows = JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<{ tags: Array<string>; findings: string }>
      assert.deepStrictEqual(rows.map((r) => r.tags), [["new", "latest"], [], ["old"]])
      assert.deepStrictEqual(rows.map((r) => r.findings), ["none", "", "CRITICAL=1 HIGH=3 LOW=5"])
    }).pipe(Effect.provide(layers)))
})
