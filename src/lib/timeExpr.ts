/**
 * The one time syntax of every aegea flag that takes a time (`logs`, `logs export`, `grep`,
 * `batch ls --since`, `cost --start/--end`):
 *
 * - a relative amount means **that long ago**, signed or not, short or spelled out: `2h`, `-2h`,
 *   `2 hours`, `2 hours ago`, `90m`, `15 minutes`, `3 days`, `1w`, `30s`, `1.5h`. Only an explicit
 *   `+2h` or `in 2 hours` is in the future (for `--end-time` of a follow, or a cost forecast window);
 * - `now`, `today` (midnight UTC today), `yesterday` (midnight UTC yesterday);
 * - milliseconds since the epoch (11 digits or more);
 * - an ISO-8601 date or date-time (`2024-05-01`, `2024-05-01T12:00`, `2024-05-01 12:00:00Z`,
 *   `2024-05-01T12:00:00+02:00`); date-times without a zone are UTC, like the times aegea prints.
 *
 * Pure: "now" is passed in.
 */
import * as Effect from "effect/Effect"
import { UsageError } from "../errors.ts"

const second = 1_000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour
const week = 7 * day

const unitMillis: Readonly<Record<string, number>> = {
  s: second, sec: second, secs: second, second, seconds: second,
  m: minute, min: minute, mins: minute, minute, minutes: minute,
  h: hour, hr: hour, hrs: hour, hour, hours: hour,
  d: day, day, days: day,
  w: week, wk: week, wks: week, week, weeks: week
}

/** Examples for hints and help texts. */
export const timeExamples = "2h (two hours ago), 90m, '3 days', 2024-05-01, 2024-05-01T12:00Z, now, today, yesterday"

/** `[in] [+|-] N unit [ago]`; lower-cased, single spaces. */
const relative = /^(?:(in) )?([+-])? ?(\d+(?:\.\d+)?) ?([a-z]+)(?: (ago))?$/

const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * The times aegea accepts: years 0 to 9999, what an ISO-8601 date can say (a program's clock may be
 * near the epoch: "7d" must still be a time there).
 */
export const earliestTime = Date.parse("0000-01-01T00:00:00Z")
export const latestTime = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

const inRange = (millis: number) => Number.isFinite(millis) && millis >= earliestTime && millis <= latestTime

const validDate = (date: Date): Date | undefined => (inRange(date.getTime()) ? date : undefined)

/** The Date an expression stands for, or undefined when it is not one. */
export const parseTimeExpression = (text: string, nowMillis: number, bounded = true): Date | undefined => {
  // Unbounded: any Date (even an invalid one) when the text has the shape of a time.
  const valid = (date: Date): Date | undefined => (bounded ? validDate(date) : date)
  const trimmed = text.trim()
  const t = trimmed.toLowerCase().replace(/\s+/g, " ")
  if (t === "") return undefined
  const midnight = Math.floor(nowMillis / day) * day
  if (t === "now") return new Date(nowMillis)
  if (t === "today") return new Date(midnight)
  if (t === "yesterday") return new Date(midnight - day)
  const rel = relative.exec(t)
  if (rel) {
    const [, inWord, sign, amount, unit, ago] = rel
    const millis = unitMillis[unit!]
    // "in -2h", "+2h ago", "-2h ago" and "in 2h ago" say two things at once.
    if (millis === undefined || (inWord && (sign || ago)) || (sign && ago)) return undefined
    const future = inWord !== undefined || sign === "+"
    const offset = Number(amount) * millis
    return valid(new Date(future ? nowMillis + offset : nowMillis - offset))
  }
  if (/^\d{11,}$/.test(t)) return valid(new Date(Number(t)))
  const match = iso.exec(trimmed)
  if (!match) return undefined
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone = "Z"] = match
  const normalizedZone = zone.toUpperCase() === "Z" ? "Z" : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) return undefined
  return valid(new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac === "" ? ".000" : frac.padEnd(4, "0")}${normalizedZone}`))
}

/** Parse the value of `--<flag>`; a UsageError (exit 2) naming the flag and showing examples otherwise. */
export const parseTimeFlag = (flag: string, text: string, nowMillis: number): Effect.Effect<Date, UsageError> => {
  const date = parseTimeExpression(text, nowMillis)
  const outOfRange = date === undefined && parseTimeExpression(text, nowMillis, false) !== undefined
  return date
    ? Effect.succeed(date)
    : Effect.fail(
      new UsageError({
        message: `invalid time for --${flag}: ${JSON.stringify(text)}${outOfRange ? " is out of range (years 0 to 9999)" : ""}`,
        hint: `Use e.g. ${timeExamples} (see "Times" in the README)`
      })
    )
}

export interface TimeRangeFlags {
  /** Flag names without dashes (default start-time / end-time). */
  readonly start?: string
  readonly end?: string
}

/**
 * Check a time range: the start must not be in the future, nor after the end (when there is one).
 * A UsageError (exit 2) naming both times otherwise, never an empty result.
 */
export const checkTimeRange = (
  start: Date,
  end: Date | undefined,
  nowMillis: number,
  flags: TimeRangeFlags = {}
): Effect.Effect<void, UsageError> => {
  const startFlag = `--${flags.start ?? "start-time"}`
  const endFlag = `--${flags.end ?? "end-time"}`
  if (start.getTime() > nowMillis) {
    return Effect.fail(
      new UsageError({
        message: `${startFlag} ${start.toISOString()} is in the future (now is ${new Date(nowMillis).toISOString()})`,
        hint: `A relative time counts back from now: 2h, -2h and '2 hours ago' all mean two hours ago`
      })
    )
  }
  if (end !== undefined && start.getTime() > end.getTime()) {
    return Effect.fail(
      new UsageError({
        message: `${startFlag} ${start.toISOString()} is after ${endFlag} ${end.toISOString()}`,
        hint: `Swap them; a relative ${endFlag} also counts back from now (${endFlag} 1h is one hour ago)`
      })
    )
  }
  return Effect.void
}

/**
 * Parse and check a `--start-time`/`--end-time` pair: the start (its default text when not given)
 * and the end (undefined when not given), checked with checkTimeRange against now.
 */
export const parseTimeRange = (
  input: { readonly start: string; readonly end: string | undefined },
  nowMillis: number,
  flags: TimeRangeFlags = {}
): Effect.Effect<{ readonly start: Date; readonly end: Date | undefined }, UsageError> =>
  Effect.gen(function*() {
    const start = yield* parseTimeFlag(flags.start ?? "start-time", input.start, nowMillis)
    const end = input.end === undefined ? undefined : yield* parseTimeFlag(flags.end ?? "end-time", input.end, nowMillis)
    yield* checkTimeRange(start, end, nowMillis, flags)
    return { start, end }
  })
