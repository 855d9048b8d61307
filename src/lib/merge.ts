/**
 * The config merge, as in the Python aegea (kislyuk/tweak): a later layer is merged into the earlier
 * result key by key. Mappings merge recursively; anything else replaces the earlier value. When a
 * later mapping has a single `$operator` key, it edits the earlier list instead:
 *
 * - `$append: x`            push x
 * - `$extend: [a, b]`       push a, then b
 * - `$extendleft: [a, b]`   put a, b (in that order) in front
 * - `$insert: {i: x, ...}`  insert x before position i (negative counts from the end; out-of-range
 *                           positions clamp), one position after the other in the mapping's key order
 * - `$remove: x`            remove the first element deeply equal to x (nothing if there is none)
 *
 * A missing (or null) earlier value counts as an empty list. Each assigned value remembers the
 * source (file) it came from, keyed by its dotted path. Pure functions, no Effect services.
 */
import * as Result from "effect/Result"

/** A configuration value as the YAML and JSON files hold it. */
export type ConfigValue = null | boolean | number | string | ReadonlyArray<ConfigValue> | ConfigMap
/** A configuration section: keys to values. */
export interface ConfigMap {
  readonly [key: string]: ConfigValue
}

/** A merged configuration and, for every assigned value, the source it came from (by dotted path). */
export interface MergedConfig {
  readonly value: ConfigMap
  readonly sources: ReadonlyMap<string, string>
}

/** Why a layer could not be merged: the path of the offending key in that layer and a phrase about it. */
export interface MergeFailure {
  readonly path: ReadonlyArray<string>
  /** Reads after the dotted key, e.g. "uses $append but its earlier value is a mapping, not a list". */
  readonly message: string
}

export const listOperators = ["$append", "$extend", "$extendleft", "$insert", "$remove"] as const
export type ListOperator = (typeof listOperators)[number]

export const emptyMerged: MergedConfig = { value: {}, sources: new Map() }

export const isConfigMap = (value: unknown): value is ConfigMap =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const dottedKey = (path: ReadonlyArray<string>) => path.join(".")

/** Merge `layer` (read from `source`) into `base`. */
export const mergeLayer = (
  base: MergedConfig,
  layer: ConfigMap,
  source: string
): Result.Result<MergedConfig, MergeFailure> => {
  const sources = new Map(base.sources)
  try {
    const value = mergeMaps(base.value, layer, [], (path, earlier) => assignSource(sources, path, source, earlier))
    return Result.succeed({ value, sources })
  } catch (error) {
    if (error instanceof MergeAbort) return Result.fail(error.failure)
    throw error
  }
}

/** Merge `overlay` into `base` without tracking sources. */
export const mergeValues = (base: ConfigMap, overlay: ConfigMap): Result.Result<ConfigMap, MergeFailure> =>
  Result.map(mergeLayer({ value: base, sources: new Map() }, overlay, ""), (merged) => merged.value)

/** Every leaf (scalar or list) of a config with its dotted path; empty mappings have no leaves. */
export const leaves = (
  value: ConfigMap,
  prefix: ReadonlyArray<string> = []
): ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly value: ConfigValue }> =>
  Object.entries(value).flatMap(([key, child]) =>
    isConfigMap(child) ? leaves(child, [...prefix, key]) : [{ path: [...prefix, key], value: child }]
  )

/** The value at a path, or undefined. */
export const valueAt = (value: ConfigValue, path: ReadonlyArray<string>): ConfigValue | undefined => {
  let current: ConfigValue | undefined = value
  for (const key of path) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)]
    else if (isConfigMap(current)) current = Object.hasOwn(current, key) ? current[key] : undefined
    else return undefined
  }
  return current
}

/** The source of the value at a path: recorded at the path itself or at its nearest ancestor. */
export const sourceOf = (merged: MergedConfig, path: ReadonlyArray<string>): string | undefined => {
  for (let length = path.length; length > 0; length--) {
    const source = merged.sources.get(dottedKey(path.slice(0, length)))
    if (source !== undefined) return source
  }
  return undefined
}

export const describeValue = (value: unknown): string =>
  value === null || value === undefined
    ? "null"
    : Array.isArray(value)
    ? "a list"
    : typeof value === "object"
    ? "a mapping"
    : typeof value === "string"
    ? "a string"
    : `a ${typeof value}`

class MergeAbort {
  constructor(readonly failure: MergeFailure) {}
}

const fail = (path: ReadonlyArray<string>, message: string): never => {
  throw new MergeAbort({ path, message })
}

/**
 * Record the source of a path, forgetting those recorded below it. Sources are only recorded at keys
 * of mappings, so the paths below it are those of the mapping it replaces (`earlier`): walking that
 * keeps a merge linear in the size of the config (scanning every recorded path made it quadratic).
 */
const assignSource = (sources: Map<string, string>, path: ReadonlyArray<string>, source: string, earlier: ConfigValue | undefined) => {
  const key = dottedKey(path)
  const stack: Array<{ readonly prefix: string; readonly map: ConfigMap }> = isConfigMap(earlier) ? [{ prefix: key, map: earlier }] : []
  while (stack.length > 0) {
    const { map, prefix } = stack.pop()!
    for (const [child, value] of Object.entries(map)) {
      const childKey = `${prefix}.${child}`
      sources.delete(childKey)
      if (isConfigMap(value)) stack.push({ prefix: childKey, map: value })
    }
  }
  sources.set(key, source)
}

const mergeMaps = (
  base: ConfigMap,
  overlay: ConfigMap,
  prefix: ReadonlyArray<string>,
  assigned: (path: ReadonlyArray<string>, earlier: ConfigValue | undefined) => void
): ConfigMap => {
  const out: Record<string, ConfigValue> = { ...base }
  for (const [key, value] of Object.entries(overlay)) {
    const path = [...prefix, key]
    const earlier = Object.hasOwn(base, key) ? base[key] : undefined
    const operator = isConfigMap(value) ? operatorOf(value, path) : undefined
    if (operator !== undefined) {
      out[key] = applyOperator(earlier, operator, path)
      assigned(path, earlier)
    } else if (isConfigMap(value)) {
      if (!isConfigMap(earlier)) assigned(path, earlier) // a new mapping (or one replacing a non-mapping)
      out[key] = mergeMaps(isConfigMap(earlier) ? earlier : {}, value, path, assigned)
    } else {
      out[key] = value
      assigned(path, earlier)
    }
  }
  return out
}

interface OperatorUse {
  readonly name: ListOperator
  readonly argument: ConfigValue
}

const operatorOf = (value: ConfigMap, path: ReadonlyArray<string>): OperatorUse | undefined => {
  const keys = Object.keys(value)
  const operatorKeys = keys.filter((key) => key.startsWith("$"))
  if (operatorKeys.length === 0) return undefined
  const [name] = operatorKeys
  if (keys.length > 1 || name === undefined) {
    return fail(path, `mixes the operator ${operatorKeys.join(", ")} with other keys; an operator must be alone`)
  }
  if (!isListOperator(name)) {
    return fail(path, `uses the unknown operator ${name} (known: ${listOperators.join(", ")})`)
  }
  return { name, argument: value[name] ?? null }
}

const isListOperator = (name: string): name is ListOperator => (listOperators as ReadonlyArray<string>).includes(name)

const applyOperator = (earlier: ConfigValue | undefined, op: OperatorUse, path: ReadonlyArray<string>): ConfigValue => {
  if (earlier !== undefined && earlier !== null && !Array.isArray(earlier)) {
    return fail(path, `uses ${op.name} but its earlier value is ${describeValue(earlier)}, not a list`)
  }
  const list: Array<ConfigValue> = [...(earlier ?? [])]
  const needList = (): ReadonlyArray<ConfigValue> =>
    Array.isArray(op.argument) ? op.argument : fail([...path, op.name], `needs a list, got ${describeValue(op.argument)}`)
  switch (op.name) {
    case "$append":
      return [...list, op.argument]
    case "$extend":
      return [...list, ...needList()]
    case "$extendleft":
      return [...needList(), ...list]
    case "$remove": {
      const index = list.findIndex((item) => deepEqual(item, op.argument))
      if (index >= 0) list.splice(index, 1)
      return list
    }
    case "$insert": {
      if (!isConfigMap(op.argument)) {
        return fail([...path, op.name], `needs a mapping of position: value, got ${describeValue(op.argument)}`)
      }
      for (const [position, item] of Object.entries(op.argument)) {
        if (!/^-?\d+$/.test(position)) {
          return fail([...path, op.name, position], `is not a list position (an integer)`)
        }
        list.splice(Number(position), 0, item)
      }
      return list
    }
  }
}

export const deepEqual = (a: ConfigValue | undefined, b: ConfigValue | undefined): boolean => {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  }
  if (isConfigMap(a) && isConfigMap(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
  }
  return false
}
