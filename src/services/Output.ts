/**
 * Rendering of everything a command prints as data. Commands hand rows (plain records, dates as
 * `Date`, tags as `Record<string, string>`) and a spec of default columns to `Output.table`; the
 * format, `--columns`, `--sort-by` and colour come from the global flags. Nothing else writes stdout.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { UsageError } from "../errors.ts"
import type { OutputSettings, Row, TableSpec } from "../lib/columns.ts"
import { renderDocument, renderListing } from "../lib/table.ts"
import { loadYaml } from "../lib/yamlModule.ts"

export type { ColumnKind, ColumnSpec, OutputFormat, OutputSettings, Row, TableSpec } from "../lib/columns.ts"

export class Output extends Context.Service<Output, {
  readonly settings: OutputSettings
  /**
   * Print a listing: all rows, in the selected format. Fails on an unknown --columns or --sort-by
   * column. With no rows, a table on a terminal also gets one stderr line saying what was searched.
   */
  readonly table: (rows: ReadonlyArray<Row>, spec: TableSpec, options?: TableOptions) => Effect.Effect<void, UsageError>
  /** Print one document (a describe result): JSON/YAML as is; in table format, as YAML. */
  readonly document: (value: unknown) => Effect.Effect<void>
  /** Print a line of data as it is (console output, log lines). */
  readonly text: (line: string) => Effect.Effect<void>
  /** Tell the user what is happening (stderr; never mixed into data). */
  readonly info: (message: string) => Effect.Effect<void>
  /** Warn the user (stderr, prefixed "warning: "). */
  readonly warn: (message: string) => Effect.Effect<void>
}>()("aegea/Output") {}

export interface TableOptions {
  /**
   * What was searched, for the stderr line a terminal shows when there are no rows, e.g.
   * "no instances in eu-west-1 matching state=running". Default "no results"; null when the command
   * has already said so.
   */
  readonly empty?: string | null | undefined
}

/** Where an Output service writes: whole chunks of text, newlines included. */
export interface OutputStreams {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Whether stderr is a terminal (a person reads it): only then is an empty table explained. */
  readonly stderrIsTTY?: boolean | undefined
}

const loadStringify = loadYaml.pipe(
  Effect.map((yaml) => (value: unknown) => yaml.stringify(value, { lineWidth: 0 }))
)

const yamlUnused = (): string => {
  throw new Error("YAML stringify called for a non-YAML format")
}

/** The Output service over two write functions; shared by the live and the test layers. */
export const makeOutput = (settings: OutputSettings, streams: OutputStreams): Output["Service"] => {
  const stringifyYamlFor = (needed: boolean) => (needed ? loadStringify : Effect.succeed(yamlUnused))
  return Output.of({
    settings,
    table: Effect.fn("Output.table")(function*(rows: ReadonlyArray<Row>, spec: TableSpec, options?: TableOptions) {
      const now = yield* Clock.currentTimeMillis
      const stringifyYaml = yield* stringifyYamlFor(settings.format === "yaml")
      const hidden: Array<string> = []
      const text = yield* Effect.fromResult(renderListing(rows, spec, settings, now, stringifyYaml, hidden))
      streams.stdout(text)
      if (hidden.length > 0) {
        streams.stderr(`(${hidden.join(", ")} left out to fit the terminal; widen it, or choose with --columns)\n`)
      }
      // Machine formats stay exactly as they are ([] for JSON); only a person at a terminal is told.
      if (rows.length === 0 && settings.format === "table" && streams.stderrIsTTY === true && options?.empty !== null) {
        streams.stderr(`${(options?.empty ?? "no results").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")}\n`)
      }
    }),
    document: Effect.fn("Output.document")(function*(value: unknown) {
      const stringifyYaml = yield* stringifyYamlFor(settings.format === "yaml" || settings.format === "table")
      streams.stdout(renderDocument(value, settings.format, stringifyYaml))
    }),
    text: (line) => Effect.sync(() => streams.stdout(line + "\n")),
    info: (message) => Effect.sync(() => streams.stderr(message + "\n")),
    warn: (message) => Effect.sync(() => streams.stderr(`warning: ${message}\n`))
  })
}
