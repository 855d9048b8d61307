/**
 * The shapes of tabular output, shared by the renderer (table.ts), the cell formatting (cellValues.ts)
 * and the Output service: rows, column specs and the settings the global flags choose.
 */
import type * as Option from "effect/Option"

export type OutputFormat = "table" | "json" | "yaml" | "csv" | "tsv"

/** How a column's values render: relative times and k=v tags in tables, ISO/objects in machine formats. */
export type ColumnKind = "id" | "name" | "state" | "time" | "tags" | "bytes" | "number" | "text"

export interface ColumnSpec {
  /** A key of the row, or a dotted path into it ("placement.availabilityZone", "tags.Owner"). */
  readonly key: string
  /** Header shown in tables; defaults to the key. Machine formats always use the key. */
  readonly header?: string
  readonly kind?: ColumnKind
  /** Right-align the cells and the header (amounts). Default left. */
  readonly align?: "left" | "right"
  /**
   * When a narrow terminal cannot show every column, those with the lowest `keep` are left out first
   * (default 0; among equals, the rightmost first). id, name and state columns are never left out.
   */
  readonly keep?: number
  /**
   * Never cut this column's values mid-way (an ARN, a fingerprint, a DNS name): when it does not fit,
   * the column is left out instead. Keys named like an ARN or a fingerprint (`arn`, `roleArn`,
   * `fingerprint`) are never cut whatever the spec says.
   */
  readonly noTruncate?: boolean
}

export interface TableSpec {
  /** Columns shown when `--columns` is not given, in order. */
  readonly columns: ReadonlyArray<ColumnSpec>
  /** Kinds of other keys a user may ask for with `--columns` (by top-level key or dotted path). */
  readonly kinds?: Readonly<Record<string, ColumnKind>>
  /**
   * Every top-level key a row may have (e.g. the fields of its domain Schema), so that `--columns` is
   * checked the same way whether or not rows came back. Keys present in the rows are always accepted.
   */
  readonly fields?: ReadonlyArray<string>
  /**
   * Other names of keys for `--columns` and `--sort-by` (alias -> key), e.g. the Python aegea's
   * `instance_type` -> `type`. Headers ("AZ", "private ip") and snake_case spellings of keys
   * (`launch_time`) are accepted without being listed here.
   */
  readonly aliases?: Readonly<Record<string, string>>
  /** This many rows at the end (a total row) stay last, whatever `--sort-by` says. */
  readonly footerRows?: number
}

export type Row = Readonly<Record<string, unknown>>

export interface OutputSettings {
  readonly format: OutputFormat
  /** `--columns a,b.c`; replaces the default columns. */
  readonly columns: Option.Option<ReadonlyArray<string>>
  /** `--sort-by COL[:desc]`. */
  readonly sortBy: Option.Option<{ readonly key: string; readonly descending: boolean }>
  /**
   * Colours (states, log lines): on a TTY or with FORCE_COLOR, never with --no-color, TERM=dumb,
   * NO_COLOR or FORCE_COLOR=0 (commands/global.ts colorWanted).
   */
  readonly color: boolean
  /** Terminal width for fitting tables; undefined when stdout is not a TTY (no truncation). */
  readonly width: number | undefined
  /**
   * `--query EXPR`: a JMESPath expression applied to the JSON form of what is printed (the records
   * `--output json` would give), then rendered in `format` (see lib/query.ts).
   */
  readonly query?: string | undefined
}
