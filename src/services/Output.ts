/**
 * Rendering of everything a command prints as data. Commands hand rows (plain records, dates as
 * `Date`, tags as `Record<string, string>`) and a spec of default columns to `Output.table`; the
 * format, `--columns`, `--sort-by` and colour come from the global flags. Nothing else writes stdout.
 */
import { Context, type Effect, type Option } from "effect"
import type { UsageError } from "./Errors.ts"

export type OutputFormat = "table" | "json" | "yaml" | "csv" | "tsv"

/** How a column's values render: relative times and k=v tags in tables, ISO/objects in machine formats. */
export type ColumnKind = "id" | "name" | "state" | "time" | "tags" | "bytes" | "number" | "text"

export interface ColumnSpec {
  /** A key of the row, or a dotted path into it ("placement.availabilityZone", "tags.Owner"). */
  readonly key: string
  /** Header shown in tables; defaults to the key. Machine formats always use the key. */
  readonly header?: string
  readonly kind?: ColumnKind
}

export interface TableSpec {
  /** Columns shown when `--columns` is not given, in order. */
  readonly columns: ReadonlyArray<ColumnSpec>
  /** Kinds of other keys a user may ask for with `--columns` (by top-level key or dotted path). */
  readonly kinds?: Readonly<Record<string, ColumnKind>>
}

export type Row = Readonly<Record<string, unknown>>

export interface OutputSettings {
  readonly format: OutputFormat
  /** `--columns a,b.c`; replaces the default columns. */
  readonly columns: Option.Option<ReadonlyArray<string>>
  /** `--sort-by COL[:desc]`. */
  readonly sortBy: Option.Option<{ readonly key: string; readonly descending: boolean }>
  /** Colours for states: only on a TTY, never with NO_COLOR or --no-color. */
  readonly color: boolean
  /** Terminal width for fitting tables; undefined when stdout is not a TTY (no truncation). */
  readonly width: number | undefined
}

export class Output extends Context.Service<Output, {
  readonly settings: OutputSettings
  /** Print a listing: all rows, in the selected format. Fails on an unknown --sort-by column. */
  readonly table: (rows: ReadonlyArray<Row>, spec: TableSpec) => Effect.Effect<void, UsageError>
  /** Print one document (a describe result): JSON/YAML as is; in table format, as YAML. */
  readonly document: (value: unknown) => Effect.Effect<void>
  /** Print a line of data as it is (console output, log lines). */
  readonly text: (line: string) => Effect.Effect<void>
  /** Tell the user what is happening (stderr; never mixed into data). */
  readonly info: (message: string) => Effect.Effect<void>
  /** Warn the user (stderr, prefixed "warning: "). */
  readonly warn: (message: string) => Effect.Effect<void>
}>()("aegea/Output") {}
