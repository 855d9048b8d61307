/** `aegea grep` and the Insights query runner against LogsMemory, under TestClock. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { globalFlags } from "../../src/commands/global.ts"
import { escapeRegex, grepCommand, patternQuery } from "../../src/commands/grep.ts"
import { type ContextBlock, mergeContext, runInsightsQuery } from "../../src/workflows/insightsQuery.ts"
import { type LogEvent, Logs } from "../../src/services/Logs.ts"
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
    "/other": { s: [{ timestamp: now - hour, message: "ERROR elsewhere" }] },
    // matches at 1, 3 and 8 (of 0..9), for context merging
    "/ctx": {
      s: ["a", "MATCH 1", "b", "MATCH 3", "c", "d", "e", "f", "MATCH 8", "g"].map((message, i) => ({ timestamp: now - hour + i * 1000, message }))
    }
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
      const time = yield* Effect.flip(aegea("grep", "x", group, "--start-time", "later"))
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

describe("mergeContext (GNU grep's context groups)", () => {
  const ev = (stream: string, i: number): LogEvent => ({ id: `${stream}-${i}-${Math.random()}`, group: "g", stream, timestamp: new Date(i * 1000), message: `line ${i}` })
  /** A block of stream `s` holding events from..to, knowing the neighbours just outside. */
  const block = (s: string, from: number, to: number, size = 100): ContextBlock => ({
    events: Array.from({ length: to - from + 1 }, (_, k) => ev(s, from + k)),
    previous: from > 0 ? ev(s, from - 1) : undefined,
    next: to < size - 1 ? ev(s, to + 1) : undefined
  })
  const show = (groups: ReadonlyArray<ReadonlyArray<LogEvent>>) =>
    groups.map((g) => g.map((e) => `${e.stream}${e.timestamp.getTime() / 1000}`).join(" ")).join(" -- ")

  const cases: ReadonlyArray<readonly [name: string, blocks: ReadonlyArray<ContextBlock>, expected: string]> = [
    ["one block", [block("s", 2, 4)], "s2 s3 s4"],
    ["overlapping blocks merge, each line once", [block("s", 1, 3), block("s", 2, 4)], "s1 s2 s3 s4"],
    ["a block inside another", [block("s", 1, 5), block("s", 2, 3)], "s1 s2 s3 s4 s5"],
    ["adjacent blocks merge (no --)", [block("s", 1, 2), block("s", 3, 4)], "s1 s2 s3 s4"],
    ["a gap of one line separates", [block("s", 1, 2), block("s", 4, 5)], "s1 s2 -- s4 s5"],
    ["other streams are other groups", [block("s", 1, 2), block("t", 3, 4), block("s", 3, 4)], "s1 s2 s3 s4 -- t3 t4"],
    ["a later block that starts earlier merges in front", [block("s", 5, 7), block("s", 3, 5)], "s3 s4 s5 s6 s7"],
    ["a block bridging two groups joins them", [block("s", 1, 2), block("s", 6, 7), block("s", 3, 5)], "s1 s2 s3 s4 s5 s6 s7"],
    ["three groups", [block("s", 0, 1), block("s", 5, 5), block("s", 9, 9)], "s0 s1 -- s5 -- s9"],
    ["no blocks", [], ""]
  ]
  for (const [name, blocks, expected] of cases) {
    it(name, () => assert.strictEqual(show(mergeContext(blocks)), expected))
  }
  it("adjacency is known only from the neighbours: unknown ones keep the groups apart", () => {
    const bare = (s: string, from: number, to: number): ContextBlock => ({ events: block(s, from, to).events })
    assert.strictEqual(show(mergeContext([bare("s", 1, 2), bare("s", 3, 4)])), "s1 s2 -- s3 s4")
  })
})

describe("aegea grep context and limits", () => {
  const lines = Effect.map(stdout, (out) => out.map((l) => (l === "--" ? l : l.split(" ").slice(2).join(" "))))

  it.effect("-C 1: overlapping context merged, each line once, -- between separate groups", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "MATCH", "/ctx", "-C", "1")
      assert.deepStrictEqual(yield* lines, ["a", "MATCH 1", "b", "MATCH 3", "c", "--", "f", "MATCH 8", "g"])
    }).pipe(Effect.provide(layers())))

  it.effect("-A 1: adjacent groups merge as in GNU grep", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "MATCH", "/ctx", "-A", "1")
      assert.deepStrictEqual(yield* lines, ["MATCH 1", "b", "MATCH 3", "c", "--", "MATCH 8", "g"])
    }).pipe(Effect.provide(layers())))

  it.effect("-B 2", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "MATCH", "/ctx", "-B", "2")
      assert.deepStrictEqual(yield* lines, ["a", "MATCH 1", "b", "MATCH 3", "--", "e", "f", "MATCH 8"])
    }).pipe(Effect.provide(layers())))

  it.effect("a negative context is a UsageError", () =>
    Effect.gen(function*() {
      yield* atNow
      const error = yield* Effect.flip(aegea("grep", "MATCH", "/ctx", "-A", "-1"))
      assert.strictEqual(error._tag, "UsageError")
    }).pipe(Effect.provide(layers())))

  it.effect("says on stderr when the results stopped at --limit, and only then", () =>
    Effect.gen(function*() {
      yield* atNow
      const capture = yield* OutputCapture
      yield* aegea("grep", "MATCH", "/ctx", "--limit", "2")
      assert.deepStrictEqual(yield* lines, ["MATCH 3", "MATCH 8"])
      assert.deepStrictEqual(yield* capture.stderr, ["warning: stopped at --limit 2 matches; raise --limit to see more"])
      yield* capture.clear
      yield* aegea("grep", "MATCH", "/ctx", "--limit", "3")
      assert.strictEqual((yield* stdout).length, 3)
      assert.deepStrictEqual(yield* capture.stderr, [])
    }).pipe(Effect.provide(layers())))

  it.effect("--query rows with no field to show print a sentence, not blank lines", () =>
    Effect.gen(function*() {
      yield* atNow
      const capture = yield* OutputCapture
      yield* aegea("grep", "--query", "fields @nothing | filter @message like /MATCH/", "/ctx")
      assert.deepStrictEqual(yield* stdout, ["3 records, no fields to show (add `| fields @timestamp, @message` to the query)"])
      assert.deepStrictEqual(yield* capture.stderr, [])
    }).pipe(Effect.provide(layers())))

  it.effect("--start-time after --end-time, or in the future, is a UsageError naming both", () =>
    Effect.gen(function*() {
      yield* atNow
      const swapped = yield* Effect.flip(aegea("grep", "MATCH", "/ctx", "--start-time", "1h", "--end-time", "2h"))
      assert.strictEqual(swapped._tag, "UsageError")
      assert.include(swapped.message, "--start-time")
      assert.include(swapped.message, "--end-time")
      const future = yield* Effect.flip(aegea("grep", "MATCH", "/ctx", "--start-time", "+1h"))
      assert.strictEqual(future._tag, "UsageError")
      assert.include(future.message, "in the future")
    }).pipe(Effect.provide(layers())))

  it.effect("'2 hours' and 2h mean two hours ago", () =>
    Effect.gen(function*() {
      yield* atNow
      yield* aegea("grep", "MATCH", "/ctx", "--start-time", "2 hours")
      assert.strictEqual((yield* stdout).length, 3)
    }).pipe(Effect.provide(layers())))
})
