/** `aegea cost` (a pivot of GetCostAndUsage) and `aegea cost forecast` (GetCostForecast). */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { CostExplorerLive } from "../layers/CostExplorerLive.ts"
import { type Pivot, pivot, roundDecimal, sumDecimals, totalGroup } from "../lib/costPivot.ts"
import { barChart, sparkline } from "../lib/sparkline.ts"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { CostExplorer, CostMetric, type GroupBy, Granularity } from "../services/CostExplorer.ts"
import { UsageError } from "../errors.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import { listingDescription } from "../lib/table.ts"
import { dayRange, flagOrConfig, parseGroupBy } from "./costOptions.ts"
import { awsService, BaseLayer } from "./global.ts"

export const CostLayer = awsService(CostExplorer, CostExplorerLive).pipe(Layer.provideMerge(BaseLayer))

const metrics = CostMetric.literals
const days = Flag.Int("days").pipe(
  Flag.withDescription("Cover this many days, ending yesterday for costs and starting today for forecasts (default 7)."),
  Flag.optional
)
const start = Flag.String("start").pipe(
  Flag.withDescription("First day to cover: a time such as 30d (30 days ago), 2024-03-01 or yesterday, rounded to the day (see aegea help time)."),
  Flag.optional
)
const end = Flag.String("end").pipe(
  Flag.withDescription("Day after the last day to cover (excluded), a time such as 2024-04-01 or today (the default); forecasts end in the future: +30d."),
  Flag.optional
)
const granularity = Flag.Literals("granularity", Granularity.literals).pipe(
  Flag.withDescription("One column per day (DAILY, the default) or per month (MONTHLY)."),
  Flag.optional
)
const metric = Flag.Literals("metric", metrics).pipe(
  Flag.withDescription(`The cost metric to report: ${metrics.join(", ")} (default AmortizedCost).`),
  Flag.optional
)

/** The effective granularity and metric: flags, then the config section, then the defaults. */
const common = (section: string, input: { granularity: Option.Option<Granularity>; metric: Option.Option<CostMetric> }) =>
  Effect.gen(function*() {
    const config = (yield* AegeaConfig).section(section)
    const name = section.replace(/ /g, "_")
    return {
      config,
      granularity: yield* flagOrConfig(input.granularity, config, name, "granularity", Granularity, "DAILY", "DAILY or MONTHLY"),
      metric: yield* flagOrConfig(input.metric, config, name, "metric", CostMetric, "AmortizedCost", metrics.join(", "))
    }
  })

const groupHeader = (groupBy: ReadonlyArray<GroupBy>) =>
  groupBy.map((g) => (g.type === "TAG" ? `TAG:${g.key}` : g.key)).join(" / ") || "GROUP"

/**
 * Rows for printing: exact strings in machine formats (one per group), cents and a total row in tables;
 * with `trend` (a table on a terminal), a sparkline of each row across the periods.
 */
export const pivotRows = (result: Pivot, format: string, trend = false): ReadonlyArray<Row> => {
  if (format !== "table") {
    return result.rows.map((r) => ({ group: r.group, keys: r.keys, ...r.amounts, total: r.total, unit: r.unit }))
  }
  const rows = result.totals === undefined ? result.rows : [...result.rows, result.totals]
  return rows.map((r) => ({
    group: r.group,
    ...Object.fromEntries(Object.entries(r.amounts).map(([period, amount]) => [period, roundDecimal(amount)])),
    total: roundDecimal(r.total),
    ...(trend ? { trend: sparkline(result.periods.map((p) => Number(r.amounts[p] ?? "0"))) } : {}),
    unit: r.unit
  }))
}

/** `--chart`: the periods' totals as stacked bars, one colour (or fill) per group, fitting the width. */
export const costChart = (result: Pivot, options: { readonly width: number; readonly color: boolean; readonly monthly: boolean }) =>
  barChart(
    {
      labels: result.periods.map((p) => (options.monthly ? p.slice(0, 7) : p)),
      groups: result.rows.map((r) => r.group),
      values: result.periods.map((p) => result.rows.map((r) => Number(r.amounts[p] ?? "0"))),
      totals: result.periods.map((p) => roundDecimal(sumDecimals(result.rows.map((r) => r.amounts[p] ?? "0"))))
    },
    options
  )

/**
 * The pivot's columns. Amounts are right-aligned numbers (sorted numerically); on a narrow terminal
 * the unit goes first, then the oldest periods, and the total column last; the total row stays last
 * under any --sort-by.
 */
export const costTable = (
  result: Pivot,
  groupBy: ReadonlyArray<GroupBy>,
  granularity: Granularity,
  format: string,
  trend = false
): TableSpec => ({
  columns: [
    { key: "group", header: groupHeader(groupBy), kind: "name" },
    ...(format === "table" ? [] : [{ key: "keys" }]),
    ...result.periods.map((p, i) => ({
      key: p,
      header: granularity === "MONTHLY" ? p.slice(0, 7) : p,
      kind: "number" as const,
      align: "right" as const,
      keep: 1 + i
    })),
    { key: "total", kind: "number", align: "right", keep: result.periods.length + 1 },
    // The sparkline only repeats the periods: it goes right after the unit.
    ...(trend ? [{ key: "trend", keep: 0.5 }] : []),
    { key: "unit" }
  ],
  footerRows: format === "table" && result.totals !== undefined ? 1 : 0
})

/** `aegea cost forecast`'s columns; its last row is the total and stays last. */
export const forecastTable: TableSpec = {
  columns: [
    { key: "start", kind: "name" },
    { key: "end" },
    { key: "mean", kind: "number", align: "right", keep: 3 },
    { key: "lower", kind: "number", align: "right", keep: 1 },
    { key: "upper", kind: "number", align: "right", keep: 2 },
    { key: "unit" }
  ],
  footerRows: 1
}

const costSummary = "Report AWS costs per group and period (Cost Explorer): a pivot table with totals, most expensive first."

const report = Command.make(
  "cost",
  {
    days,
    start,
    end,
    granularity,
    metric,
    groupBy: Flag.String("group-by").pipe(
      Flag.withDescription("Group rows by SERVICE (the default), USAGE_TYPE, REGION, LINKED_ACCOUNT, ... or TAG:key; at most two."),
      Flag.atLeast(0)
    ),
    top: Flag.Int("top").pipe(
      Flag.withDescription("Show the N most expensive groups and fold the others into one \"other\" row."),
      Flag.optional
    ),
    chart: Flag.Boolean("chart").pipe(
      Flag.withDescription("Draw each period's total as a bar, stacked by group (a table format only; fits the terminal)."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("cost")(function*(input) {
    const costs = yield* CostExplorer
    const output = yield* Output
    const { config, granularity, metric } = yield* common("cost", input)
    const defaultDays = yield* flagOrConfig(Option.none(), config, "cost", "days", Schema.Int, 7, "a whole number of days")
    const range = yield* dayRange(input, { defaultDays, forward: false })
    const groupBy = yield* parseGroupBy(input.groupBy.length > 0 ? input.groupBy : ["SERVICE"])
    const top = Option.getOrUndefined(input.top)
    if (top !== undefined && top < 1) {
      return yield* new UsageError({ message: `invalid --top ${top}`, hint: "Use a whole number of groups, 1 or more" })
    }
    const periods = yield* costs.costAndUsage({ ...range, granularity, metric, groupBy })
    const result = pivot(periods, { top })
    if (result.rows.length === 0) yield* output.info(`no ${metric} from ${range.start} to ${range.end} (end excluded)`)
    if (result.totals === undefined && result.rows.length > 0) {
      yield* output.warn("the groups are in different units, so there is no total row")
    }
    const { format, width, color } = output.settings
    if (input.chart) {
      if (format !== "table") {
        return yield* new UsageError({ message: `--chart draws on a terminal; it has no ${format} form`, hint: "Drop --chart, or --output" })
      }
      if (result.rows.length > 0) {
        for (const line of costChart(result, { width: width ?? 80, color, monthly: granularity === "MONTHLY" })) yield* output.text(line)
      }
      return
    }
    // On a terminal each row also gets a sparkline across the periods.
    const trend = format === "table" && width !== undefined && result.periods.length > 1
    const rows = pivotRows(result, format, trend)
    // An empty result was told above, on any stderr.
    yield* output.table(rows, costTable(result, groupBy, granularity, format, trend), { empty: null })
  })
).pipe(
  Command.withDescription(
    `${costSummary}\n  Columns: group (headed by the --group-by, SERVICE by default), one per period (its start, YYYY-MM-DD; ` +
      "YYYY-MM when MONTHLY), total, trend (a sparkline across the periods, on a terminal), unit; machine formats add keys. Amounts are right-aligned; a narrow terminal " +
      "leaves out the unit and the trend, then the oldest periods, never TOTAL; the total row stays last whatever --sort-by says."
  ),
  Command.withShortDescription(costSummary),
  Command.withExamples([
    { command: "aegea cost", description: "Costs of the last 7 days by service" },
    { command: "aegea cost --days 90 --granularity MONTHLY --top 10", description: "Monthly costs, the 10 biggest services" },
    { command: "aegea cost --group-by SERVICE --group-by TAG:team --json", description: "By service and team, exact amounts as JSON" },
    { command: "aegea cost --days 30 --top 5 --chart", description: "A bar per day, stacked by the 5 biggest services" }
  ])
)

/** `cost forecast`, also top-level as `cost-forecast` (the Python aegea's spelling): one definition, two names. */
const forecastNamed = <const Name extends string>(name: Name) => Command.make(
  name,
  {
    days,
    start,
    end,
    granularity,
    metric,
    interval: Flag.Int("prediction-interval").pipe(
      Flag.withDescription("Width of the prediction interval in percent, 51 to 99 (default 75)."),
      Flag.withDefault(75)
    )
  },
  Effect.fn("cost.forecast")(function*(input) {
    const costs = yield* CostExplorer
    const output = yield* Output
    const { config, granularity, metric } = yield* common("cost forecast", input)
    const defaultDays = yield* flagOrConfig(Option.none(), config, "cost_forecast", "days", Schema.Int, 7, "a whole number of days")
    const range = yield* dayRange(input, { defaultDays, forward: true })
    if (!Number.isInteger(input.interval) || input.interval < 51 || input.interval > 99) {
      return yield* new UsageError({ message: `invalid --prediction-interval ${input.interval}`, hint: "Use a percentage from 51 to 99" })
    }
    const result = yield* costs.forecast({ ...range, granularity, metric, predictionIntervalLevel: input.interval })
    const unit = result.total.unit
    const table = output.settings.format === "table"
    const shown = (amount: string | undefined) => (amount === undefined ? undefined : table ? roundDecimal(amount) : amount)
    const rows: Array<Row> = result.periods.map((p) => ({
      start: p.start,
      end: p.end,
      mean: shown(p.mean),
      lower: shown(p.lower),
      upper: shown(p.upper),
      unit
    }))
    rows.push({
      start: totalGroup,
      end: range.end,
      mean: shown(result.total.amount),
      lower: shown(result.periods.every((p) => p.lower !== undefined) ? sumDecimals(result.periods.map((p) => p.lower ?? "0")) : undefined),
      upper: shown(result.periods.every((p) => p.upper !== undefined) ? sumDecimals(result.periods.map((p) => p.upper ?? "0")) : undefined),
      unit
    })
    yield* output.table(rows, forecastTable)
  })
).pipe(
  Command.withDescription(
    listingDescription("Forecast AWS costs (Cost Explorer GetCostForecast) per period, with a prediction interval.", forecastTable)
  ),
  Command.withShortDescription("Forecast AWS costs (Cost Explorer GetCostForecast) per period, with a prediction interval."),
  Command.withExamples([
    { command: "aegea cost forecast", description: "The next 7 days, day by day" },
    { command: "aegea cost forecast --days 90 --granularity MONTHLY --json", description: "The next three months as JSON" }
  ])
)

/** The command tree without its layers (unit tests provide CostExplorerMemory, OutputTest, AegeaConfig). */
const forecast = forecastNamed("forecast")

export const costCommand = report.pipe(Command.withSubcommands([forecast]), Command.provide(CostLayer))

/** `aegea cost-forecast`: `aegea cost forecast` under the Python aegea's name. */
export const costForecastCommand = forecastNamed("cost-forecast").pipe(Command.provide(CostLayer))
