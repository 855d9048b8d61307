/**
 * Rendering of everything a command prints as data. Commands hand rows (plain records, dates as
 * `Date`, tags as `Record<string, string>`) and a spec of default columns to `Output.table`; the
 * format, `--columns`, `--sort-by` and colour come from the global flags. Nothing else writes stdout.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { UsageError } from "../errors.ts"
import type { OutputSettings, Row, TableSpec } from "../lib/columns.ts"
import { eraseLine, spinnerTickMillis, statusLine, timestamp } from "../lib/progress.ts"
import { compileQuery, type QuerySearch, renderQueryResult } from "../lib/query.ts"
import { type Column, listingEnd, orderedListing, partsFormat, renderDocument, renderListing, renderListingPart, toRecords } from "../lib/table.ts"
import { loadYaml } from "../lib/yamlModule.ts"

export type { ColumnKind, ColumnSpec, OutputFormat, OutputSettings, Row, TableSpec } from "../lib/columns.ts"

/**
 * How the CLI shows results: tables, documents, lines and messages in the chosen format. The CLI provides
 * `OutputLive`; tests `OutputTest`.
 */
export class Output extends Context.Service<Output, {
  readonly settings: OutputSettings
  /**
   * Print a listing: all rows, in the selected format. Fails on an unknown --columns or --sort-by
   * column. With no rows, a table on a terminal also gets one stderr line saying what was searched.
   */
  readonly table: (rows: ReadonlyArray<Row>, spec: TableSpec, options?: TableOptions) => Effect.Effect<void, UsageError>
  /**
   * Print a listing whose rows come a part at a time (pages of log events): what `table` prints for all
   * of them. In json, yaml, csv and tsv without --columns, --sort-by or --query, and with no pager,
   * each part is printed as it comes (memory holds a part, not the listing; text waits for a slow
   * reader as `text` does); otherwise the parts are gathered and `end` prints them with `table`.
   */
  readonly listing: (spec: TableSpec, options?: TableOptions) => Effect.Effect<ListingPrinter>
  /**
   * Print one document (a describe result): JSON/YAML as is; in table format, as YAML. Fails only
   * when `--query` cannot be applied to it.
   */
  readonly document: (value: unknown) => Effect.Effect<void, UsageError>
  /** Print a line of data as it is (console output, log lines). */
  readonly text: (line: string) => Effect.Effect<void>
  /**
   * Print UTF-8 text given as its bytes, ending in a line break: what `text` prints for that text
   * without its last line break (a page of log lines made from an answer's bytes, written out without
   * a string of them being made; `EventPage.lines.bytes`).
   */
  readonly textBytes: (lines: Uint8Array) => Effect.Effect<void>
  /**
   * Whether stdout's reader has gone away (`aegea logs GROUP | head`): what is printed from now on goes
   * nowhere, so a command that reads page after page only to print it may stop there, successfully.
   */
  readonly readerGone: () => boolean
  /** Tell the user what is happening (stderr; never mixed into data). */
  readonly info: (message: string) => Effect.Effect<void>
  /** Warn the user (stderr, prefixed "warning: "). */
  readonly warn: (message: string) => Effect.Effect<void>
  /**
   * Progress of a wait. On a terminal (stderr a TTY and table output): one status line on stderr,
   * "⠋ TEXT · 12s", redrawn in place by a spinner fiber (a child of the caller) with the time since
   * the wait began (the first `status` after `statusDone`); other output erases it, prints, and
   * redraws it. Elsewhere: a timestamped line for each entry of `plain` (default: the text) that was
   * not in the previous update, i.e. only when a state changes; never a spinner.
   */
  readonly status: (update: string | StatusUpdate) => Effect.Effect<void>
  /** The wait is over: erase the status line and forget the states shown. */
  readonly statusDone: Effect.Effect<void>
}>()("aegea/Output") {}

/** A listing being printed as its rows come (`Output.listing`). */
export interface ListingPrinter {
  /** Some more rows, in the listing's order. */
  readonly rows: (rows: ReadonlyArray<Row>) => Effect.Effect<void>
  /** No more rows: the listing's end (or, gathered, the whole listing). */
  readonly end: Effect.Effect<void, UsageError>
}

/** What `Output.status` shows: the line of a terminal, and what a log (not a terminal) gets when it changes. */
export interface StatusUpdate {
  /**
   * The terminal's line after the spinner, e.g. "waiting for i-0abc (web-1): pending → running". A
   * function is called at every redraw with the time since the wait began (a download's bytes and
   * rate, read as they arrive).
   */
  readonly line: string | ((elapsedMillis: number) => string)
  /** Lines for stderr when it is not a terminal, each printed (timestamped) when it first appears; [] for none. */
  readonly plain?: ReadonlyArray<string>
}

/** How `Output.table` reports an empty result: what was searched, or nothing when the command said so. */
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
  /** Writes UTF-8 bytes as `stdout` would write their text. Absent: their text through `stdout`. */
  readonly stdoutBytes?: ((bytes: Uint8Array) => void) | undefined
  /**
   * After text is printed: a wait while stdout holds more unwritten than it should (its reader is
   * slower than the command: `aegea logs GROUP | less`), so that a command printing page after page
   * reads no further page until the reader catches up; undefined when there is nothing to wait for.
   * Absent: text never waits.
   */
  readonly backlog?: (() => Effect.Effect<void> | undefined) | undefined
  /** Whether stdout's reader has gone away (EPIPE). Absent: never. */
  readonly readerGone?: (() => boolean) | undefined
  readonly stderr: (text: string) => void
  /** Whether stderr is a terminal (a person reads it): only then is an empty table explained. */
  readonly stderrIsTTY?: boolean | undefined
  /** The terminal's width for the status line (stderr's columns), when known. */
  readonly stderrColumns?: (() => number | undefined) | undefined
  /**
   * Print a whole block of data (a table, a document), known in full before it is printed: the live
   * layer sends one taller or wider than the terminal through a pager (lib/pager.ts). Absent: `stdout`.
   */
  readonly page?: ((text: string) => Effect.Effect<void>) | undefined
}

const loadStringify = loadYaml.pipe(
  Effect.map((yaml) => (value: unknown) => yaml.stringify(value, { lineWidth: 0 }))
)

const yamlUnused = (): string => {
  throw new Error("YAML stringify called for a non-YAML format")
}

/** The Output service over two write functions; shared by the live and the test layers. */
export const makeOutput = (settings: OutputSettings, streams: OutputStreams): Output["Service"] => {
  const progress = statusLineOver(settings, streams)
  streams = progress.streams
  const stringifyYamlFor = (needed: boolean) => (needed ? loadStringify : Effect.succeed(yamlUnused))
  let printedData = false
  let warnedText = false
  // Text is printed as it comes (a page of log lines after another): a reader slower than the command
  // holds it here, before it reads more (streams.backlog)
  const backlog = (): Effect.Effect<void> => streams.backlog?.() ?? Effect.void
  // Lines of text (log events, console output) have no JSON form: --query leaves them as they are.
  const warnText = () => {
    if (settings.query !== undefined && !printedData && !warnedText) {
      warnedText = true
      streams.stderr("warning: --query applies to tables and documents; this command prints text, shown as it is\n")
    }
  }
  const printBlock = (text: string): Effect.Effect<void> => {
    printedData = true
    return streams.page === undefined || text === "" ? Effect.sync(() => streams.stdout(text)) : streams.page(text)
  }
  // --query: compiled once, on first use (the JMESPath library is loaded only then).
  let compiled: QuerySearch | undefined
  const querySearch = (expression: string) =>
    compiled === undefined ? Effect.tap(compileQuery(expression), (search) => Effect.sync(() => (compiled = search))) : Effect.succeed(compiled)
  /** The text of `value` (the JSON form of the output) after --query, in the chosen format. */
  const queried = (expression: string, value: unknown, columns?: ReadonlyArray<Column>, hidden?: Array<string>) =>
    Effect.gen(function*() {
      const search = yield* querySearch(expression)
      const result = yield* Effect.fromResult(search(value))
      const stringifyYaml = yield* stringifyYamlFor(settings.format === "yaml" || settings.format === "table")
      return renderQueryResult(result, settings, { nowMillis: yield* Clock.currentTimeMillis, stringifyYaml, columns, hidden })
    })
  const table = Effect.fn("Output.table")(function*(rows: ReadonlyArray<Row>, spec: TableSpec, options?: TableOptions) {
    const now = yield* Clock.currentTimeMillis
    const stringifyYaml = yield* stringifyYamlFor(settings.format === "yaml")
    const hidden: Array<string> = []
    const query = settings.query
    let text: string
    if (query === undefined) text = yield* Effect.fromResult(renderListing(rows, spec, settings, now, stringifyYaml, hidden))
    else {
      const listing = yield* Effect.fromResult(orderedListing(rows, spec, settings))
      text = yield* queried(query, toRecords(listing.rows, listing.columns), listing.columns, hidden)
    }
    yield* printBlock(text)
    if (hidden.length > 0) {
      streams.stderr(`(${hidden.join(", ")} left out to fit the terminal; widen it, or choose with --columns)\n`)
    }
    // Machine formats stay exactly as they are ([] for JSON); only a person at a terminal is told.
    if (rows.length === 0 && settings.format === "table" && streams.stderrIsTTY === true && options?.empty !== null && query === undefined) {
      streams.stderr(`${(options?.empty ?? "no results").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")}\n`)
    }
  })
  return Output.of({
    settings,
    table,
    listing: (spec, options) =>
      Effect.gen(function*() {
        const format = streams.page === undefined ? partsFormat(settings) : undefined
        if (format === undefined) {
          const all: Array<Row> = []
          return {
            rows: (rows) =>
              Effect.sync(() => {
                for (const row of rows) all.push(row)
              }),
            end: Effect.suspend(() => table(all, spec, options))
          } satisfies ListingPrinter
        }
        const stringifyYaml = yield* stringifyYamlFor(format === "yaml")
        let any = false
        return {
          rows: (rows) =>
            Effect.suspend(() => {
              if (rows.length === 0) return Effect.void
              printedData = true
              streams.stdout(renderListingPart(rows, spec, format, !any, stringifyYaml))
              any = true
              return backlog()
            }),
          end: Effect.sync(() => {
            printedData = true
            streams.stdout(listingEnd(spec, format, any, stringifyYaml))
          })
        } satisfies ListingPrinter
      }),
    document: Effect.fn("Output.document")(function*(value: unknown) {
      if (settings.query !== undefined) return yield* printBlock(yield* queried(settings.query, value))
      const stringifyYaml = yield* stringifyYamlFor(settings.format === "yaml" || settings.format === "table")
      yield* printBlock(renderDocument(value, settings.format, stringifyYaml))
    }),
    text: (line) =>
      Effect.suspend(() => {
        warnText()
        // A long text (a page of log lines) and its line break as two writes, as `line + "\n"` would be
        // copied whole once more to be written; not when stderr is a terminal, where a status line's
        // redraw must not fall between them.
        if (line.length >= 65536 && streams.stderrIsTTY !== true) {
          streams.stdout(line)
          streams.stdout("\n")
        } else streams.stdout(line + "\n")
        return backlog()
      }),
    textBytes: (lines) =>
      Effect.suspend(() => {
        warnText()
        const write = streams.stdoutBytes
        if (write !== undefined) write(lines)
        else streams.stdout(Buffer.from(lines.buffer, lines.byteOffset, lines.length).toString("utf8"))
        return backlog()
      }),
    readerGone: () => streams.readerGone?.() === true,
    info: (message) => Effect.sync(() => streams.stderr(message + "\n")),
    warn: (message) => Effect.sync(() => streams.stderr(`warning: ${message}\n`)),
    status: progress.status,
    statusDone: progress.statusDone
  })
}

/**
 * The status line of `Output.status` over two write functions, and those functions wrapped so that
 * anything else printed while the line shows erases it first and redraws it after.
 */
const statusLineOver = (settings: OutputSettings, raw: OutputStreams) => {
  const live = raw.stderrIsTTY === true && settings.format === "table"
  let line: StatusUpdate["line"] | undefined
  let startedAt: number | undefined
  let drawn: string | undefined
  let onScreen = false
  let tick = 0
  let previous: ReadonlyArray<string> = []
  let spinner: Fiber.Fiber<unknown> | undefined
  const erase = () => {
    if (onScreen) raw.stderr(eraseLine)
    onScreen = false
  }
  const redraw = () => {
    if (drawn === undefined) return
    raw.stderr(`${eraseLine}${drawn}`)
    onScreen = true
  }
  const draw = (now: number) => {
    if (line === undefined) return
    const elapsed = now - (startedAt ?? now)
    drawn = statusLine(tick, typeof line === "string" ? line : line(elapsed), elapsed, raw.stderrColumns?.() ?? settings.width)
    redraw()
  }
  const around = <A>(write: (text: A) => void) => (text: A) => {
    if (!onScreen) return write(text)
    erase()
    write(text)
    redraw()
  }
  let generation = 0
  // Interrupted by statusDone, or with the fiber that started it; the next status starts another.
  const spin = (mine: number) =>
    Effect.gen(function*() {
      for (;;) {
        yield* Effect.sleep(spinnerTickMillis)
        tick++
        draw(yield* Clock.currentTimeMillis)
      }
    }).pipe(Effect.ensuring(Effect.sync(() => {
      if (mine !== generation) return
      erase()
      spinner = undefined
    })))
  const status = (update: string | StatusUpdate) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const { line: next, plain } = typeof update === "string" ? { line: update, plain: undefined } : update
      if (!live) {
        const entries = plain ?? [typeof next === "string" ? next : next(0)]
        for (const entry of entries) if (!previous.includes(entry)) raw.stderr(`${timestamp(now)} ${entry.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")}\n`)
        previous = entries
        return
      }
      line = next
      startedAt ??= now
      draw(now)
      if (spinner === undefined) spinner = yield* Effect.forkChild(spin(++generation))
    })
  const statusDone = Effect.gen(function*() {
    if (spinner !== undefined) yield* Fiber.interrupt(spinner)
    erase()
    line = undefined
    drawn = undefined
    startedAt = undefined
    previous = []
  })
  return {
    streams: {
      ...raw,
      stdout: around(raw.stdout),
      ...(raw.stdoutBytes !== undefined ? { stdoutBytes: around(raw.stdoutBytes) } : {}),
      stderr: around(raw.stderr)
    },
    status,
    statusDone
  }
}
