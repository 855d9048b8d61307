/**
 * The shape of the effective configuration, derived from the CLI's flags (src/services/configKeys.ts,
 * generated from the command tree). The top level holds the global settings (`region`, `profile`,
 * `endpoint_url`, `output`, `no_color`, `pager`) and one section per command path (`batch submit` ->
 * `batch_submit`). A key in a section is that command's flag in snake_case, with the flag's type;
 * `columns`, `sort_by` and `output` (the global output flags) may be set per command too. Anything
 * else is an error naming the nearest valid key, so a typo never silently does nothing.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { ConfigKeyType } from "../lib/commandFlags.ts"
import { type ConfigMap, type ConfigValue, describeValue, isConfigMap } from "../lib/merge.ts"
import { commandFlags } from "./configKeys.ts"

/** The formats of the `output` setting (and `--output`). */
export const outputFormats = ["table", "json", "yaml", "csv", "tsv"] as const

/** Settings of a key that is not a command flag. */
export type KeySpec = ConfigKeyType | "columns" | "cloud-config"

/** The global flags that make sense in a file. */
export const globalKeys: Readonly<Record<string, KeySpec>> = {
  region: "string",
  profile: "string",
  endpoint_url: "string",
  output: outputFormats,
  no_color: "boolean",
  pager: "boolean"
}

/** The global output flags, settable per command. */
export const perCommandKeys: Readonly<Record<string, KeySpec>> = {
  columns: "columns",
  sort_by: "string",
  output: outputFormats
}

/** Where a flag's value is richer in a file than on a command line. */
const overrides: Readonly<Record<string, Readonly<Record<string, KeySpec>>>> = {
  // A cloud-init mapping written as YAML, or the flag's JSON/YAML text.
  launch: { cloud_config_data: "cloud-config" },
  build_ami: { cloud_config_data: "cloud-config" }
}

/** Sections that are no command: settings several commands share. */
export const settingSections: Readonly<Record<string, Readonly<Record<string, KeySpec>>>> = {
  // The private Route 53 zone of instance names (launch, terminate, rename); default "aegea.".
  dns: { private_zone: "string" },
  // What every image build installs (build-ami, before build_ami's own): packages and commands (runcmd).
  build_image: { packages: "strings", commands: "strings" }
}

/** The keys a command's section (or a setting section) accepts, with their types. */
export const sectionKeys = (section: string): Readonly<Record<string, KeySpec>> | undefined => {
  if (Object.hasOwn(settingSections, section)) return settingSections[section]
  const flags = commandFlags[section]
  return flags === undefined ? undefined : { ...perCommandKeys, ...flags, ...overrides[section] }
}

/** The config file's command sections, one per command that has flags ("ls", "batch_submit"...). */
export const sectionNames = (): ReadonlyArray<string> => Object.keys(commandFlags)

const Text = Schema.String
const Texts = Schema.Array(Schema.Union([Schema.String, Schema.Finite]))
const schemas: Readonly<Record<Exclude<KeySpec, ReadonlyArray<string>>, { readonly schema: Schema.Top; readonly expected: string }>> = {
  // A number where a string flag is expected (fargate_cpu: 256) is what YAML makes of it: accepted.
  string: { schema: Schema.Union([Text, Schema.Finite]), expected: "a string" },
  strings: { schema: Schema.Union([Texts, Text, Schema.Finite]), expected: "a list of strings (or one string)" },
  boolean: { schema: Schema.Boolean, expected: "true or false" },
  integer: { schema: Schema.Int, expected: "a whole number" },
  number: { schema: Schema.Finite, expected: "a number" },
  // Column names are never numbers: `columns: [1, 2]` is a mistake, not two columns.
  columns: { schema: Schema.Union([Schema.Array(Schema.String), Text]), expected: "a list of column names or a comma-separated string" },
  "cloud-config": { schema: Schema.Union([Text, Schema.Record(Schema.String, Schema.Unknown)]), expected: "a cloud-init mapping or its JSON/YAML text" }
}

const is = (spec: KeySpec, value: unknown): boolean => {
  if (typeof spec !== "string") return typeof value === "string" && spec.includes(value)
  return Result.isSuccess(Schema.decodeUnknownResult(schemas[spec].schema as Schema.Codec<unknown>)(value))
}

const expectedOf = (spec: KeySpec) => (typeof spec === "string" ? schemas[spec].expected : `one of ${spec.join(", ")}`)

/** The first thing wrong with a config: where (dotted path) and what, e.g. "must be a number, got \"lots\"". */
export interface ConfigIssue {
  readonly path: ReadonlyArray<string>
  readonly message: string
}

/** Edit distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

/** The closest of `candidates` to `word` when it is close enough to be a typo (or a - for _ slip). */
export const nearest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  const normalized = word.toLowerCase().replace(/-/g, "_")
  let best: { readonly key: string; readonly d: number } | undefined
  for (const key of candidates) {
    const d = key === normalized ? 0 : distance(normalized, key)
    if (best === undefined || d < best.d) best = { key, d }
  }
  if (best !== undefined && best.d <= Math.max(2, Math.floor(word.length / 3))) return best.key
  // `ssm` for `no_ssm`, `type` for `instance_type`: a key with the word as one of its parts.
  return [...candidates].find((key) => key.split("_").includes(normalized))
}

const unknownKey = (path: ReadonlyArray<string>, valid: ReadonlyArray<string>, what: string, otherwise: string): ConfigIssue => {
  const key = path[path.length - 1] ?? ""
  const guess = nearest(key, valid)
  return { path, message: `is not ${what} (${guess !== undefined ? `did you mean ${[...path.slice(0, -1), guess].join(".")}?` : otherwise})` }
}

const showValue = (value: unknown): string =>
  typeof value === "string"
    ? JSON.stringify(value)
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : describeValue(value)

/**
 * String settings that name something that is never a number (a region, a profile, a URL, a column,
 * a zone): YAML reads `region: 5` as a number, which the string flags otherwise accept (`fargate_cpu: 256`).
 */
const neverNumbers: ReadonlySet<string> = new Set(["region", "profile", "endpoint_url", "sort_by", "dns.private_zone"])

/**
 * Values a flag's type allows but the command refuses (src/services/batchRequests.ts): checked here
 * too, so that the error names the file, line and key instead of a flag the user never passed.
 */
const valueChecks: Readonly<Record<string, (value: number) => string | undefined>> = {
  "batch_submit.memory": (v) => (v >= 4 ? undefined : "must be at least 4 (MiB)"),
  "batch_submit.vcpus": (v) => (v > 0 ? undefined : "must be more than 0"),
  "batch_submit.gpus": (v) => (v >= 0 ? undefined : "must be 0 or more"),
  "batch_submit.retry_attempts": (v) => (v >= 1 && v <= 10 ? undefined : "must be from 1 to 10 (what Batch accepts)"),
  "batch_submit.timeout": (v) => (v >= 60 ? undefined : "must be at least 60 (seconds; what Batch accepts)")
}

/** The issue with one key's value, or undefined. */
const checkValue = (path: ReadonlyArray<string>, spec: KeySpec, value: unknown): ConfigIssue | undefined => {
  if (value === null) return undefined
  if (!is(spec, value)) return { path, message: `must be ${expectedOf(spec)}, got ${showValue(value)}` }
  const key = path.join(".")
  if (typeof value === "number" && neverNumbers.has(key.replace(/^[a-z0-9_]+\.(sort_by)$/, "$1"))) {
    return { path, message: `must be a string, got the number ${showValue(value)} (quote it if you mean it: "${showValue(value)}")` }
  }
  const problem = typeof value === "number" ? valueChecks[key]?.(value) : undefined
  return problem === undefined ? undefined : { path, message: `${problem}, got ${showValue(value)}` }
}

/**
 * Whether a dotted key path can be set at all: a global setting, or `section.flag`. A problem phrase
 * (following the key) when it cannot, with the nearest valid key.
 */
export const checkKeyPath = (path: ReadonlyArray<string>): ConfigIssue | undefined => {
  const [first, second, ...rest] = path
  if (first === undefined) return { path, message: "is empty" }
  if (Object.hasOwn(globalKeys, first)) {
    return second === undefined ? undefined : { path, message: `cannot have sub-keys: ${first} is a single value` }
  }
  const keys = sectionKeys(first)
  if (keys === undefined) {
    return unknownKey(
      [first],
      [...Object.keys(globalKeys), ...Object.keys(settingSections), ...sectionNames()],
      "a setting or a command section",
      "a section is a command path with _ for spaces, e.g. batch_submit"
    )
  }
  if (second === undefined) return undefined
  if (!Object.hasOwn(keys, second)) {
    if (Object.hasOwn(settingSections, first)) {
      return unknownKey([first, second], Object.keys(keys), `a setting of ${first}`, `its settings are ${Object.keys(keys).join(", ")}`)
    }
    const command = `aegea ${first.replace(/_/g, " ")}`
    return unknownKey([first, second], Object.keys(keys), `a flag of ${command}`, `${command} --help lists them`)
  }
  const spec = keys[second]!
  return rest.length === 0 || spec === "cloud-config" ? undefined : { path, message: `cannot have sub-keys: ${first}.${second} is a single value` }
}

/** Whether `value` may be set at a dotted key path: the key exists and the value has its type. */
export const checkSetting = (path: ReadonlyArray<string>, value: unknown): ConfigIssue | undefined => {
  const keyIssue = checkKeyPath(path)
  if (keyIssue !== undefined) return keyIssue
  const [first, second] = path
  if (first === undefined) return undefined
  if (second === undefined) {
    const global = globalKeys[first]
    return global !== undefined ? checkValue(path, global, value) : validateConfig({ [first]: value })
  }
  const spec = path.length === 2 ? sectionKeys(first)?.[second] : undefined
  return spec === undefined ? undefined : checkValue(path, spec, value)
}

/** Check a merged config; undefined when it is valid. */
export const validateConfig = (value: unknown): ConfigIssue | undefined => {
  if (!isConfigMap(value)) return { path: [], message: "must be a mapping (key: value)" }
  for (const [key, child] of Object.entries(value)) {
    const global = Object.hasOwn(globalKeys, key) ? globalKeys[key] : undefined
    if (global !== undefined) {
      const issue = checkValue([key], global, child)
      if (issue !== undefined) return issue
      continue
    }
    const keys = sectionKeys(key)
    if (keys === undefined) return checkKeyPath([key])
    if (child === null) continue
    if (!isConfigMap(child)) return { path: [key], message: `must be a mapping of ${key.replace(/_/g, " ")}'s flags, got ${showValue(child)}` }
    for (const [flag, setting] of Object.entries(child)) {
      const spec = Object.hasOwn(keys, flag) ? keys[flag] : undefined
      const issue = spec === undefined ? checkKeyPath([key, flag]) : checkValue([key, flag], spec, setting)
      if (issue !== undefined) return issue
    }
  }
  return undefined
}

/**
 * A config (or one file of it, before merging) with each value in its flag's type: a string for a
 * repeatable flag becomes a list of one (so `$append` extends it), numbers where strings are expected
 * become strings, `columns` and anything unknown stay as written (validation reports those).
 */
export const normalizeConfig = (value: ConfigMap): ConfigMap => {
  const out: Record<string, ConfigValue> = { ...value }
  for (const [key, child] of Object.entries(value)) {
    const keys = Object.hasOwn(globalKeys, key) ? undefined : sectionKeys(key)
    if (keys === undefined || !isConfigMap(child)) continue
    const section: Record<string, ConfigValue> = { ...child }
    for (const [flag, setting] of Object.entries(child)) {
      const spec = keys[flag]
      if (spec === "strings" && (typeof setting === "string" || typeof setting === "number")) {
        section[flag] = [String(setting)]
      } else if (spec === "strings" && Array.isArray(setting)) {
        section[flag] = setting.map((item) => (typeof item === "number" ? String(item) : item))
      } else if (spec === "string" && typeof setting === "number" && !neverNumbers.has(flag === "sort_by" ? flag : `${key}.${flag}`)) {
        section[flag] = String(setting)
      }
    }
    out[key] = section
  }
  return out
}
