/** Cost Explorer: cost and usage by period and dimension, and forecasts. */
export { CostExplorerLive as layer } from "../layers/CostExplorerLive.ts"
export {
  CostAmount,
  CostExplorer,
  CostMetric,
  CostPeriod,
  type CostQuery,
  Forecast,
  ForecastPeriod,
  type ForecastQuery,
  Granularity,
  GroupBy,
  GroupDimension
} from "../services/CostExplorer.ts"
