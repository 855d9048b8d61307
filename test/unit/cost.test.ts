import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Result } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { costCommand } from "../../src/commands/cost.ts"
import type { CostPeriod } from "../../src/services/CostExplorer.ts"
import type { OutputFormat } from "../../src/services/Output.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { CostExplorerMemory, CostExplorerMemoryState, type CostExplorerSeed } from "../../src/testing/CostExplorerMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { rootOf } from "../support/root.ts"

const usd = (amount: string) => ({ amount, unit: "USD" })
const day = (start: string, end: string, groups: Record<string, string>): CostPeriod => ({
  start,
  end,
  estimated: false,
  groups: Object.entries(groups).map(([key, amount]) => ({ keys: [key], amount: usd(amount) }))
})
const seed: CostExplorerSeed = {
  periods: [
    day("2024-03-08", "2024-03-09", { "Amazon EC2": "10.004", "Amazon S3": "0.1234567891", "AWS Lambda": "0.0000001" }),
    day("2024-03-09", "2024-03-10", { "Amazon EC2": "12.5", "Amazon S3": "0.9" })
  ],
  forecast: {
    total: usd("21.123456"),
    periods: [
      { start: "2024-03-10", end: "2024-03-11", mean: "10.5", lower: "9.1", upper: "11.9" },
      { start: "2024-03-11", end: "2024-03-12", mean: "10.623456", lower: "9.2", upper: "12.0" }
    ]
  }
}

/** Run `cost ...argv` on 2024-03-10 (UTC) against the in-memory Cost Explorer. */
const run = (argv: ReadonlyArray<string>, options: { format?: OutputFormat; config?: Record<string, unknown> } = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.UTC(2024, 2, 10, 15, 30))
    const result = yield* Command.runWith(rootOf(costCommand), { version: "0", renderErrors: false })(["cost", ...argv]).pipe(Effect.result)
    const out = yield* OutputCapture
    const state = yield* CostExplorerMemoryState
    return {
      result,
      stdout: yield* out.stdoutText,
      stderr: (yield* out.stderr).join("\n"),
      queries: yield* state.costQueries,
      forecasts: yield* state.forecastQueries
    }
  }).pipe(
    Effect.provide(Layer.mergeAll(
      CostExplorerMemory.layer(seed),
      OutputTest.layer({ format: options.format ?? "table" }),
      layerFromValue((options.config ?? {}) as never),
      NodeServices.layer
    ))
  )

const failure = (result: Result.Result<unknown, unknown>) =>
  Result.isFailure(result) ? (result.failure as { _tag: string; message?: string }) : undefined

describe("aegea cost", () => {
  it.effect("defaults to the last 7 days (today excluded), AmortizedCost, daily, by service", () =>
    Effect.gen(function*() {
      const { result, queries } = yield* run([])
      assert.isTrue(Result.isSuccess(result))
      assert.deepStrictEqual(queries, [{
        start: "2024-03-03",
        end: "2024-03-10",
        granularity: "DAILY",
        metric: "AmortizedCost",
        groupBy: [{ type: "DIMENSION", key: "SERVICE" }]
      }])
    }))

  it.effect("prints a pivot table in cents with a total column and a total row, most expensive first", () =>
    Effect.gen(function*() {
      const { stdout } = yield* run(["--days", "2"])
      const lines = stdout.trimEnd().split("\n").map((l) => l.split(/\s{2,}/))
      assert.deepStrictEqual(lines[0], ["SERVICE", "2024-03-08", "2024-03-09", "TOTAL", "UNIT"])
      assert.deepStrictEqual(lines[1], ["Amazon EC2", "10.00", "12.50", "22.50", "USD"])
      assert.deepStrictEqual(lines[2], ["Amazon S3", "0.12", "0.90", "1.02", "USD"])
      assert.deepStrictEqual(lines[3], ["AWS Lambda", "0.00", "0.00", "0.00", "USD"])
      assert.deepStrictEqual(lines[4], ["total", "10.13", "13.40", "23.53", "USD"])
    }))

  it.effect("machine formats: one object per group, exact decimal strings, the unit", () =>
    Effect.gen(function*() {
      const { stdout } = yield* run(["--days", "2"], { format: "json" })
      const rows = JSON.parse(stdout) as Array<Record<string, unknown>>
      assert.deepStrictEqual(rows.map((r) => r.group), ["Amazon EC2", "Amazon S3", "AWS Lambda"])
      assert.deepStrictEqual(rows[1], {
        group: "Amazon S3",
        keys: ["Amazon S3"],
        "2024-03-08": "0.1234567891",
        "2024-03-09": "0.9",
        total: "1.0234567891",
        unit: "USD"
      })
      assert.strictEqual(rows[0]?.total, "22.504")
    }))

  it.effect("--top folds the small groups into other", () =>
    Effect.gen(function*() {
      const { stdout } = yield* run(["--days", "2", "--top", "1"], { format: "json" })
      const rows = JSON.parse(stdout) as Array<Record<string, unknown>>
      assert.deepStrictEqual(rows.map((r) => [r.group, r.total]), [["Amazon EC2", "22.504"], ["other", "1.0234568891"]])
    }))

  it.effect("--start/--end, --granularity, --metric and two --group-by are passed on", () =>
    Effect.gen(function*() {
      const { queries } = yield* run([
        "--start", "2024-01-01", "--end=-0d", "--granularity", "MONTHLY", "--metric", "UnblendedCost",
        "--group-by", "service", "--group-by", "TAG:team"
      ])
      assert.deepStrictEqual(queries[0], {
        start: "2024-01-01",
        end: "2024-03-10",
        granularity: "MONTHLY",
        metric: "UnblendedCost",
        groupBy: [{ type: "DIMENSION", key: "SERVICE" }, { type: "TAG", key: "team" }]
      })
    }))

  it.effect("config defaults apply when flags are absent; a bad config value is a ConfigError", () =>
    Effect.gen(function*() {
      const { queries } = yield* run([], { config: { cost: { days: 30, metric: "BlendedCost", granularity: "MONTHLY" } } })
      assert.deepStrictEqual([queries[0]?.start, queries[0]?.metric, queries[0]?.granularity], ["2024-02-09", "BlendedCost", "MONTHLY"])
      const bad = yield* run([], { config: { cost: { metric: "Dollars" } } })
      assert.strictEqual(failure(bad.result)?._tag, "ConfigError")
    }))

  it.effect("bad input is a UsageError before any AWS call", () =>
    Effect.gen(function*() {
      for (const argv of [
        ["--group-by", "SERVICE", "--group-by", "REGION", "--group-by", "USAGE_TYPE"],
        ["--group-by", "PLANET"],
        ["--start", "2024-02-30"],
        ["--start", "2024-03-05", "--end", "2024-03-05"],
        ["--days", "3", "--start", "2024-03-01"],
        ["--days", "0"],
        ["--top", "0"]
      ]) {
        const { result, queries } = yield* run(argv)
        assert.strictEqual(failure(result)?._tag, "UsageError", argv.join(" "))
        assert.strictEqual(queries.length, 0)
      }
    }))

  it.effect("an empty result says so on stderr", () =>
    Effect.gen(function*() {
      const { stderr, stdout } = yield* run(["--start", "2023-01-01", "--end", "2023-02-01"])
      assert.include(stderr, "no AmortizedCost from 2023-01-01 to 2023-02-01")
      assert.strictEqual(stdout.trim().split("\n").length, 1)
    }))
})

describe("aegea cost forecast", () => {
  it.effect("forecasts from today for 7 days by default, with a total row", () =>
    Effect.gen(function*() {
      const { forecasts, stdout } = yield* run(["forecast"])
      assert.deepStrictEqual(forecasts, [{
        start: "2024-03-10",
        end: "2024-03-17",
        granularity: "DAILY",
        metric: "AmortizedCost",
        predictionIntervalLevel: 75
      }])
      const lines = stdout.trimEnd().split("\n").map((l) => l.split(/\s{2,}/))
      assert.deepStrictEqual(lines[0], ["START", "END", "MEAN", "LOWER", "UPPER", "UNIT"])
      assert.deepStrictEqual(lines[1], ["2024-03-10", "2024-03-11", "10.50", "9.10", "11.90", "USD"])
      assert.deepStrictEqual(lines[3], ["total", "2024-03-17", "21.12", "18.30", "23.90", "USD"])
    }))

  it.effect("machine formats keep AWS's exact strings", () =>
    Effect.gen(function*() {
      const { stdout } = yield* run(["forecast", "--days", "2", "--metric", "UnblendedCost"], { format: "json" })
      const rows = JSON.parse(stdout) as Array<Record<string, unknown>>
      assert.strictEqual(rows[1]?.mean, "10.623456")
      assert.deepStrictEqual(rows[2], { start: "total", end: "2024-03-12", mean: "21.123456", lower: "18.3", upper: "23.9", unit: "USD" })
    }))

  it.effect("rejects a prediction interval outside 51-99", () =>
    Effect.gen(function*() {
      const { result, forecasts } = yield* run(["forecast", "--prediction-interval", "50"])
      assert.strictEqual(failure(result)?._tag, "UsageError")
      assert.strictEqual(forecasts.length, 0)
    }))
})
