/** Parsing of repeated `K=V` command-line values into filters; bad input is a UsageError (exit 2). */
import * as Effect from "effect/Effect"
import { UsageError } from "../errors.ts"

/** ["Owner=me", "Owner=you", "env=prod"] -> { Owner: ["me", "you"], env: ["prod"] } */
export const keyValues = (flag: string, values: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const out: Record<string, Array<string>> = {}
    for (const item of values) {
      const eq = item.indexOf("=")
      if (eq <= 0) {
        return yield* new UsageError({
          message: `invalid value for --${flag}: ${JSON.stringify(item)}`,
          hint: `Write it as KEY=VALUE, e.g. --${flag} Name=web`
        })
      }
      ;(out[item.slice(0, eq)] ??= []).push(item.slice(eq + 1))
    }
    return out
  })

/** Comma-separated values as a list ("a,b" -> ["a","b"]), trimmed, empties dropped. */
export const commaList = (values: ReadonlyArray<string>) =>
  values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "")
