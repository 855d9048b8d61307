/** `aegea cloudtrail lookup` through the real parser on CloudTrailMemory (moto has no LookupEvents). */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Command } from "effect/cli"
import { cloudtrailCommand } from "../../src/commands/cloudtrail.ts"
import type { TrailEvent } from "../../src/services/CloudTrail.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { CloudTrailMemory, CloudTrailMemoryState } from "../../src/testing/CloudTrailMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { rootOf } from "../support/root.ts"

const minute = 60_000
const events: ReadonlyArray<TrailEvent> = Array.from({ length: 130 }, (_, i) => ({
  id: `e-${i}`,
  time: new Date(Date.now() - (i + 1) * minute),
  user: i % 2 === 0 ? "alice" : "bob",
  event: i === 3 ? "TerminateInstances" : "DescribeInstances",
  source: "ec2.amazonaws.com",
  resources: i === 3 ? [{ type: "AWS::EC2::Instance", name: "i-0abc" }] : [],
  ...(i === 3 ? { resource: "i-0abc", sourceIp: "198.51.100.7", error: "Client.UnauthorizedOperation: not allowed" } : {}),
  readOnly: i !== 3
}))

const run = (format: "json" | "table", config: Parameters<typeof layerFromValue>[0], ...argv: Array<string>) =>
  Effect.gen(function*() {
    const exit = yield* Command.runWith(rootOf(cloudtrailCommand), { version: "test", renderErrors: false })(["cloudtrail", "lookup", ...argv]).pipe(Effect.exit)
    const out = yield* OutputCapture
    return { exit, stdout: yield* out.stdoutText, stderr: (yield* out.stderr).join("\n"), pages: yield* (yield* CloudTrailMemoryState).pagesRead }
  }).pipe(
    Effect.provide(Layer.mergeAll(NodeServices.layer, CloudTrailMemory.layer({ events }), OutputTest.layer({ format }), layerFromValue(config))),
    Effect.runPromise
  )

describe("aegea cloudtrail lookup (in-memory CloudTrail)", () => {
  it("rows newest first with their columns; attributes all match; a failed call shows its error and source IP", async () => {
    const table = await run("table", {}, "--attribute", "eventname=TerminateInstances", "--attribute", "Username=alice")
    assert.isTrue(Exit.isSuccess(table.exit))
    // Nothing matches both: the header alone.
    assert.deepStrictEqual(table.stdout.trim().split("\n").length, 1)
    const found = await run("table", {}, "--attribute", "EventName=TerminateInstances", "--start-time", "2h")
    const [header, row, rest] = found.stdout.split("\n")
    assert.match(header ?? "", /^TIME\s+USER\s+EVENT\s+RESOURCE\s+SOURCE IP\s+ERROR$/)
    assert.match(row ?? "", /\s+bob\s+TerminateInstances\s+i-0abc\s+198\.51\.100\.7\s+Client\.UnauthorizedOperation: not allowed$/)
    assert.strictEqual(rest, "")
  })

  it("--max-items bounds the rows and the pages read, and says there were more; the config's max_items is the flag", async () => {
    const r = await run("json", {}, "--max-items", "3")
    const rows = JSON.parse(r.stdout) as Array<{ time: string; user: string }>
    assert.deepStrictEqual(rows.map((x) => x.user), ["alice", "bob", "alice"])
    assert.deepStrictEqual(rows.map((x) => x.time), [...rows.map((x) => x.time)].sort().reverse())
    assert.strictEqual(r.pages, 1)
    assert.include(r.stderr, "showing the newest 3 events")
    const all = await run("json", {}, "--start-time", "1d")
    assert.strictEqual((JSON.parse(all.stdout) as Array<unknown>).length, 100)
    const configured = await run("json", { cloudtrail_lookup: { max_items: 5 } })
    assert.strictEqual((JSON.parse(configured.stdout) as Array<unknown>).length, 5)
  })

  it("usage errors before any call: an unknown attribute, --max-items 0, a start after the end", async () => {
    for (const argv of [["--attribute", "Colour=blue"], ["--attribute", "EventName="], ["--max-items", "0"], ["--start-time", "1h", "--end-time", "2h"]]) {
      const r = await run("json", {}, ...argv)
      assert.isTrue(Exit.isFailure(r.exit), argv.join(" "))
      if (Exit.isFailure(r.exit)) {
        const reason = r.exit.cause.reasons.find((x) => x._tag === "Fail")
        assert.strictEqual(reason !== undefined && reason._tag === "Fail" ? (reason.error as { _tag: string })._tag : undefined, "UsageError", argv.join(" "))
      }
      assert.strictEqual(r.pages, 0)
    }
  })
})
