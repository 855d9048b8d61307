/**
 * The Cost Explorer contract: the same scenarios against CostExplorerMemory (test/unit) and
 * CostExplorerLive on moto (test/integration), moto answering with results queued through its
 * /moto-api/static/ce endpoint, one result per page. moto does not validate queries (a reversed
 * range or three group-bys are answered) and lacks GetCostForecast: those run where served.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { CostExplorer, type CostPeriod, type CostQuery, type Forecast } from "../../src/services/CostExplorer.ts"
import { failureOn, runOn } from "./run.ts"

export interface CostExplorerHarness {
  /**
   * A layer whose GetCostAndUsage answers the next query with these pages (each page a list of
   * periods, the metric UnblendedCost), and GetCostForecast with `forecast` when served.
   */
  readonly make: (seed: { readonly pages?: ReadonlyArray<ReadonlyArray<CostPeriod>>; readonly forecast?: Forecast }) => Promise<Layer.Layer<CostExplorer>>
  /** Whether the service rejects invalid queries (AWS does; moto answers them). */
  readonly validates: boolean
  /** Whether GetCostForecast is served. */
  readonly forecasts: boolean
}

const ce = Effect.gen(function*() {
  return yield* CostExplorer
})
const usd = (amount: string) => ({ amount, unit: "USD" })
/** Each test queries its own year, so no test sees another's answer (moto keeps answers per query). */
const query = (year: number, groupBy: CostQuery["groupBy"] = []): CostQuery => ({
  start: `${year}-01-01`,
  end: `${year}-01-03`,
  granularity: "DAILY",
  metric: "UnblendedCost",
  groupBy
})

export const costExplorerContract = (label: string, harness: CostExplorerHarness) =>
  describe(`CostExplorer contract (${label})`, () => {
    it("no recorded costs: no periods", async () => {
      const layer = await harness.make({})
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(ce, (c) => c.costAndUsage(query(2031)))), [])
    })

    it("ungrouped daily costs: one period per day, amounts exactly as AWS gives them", async () => {
      const periods: ReadonlyArray<CostPeriod> = [
        { start: "2032-01-01", end: "2032-01-02", estimated: false, total: usd("12.3456789012"), groups: [] },
        { start: "2032-01-02", end: "2032-01-03", estimated: true, total: usd("0.0000001"), groups: [] }
      ]
      const layer = await harness.make({ pages: [periods] })
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(ce, (c) => c.costAndUsage(query(2032)))), periods)
    })

    it("grouped costs over two pages: a day split across pages is one period with every group, in order", async () => {
      const group = (keys: ReadonlyArray<string>, amount: string) => ({ keys, amount: usd(amount) })
      const pages: ReadonlyArray<ReadonlyArray<CostPeriod>> = [
        [
          { start: "2033-01-01", end: "2033-01-02", estimated: false, groups: [group(["Amazon EC2"], "3.5"), group(["AWS Lambda"], "0.01")] },
          { start: "2033-01-02", end: "2033-01-03", estimated: false, groups: [group(["Amazon EC2"], "4.25")] }
        ],
        [
          { start: "2033-01-02", end: "2033-01-03", estimated: false, groups: [group(["AWS Lambda"], "0.02"), group(["Amazon S3"], "1")] }
        ]
      ]
      const layer = await harness.make({ pages })
      const merged = await runOn(layer, Effect.flatMap(ce, (c) => c.costAndUsage(query(2033, [{ type: "DIMENSION", key: "SERVICE" }]))))
      assert.deepStrictEqual(merged.map((p) => [p.start, p.total, p.groups.map((g) => `${g.keys.join("|")}=${g.amount.amount}`)]), [
        ["2033-01-01", undefined, ["Amazon EC2=3.5", "AWS Lambda=0.01"]],
        ["2033-01-02", undefined, ["Amazon EC2=4.25", "AWS Lambda=0.02", "Amazon S3=1"]]
      ])
    })

    // memory only where the peer lacks the call (see the README's table of fakes)
    if (harness.validates) it("a range that ends before it starts, or three group-bys, is AwsInvalidRequest (ValidationException)", async () => {
      const layer = await harness.make({})
      const reversed = await failureOn(layer, Effect.flatMap(ce, (c) => c.costAndUsage({ ...query(2034), start: "2034-02-01" })))
      assert.deepStrictEqual([reversed._tag, reversed.code], ["AwsInvalidRequest", "ValidationException"])
      const three = await failureOn(layer, Effect.flatMap(ce, (c) =>
        c.costAndUsage(query(2034, [{ type: "DIMENSION", key: "SERVICE" }, { type: "DIMENSION", key: "REGION" }, { type: "TAG", key: "team" }]))))
      assert.deepStrictEqual([three._tag, three.code], ["AwsInvalidRequest", "ValidationException"])
    })

    // memory only where the peer lacks the call (see the README's table of fakes)
    if (harness.forecasts) it("forecast: the total and each period's mean and bounds; too little history is a ValidationException", async () => {
      const forecast: Forecast = {
        total: usd("310.5"),
        periods: [{ start: "2035-01-01", end: "2035-02-01", mean: "310.5", lower: "280.1", upper: "340.9" }]
      }
      const ask = { start: "2035-01-01", end: "2035-02-01", granularity: "MONTHLY", metric: "UnblendedCost", predictionIntervalLevel: 80 } as const
      assert.deepStrictEqual(await runOn(await harness.make({ forecast }), Effect.flatMap(ce, (c) => c.forecast(ask))), forecast)
      const error = await failureOn(await harness.make({}), Effect.flatMap(ce, (c) => c.forecast(ask)))
      assert.deepStrictEqual([error._tag, error.code], ["AwsInvalidRequest", "ValidationException"])
    })
  })
