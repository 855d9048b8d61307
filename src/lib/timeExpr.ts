/**
 * Time expressions for `--start-time`/`--end-time`, as in the Python aegea: relative (`-15m`, `-2h`,
 * `-3d`, `-1w`, `-30s`; no sign or `+` means the future), `now`, milliseconds since the epoch, or an
 * ISO-8601 date or date-time (`2024-05-01`, `2024-05-01T12:00`, `2024-05-01 12:00:00Z`). Date-times
 * without a zone are UTC, like the timestamps aegea prints. Pure: "now" is passed in.
 */
import * as Effect from "effect/Effect"
import { UsageError } from "../errors.ts"

const unitMillis: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000
}

const examples = "-15m, -2h, -3d, -1w, now, 2024-05-01 or 2024-05-01T12:00:00Z"

/** The Date an expression stands for, or undefined when it is not one. */
export const parseTimeExpression = (text: string, nowMillis: number): Date | undefined => {
  const t = text.trim()
  if (t === "") return undefined
  if (t.toLowerCase() === "now") return new Date(nowMillis)
  const relative = /^([+-]?)(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(t)
  if (relative) {
    const amount = Number(relative[2]) * unitMillis[relative[3]!.toLowerCase()]!
    return new Date(relative[1] === "-" ? nowMillis - amount : nowMillis + amount)
  }
  if (/^\d{11,}$/.test(t)) return new Date(Number(t))
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(t)
  if (!iso) return undefined
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone = "Z"] = iso
  const normalizedZone = zone.toUpperCase() === "Z" ? "Z" : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac === "" ? ".000" : frac.padEnd(4, "0")}${normalizedZone}`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** Parse the value of `--<flag>`; a UsageError (exit 2) naming the flag and showing examples otherwise. */
export const parseTimeFlag = (flag: string, text: string, nowMillis: number): Effect.Effect<Date, UsageError> => {
  const date = parseTimeExpression(text, nowMillis)
  return date
    ? Effect.succeed(date)
    : Effect.fail(
      new UsageError({
        message: `invalid time for --${flag}: ${JSON.stringify(text)}`,
        hint: `Use a relative time or an ISO-8601 date, e.g. ${examples}`
      })
    )
}

/** Check that a time range is not empty. */
export const checkTimeRange = (start: Date, end: Date): Effect.Effect<void, UsageError> =>
  start.getTime() <= end.getTime()
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `--start-time ${start.toISOString()} is after --end-time ${end.toISOString()}`,
        hint: "Swap them, or use a start time in the past such as -2h"
      })
    )
