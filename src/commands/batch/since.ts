/** `--since 30m | 2h | 7d | 2024-05-01T00:00:00Z` -> a Date; bad input is a UsageError. */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { UsageError } from "../../errors.ts"

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

export const parseSince = (text: string) =>
  Effect.gen(function*() {
    const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim())
    if (relative) return new Date((yield* Clock.currentTimeMillis) - Number(relative[1]) * (units[relative[2] ?? "s"] ?? 1000))
    const absolute = Date.parse(text)
    if (!Number.isNaN(absolute)) return new Date(absolute)
    return yield* new UsageError({ message: `invalid --since ${JSON.stringify(text)}`, hint: "Use e.g. 30m, 2h, 7d or an ISO time" })
  })
