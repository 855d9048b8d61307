/**
 * Parsing of `aegea cost` options: time ranges (`--days`, `--start`/`--end` in aegea's time syntax,
 * lib/timeExpr.ts, rounded down to UTC days),
 * `--group-by` (dimensions and TAG:key) and config-section defaults checked against their types.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ConfigError, UsageError } from "../errors.ts"
import { parseTimeFlag } from "../lib/timeExpr.ts"
import { type GroupBy, GroupDimension } from "../services/CostExplorer.ts"
import { commaList } from "./parse.ts"

const dayMillis = 86_400_000

/** "YYYY-MM-DD" of a UTC day number (days since 1970-01-01). */
export const formatDay = (day: number): string => new Date(day * dayMillis).toISOString().slice(0, 10)

/** Today's UTC day number on Effect's Clock. */
export const today = Clock.currentTimeMillis.pipe(Effect.map((ms) => Math.floor(ms / dayMillis)))

/**
 * A time in aegea's one time syntax (lib/timeExpr.ts: "2024-03-01", "30d" or "-30d" = 30 days ago,
 * "yesterday", "now", "+2d" = in two days) -> the UTC day number it falls in; else a UsageError.
 */
export const parseDay = (flag: string, text: string, nowMillis: number): Effect.Effect<number, UsageError> =>
  parseTimeFlag(flag, text, nowMillis).pipe(Effect.map((date) => Math.floor(date.getTime() / dayMillis)))

export interface RangeInput {
  readonly days: Option.Option<number>
  readonly start: Option.Option<string>
  readonly end: Option.Option<string>
}

/**
 * The [start, end) range of days. `--start`/`--end` win (end defaults to `defaultEnd` days from
 * today); else `--days` (or `defaultDays`) ending at `defaultEnd` (0 = today, excluded) or, for
 * forecasts (`forward`), starting today. Giving both --days and --start is a UsageError, and so is
 * a start in the future for costs (not for forecasts, whose window is in the future: their --end
 * takes "+30d" or a date).
 */
export const dayRange = (
  input: RangeInput,
  options: { readonly defaultDays: number; readonly forward: boolean }
): Effect.Effect<{ readonly start: string; readonly end: string }, UsageError> =>
  Effect.gen(function*() {
    const nowMillis = yield* Clock.currentTimeMillis
    const now = Math.floor(nowMillis / dayMillis)
    if (Option.isSome(input.days) && (Option.isSome(input.start) || Option.isSome(input.end))) {
      return yield* new UsageError({ message: "--days conflicts with --start/--end", hint: "Give either --days or a date range" })
    }
    const days = Option.getOrElse(input.days, () => options.defaultDays)
    if (!Number.isInteger(days) || days < 1 || days > 3660) {
      return yield* new UsageError({ message: `invalid --days ${days}`, hint: "Use a whole number of days from 1 to 3660" })
    }
    const end = Option.isSome(input.end)
      ? yield* parseDay("end", input.end.value, nowMillis)
      : Option.isSome(input.start) || !options.forward ? now : now + days
    const start = Option.isSome(input.start) ? yield* parseDay("start", input.start.value, nowMillis) : options.forward ? now : end - days
    if (!options.forward && start > now) {
      return yield* new UsageError({
        message: `the start date ${formatDay(start)} is in the future (today is ${formatDay(now)})`,
        hint: "A relative time counts back from today: 30d, -30d and '30 days ago' all mean 30 days ago"
      })
    }
    if (start >= end) {
      return yield* new UsageError({
        message: `the start date ${formatDay(start)} is not before the end date ${formatDay(end)}`,
        hint: options.forward
          ? "A forecast's end is in the future: write it as +30d, 'in 30 days' or a date (30d means 30 days ago)"
          : "The end date is excluded: use --end at least one day after --start"
      })
    }
    return { start: formatDay(start), end: formatDay(end) }
  })

/** `--group-by SERVICE --group-by TAG:team` (or comma-separated) -> at most two GroupBy. */
export const parseGroupBy = (values: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<GroupBy>, UsageError> =>
  Effect.gen(function*() {
    const items = commaList(values)
    if (items.length > 2) {
      return yield* new UsageError({
        message: `--group-by takes at most two groupings, got ${items.length} (${items.join(", ")})`,
        hint: "Cost Explorer groups by up to two dimensions or tags"
      })
    }
    const out: Array<GroupBy> = []
    for (const item of items) {
      if (/^tag:/i.test(item)) {
        const key = item.slice(4)
        if (key === "") return yield* new UsageError({ message: "--group-by TAG: needs a tag key", hint: "Write it as TAG:team" })
        out.push({ type: "TAG", key })
        continue
      }
      const dimension = item.toUpperCase()
      if (!Schema.is(GroupDimension)(dimension)) {
        return yield* new UsageError({
          message: `invalid --group-by ${JSON.stringify(item)}`,
          hint: `Use one of ${GroupDimension.literals.join(", ")} or TAG:key`
        })
      }
      out.push({ type: "DIMENSION", key: dimension })
    }
    return out
  })

/**
 * The flag's value if given, else the config section's key (checked against `schema`), else the
 * fallback. A config value of the wrong type is a ConfigError naming the key.
 */
export const flagOrConfig = <A>(
  flag: Option.Option<A>,
  section: Readonly<Record<string, unknown>>,
  sectionName: string,
  key: string,
  schema: Schema.Codec<A, unknown>,
  fallback: A,
  expected: string
): Effect.Effect<A, ConfigError> => {
  if (Option.isSome(flag)) return Effect.succeed(flag.value)
  const value = section[key]
  if (value === undefined || value === null) return Effect.succeed(fallback)
  return Schema.is(schema)(value)
    ? Effect.succeed(value)
    : Effect.fail(
      new ConfigError({
        message: `invalid config value ${sectionName}.${key}: ${JSON.stringify(value)}`,
        hint: `Set it to ${expected} (aegea config set ${sectionName}.${key} VALUE)`
      })
    )
}
