/**
 * `--query EXPR`: a JMESPath expression (https://jmespath.org, as the AWS CLI's `--query`) applied to
 * the JSON form of what a command prints, then rendered in the chosen `--output` format:
 *
 * - json / yaml: the result as it is (`null` for nothing).
 * - table: a list of objects is a table whose columns are the result's keys (the listing's own
 *   headers and kinds where a key is one of its columns); a list of lists is aligned rows without a
 *   header; a list of scalars is one per line; a scalar is printed as text (a string without quotes);
 *   null and empty lists print nothing; anything else (an object, mixed lists) as YAML, as `document`.
 * - csv / tsv: a list of objects is a header of keys and one line per object; a list of lists one
 *   line per list; scalars one field per line; an object a header and one line.
 *
 * The library (@jmespath-community/jmespath) is imported on first use only, so commands run without
 * `--query` (and `aegea --help`) never load it.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { UsageError } from "../errors.ts"
import type { ColumnKind, OutputSettings } from "./columns.ts"
import { flatField, toPlain } from "./cellValues.ts"
import { csvLine, delimitedText, tsvLine } from "./csv.ts"
import { type Column, defaultHeader, renderAlignedTable } from "./table.ts"

type Jmespath = typeof import("@jmespath-community/jmespath")

let loaded: Promise<Jmespath> | undefined
const loadJmespath: Effect.Effect<Jmespath> = Effect.promise(() => (loaded ??= import("@jmespath-community/jmespath")))

/** Applies the compiled expression to a JSON value; a type error at run time is a UsageError. */
export type QuerySearch = (value: unknown) => Result.Result<unknown, UsageError>

const queryError = (expression: string, error: unknown): UsageError =>
  new UsageError({
    message: `--query ${JSON.stringify(expression)}: ${error instanceof Error ? error.message : String(error)}`,
    hint: "--query takes a JMESPath expression (https://jmespath.org), e.g. --query \"[?state=='running'].id\""
  })

/** Compiles `--query EXPR` (loading the JMESPath library); a syntax error is a UsageError. */
export const compileQuery = (expression: string): Effect.Effect<QuerySearch, UsageError> =>
  Effect.flatMap(loadJmespath, (jmespath) =>
    Effect.try({
      try: () => jmespath.compile(expression),
      catch: (error) => queryError(expression, error)
    }).pipe(
      Effect.map((ast): QuerySearch => (value) => {
        try {
          return Result.succeed(jmespath.TreeInterpreter.search(ast, toPlain(value) as Parameters<Jmespath["search"]>[0]))
        } catch (error) {
          return Result.fail(queryError(expression, error))
        }
      })
    ))

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const isScalar = (value: unknown): boolean => value === null || typeof value !== "object"

/** A scalar as a line of text: strings without quotes, null as an empty line, others as JSON. */
const scalarText = (value: unknown): string =>
  value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value)

/** The keys of a list of objects, in the order they first appear. */
const keysOf = (records: ReadonlyArray<Record<string, unknown>>): Array<string> => {
  const keys = new Set<string>()
  for (const record of records) for (const key of Object.keys(record)) keys.add(key)
  return [...keys]
}

export interface QueryRenderContext {
  readonly nowMillis: number
  readonly stringifyYaml: (value: unknown) => string
  /** The listing's columns (when a table was queried): keys that are one of them keep its header and kind. */
  readonly columns?: ReadonlyArray<Column> | undefined
  /** Receives the headers of columns a table left out to fit the terminal. */
  readonly hidden?: Array<string> | undefined
}

const columnFor = (key: string, columns: ReadonlyArray<Column> | undefined): Column => {
  const known = columns?.find((column) => column.key === key)
  // A key of the listing that came through unchanged keeps its header and kind (ISO times render
  // relative again, states in colour); any other key is text headed by the key.
  return known ?? { key, header: defaultHeader(key), kind: "text" satisfies ColumnKind }
}

/** The text to print for a query's result in `settings.format`, ending in a newline (or empty). */
export const renderQueryResult = (
  result: unknown,
  settings: Pick<OutputSettings, "format" | "color" | "width">,
  context: QueryRenderContext
): string => {
  const plain = toPlain(result)
  switch (settings.format) {
    case "json":
      return JSON.stringify(plain, null, 2) + "\n"
    case "yaml":
      return context.stringifyYaml(plain)
    case "csv":
    case "tsv":
      return delimitedResult(plain, settings.format === "csv" ? csvLine : tsvLine)
    case "table":
      return tableResult(plain, settings, context)
  }
}

const field = (value: unknown) => flatField(value, "text")

const delimitedResult = (plain: unknown, line: (fields: ReadonlyArray<string>) => string): string => {
  if (plain === null) return ""
  if (isRecord(plain)) return delimitedText(line, Object.keys(plain), [Object.values(plain).map(field)])
  if (!Array.isArray(plain)) return line([field(plain)]) + "\n"
  if (plain.length > 0 && plain.every(isRecord)) {
    const keys = keysOf(plain)
    return delimitedText(line, keys, plain.map((record) => keys.map((key) => field(record[key]))))
  }
  return plain.map((item) => line(Array.isArray(item) ? item.map(field) : [field(item)]) + "\n").join("")
}

const tableResult = (
  plain: unknown,
  display: Pick<OutputSettings, "color" | "width">,
  context: QueryRenderContext
): string => {
  if (plain === null) return ""
  if (isScalar(plain)) return scalarText(plain) + "\n"
  if (!Array.isArray(plain)) return context.stringifyYaml(plain)
  if (plain.length === 0) return ""
  if (plain.every(isRecord)) {
    const columns = keysOf(plain).map((key) => columnFor(key, context.columns))
    return renderAlignedTable(plain, columns, display, context.nowMillis, context.hidden) + "\n"
  }
  if (plain.every(isScalar)) return plain.map((item) => scalarText(item) + "\n").join("")
  if (plain.every((item) => Array.isArray(item) && item.every(isScalar))) {
    // Rows without a header, aligned: `--query "[].[id, name]"`.
    const lists = plain as ReadonlyArray<ReadonlyArray<unknown>>
    const width = Math.max(...lists.map((item) => item.length))
    const columns = Array.from({ length: width }, (_, i): Column => ({ key: String(i), header: "", kind: "text" }))
    const rows = lists.map((item) => Object.fromEntries(item.map((value, i) => [String(i), value])))
    const text = renderAlignedTable(rows, columns, { color: display.color, width: undefined }, context.nowMillis)
    return text.split("\n").slice(1).join("\n") + "\n"
  }
  return context.stringifyYaml(plain)
}
