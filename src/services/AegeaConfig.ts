/**
 * The layered configuration: built-in defaults (src/defaults.ts) < /etc/aegea/config.yml <
 * $XDG_CONFIG_HOME/aegea/config.yml < each file of AEGEA_CONFIG_FILE (colon-separated, in order)
 * < command-line options. Command flag defaults live under the command path ("batch submit" ->
 * `batch_submit`), keyed by the flag name in snake_case.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type ConfigMap, dottedKey, isConfigMap, leaves, type MergedConfig, sourceOf, valueAt } from "../lib/merge.ts"
import type { ConfigError } from "../errors.ts"

/** One setting of the merged configuration: its dotted key, value and the file that set it. */
export interface ConfigEntry {
  /** Dotted key, e.g. "ls.columns" or "batch_submit.memory". */
  readonly key: string
  readonly value: unknown
  /** The file (or "defaults") the value came from. */
  readonly source: string
}

/**
 * aegea's merged configuration (built-in defaults, site, user and project files, AEGEA_CONFIG_FILE), validated
 * against the CLI's flags; provided by `AegeaConfigLive`.
 */
export class AegeaConfig extends Context.Service<AegeaConfig, {
  /** The effective merged configuration. */
  readonly value: Readonly<Record<string, unknown>>
  /** The files that were read, lowest precedence first ("defaults" for the built-in file). */
  readonly files: ReadonlyArray<string>
  /** The user file `config set` writes ($XDG_CONFIG_HOME/aegea/config.yml). */
  readonly userFile: string
  /** A value by dotted key. */
  readonly get: (key: string) => Option.Option<unknown>
  /** Every leaf of the effective config with the file it came from. */
  readonly entries: ReadonlyArray<ConfigEntry>
  /** The section of a command path: "batch submit" -> value.batch_submit (or {}). */
  readonly section: (commandPath: string) => Readonly<Record<string, unknown>>
  /**
   * Set a dotted key in the user file (creating it and its directory), keeping its comments and
   * other keys. Fails, leaving the file untouched, when the result would not be a valid config.
   * `value` is not reloaded into this service.
   */
  readonly set: (key: string, value: unknown) => Effect.Effect<void, ConfigError>
  /**
   * Remove a dotted key from the user file (and its section, when that leaves it empty), keeping
   * comments. Succeeds with false when the user file does not set the key.
   */
  readonly unset: (key: string) => Effect.Effect<boolean, ConfigError>
}>()("aegea/AegeaConfig") {}

/** "batch submit" (or "batch-submit") -> "batch_submit". */
export const sectionName = (commandPath: string) => commandPath.trim().split(/[\s-]+/).join("_")

/** "batch_submit.memory" -> ["batch_submit", "memory"]. */
export const splitKey = (key: string): ReadonlyArray<string> => key.split(".")

/** Build the service from a merged config (what the live and test layers share). */
export const makeAegeaConfig = (options: {
  readonly merged: MergedConfig
  readonly files: ReadonlyArray<string>
  readonly userFile: string
  readonly set: AegeaConfig["Service"]["set"]
  readonly unset?: AegeaConfig["Service"]["unset"]
}): AegeaConfig["Service"] => {
  const { merged } = options
  const value: ConfigMap = merged.value
  return AegeaConfig.of({
    value,
    files: options.files,
    userFile: options.userFile,
    get: (key) => Option.fromUndefinedOr(valueAt(value, splitKey(key))),
    entries: leaves(value).map((leaf) => ({
      key: dottedKey(leaf.path),
      value: leaf.value,
      source: sourceOf(merged, leaf.path) ?? "defaults"
    })),
    section: (commandPath) => {
      const found = value[sectionName(commandPath)]
      return isConfigMap(found) ? found : {}
    },
    set: options.set,
    unset: options.unset ?? (() => Effect.succeed(false))
  })
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, "_")

/**
 * Fill the flags the user did not give from a config section: optional values (`Option.none()`),
 * switches that are off (`false`, switched on by `true`), and repeatable flags given no times (`[]`,
 * from a list). Keys are matched in snake_case: `--instance-type` (input key `instanceType`) reads
 * `instance_type`.
 * The section was validated when the config was loaded, so values have the flag's type.
 */
export const withConfigDefaults = <I extends Record<string, unknown>>(
  section: Readonly<Record<string, unknown>>,
  input: I
): I => {
  const out: Record<string, unknown> = { ...input }
  for (const [key, value] of Object.entries(input)) {
    const fromConfig = section[snake(key)]
    if (fromConfig === undefined || fromConfig === null) continue
    if (Option.isOption(value) && Option.isNone(value)) out[key] = Option.some(fromConfig)
    // An on/off switch that is off by default (`--no-ssm`, `--wait`) can be switched on by config.
    else if (value === false && fromConfig === true) out[key] = true
    // A repeatable flag given no times takes the config's list (`ls.tag: [env=prod]`).
    else if (Array.isArray(value) && value.length === 0 && Array.isArray(fromConfig)) out[key] = fromConfig.map(String)
  }
  return out as I
}
