/**
 * Pure rendering of listings: rows + spec + settings + "now" -> the text to print. No services, so
 * the live and the test Output layers print exactly the same thing and unit tests need no layers.
 *
 * Choices, applied the same way in every format:
 * - Missing values (undefined, null, "") render as an empty cell; JSON/YAML give `null`, and every
 *   requested column is present in every object, so machine output has a stable shape.
 * - Times: relative in tables ("3 hours ago"), ISO-8601 (`toISOString()`) everywhere else.
 * - Tags: "k=v, k=v" sorted by key in tables; an object in JSON/YAML; a JSON object string in CSV/TSV
 *   (tag values may contain "," and "=", so "k=v" lists are not parseable there).
 * - Bytes: "1.5 GiB" in tables, the raw number elsewhere.
 * - Control characters in values (newlines, tabs, escape sequences) become spaces in tables, so data
 *   can neither break the alignment nor inject terminal escapes.
 */
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { UsageError } from "../errors.ts"
import type { ColumnKind, OutputSettings, Row, TableSpec } from "./columns.ts"
import { asDate, controlCharacters, flatField, isMissing, machineValue, plainText, tableCell, toPlain, valueAt } from "./cellValues.ts"
import { csvLine, delimitedText, tsvLine } from "./csv.ts"

/** A column as rendered: its key (dotted path), its table header and how its values render. */
export interface Column {
  readonly key: string
  readonly header: string
  readonly kind: ColumnKind
}

export { toPlain, valueAt } from "./cellValues.ts"

export type SortBy = Option.Option.Value<OutputSettings["sortBy"]>

// --- columns ----------------------------------------------------------------------------------

const declaredKind = (spec: TableSpec, key: string): ColumnKind | undefined =>
  spec.columns.find((column) => column.key === key)?.kind ?? spec.kinds?.[key]

/**
 * The kind of a column: declared for the exact key (spec.columns, then spec.kinds), else the kind of
 * its top-level key (a key inside `tags` is text), else guessed from the first value present.
 */
export const kindOf = (spec: TableSpec, key: string, rows: ReadonlyArray<Row>): ColumnKind => {
  const own = declaredKind(spec, key)
  if (own !== undefined) return own
  const dot = key.indexOf(".")
  const parent = dot > 0 ? declaredKind(spec, key.slice(0, dot)) : undefined
  if (parent !== undefined) return parent === "tags" ? "text" : parent
  for (const row of rows) {
    const value = valueAt(row, key)
    if (!isMissing(value)) return value instanceof Date ? "time" : typeof value === "number" ? "number" : "text"
  }
  return "text"
}

/** "launchTime" -> "LAUNCH_TIME", "placement.availabilityZone" -> "PLACEMENT.AVAILABILITY_ZONE". */
export const defaultHeader = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()

/** The columns to show: `--columns` when given (any key or dotted path), else the spec's defaults. */
export const resolveColumns = (
  spec: TableSpec,
  requested: Option.Option<ReadonlyArray<string>>,
  rows: ReadonlyArray<Row>
): ReadonlyArray<Column> => {
  const keys = Option.getOrElse(requested, () => spec.columns.map((column) => column.key))
  return [...new Set(keys)].map((key) => ({
    key,
    header: spec.columns.find((column) => column.key === key)?.header ?? defaultHeader(key),
    kind: kindOf(spec, key, rows)
  }))
}

// --- sorting ----------------------------------------------------------------------------------

// Built on first sort, not at start-up (ICU set-up costs a few ms).
let collator: Intl.Collator | undefined
const compareText = (a: string, b: string): number => (collator ??= new Intl.Collator(undefined, { numeric: true })).compare(a, b)

const sortKey = (value: unknown, kind: ColumnKind): number | string => {
  if (value instanceof Date) return value.getTime()
  if (typeof value === "number") return value
  if (kind === "time") {
    const date = asDate(value)
    if (date) return date.getTime()
  }
  return plainText(value)
}

/**
 * Rows sorted by a column key or dotted path: times by time, numbers numerically, text with a
 * numeric-aware collation ("web-2" before "web-10"); missing values last in both directions.
 * Fails when the key is neither a known column nor present in any row.
 */
export const sortRows = (
  rows: ReadonlyArray<Row>,
  columns: ReadonlyArray<Column>,
  spec: TableSpec,
  sortBy: SortBy
): Result.Result<ReadonlyArray<Row>, UsageError> => {
  const known = [...new Set([...columns.map((c) => c.key), ...spec.columns.map((c) => c.key), ...Object.keys(spec.kinds ?? {})])]
  if (!known.includes(sortBy.key) && !rows.some((row) => valueAt(row, sortBy.key) !== undefined)) {
    return Result.fail(new UsageError({
      message: `unknown column ${JSON.stringify(sortBy.key)} for --sort-by`,
      hint: `Sort by one of: ${known.join(", ")}`
    }))
  }
  const kind = columns.find((c) => c.key === sortBy.key)?.kind ?? kindOf(spec, sortBy.key, rows)
  const direction = sortBy.descending ? -1 : 1
  const keyed = rows.map((row) => {
    const value = valueAt(row, sortBy.key)
    return { row, key: isMissing(value) ? undefined : sortKey(value, kind) }
  })
  keyed.sort((a, b) => {
    if (a.key === undefined || b.key === undefined) return (a.key === undefined ? 1 : 0) - (b.key === undefined ? 1 : 0)
    const order = typeof a.key === "number" && typeof b.key === "number"
      ? a.key - b.key
      : compareText(String(a.key), String(b.key))
    return order * direction
  })
  return Result.succeed(keyed.map(({ row }) => row))
}

// --- aligned tables ---------------------------------------------------------------------------

const ansiSequence = /\u001b\[[0-9;]*m/g
const ellipsis = "…"
const columnGap = "  "
/** Truncatable columns are not shrunk below this (11 characters and the ellipsis). */
const minTruncatedWidth = 12
/** Only columns wider than this are cut; narrower ones (IPs, types, times) are left out instead. */
const longColumn = 16

/** Width on screen: code points, ANSI colour sequences excluded. */
export const visibleWidth = (text: string): number => [...text.replace(ansiSequence, "")].length

const truncate = (text: string, width: number): string => {
  const chars = [...text]
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join("") + ellipsis
}

/** Shrinks the widest truncatable column, one character at a time, until the line fits (or none can shrink). */
export const fitWidths = (natural: ReadonlyArray<number>, truncatable: ReadonlyArray<boolean>, maxWidth: number): Array<number> => {
  const widths = [...natural]
  let excess = widths.reduce((sum, w) => sum + w, 0) + columnGap.length * Math.max(0, widths.length - 1) - maxWidth
  while (excess > 0) {
    let widest = -1
    widths.forEach((w, i) => {
      if (truncatable[i] && w > minTruncatedWidth && (widest < 0 || w > widths[widest]!)) widest = i
    })
    if (widest < 0) break
    widths[widest]!--
    excess--
  }
  return widths
}

const stateColors: ReadonlyArray<readonly [code: string, states: ReadonlySet<string>]> = [
  ["32", new Set(["running", "available", "active", "succeeded", "completed", "complete", "success", "healthy", "ok", "in-use", "enabled", "attached", "associated", "ready"])],
  ["33", new Set(["pending", "stopping", "shutting-down", "starting", "runnable", "submitted", "provisioning", "creating", "updating", "deleting", "in-progress", "modifying", "rebooting", "draining", "waiting", "attaching", "detaching", "deprovisioning", "scheduled"])],
  ["31", new Set(["stopped", "terminated", "failed", "failure", "deleted", "error", "unhealthy", "inactive", "disabled", "cancelled", "canceled", "deregistered", "impaired", "timed-out"])]
]

/** The text wrapped in the ANSI colour of its state (green running, yellow pending, red stopped…). */
export const colorState = (text: string): string => {
  const state = text.trim().toLowerCase().replace(/[_ ]/g, "-")
  const code = stateColors.find(([, states]) => states.has(state))?.[0]
  return code === undefined ? text : `\u001b[${code}m${text}\u001b[39m`
}

const lineWidth = (widths: ReadonlyArray<number>) =>
  widths.reduce((sum, w) => sum + w, 0) + columnGap.length * Math.max(0, widths.length - 1)

/**
 * The columns to show and their widths within `maxWidth`: long columns (DNS names, descriptions) are
 * cut first, never id, name and state columns; when the line still does not fit, columns are left
 * out from the right (the default columns are ordered by importance; id, name and state stay), as
 * a cut IP address or time would be worse than none.
 */
export const fitColumns = (
  natural: ReadonlyArray<number>,
  kinds: ReadonlyArray<string | undefined>,
  maxWidth: number
): { readonly shown: ReadonlyArray<number>; readonly widths: ReadonlyArray<number> } => {
  const essential = (i: number) => kinds[i] === "id" || kinds[i] === "name" || kinds[i] === "state"
  let shown = natural.map((_, i) => i)
  for (;;) {
    const widths = fitWidths(shown.map((i) => natural[i]!), shown.map((i) => !essential(i) && natural[i]! > longColumn), maxWidth)
    const droppable = [...shown].reverse().find((i) => !essential(i))
    if (lineWidth(widths) <= maxWidth || droppable === undefined) return { shown, widths }
    shown = shown.filter((i) => i !== droppable)
  }
}

/**
 * An aligned table (no trailing newline): upper-case headers, two spaces between columns. When
 * `width` is set, the table fits it (see fitColumns); `hidden` receives the headers left out.
 */
export const renderAlignedTable = (
  rows: ReadonlyArray<Row>,
  allColumns: ReadonlyArray<Column>,
  display: Pick<OutputSettings, "color" | "width">,
  nowMillis: number,
  hidden: Array<string> = []
): string => {
  const allHeaders = allColumns.map((c) => c.header.replace(controlCharacters, " "))
  const allCells = rows.map((row) => allColumns.map((c) => tableCell(valueAt(row, c.key), c.kind, nowMillis)))
  const natural = allHeaders.map((h, i) => allCells.reduce((max, cells) => Math.max(max, visibleWidth(cells[i]!)), visibleWidth(h)))
  const fit = display.width === undefined
    ? { shown: allColumns.map((_, i) => i), widths: natural }
    : fitColumns(natural, allColumns.map((c) => c.kind), display.width)
  hidden.push(...allHeaders.filter((_, i) => !fit.shown.includes(i)))
  const columns = fit.shown.map((i) => allColumns[i]!)
  const header = fit.shown.map((i) => allHeaders[i]!)
  const body = allCells.map((cells) => fit.shown.map((i) => cells[i]!))
  const widths = fit.widths
  const line = (cells: ReadonlyArray<string>, paint: boolean) =>
    cells.map((cell, i) => {
      const text = truncate(cell, widths[i]!)
      const padding = i === cells.length - 1 ? "" : " ".repeat(widths[i]! - visibleWidth(text))
      return (paint && columns[i]!.kind === "state" && text !== "" ? colorState(text) : text) + padding
    }).join(columnGap).trimEnd()
  return [line(header, false), ...body.map((cells) => line(cells, display.color))].join("\n")
}

// --- whole listings and documents -------------------------------------------------------------

/** Rows as JSON/YAML objects: the column keys in order, each present (null when missing). */
export const toRecords = (rows: ReadonlyArray<Row>, columns: ReadonlyArray<Column>): Array<Record<string, unknown>> =>
  rows.map((row) => Object.fromEntries(columns.map((c) => [c.key, machineValue(valueAt(row, c.key), c.kind)])))

/**
 * The full text of a listing in `settings.format`, ending in a newline. `stringifyYaml` is passed in
 * so that the `yaml` package is only loaded when YAML is asked for.
 */
export const renderListing = (
  rows: ReadonlyArray<Row>,
  spec: TableSpec,
  settings: OutputSettings,
  nowMillis: number,
  stringifyYaml: (value: unknown) => string,
  /** Receives the headers of columns a table left out to fit the terminal. */
  hidden: Array<string> = []
): Result.Result<string, UsageError> => {
  const columns = resolveColumns(spec, settings.columns, rows)
  const sorted = Option.match(settings.sortBy, {
    onNone: () => Result.succeed(rows),
    onSome: (sortBy) => sortRows(rows, columns, spec, sortBy)
  })
  return Result.map(sorted, (ordered) => {
    const fields = () => ordered.map((row) => columns.map((c) => flatField(valueAt(row, c.key), c.kind)))
    switch (settings.format) {
      case "table":
        return renderAlignedTable(ordered, columns, settings, nowMillis, hidden) + "\n"
      case "json":
        return JSON.stringify(toRecords(ordered, columns), null, 2) + "\n"
      case "yaml":
        return stringifyYaml(toRecords(ordered, columns))
      case "csv":
        return delimitedText(csvLine, columns.map((c) => c.key), fields())
      case "tsv":
        return delimitedText(tsvLine, columns.map((c) => c.key), fields())
    }
  })
}

/** One document (a describe result): pretty JSON for json/csv/tsv, YAML for yaml and table. */
export const renderDocument = (
  value: unknown,
  format: OutputSettings["format"],
  stringifyYaml: (value: unknown) => string
): string => {
  const plain = toPlain(value)
  return format === "yaml" || format === "table" ? stringifyYaml(plain) : JSON.stringify(plain, null, 2) + "\n"
}
