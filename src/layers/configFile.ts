/**
 * Reading and editing config files with the YAML parser (JSON is YAML): a layer's value and the line
 * of any key in it. Loaded by AegeaConfigLive only when a config file exists or is written, so a run
 * without config files never loads the parser.
 */
import * as Result from "effect/Result"
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml"
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

const parse = (source: string, text: string) => {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter })
  return { lineCounter, document }
}

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
  const value: unknown = parsed.document.toJS({ maxAliasCount: 100 }) ?? {}
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
