/**
 * The `yaml` package, loaded on first use so that `aegea --help` does not pay for it. It is
 * CommonJS: a dynamic import() of it from the ESM bundle yields its exports under `default` (under
 * vitest, at the top level), so read both shapes.
 */
import * as Effect from "effect/Effect"

type YamlModule = typeof import("yaml")

export const loadYaml: Effect.Effect<YamlModule> = Effect.promise(() => import("yaml")).pipe(
  Effect.map((mod) => (mod as unknown as { default?: YamlModule }).default ?? mod)
)
