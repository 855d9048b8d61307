/** `aegea grep` and the Insights query runner against LogsMemory, under TestClock. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { globalFlags } from "../../src/commands/global.ts"
import { escapeRegex, grepCommand, patternQuery } from "../../src/commands/grep.ts"
import { runInsightsQuery } from "../../src/workflows/insightsQuery.ts"
import { Logs } from "../../src/services/Logs.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { type LogsSeed, LogsMemory, LogsMemoryState } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const hour = 3_600_000
const now = 100 * hour
const group = "/aws/batch/job"
const seed: LogsSeed = {
  groups: {
    [group]: {
      "job-1": [
        { timestamp: now - 3 * hour, message: "starting" },
        { timestamp: now - 3 * hour + 1, message: "ERROR disk full" },
        { timestamp: now - 3 * hour + 2, message: "retrying" },
        { timestamp: now - 3 * hour + 3, message: "done" }
      ],
      "job-2": [{ timestamp: now - 2 * hour, message: "error: timeout (a.b)" }]
    },
    "/other": { s: [{ timestamp: now - hour, message: "ERROR elsewhere" }] }
  }
}

const root = Command.make("aegea").pipe(Command.withSubcommands([grepCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)
const layers = (extra: Partial<LogsSeed> = {}, format: "table" | "json" = "table") =>
  Layer.mergeAll(NodeServices.layer, LogsMemory.layer({ ...seed, ...extra }), OutputTest.layer({ format }), layerFromValue({}))
const atNow = TestClock.setTime(now)
const stdout = Effect.gen(function*() {
  return yield* (yield* OutputCapture).stdout
})

describe("patternQuery", () => {
  it("escapes the pattern into a /regex/ and adds (?i) with -i", () => {
    assert.strictEqual(escapeRegex("a.b/c(d)"), "a\\.b\\/c\\(d\\)")
    assert.strictEqual(
      patternQuery("x/y", { ignoreCase: true, limit: 5 }),
      "fields @timestamp, @log, @logStream, @message | filter @message like /(?i)x\\/y/ | sort @timestamp desc | limit 5"
    )
  })
})

describe("aegea grep", () => {
  it.effect("prints matching events oldest first as 'timestamp stream message' lines", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "ERROR", group)
      assert.deepStrictEqual(yield* stdout, [`${new Date(now - 3 * hour + 1).toISOString()} job-1 ERROR disk full`])
    }).pipe(Effect.provide(layers())))

  it.effect("-i matches regardless of case; special characters are literal", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "-i", "error", group)
      assert.deepStrictEqual((yield* stdout).map((l) => l.split(" ").slice(1).join(" ")), ["job-1 ERROR disk full", "job-2 error: timeout (a.b)"])
      const capture = yield* OutputCapture
      yield* capture.clear
      yield* aegea("grep", "(a.b)", group)
      assert.strictEqual((yield* stdout).length, 1)
    }).pipe(Effect.provide(layers())))

  it.effect("several groups by prefix, with --output json objects", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "ERROR", "/*")
      const rows = JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<{ group: string; message: string }>
      assert.deepStrictEqual(rows.map((r) => [r.group, r.message]), [[group, "ERROR disk full"], ["/other", "ERROR elsewhere"]])
    }).pipe(Effect.provide(layers({}, "json"))))

  it.effect("-C prints context lines from the match's stream", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "disk", group, "-C", "1")
      assert.deepStrictEqual((yield* stdout).map((l) => l.slice(25)), ["job-1 starting", "job-1 ERROR disk full", "job-1 retrying"])
    }).pipe(Effect.provide(layers())))

  it.effect("no match is OperationFailed with exit code 1; the time range is honoured", () =>
    Effect.gen(function*() {
      yield* atNow
      const error = yield* Effect.flip(aegea("grep", "ERROR", group, "--start-time=-1h"))
      assert.strictEqual(error._tag, "OperationFailed")
      assert.strictEqual((error as { exitCode?: number }).exitCode, 1)
    }).pipe(Effect.provide(layers())))

  it.effect("bad input: unknown group (exit 5), bad time (exit 2), malformed query (AwsInvalidRequest)", () =>
    Effect.gen(function*() {
      yield* atNow
      const unknown = yield* Effect.flip(aegea("grep", "x", "/nope"))
      assert.strictEqual(unknown._tag, "ResourceNotFound")
      assert.include((unknown as { hint?: string }).hint ?? "", "aegea logs")
      const time = yield* Effect.flip(aegea("grep", "x", group, "--start-time", "yesterday"))
      assert.strictEqual(time._tag, "UsageError")
      const malformed = yield* Effect.flip(aegea("grep", "--query", "filter @message like /unbalanced", group))
      assert.strictEqual(malformed._tag, "AwsInvalidRequest")
    }).pipe(Effect.provide(layers())))

  it.effect("--query runs a raw Insights query", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "--query", "fields @timestamp, @logStream, @message | filter @message like /retry/", group)
      assert.deepStrictEqual((yield* stdout).map((l) => l.slice(25)), ["job-1 retrying"])
    }).pipe(Effect.provide(layers())))
})

describe("runInsightsQuery", () => {
  const query = { groups: [group], query: "fields @message", start: new Date(0), end: new Date(now) }

  it.effect("polls GetQueryResults on the schedule until Complete", () =>
    Effect.gen(function*() {
      const logs = yield* Logs
      const fiber = yield* Effect.forkChild(runInsightsQuery(logs, query))
      yield* TestClock.adjust("9 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      const rows = yield* Fiber.join(fiber)
      assert.strictEqual(rows.length, 5)
      const calls = yield* (yield* LogsMemoryState).calls
      assert.isAtLeast(calls.filter((c) => c === "GetQueryResults").length, 10)
      assert.notInclude(calls, "StopQuery")
    }).pipe(Effect.provide(LogsMemory.layer({ ...seed, queryDuration: "10 seconds" }))))

  it.effect("interrupting a running query stops it (StopQuery)", () =>
    Effect.gen(function*() {
      const logs = yield* Logs
      const state = yield* LogsMemoryState
      const fiber = yield* Effect.forkChild(runInsightsQuery(logs, query))
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual((yield* state.queries).map((q) => q.stopped), [false])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual((yield* state.queries).map((q) => q.stopped), [true])
    }).pipe(Effect.provide(LogsMemory.layer({ ...seed, queryDuration: "1 hour" }))))

  it.effect("a Failed query is OperationFailed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(runInsightsQuery(yield* Logs, query))
      assert.strictEqual(error._tag, "OperationFailed")
      assert.include(error.message, "Failed")
    }).pipe(Effect.provide(LogsMemory.layer({ ...seed, queryOutcome: "Failed" }))))
})

describe("insightsDate", () => {
  it("reads Insights timestamps, epoch milliseconds and ISO strings", async () => {
    const { insightsDate } = await import("../../src/commands/grep.ts")
    assert.strictEqual(insightsDate("2024-05-01 12:00:00.000").toISOString(), "2024-05-01T12:00:00.000Z")
    assert.strictEqual(insightsDate("1714564800000").toISOString(), "2024-05-01T12:00:00.000Z")
    assert.strictEqual(insightsDate("2024-05-01T12:00:00Z").toISOString(), "2024-05-01T12:00:00.000Z")
    assert.strictEqual(insightsDate("garbage").getTime(), 0)
  })
})
