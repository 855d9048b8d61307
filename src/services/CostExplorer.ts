/**
 * Cost Explorer as aegea sees it: costs per period and group (GetCostAndUsage, every page merged)
 * and forecasts (GetCostForecast). Amounts stay the exact decimal strings AWS returns, with their
 * unit; rounding is for tables only (see lib/costPivot.ts). Dates are "YYYY-MM-DD", end exclusive.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { AwsError } from "../errors.ts"

/** A Cost Explorer cost metric (unblended, amortized, net...). */
export const CostMetric = Schema.Literals([
  "UnblendedCost",
  "AmortizedCost",
  "BlendedCost",
  "NetUnblendedCost",
  "NetAmortizedCost",
  "UsageQuantity",
  "NormalizedUsageAmount"
])
/** A Cost Explorer cost metric (unblended, amortized, net...). */
export type CostMetric = typeof CostMetric.Type

/** The length of each Cost Explorer period. */
export const Granularity = Schema.Literals(["DAILY", "MONTHLY"])
/** The length of each Cost Explorer period. */
export type Granularity = typeof Granularity.Type

/** The dimensions `--group-by` accepts (besides TAG:key). */
export const GroupDimension = Schema.Literals([
  "SERVICE",
  "USAGE_TYPE",
  "REGION",
  "LINKED_ACCOUNT",
  "AZ",
  "INSTANCE_TYPE",
  "OPERATION",
  "PURCHASE_TYPE",
  "RECORD_TYPE"
])
/** The dimensions `--group-by` accepts (besides TAG:key). */
export type GroupDimension = typeof GroupDimension.Type

/** How Cost Explorer groups costs: by a dimension (service, region...) or by a cost allocation tag. */
export const GroupBy = Schema.Union([
  Schema.Struct({ type: Schema.Literal("DIMENSION"), key: GroupDimension }),
  Schema.Struct({ type: Schema.Literal("TAG"), key: Schema.String })
])
/** How Cost Explorer groups costs: by a dimension (service, region...) or by a cost allocation tag. */
export type GroupBy = typeof GroupBy.Type

/** An amount of money as Cost Explorer returns it, with its unit. */
export const CostAmount = Schema.Struct({
  /** Exactly as AWS returns it, e.g. "12.3456789012". */
  amount: Schema.String,
  unit: Schema.String
})
/** An amount of money as Cost Explorer returns it, with its unit. */
export type CostAmount = typeof CostAmount.Type

/** The cost of one period: the total and, when grouped, each group's. */
export const CostPeriod = Schema.Struct({
  start: Schema.String,
  end: Schema.String,
  /** AWS's estimate flag: the period is not closed yet. */
  estimated: Schema.Boolean,
  /** The ungrouped total (AWS leaves it empty when grouping). */
  total: Schema.optional(CostAmount),
  groups: Schema.Array(Schema.Struct({ keys: Schema.Array(Schema.String), amount: CostAmount }))
})
/** The cost of one period: the total and, when grouped, each group's. */
export type CostPeriod = typeof CostPeriod.Type

/** What `CostExplorer.costAndUsage` reads: a date range, granularity, metric and grouping. */
export interface CostQuery {
  readonly start: string
  readonly end: string
  readonly granularity: Granularity
  readonly metric: CostMetric
  /** At most two. */
  readonly groupBy: ReadonlyArray<GroupBy>
}

/** One period of a cost forecast, with the forecast amount and its bounds. */
export const ForecastPeriod = Schema.Struct({
  start: Schema.String,
  end: Schema.String,
  mean: Schema.String,
  lower: Schema.optional(Schema.String),
  upper: Schema.optional(Schema.String)
})
/** One period of a cost forecast, with the forecast amount and its bounds. */
export type ForecastPeriod = typeof ForecastPeriod.Type

/** A cost forecast: the total and each period's. */
export const Forecast = Schema.Struct({
  total: CostAmount,
  periods: Schema.Array(ForecastPeriod)
})
/** A cost forecast: the total and each period's. */
export type Forecast = typeof Forecast.Type

/** What `CostExplorer.forecast` predicts: a future date range, granularity and metric. */
export interface ForecastQuery {
  readonly start: string
  readonly end: string
  readonly granularity: Granularity
  readonly metric: CostMetric
  /** The prediction interval, 51-99 (percent). */
  readonly predictionIntervalLevel: number
}

/** GetCostForecast's metric names for our (GetCostAndUsage-style) metric names. */
export const forecastMetric: Record<CostMetric, string> = {
  UnblendedCost: "UNBLENDED_COST",
  AmortizedCost: "AMORTIZED_COST",
  BlendedCost: "BLENDED_COST",
  NetUnblendedCost: "NET_UNBLENDED_COST",
  NetAmortizedCost: "NET_AMORTIZED_COST",
  UsageQuantity: "USAGE_QUANTITY",
  NormalizedUsageAmount: "NORMALIZED_USAGE_AMOUNT"
}

/**
 * Cost Explorer: costs and usage by period and group, and forecasts (us-east-1). Live: `CostExplorerLive`; in
 * memory: `CostExplorerMemory`.
 */
export class CostExplorer extends Context.Service<CostExplorer, {
  /** Costs per period (and group), all pages merged: one entry per period, ascending. */
  readonly costAndUsage: (query: CostQuery) => Effect.Effect<ReadonlyArray<CostPeriod>, AwsError>
  readonly forecast: (query: ForecastQuery) => Effect.Effect<Forecast, AwsError>
}>()("aegea/CostExplorer") {}

/**
 * Merge pages: GetCostAndUsage may split one period's groups across pages, so periods with the same
 * start are joined, in order of first appearance (AWS returns them ascending).
 */
export const mergePeriods = (pages: ReadonlyArray<ReadonlyArray<CostPeriod>>): ReadonlyArray<CostPeriod> => {
  const byStart = new Map<string, CostPeriod>()
  for (const period of pages.flat()) {
    const seen = byStart.get(period.start)
    byStart.set(
      period.start,
      seen === undefined ? period : { ...seen, total: seen.total ?? period.total, groups: [...seen.groups, ...period.groups] }
    )
  }
  return [...byStart.values()]
}
