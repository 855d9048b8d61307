/** The EC2 commands through the real parser (Command.runWith) against aegea/testing layers. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { cli } from "../../src/cli.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2Memory, Ec2MemoryState } from "../../src/testing/Ec2Memory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const seed = {
  instances: [
    { id: "i-00000000000000001", name: "web-1", tags: { env: "prod" } },
    { id: "i-00000000000000002", name: "web-2", tags: { env: "dev" } },
    { id: "i-00000000000000003", name: "db-1", state: "stopped" as const, tags: { env: "prod" } }
  ],
  settleAfter: "5 seconds" as const,
  pageSize: 2
}

const layers = (format: "table" | "json" = "json", config: Record<string, unknown> = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    Ec2Memory.layer(seed),
    OutputTest.layer({ format }),
    layerFromValue({ output: "table", ...config })
  )

const aegea = (...argv: Array<string>) => Command.runWith(cli, { version: "test" })(argv)
const stdoutJson = Effect.gen(function*() {
  return JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<Record<string, unknown>>
})

describe("aegea ls", () => {
  it.effect("lists all instances across pages with the default columns", () =>
    Effect.gen(function*() {
      yield* aegea("ls")
      const rows = yield* stdoutJson
      assert.deepStrictEqual(rows.map((r) => r.name), ["web-1", "web-2", "db-1"])
      assert.deepStrictEqual(Object.keys(rows[0]!), [
        "name", "id", "state", "type", "availabilityZone", "privateIp", "publicDns", "publicIp", "launchTime",
        "lifecycle", "iamProfile"
      ])
    }).pipe(Effect.provide(layers())))

  it.effect("filters by --tag, --state and names", () =>
    Effect.gen(function*() {
      const capture = yield* OutputCapture
      yield* aegea("ls", "--tag", "env=prod", "--state", "running")
      assert.deepStrictEqual((yield* stdoutJson).map((r) => r.name), ["web-1"])
      yield* capture.clear
      yield* aegea("ls", "web-2", "db-1")
      assert.deepStrictEqual((yield* stdoutJson).map((r) => r.name), ["web-2", "db-1"])
      yield* capture.clear
      yield* aegea("ls", "web-2", "i-00000000000000003")
      assert.deepStrictEqual((yield* stdoutJson).map((r) => r.name), ["web-2", "db-1"])
    }).pipe(Effect.provide(layers())))

  it.effect("ls.tag in config filters when no --tag is given", () =>
    Effect.gen(function*() {
      yield* aegea("ls")
      assert.deepStrictEqual((yield* stdoutJson).map((r) => r.name), ["web-1", "db-1"])
    }).pipe(Effect.provide(layers("json", { ls: { tag: ["env=prod"] } }))))

  it.effect("rejects a bad --state and a malformed --tag as usage errors", () =>
    Effect.gen(function*() {
      const state = yield* Effect.flip(aegea("ls", "--state", "sleeping"))
      assert.strictEqual(state._tag, "UsageError")
      const tag = yield* Effect.flip(aegea("ls", "--tag", "novalue"))
      assert.strictEqual(tag._tag, "UsageError")
    }).pipe(Effect.provide(layers())))
})

describe("aegea stop/start/terminate", () => {
  it.effect("--wait polls on the clock until the instance is stopped", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("stop", "web-1", "--wait"))
      yield* TestClock.adjust("4 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      const rows = yield* stdoutJson
      assert.deepStrictEqual(rows, [{ name: "web-1", id: "i-00000000000000001", previousState: "running", state: "stopped" }])
      const calls = yield* (yield* Ec2MemoryState).calls
      assert.isAtLeast(calls.filter((c) => c === "DescribeInstances").length, 3)
    }).pipe(Effect.provide(layers())))

  it.effect("--wait on a terminal: one status line with each instance's state, erased before the table", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("stop", "web-1", "web-2", "--wait"))
      yield* TestClock.adjust("6 seconds")
      yield* Fiber.join(fiber)
      const out = yield* OutputCapture
      const statuses = yield* out.statuses
      assert.deepStrictEqual([...new Set(statuses)], [
        "waiting for 2 instances to be stopped: i-00000000000000001 (web-1) stopping, i-00000000000000002 (web-2) stopping",
        "waiting for 2 instances to be stopped: i-00000000000000001 (web-1) stopped, i-00000000000000002 (web-2) stopped",
        "(done)"
      ])
      const stderr = (yield* out.stderr).join("\n")
      assert.include(stderr, "\r\u001b[2K⠋ waiting for 2 instances to be stopped: i-00000000000000001 (web-1) stopping")
      assert.isTrue(stderr.endsWith("\r\u001b[2K"), "the line is erased at the end")
      assert.notInclude((yield* out.stdoutText), "⠋")
    }).pipe(Effect.provide(Layer.mergeAll(NodeServices.layer, Ec2Memory.layer(seed), OutputTest.layer({ format: "table" }, { stderrIsTTY: true }), layerFromValue({})))))

  it.effect("--wait on a pipe: a timestamped line when a state changes, never twice the same", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("stop", "web-1", "--wait"))
      yield* TestClock.adjust("8 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(yield* (yield* OutputCapture).stderr, [
        "1970-01-01T00:00:00Z i-00000000000000001 (web-1) stopping",
        "1970-01-01T00:00:06Z i-00000000000000001 (web-1) stopped"
      ])
    }).pipe(Effect.provide(layers("table"))))

  it.effect("stop.wait: true in config makes stop wait without --wait", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("stop", "web-1"))
      yield* TestClock.adjust("4 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* stdoutJson)[0]?.state, "stopped")
    }).pipe(Effect.provide(layers("json", { stop: { wait: true } }))))

  it.effect("without --wait reports the transitional state", () =>
    Effect.gen(function*() {
      yield* aegea("start", "db-1")
      assert.deepStrictEqual((yield* stdoutJson)[0]?.state, "pending")
    }).pipe(Effect.provide(layers())))

  it.effect("--dry-run changes nothing", () =>
    Effect.gen(function*() {
      yield* aegea("terminate", "web-2", "--dry-run")
      const state = yield* Ec2MemoryState
      const instances = yield* state.instances
      assert.strictEqual(instances.find((i) => i.name === "web-2")?.state, "running")
      assert.include(yield* state.calls, "terminate:dry-run")
      assert.include((yield* (yield* OutputCapture).stderr).join("\n"), "would succeed")
    }).pipe(Effect.provide(layers())))

  it.effect("terminate without a terminal refuses without --yes, and terminates with it", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(aegea("terminate", "i-00000000000000002", "web-1"))
      assert.strictEqual(refused._tag, "UsageError")
      assert.strictEqual(refused._tag === "UsageError" ? refused.summary : "", "refusing to terminate 2 instances without --yes: no terminal to ask on. Pass --yes to confirm")
      assert.isFalse((yield* (yield* Ec2MemoryState).calls).some((c) => c.startsWith("terminate")))
      yield* aegea("terminate", "i-00000000000000002", "--wait", "--yes")
        .pipe(Effect.forkChild, Effect.tap(() => TestClock.adjust("10 seconds")), Effect.flatMap(Fiber.join))
      const instances = yield* (yield* Ec2MemoryState).instances
      assert.strictEqual(instances.find((i) => i.name === "web-2")?.state, "terminated")
    }).pipe(Effect.provide(layers())))

  it.effect("unknown and ambiguous names fail before anything changes", () =>
    Effect.gen(function*() {
      const state = yield* Ec2MemoryState
      yield* state.addInstance({ name: "web-1" })
      const ambiguous = yield* Effect.flip(aegea("stop", "web-2", "web-1"))
      assert.strictEqual(ambiguous._tag, "AmbiguousName")
      const missing = yield* Effect.flip(aegea("stop", "nope"))
      assert.strictEqual(missing._tag, "ResourceNotFound")
      assert.isFalse((yield* state.calls).some((c) => c.startsWith("stop:")))
    }).pipe(Effect.provide(layers())))
})

describe("aegea console", () => {
  it.effect("prints the console output line by line", () =>
    Effect.gen(function*() {
      yield* aegea("console", "web-1")
      assert.deepStrictEqual(yield* (yield* OutputCapture).stdout, [])
      assert.include((yield* (yield* OutputCapture).stderr).join(""), "no console output yet")
    }).pipe(Effect.provide(layers("table"))))
})
