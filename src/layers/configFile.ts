/**
 * Reading and editing config files with the YAML parser (JSON is YAML): a layer's value and the line
 * of any key in it. Loaded by AegeaConfigLive only when a config file exists or is written, so a run
 * without config files never loads the parser.
 */
import * as Result from "effect/Result"
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml"
import { type ConfigMap, isConfigMap } from "../lib/merge.ts"

/** A parsed config layer: its value, and the line of a dotted path in its source (1 when unknown). */
export interface ParsedLayer {
  readonly source: string
  readonly value: ConfigMap
  readonly lineOf: (path: ReadonlyArray<string>) => number
}

/** What is wrong, and where: becomes a ConfigError. */
export interface ConfigProblem {
  readonly file: string
  readonly line: number
  /** The dotted key at fault, when there is one. */
  readonly key?: string
  /** A phrase that follows the key, or a whole sentence when there is no key. */
  readonly problem: string
}

/** The most aliases (`*name`) a file may expand: a few are handy, thousands are an "alias bomb". */
export const maxAliasCount = 100

/**
 * Parse without the `yaml` package's duplicate-key check (`uniqueKeys`), which compares every key of
 * a mapping with every earlier one: quadratic, minutes for a 40k-key file. `checkStructure` does the
 * same check with a Set, in linear time.
 */
export const yamlParseOptions = { uniqueKeys: false } as const

const parse = (_source: string, text: string) => {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, ...yamlParseOptions })
  return { lineCounter, document }
}

/**
 * One pass over the parsed nodes (an explicit stack: no recursion limit): the first duplicate key of
 * any mapping, and the offset of the first alias (where an alias error is reported).
 */
const checkStructure = (contents: unknown): { readonly duplicate?: { readonly key: string; readonly offset: number }; readonly aliasOffset?: number } => {
  const stack: Array<unknown> = [contents]
  let aliasOffset: number | undefined
  let steps = 0
  while (stack.length > 0) {
    steps++
    const node = stack.pop()
    if (isAlias(node)) {
      aliasOffset = Math.min(aliasOffset ?? Infinity, node.range?.[0] ?? 0)
    } else if (isMap(node)) {
      const seen = new Set<string>()
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = String(pair.key.value)
          if (seen.has(key)) return { duplicate: { key, offset: pair.key.range?.[0] ?? 0 } }
          seen.add(key)
        } else {
          stack.push(pair.key)
        }
        stack.push(pair.value)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item)
    } else if (isPair(node)) {
      stack.push(node.key, node.value)
    }
  }
  structureSteps.count += steps
  return aliasOffset === undefined ? {} : { aliasOffset }
}

/** Nodes visited by checkStructure, for tests that its work grows linearly with the file. */
export const structureSteps = { count: 0 }

/** The line of the deepest node of `path` found in a document (1 when none is). */
const lineIn = (parsed: ReturnType<typeof parse>, path: ReadonlyArray<string>): number => {
  let node: unknown = parsed.document.contents
  let offset = 0
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key)
      if (pair === undefined) break
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset
      node = pair.value
    } else if (isSeq(node) && /^\d+$/.test(key)) {
      const item: unknown = node.items[Number(key)]
      if (item === undefined) break
      offset = (isScalar(item) || isMap(item) || isSeq(item) ? item.range?.[0] : undefined) ?? offset
      node = item
    } else {
      break
    }
  }
  return parsed.lineCounter.linePos(offset).line
}

/** Parse one config file's text: a mapping, or the problem with its line. */
export const parseLayer = (source: string, text: string): Result.Result<ParsedLayer, ConfigProblem> => {
  const parsed = parse(source, text)
  const [syntaxError] = parsed.document.errors
  if (syntaxError !== undefined) {
    const firstLine = syntaxError.message.split("\n")[0] ?? syntaxError.code
    return Result.fail({
      file: source,
      line: syntaxError.linePos?.[0].line ?? 1,
      problem: `YAML syntax error: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}`
    })
  }
  const structure = checkStructure(parsed.document.contents)
  if (structure.duplicate !== undefined) {
    const { key, offset } = structure.duplicate
    return Result.fail({ file: source, line: parsed.lineCounter.linePos(offset).line, problem: `YAML syntax error: the key ${JSON.stringify(key)} appears twice in one mapping` })
  }
  let value: unknown
  try {
    value = parsed.document.toJS({ maxAliasCount }) ?? {}
  } catch (error) {
    // An alias to an anchor that is not set (yet), or too many aliases: the `yaml` package throws.
    const line = parsed.lineCounter.linePos(structure.aliasOffset ?? 0).line
    const message = error instanceof Error ? error.message : String(error)
    const problem = /excessive alias count/i.test(message)
      ? `YAML alias error: more than ${maxAliasCount} aliases (*name) expanded`
      : `YAML ${/alias/i.test(message) ? "alias " : ""}error: ${message.split("\n")[0]}`
    return Result.fail({ file: source, line, problem })
  }
  if (!isConfigMap(value)) {
    const kind = Array.isArray(value) ? "a list" : JSON.stringify(value)
    return Result.fail({ file: source, line: 1, problem: `the top level must be a mapping (key: value), got ${kind}` })
  }
  return Result.succeed({ source, value, lineOf: (path) => lineIn(parsed, path) })
}

/**
 * The file's text with `path` set to `value`, keeping its comments, order and other keys; a problem
 * when the file does not parse or a parent of the key is not a mapping.
 */
export const setInText = (
  source: string,
  text: string,
  path: ReadonlyArray<string>,
  value: unknown
): Result.Result<string, { readonly problem: string; readonly hint: string }> => {
  const checked = parseLayer(source, text)
  if (Result.isFailure(checked)) {
    return Result.fail({ problem: `${source} line ${checked.failure.line}: ${describeProblem(checked.failure)}`, hint: "Fix the file first" })
  }
  const { document } = parse(source, text)
  try {
    document.setIn(path, document.createNode(value))
  } catch {
    return Result.fail({ problem: `a parent of ${path.join(".")} in ${source} is not a mapping`, hint: "Set the parent key instead" })
  }
  return Result.succeed(document.toString())
}

/**
 * The file's text without `path` (and without a parent mapping that this leaves empty), keeping its
 * comments; `removed` is false when the file does not set the key.
 */
export const unsetInText = (
  source: string,
  text: string,
  path: ReadonlyArray<string>
): Result.Result<{ readonly text: string; readonly removed: boolean }, { readonly problem: string; readonly hint: string }> => {
  const checked = parseLayer(source, text)
  if (Result.isFailure(checked)) {
    return Result.fail({ problem: `${source} line ${checked.failure.line}: ${describeProblem(checked.failure)}`, hint: "Fix the file first" })
  }
  const { document } = parse(source, text)
  if (!document.hasIn(path)) return Result.succeed({ text, removed: false })
  deletePair(document, path)
  for (let length = path.length - 1; length > 0; length--) {
    const parent = document.getIn(path.slice(0, length), true)
    if (isMap(parent) && parent.items.length === 0) deletePair(document, path.slice(0, length))
    else break
  }
  return Result.succeed({ text: document.toString(), removed: true })
}

/** Delete a key; the comment above it stays, above the next key (or at the end). */
const deletePair = (document: ReturnType<typeof parse>["document"], path: ReadonlyArray<string>) => {
  const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true)
  if (isMap(parent)) {
    const index = parent.items.findIndex((item) => isScalar(item.key) && String(item.key.value) === path[path.length - 1])
    const key = parent.items[index]?.key
    const comment = isScalar(key) ? key.commentBefore : undefined
    if (comment) {
      const next = parent.items[index + 1]?.key
      if (isScalar(next)) next.commentBefore = next.commentBefore ? `${comment}\n${next.commentBefore}` : comment
      else if (path.length === 1) document.comment = document.comment ? `${document.comment}\n${comment}` : comment
    }
  }
  document.deleteIn(path)
}

export const describeProblem = (problem: ConfigProblem) =>
  problem.key === undefined || problem.key === "" ? problem.problem : `${problem.key} ${problem.problem}`
