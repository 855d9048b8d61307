/**
 * An in-memory Cost Explorer for tests: returns seeded periods (filtered to the query's time range)
 * and a seeded forecast, and records every query so a test can check what was asked.
 * moto does not implement GetCostForecast: `aegea cost forecast` is covered with this layer.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { CostExplorer, type CostPeriod, mergePeriods, type CostQuery, type Forecast, type ForecastQuery } from "../services/CostExplorer.ts"
import { AwsInvalidRequest } from "../errors.ts"

/** The cost periods and forecasts `CostExplorerMemory` answers with. */
export interface CostExplorerSeed {
  /**
   * Returned by costAndUsage (periods whose start lies in [start, end)); entries with the same start
   * are one period whose groups are split, as across AWS's pages, and are joined.
   */
  readonly periods?: ReadonlyArray<CostPeriod>
  /** Returned by forecast; without it, forecast fails like AWS with too little history. */
  readonly forecast?: Forecast
}

/** What `CostExplorerMemory` was asked: every cost and forecast query. */
export class CostExplorerMemoryState extends Context.Service<CostExplorerMemoryState, {
  readonly costQueries: Effect.Effect<ReadonlyArray<CostQuery>>
  readonly forecastQueries: Effect.Effect<ReadonlyArray<ForecastQuery>>
}>()("aegea/testing/CostExplorerMemoryState") {}

const invalid = (operation: string, action: string, awsMessage: string) =>
  new AwsInvalidRequest({
    action,
    service: "Cost Explorer",
    operation,
    code: "ValidationException",
    awsMessage,
    region: "us-east-1"
  })

/** `CostExplorer` in memory, with `CostExplorerMemoryState`: answers from the seed, within each query's dates. */
export const CostExplorerMemory = {
  layer: (seed: CostExplorerSeed = {}): Layer.Layer<CostExplorer | CostExplorerMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const costQueries = yield* Ref.make<ReadonlyArray<CostQuery>>([])
        const forecastQueries = yield* Ref.make<ReadonlyArray<ForecastQuery>>([])
        const service = CostExplorer.of({
          costAndUsage: (query) =>
            Effect.gen(function*() {
              yield* Ref.update(costQueries, (qs) => [...qs, query])
              const action = `get the costs from ${query.start} to ${query.end}`
              if (query.start >= query.end) {
                return yield* invalid("GetCostAndUsage", action, "Start date must be before end date")
              }
              if (query.groupBy.length > 2) {
                return yield* invalid("GetCostAndUsage", action, "You can only group by up to two dimensions")
              }
              // As CostExplorerLive reads AWS's pages: one entry per period, a period's groups joined.
              return mergePeriods([(seed.periods ?? []).filter((p) => p.start >= query.start && p.start < query.end)])
            }),
          forecast: (query) =>
            Effect.gen(function*() {
              yield* Ref.update(forecastQueries, (qs) => [...qs, query])
              const action = `forecast the costs from ${query.start} to ${query.end}`
              if (query.start >= query.end) {
                return yield* invalid("GetCostForecast", action, "Start date must be before end date")
              }
              if (seed.forecast === undefined) {
                return yield* invalid("GetCostForecast", action, "Insufficient amount of historical data to generate forecast")
              }
              return seed.forecast
            })
        })
        const state = CostExplorerMemoryState.of({ costQueries: Ref.get(costQueries), forecastQueries: Ref.get(forecastQueries) })
        return Context.make(CostExplorer, service).pipe(Context.add(CostExplorerMemoryState, state))
      })
    )
}
