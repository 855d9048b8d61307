/** Repeated NAME=VALUE flags as one value per name (the last one wins); bad input is a UsageError. */
import * as Effect from "effect/Effect"
import { keyValues } from "../parse.ts"

export const singleValues = (flag: string, values: ReadonlyArray<string>) =>
  Effect.map(keyValues(flag, values), (all) =>
    Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v[v.length - 1] ?? ""])) as Record<string, string>)
