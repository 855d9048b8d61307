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
 * - Column names (`--columns`, `--sort-by`, the config's columns/sort_by) are resolved against the
 *   spec where it is known, here: a key, a header in any case, a snake_case key, a spec alias, or a
 *   dotted path into one of those; an unknown name is a UsageError listing the columns. Machine
 *   formats use the resolved keys. A tag path is headed by its key (`tags.Owner` -> OWNER), other
 *   dotted paths by their words (`state.name` -> STATE NAME).
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
  readonly align?: "left" | "right" | undefined
  /** See ColumnSpec.keep. */
  readonly keep?: number | undefined
  /** See ColumnSpec.noTruncate: left out rather than cut. */
  readonly noTruncate?: boolean | undefined
}

export { toPlain, valueAt } from "./cellValues.ts"

export type SortBy = Option.Option.Value<OutputSettings["sortBy"]>

// --- columns ----------------------------------------------------------------------------------

/** Keys whose values are useless cut mid-way: ARNs and fingerprints (`arn`, `roleArn`, `keyFingerprint`). */
const wholeValueKey = /(?:^|[._-])(?:arn|fingerprint)$/i
const wholeValueCamelKey = /[a-z0-9](?:Arn|ARN|Fingerprint)$/

/** Whether a column's values must be shown whole or not at all (ColumnSpec.noTruncate, or an ARN/fingerprint key). */
export const isNoTruncate = (key: string, declared?: boolean): boolean =>
  declared ?? (wholeValueKey.test(key) || wholeValueCamelKey.test(key))

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

/** "launchTime" -> "LAUNCH_TIME". */
export const defaultHeader = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()

/**
 * The header of a key or dotted path. A path into a tags column is headed by the tag key
 * (`tags.Owner` -> "OWNER"); another dotted path by its parts, camelCase split, with spaces
 * (`state.name` -> "STATE NAME", `placement.availabilityZone` -> "PLACEMENT AVAILABILITY ZONE").
 */
export const headerFor = (spec: TableSpec, key: string): string => {
  const declared = spec.columns.find((column) => column.key === key)?.header
  if (declared !== undefined) return declared
  const dot = key.indexOf(".")
  if (dot <= 0) return defaultHeader(key)
  const parent = key.slice(0, dot)
  if (declaredKind(spec, parent) === "tags") return key.slice(dot + 1).toUpperCase()
  return key.split(".").map((part) => defaultHeader(part).replace(/_/g, " ")).join(" ")
}

/** Case, spaces, "_" and "-" ignored: "private ip", "PRIVATE_IP" and "privateIp" are one name. */
const normalName = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, "")

/** The keys a user may name: default columns, then declared kinds and fields, then keys of the rows. */
export const knownKeys = (spec: TableSpec, rows: ReadonlyArray<Row> = []): ReadonlyArray<string> => {
  const keys = new Set<string>(spec.columns.map((column) => column.key))
  for (const key of Object.keys(spec.kinds ?? {})) keys.add(key)
  for (const key of spec.fields ?? []) keys.add(key)
  for (const row of rows) for (const key of Object.keys(row)) keys.add(key)
  return [...keys]
}

/**
 * The column names of a spec for help and error texts: "name, id, AZ (availabilityZone), ...", the
 * header first where it is not just the key in capitals; then, after "also:", the other keys.
 */
export const describeColumns = (spec: TableSpec, rows: ReadonlyArray<Row> = []): string => {
  const shown = spec.columns.map((column) =>
    column.header === undefined || normalName(column.header) === normalName(column.key)
      ? column.key
      : `${column.header} (${column.key})`
  )
  const defaults = new Set(spec.columns.map((column) => column.key))
  const others = knownKeys(spec, rows).filter((key) => !defaults.has(key))
  return shown.join(", ") + (others.length > 0 ? `; also: ${others.join(", ")}` : "")
}

/**
 * A listing command's description: the summary, then a line naming its columns (shown by --help;
 * give the summary alone to Command.withShortDescription for the parent's list of subcommands).
 */
export const listingDescription = (summary: string, spec: TableSpec): string =>
  `${summary}\n  Columns: ${describeColumns(spec)}.` +
  (Object.values(spec.kinds ?? {}).includes("tags") || spec.columns.some((c) => c.kind === "tags")
    ? " Dotted paths such as tags.Owner name one tag."
    : "")

/**
 * The key a user's column name stands for (`--columns`, `--sort-by`, or ls.columns in the config):
 * a key, a header ("AZ", "launched", "private ip"), a snake_case spelling of a key ("launch_time"),
 * an alias of the spec ("instance_type"), or a dotted path whose first part is one of those
 * ("Tags.Owner" -> "tags.Owner"). Anything else is a UsageError listing the columns.
 */
export const resolveColumnName = (
  spec: TableSpec,
  rows: ReadonlyArray<Row>,
  name: string,
  flag: string
): Result.Result<string, UsageError> => {
  const known = knownKeys(spec, rows)
  const byName = (text: string): string | undefined => {
    if (known.includes(text)) return text
    const wanted = normalName(text)
    return known.find((key) => normalName(key) === wanted)
      ?? spec.columns.find((column) => column.header !== undefined && normalName(column.header) === wanted)?.key
      ?? Object.entries(spec.aliases ?? {}).find(([alias]) => normalName(alias) === wanted)?.[1]
  }
  const whole = byName(name)
  if (whole !== undefined) return Result.succeed(whole)
  const dot = name.indexOf(".")
  const head = dot > 0 ? byName(name.slice(0, dot)) : undefined
  if (head !== undefined && dot < name.length - 1) return Result.succeed(`${head}${name.slice(dot)}`)
  return Result.fail(new UsageError({
    message: `unknown column ${JSON.stringify(name)} for ${flag}`,
    hint: `Choose from: ${describeColumns(spec, rows)} (or a dotted path into one, such as tags.Owner)`
  }))
}

/**
 * The columns to show: `--columns` when given (names resolved by resolveColumnName), else the
 * spec's defaults. An unknown name is a UsageError.
 */
export const resolveColumns = (
  spec: TableSpec,
  requested: Option.Option<ReadonlyArray<string>>,
  rows: ReadonlyArray<Row>
): Result.Result<ReadonlyArray<Column>, UsageError> => {
  const keys: Array<string> = []
  for (const name of Option.getOrElse(requested, () => spec.columns.map((column) => column.key))) {
    const key = Option.isSome(requested) ? resolveColumnName(spec, rows, name, "--columns") : Result.succeed(name)
    if (Result.isFailure(key)) return Result.fail(key.failure)
    keys.push(key.success)
  }
  return Result.succeed([...new Set(keys)].map((key) => {
    const declared = spec.columns.find((column) => column.key === key)
    return {
      key,
      header: headerFor(spec, key),
      kind: kindOf(spec, key, rows),
      align: declared?.align ?? "left",
      keep: declared?.keep ?? 0,
      noTruncate: isNoTruncate(key, declared?.noTruncate)
    }
  }))
}

/**
 * For commands that change something and then print a table: `--columns` and `--sort-by` checked
 * against the spec before the change, so an unknown name is a usage error with nothing done.
 */
export const checkRequestedColumns = (
  spec: TableSpec,
  settings: Pick<OutputSettings, "columns" | "sortBy">
): Result.Result<void, UsageError> => {
  const columns = resolveColumns(spec, settings.columns, [])
  if (Result.isFailure(columns)) return Result.fail(columns.failure)
  if (Option.isSome(settings.sortBy)) {
    const key = resolveColumnName(spec, [], settings.sortBy.value.key, "--sort-by")
    if (Result.isFailure(key)) return Result.fail(key.failure)
  }
  return Result.void
}

// --- sorting ----------------------------------------------------------------------------------

// Built on first sort, not at start-up (ICU set-up costs a few ms).
let collator: Intl.Collator | undefined
const compareText = (a: string, b: string): number => (collator ??= new Intl.Collator(undefined, { numeric: true })).compare(a, b)

const sortKey = (value: unknown, kind: ColumnKind): number | string => {
  if (value instanceof Date) return value.getTime()
  if (typeof value === "number") return value
  if ((kind === "number" || kind === "bytes") && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value)
  }
  if (kind === "time") {
    const date = asDate(value)
    if (date) return date.getTime()
  }
  return plainText(value)
}

/**
 * Rows sorted by a column (any name resolveColumnName takes): times by time, numbers (and numeric
 * text of number columns) numerically, text with a numeric-aware collation ("web-2" before
 * "web-10"); missing values last in both directions. The spec's footer rows (a total) stay last.
 * Fails when the name is not a column.
 */
export const sortRows = (
  rows: ReadonlyArray<Row>,
  columns: ReadonlyArray<Column>,
  spec: TableSpec,
  sortBy: SortBy
): Result.Result<ReadonlyArray<Row>, UsageError> => {
  const resolved = resolveColumnName(spec, rows, sortBy.key, "--sort-by")
  if (Result.isFailure(resolved)) return Result.fail(resolved.failure)
  const key = resolved.success
  const footer = Math.min(Math.max(0, spec.footerRows ?? 0), rows.length)
  const body = rows.slice(0, rows.length - footer)
  const kind = columns.find((c) => c.key === key)?.kind ?? kindOf(spec, key, rows)
  const direction = sortBy.descending ? -1 : 1
  const keyed = body.map((row) => {
    const value = valueAt(row, key)
    return { row, key: isMissing(value) ? undefined : sortKey(value, kind) }
  })
  keyed.sort((a, b) => {
    if (a.key === undefined || b.key === undefined) return (a.key === undefined ? 1 : 0) - (b.key === undefined ? 1 : 0)
    const order = typeof a.key === "number" && typeof b.key === "number"
      ? a.key - b.key
      : compareText(String(a.key), String(b.key))
    return order * direction
  })
  return Result.succeed([...keyed.map(({ row }) => row), ...rows.slice(rows.length - footer)])
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
export const visibleWidth = (text: string): number =>
  // Without escape sequences or surrogate pairs, code points are UTF-16 units: no copy needed.
  noEscapesOrPairs.test(text) ? text.length : [...text.replace(ansiSequence, "")].length

const noEscapesOrPairs = /^[^\u001b\ud800-\udfff]*$/

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
 * The columns to show and their widths within `maxWidth`: long columns (descriptions) are cut first,
 * never id, name and state columns nor those marked `noTruncate` (ARNs, fingerprints, DNS names);
 * when the line still does not fit, columns are left out, the lowest `keep` first and among equals
 * from the right (the default columns are ordered by importance; id, name and state stay), as a cut
 * IP address or time would be worse than none.
 */
export const fitColumns = (
  natural: ReadonlyArray<number>,
  kinds: ReadonlyArray<string | undefined>,
  maxWidth: number,
  /** Per column, see ColumnSpec.keep: the lowest are left out first; among equals, the rightmost. */
  keep: ReadonlyArray<number | undefined> = [],
  /** Per column, see ColumnSpec.noTruncate: shown whole or left out, never cut. */
  noTruncate: ReadonlyArray<boolean | undefined> = []
): { readonly shown: ReadonlyArray<number>; readonly widths: ReadonlyArray<number> } => {
  const essential = (i: number) => kinds[i] === "id" || kinds[i] === "name" || kinds[i] === "state"
  const fit = (columns: ReadonlyArray<number>) =>
    fitWidths(
      columns.map((i) => natural[i]!),
      columns.map((i) => !essential(i) && noTruncate[i] !== true && natural[i]! > longColumn),
      maxWidth
    )
  let shown = natural.map((_, i) => i)
  const dropped: Array<number> = []
  for (;;) {
    const widths = fit(shown)
    const droppable = [...shown].reverse().filter((i) => !essential(i))
      .reduce<number | undefined>((best, i) => (best === undefined || (keep[i] ?? 0) < (keep[best] ?? 0) ? i : best), undefined)
    if (lineWidth(widths) <= maxWidth || droppable === undefined) break
    shown = shown.filter((i) => i !== droppable)
    dropped.push(droppable)
  }
  // A column left out early may fit again once a wider one is gone (an ARN left out whole makes room
  // for the short column to its right): put back, most important first, those that fit, but never
  // one while a column with a higher `keep` stays out.
  const out = new Set(dropped)
  for (const i of [...dropped].reverse()) {
    if ([...out].some((j) => (keep[j] ?? 0) > (keep[i] ?? 0))) continue
    const candidate = [...shown, i].sort((a, b) => a - b)
    if (lineWidth(fit(candidate)) <= maxWidth) {
      shown = candidate
      out.delete(i)
    }
  }
  return { shown, widths: fit(shown) }
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
    : fitColumns(natural, allColumns.map((c) => c.kind), display.width, allColumns.map((c) => c.keep), allColumns.map((c) => c.noTruncate))
  hidden.push(...allHeaders.filter((_, i) => !fit.shown.includes(i)))
  const columns = fit.shown.map((i) => allColumns[i]!)
  const header = fit.shown.map((i) => allHeaders[i]!)
  const body = allCells.map((cells) => fit.shown.map((i) => cells[i]!))
  const widths = fit.widths
  const line = (cells: ReadonlyArray<string>, paint: boolean) =>
    cells.map((cell, i) => {
      const text = truncate(cell, widths[i]!)
      const fill = " ".repeat(Math.max(0, widths[i]! - visibleWidth(text)))
      const painted = paint && columns[i]!.kind === "state" && text !== "" ? colorState(text) : text
      if (columns[i]!.align === "right") return fill + painted
      return painted + (i === cells.length - 1 ? "" : fill)
    }).join(columnGap).trimEnd()
  return [line(header, false), ...body.map((cells) => line(cells, display.color))].join("\n")
}

// --- whole listings and documents -------------------------------------------------------------

/** Rows as JSON/YAML objects: the column keys in order, each present (null when missing). */
export const toRecords = (rows: ReadonlyArray<Row>, columns: ReadonlyArray<Column>): Array<Record<string, unknown>> => {
  // What `Object.fromEntries(columns.map(...))` gives for each row, without two arrays per row and cell.
  const records = new Array<Record<string, unknown>>(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    const record: Record<string, unknown> = {}
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!
      const value = machineValue(valueAt(row, c.key), c.kind)
      if (c.key === "__proto__") Object.defineProperty(record, c.key, { value, writable: true, enumerable: true, configurable: true })
      else record[c.key] = value
    }
    records[r] = record
  }
  return records
}

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
): Result.Result<string, UsageError> =>
  Result.map(orderedListing(rows, spec, settings), ({ columns, rows: ordered }) => {
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

/** The machine formats a listing can be printed in as its rows come. */
export type PartFormat = "json" | "yaml" | "csv" | "tsv"

/**
 * Whether a listing can be printed a part at a time, as its rows come (`renderListingPart`): a machine
 * format, the spec's own columns (their kinds do not depend on the rows) and the rows' own order.
 */
export const partsFormat = (settings: Pick<OutputSettings, "format" | "columns" | "sortBy" | "query">): PartFormat | undefined =>
  settings.format === "table" || settings.query !== undefined || Option.isSome(settings.columns) || Option.isSome(settings.sortBy)
    ? undefined
    : settings.format

/**
 * The text of some rows of a listing printed as they come (see `partsFormat`), `first` when no row was
 * printed before: the parts of every row, then `listingEnd`, are `renderListing`'s text of all the rows
 * (JSON's array written in pieces, YAML's sequence items, CSV/TSV's header once).
 */
export const renderListingPart = (
  rows: ReadonlyArray<Row>,
  spec: TableSpec,
  format: PartFormat,
  first: boolean,
  stringifyYaml: (value: unknown) => string
): string => {
  if (rows.length === 0) return ""
  const columns = specColumns(spec)
  switch (format) {
    case "json":
      // "[\n  {...},\n  {...}\n]" without its brackets' lines
      return (first ? "[\n" : ",\n") + JSON.stringify(toRecords(rows, columns), null, 2).slice(2, -2)
    case "yaml":
      return stringifyYaml(toRecords(rows, columns))
    case "csv":
    case "tsv": {
      const line = format === "csv" ? csvLine : tsvLine
      const fields = rows.map((row) => columns.map((c) => flatField(valueAt(row, c.key), c.kind)))
      return first ? delimitedText(line, columns.map((c) => c.key), fields) : fields.map((f) => line(f) + "\n").join("")
    }
  }
}

/** What ends a listing printed in parts (`any`: some row was printed). */
export const listingEnd = (spec: TableSpec, format: PartFormat, any: boolean, stringifyYaml: (value: unknown) => string): string => {
  if (format === "json") return any ? "\n]\n" : "[]\n"
  if (any) return ""
  if (format === "yaml") return stringifyYaml([])
  return delimitedText(format === "csv" ? csvLine : tsvLine, specColumns(spec).map((c) => c.key), [])
}

/** The spec's own columns (no --columns: their kinds are the spec's, whatever the rows). */
const specColumns = (spec: TableSpec): ReadonlyArray<Column> => {
  const resolved = resolveColumns(spec, Option.none(), [])
  return Result.isSuccess(resolved) ? resolved.success : []
}

/**
 * The columns (`--columns` or the spec's) and the rows in `--sort-by` order: what every format of a
 * listing shows, and what `--query` sees (as `toRecords`). Fails on an unknown column name.
 */
export const orderedListing = (
  rows: ReadonlyArray<Row>,
  spec: TableSpec,
  settings: Pick<OutputSettings, "columns" | "sortBy">
): Result.Result<{ readonly columns: ReadonlyArray<Column>; readonly rows: ReadonlyArray<Row> }, UsageError> => {
  const resolved = resolveColumns(spec, settings.columns, rows)
  if (Result.isFailure(resolved)) return Result.fail(resolved.failure)
  const columns = resolved.success
  const sorted = Option.match(settings.sortBy, {
    onNone: () => Result.succeed(rows),
    onSome: (sortBy) => sortRows(rows, columns, spec, sortBy)
  })
  return Result.map(sorted, (ordered) => ({ columns, rows: ordered }))
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
