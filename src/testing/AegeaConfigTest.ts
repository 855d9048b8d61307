/**
 * An in-memory `AegeaConfig` for tests: the given value is the whole effective config (no defaults
 * are merged in unless you pass them), every entry's source is `source`. `set` fails: to test
 * writing, use `layerFromEnvironment` from layers/AegeaConfigLive.ts with a temp directory.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { type ConfigMap, emptyMerged, mergeLayer } from "../lib/merge.ts"
import { AegeaConfig, makeAegeaConfig } from "../services/AegeaConfig.ts"
import { ConfigError } from "../errors.ts"

/**
 * `AegeaConfig` holding `value` as if read from one config file (merged with its operators over nothing), for
 * tests of commands that read it.
 */
export const layerFromValue = (
  value: ConfigMap,
  options: { readonly source?: string; readonly userFile?: string } = {}
): Layer.Layer<AegeaConfig> => {
  const source = options.source ?? "test"
  const userFile = options.userFile ?? "/nonexistent/aegea/config.yml"
  const merged = mergeLayer(emptyMerged, value, source)
  if (Result.isFailure(merged)) {
    throw new Error(`layerFromValue: ${merged.failure.path.join(".")} ${merged.failure.message}`)
  }
  return Layer.succeed(
    AegeaConfig,
    makeAegeaConfig({
      merged: merged.success,
      files: [source],
      userFile,
      set: (key) =>
        Effect.fail(new ConfigError({ message: `cannot set ${key}: the test config (layerFromValue) is read-only` })),
      unset: (key) =>
        Effect.fail(new ConfigError({ message: `cannot unset ${key}: the test config (layerFromValue) is read-only` }))
    })
  )
}
