/**
 * The live Cost Explorer layer. Cost Explorer has one endpoint, in us-east-1, whatever region the
 * user works in: the client always uses us-east-1 (an --endpoint-url is kept, for emulators).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws } from "./aws.ts"
import {
  type CostAmount,
  CostExplorer,
  type CostPeriod,
  type CostQuery,
  forecastMetric,
  type ForecastQuery,
  mergePeriods
} from "../services/CostExplorer.ts"

/** The one region Cost Explorer answers in. */
export const costExplorerRegion = "us-east-1"

/** Bound on GetCostAndUsage pages (a year of daily costs by two dimensions fits in far fewer). */
const maxPages = 200

interface SdkMetricValue {
  readonly Amount?: string | undefined
  readonly Unit?: string | undefined
}

const toAmount = (value: SdkMetricValue | undefined): CostAmount => ({
  amount: value?.Amount ?? "0",
  unit: value?.Unit ?? ""
})

/** `CostExplorer` against Cost Explorer (us-east-1), with the region, credentials and endpoint of `AwsClients`. */
export const CostExplorerLive: Layer.Layer<CostExplorer, never, AwsClients> = Layer.effect(
  CostExplorer,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-cost-explorer"))
    // The client and the errors' region are us-east-1; everything else is the user's environment.
    const aws = yield* makeAws("Cost Explorer", (config) => new sdk.CostExplorerClient(config), { region: costExplorerRegion })

    const costAndUsage = (query: CostQuery) =>
      Effect.gen(function*() {
        const pages: Array<ReadonlyArray<CostPeriod>> = []
        let token: string | undefined
        for (let page = 0; page < maxPages; page++) {
          const r = yield* aws.call(
            new sdk.GetCostAndUsageCommand({
              TimePeriod: { Start: query.start, End: query.end },
              Granularity: query.granularity,
              Metrics: [query.metric],
              ...(query.groupBy.length > 0
                ? { GroupBy: query.groupBy.map((g) => ({ Type: g.type, Key: g.key })) }
                : {}),
              ...(token ? { NextPageToken: token } : {})
            }),
            `get the costs from ${query.start} to ${query.end}`,
            idempotent
          )
          pages.push((r.ResultsByTime ?? []).map((result): CostPeriod => {
            const total = result.Total?.[query.metric]
            return {
              start: result.TimePeriod?.Start ?? "",
              end: result.TimePeriod?.End ?? "",
              estimated: result.Estimated ?? false,
              ...(total !== undefined ? { total: toAmount(total) } : {}),
              groups: (result.Groups ?? []).map((g) => ({ keys: g.Keys ?? [], amount: toAmount(g.Metrics?.[query.metric]) }))
            }
          }))
          token = r.NextPageToken
          if (!token) break
        }
        return mergePeriods(pages)
      })

    const forecast = (query: ForecastQuery) =>
      aws.call(
        new sdk.GetCostForecastCommand({
          TimePeriod: { Start: query.start, End: query.end },
          Granularity: query.granularity,
          Metric: forecastMetric[query.metric] as "UNBLENDED_COST",
          PredictionIntervalLevel: query.predictionIntervalLevel
        }),
        `forecast the costs from ${query.start} to ${query.end}`,
        idempotent
      ).pipe(
          Effect.map((r) => ({
            total: toAmount(r.Total),
            periods: (r.ForecastResultsByTime ?? []).map((p) => ({
              start: p.TimePeriod?.Start ?? "",
              end: p.TimePeriod?.End ?? "",
              mean: p.MeanValue ?? "0",
              ...(p.PredictionIntervalLowerBound !== undefined ? { lower: p.PredictionIntervalLowerBound } : {}),
              ...(p.PredictionIntervalUpperBound !== undefined ? { upper: p.PredictionIntervalUpperBound } : {})
            }))
          }))
        )

    return CostExplorer.of({ costAndUsage, forecast })
  })
)
