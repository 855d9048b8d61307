/** `aegea logs` and `aegea logs export` through the real parser against LogsMemory/S3Memory. */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { globalFlags } from "../../src/commands/global.ts"
import { logsCommand } from "../../src/commands/logs.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { type LogsSeed, LogsMemory, LogsMemoryState } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { S3Memory } from "../../src/testing/S3Memory.ts"

const hour = 3_600_000
const now = 100 * hour
const seed: LogsSeed = {
  pageSize: 2,
  retentionDays: { "/app": 30 },
  groups: {
    "/app": {
      old: [{ timestamp: now - 5 * hour, message: "old one" }],
      "web-1": [{ timestamp: now - 2 * hour, message: "GET /" }, { timestamp: now - hour, message: "ERROR boom\n" }],
      "web-2": [{ timestamp: now - 90 * 60_000, message: "GET /health" }]
    },
    "/batch": { job: [{ timestamp: now - hour + 1, message: "batch line" }] }
  }
}

const root = Command.make("aegea").pipe(Command.withSubcommands([logsCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)
const layers = (format: "table" | "json" = "json", extra: Partial<LogsSeed> = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    LogsMemory.layer({ ...seed, ...extra }).pipe(Layer.provideMerge(S3Memory.layer())),
    OutputTest.layer({ format }),
    layerFromValue({})
  )
const stdout = Effect.gen(function*() {
  return yield* (yield* OutputCapture).stdout
})
const json = Effect.gen(function*() {
  return JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<Record<string, unknown>>
})
const iso = (ms: number) => new Date(ms).toISOString()

describe("aegea logs", () => {
  it.effect("without GROUP lists the groups with size and retention", () =>
    Effect.gen(function*() {
      yield* aegea("logs")
      const rows = yield* json
      assert.deepStrictEqual(rows.map((r) => [r.name, r.retentionDays]), [["/app", 30], ["/batch", null]])
      assert.isAbove(rows[0]!.storedBytes as number, 0)
    }).pipe(Effect.provide(layers())))

  it.effect("GROUP alone lists its streams, most recent event first", () =>
    Effect.gen(function*() {
      yield* aegea("logs", "/app")
      assert.deepStrictEqual((yield* json).map((r) => r.name), ["web-1", "web-2", "old"])
    }).pipe(Effect.provide(layers())))

  it.effect("--start-time prints events across streams in time order as lines", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      yield* aegea("logs", "/app", "--start-time=-3h")
      assert.deepStrictEqual(yield* stdout, [
        `${iso(now - 2 * hour)} web-1 GET /`,
        `${iso(now - 90 * 60_000)} web-2 GET /health`,
        `${iso(now - hour)} web-1 ERROR boom`
      ])
    }).pipe(Effect.provide(layers("table"))))

  it.effect("STREAMs, --filter and --output json", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      yield* aegea("logs", "/app", "web-1", "--filter", "ERROR")
      const rows = yield* json
      assert.deepStrictEqual(rows.map((r) => [r.stream, r.message, r.timestamp]), [["web-1", "ERROR boom\n", iso(now - hour)]])
    }).pipe(Effect.provide(layers())))

  it.effect("several groups by prefix show the group with the stream", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      yield* aegea("logs", "/*", "--start-time=-61m")
      assert.deepStrictEqual((yield* stdout).map((l) => l.slice(25)), ["/app:web-1 ERROR boom", "/batch:job batch line"])
    }).pipe(Effect.provide(layers("table"))))

  it.effect("--follow prints new events as they arrive", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const fiber = yield* Effect.forkChild(aegea("logs", "/batch", "--follow"))
      yield* TestClock.adjust("1 second")
      yield* (yield* LogsMemoryState).putEvents("/batch", "job", [{ timestamp: now + 1_500, message: "fresh" }])
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual((yield* stdout).map((l) => l.slice(25)), ["job fresh"])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(layers("table"))))

  it.effect("on a terminal with colour: the time dim, the stream coloured, a multi-line message indented", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      yield* (yield* LogsMemoryState).putEvents("/batch", "job", [{ timestamp: now - 1000, message: "Traceback:\n  File x\nValueError\n" }])
      yield* aegea("logs", "/batch", "--start-time=-5s")
      const lines = yield* stdout
      assert.strictEqual(lines.length, 3)
      assert.match(lines[0]!, /^\u001b\[2m\S+Z\u001b\[22m \u001b\[\d+mjob\u001b\[39m Traceback:$/)
      assert.deepStrictEqual(lines.slice(1), [`${" ".repeat(29)}  File x`, `${" ".repeat(29)}ValueError`])
    }).pipe(Effect.provide(Layer.mergeAll(
      NodeServices.layer,
      LogsMemory.layer(seed).pipe(Layer.provideMerge(S3Memory.layer())),
      OutputTest.layer({ format: "table", color: true }),
      layerFromValue({})
    ))))

  it.effect("an empty range says so on stderr, in every format", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const out = yield* OutputCapture
      yield* aegea("logs", "/app", "--start-time=-10m")
      assert.deepStrictEqual(yield* stdout, [])
      assert.deepStrictEqual(yield* out.stderr, [`no log events in /app between ${iso(now - 600_000).replace(".000", "")} and ${iso(now).replace(".000", "")}`])
      yield* out.clear
      yield* aegea("logs", "/app", "web-1", "--filter", "nothing")
      assert.deepStrictEqual(yield* stdout, [])
      assert.match((yield* out.stderr).join("\n"), /^no log events in \/app \(stream web-1\) matching nothing between /)
    }).pipe(Effect.provide(layers("table"))))

  it.effect("an empty range with --output json: [] on stdout, the sentence on stderr", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      yield* aegea("logs", "/app", "--start-time=-10m")
      assert.deepStrictEqual(yield* json, [])
      assert.deepStrictEqual((yield* (yield* OutputCapture).stderr).length, 1)
    }).pipe(Effect.provide(layers("json"))))

  it.effect("bad input: unknown group (ResourceNotFound), bad time (UsageError)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const unknown = yield* Effect.flip(aegea("logs", "/nope"))
      assert.strictEqual(unknown._tag, "ResourceNotFound")
      assert.include((unknown as { hint?: string }).hint ?? "", "aegea logs")
      const unknownEvents = yield* Effect.flip(aegea("logs", "/nope", "--start-time=-1h"))
      assert.strictEqual(unknownEvents._tag, "ResourceNotFound")
      const time = yield* Effect.flip(aegea("logs", "/app", "--start-time", "soon"))
      assert.strictEqual(time._tag, "UsageError")
      assert.include((time as { message: string }).message, "--start-time")
    }).pipe(Effect.provide(layers())))
})

describe("aegea logs export", () => {
  it.effect("exports, waits on the schedule, downloads and decompresses one file per stream", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const dir = mkdtempSync(join(tmpdir(), "aegea-export-"))
      const fiber = yield* Effect.forkChild(aegea("logs", "export", "/app", "--start-time=-3h", "--output-dir", dir))
      yield* TestClock.adjust("3 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("4 seconds")
      yield* Fiber.join(fiber)
      const rows = yield* json
      assert.deepStrictEqual(rows.map((r) => r.file), [join(dir, "web-1", "000000"), join(dir, "web-2", "000000")])
      assert.strictEqual(
        readFileSync(join(dir, "web-1", "000000"), "utf8"),
        `${iso(now - 2 * hour)} GET /\n${iso(now - hour)} ERROR boom\n\n`
      )
      const calls = yield* (yield* LogsMemoryState).calls
      assert.isAtLeast(calls.filter((c) => c === "DescribeExportTasks").length, 3)
    }).pipe(Effect.provide(layers("json", { exportDuration: "5 seconds" }))))

  it.effect("waiting for the export: on a pipe, a line per status change only; on a terminal, one status line, then bytes, rate and ETA", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const dir = mkdtempSync(join(tmpdir(), "aegea-export-"))
      const fiber = yield* Effect.forkChild(aegea("logs", "export", "/app", "--start-time=-3h", "--output-dir", dir))
      yield* TestClock.adjust("12 seconds")
      yield* Fiber.join(fiber)
      const out = yield* OutputCapture
      const stderr = yield* out.stderr
      // Polled 5 times while RUNNING: one line, not five.
      assert.strictEqual(stderr.filter((l) => l.includes("RUNNING")).length, 1, stderr.join("\n"))
      assert.match(stderr.find((l) => l.includes("RUNNING")) ?? "", /^\S+Z export \S+ RUNNING$/)
      assert.isTrue(stderr.every((l) => !l.includes("\r") && !l.includes("⠋")))
      assert.isTrue((yield* out.statuses).some((s) => /^downloading 1\/2: \d+ B \/ \d+ B$/.test(s)))
    }).pipe(Effect.provide(layers("table", { exportDuration: "10 seconds" }))))

  it.effect("on a terminal the wait and the downloads show on one status line", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const dir = mkdtempSync(join(tmpdir(), "aegea-export-"))
      const fiber = yield* Effect.forkChild(aegea("logs", "export", "/app", "--start-time=-3h", "--output-dir", dir))
      yield* TestClock.adjust("12 seconds")
      yield* Fiber.join(fiber)
      const out = yield* OutputCapture
      const statuses = yield* out.statuses
      assert.isTrue(statuses.some((s) => /^waiting for export \S+ of \/app: RUNNING$/.test(s)), statuses.join("\n"))
      const stderr = (yield* out.stderr).join("\n")
      assert.match(stderr, /\r\u001b\[2K⠋ waiting for export \S+ of \/app: RUNNING · 0s/)
      assert.match(stderr, /\u001b\[2K⠙ waiting for export \S+ of \/app: RUNNING · 0s/)
      // No "RUNNING" line of its own: only the status line (redrawn in place) names it.
      assert.isFalse(stderr.split("\n").some((l) => /^export \S+: RUNNING$/.test(l)))
      assert.match(stderr, /downloading 1\/2: \d+ B \/ \d+ B/)
    }).pipe(Effect.provide(Layer.mergeAll(
      NodeServices.layer,
      LogsMemory.layer({ ...seed, exportDuration: "10 seconds" }).pipe(Layer.provideMerge(S3Memory.layer())),
      OutputTest.layer({ format: "table" }, { stderrIsTTY: true }),
      layerFromValue({})
    ))))

  it.effect("a failed export is OperationFailed with its reason", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const error = yield* Effect.flip(aegea("logs", "export", "/app", "--start-time=-3h", "--output-dir", tmpdir()))
      assert.strictEqual(error._tag, "OperationFailed")
      assert.include((error as { message: string }).message, "FAILED: bucket policy denies logs")
    }).pipe(Effect.provide(layers("json", { exportOutcome: { status: "FAILED", message: "bucket policy denies logs" } }))))
})
