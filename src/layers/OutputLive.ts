/**
 * The live Output layer: renders with the pure functions of `lib/table.ts` and writes to
 * process.stdout/stderr. `detectSettings` turns the global flags, the environment and the terminal
 * into `OutputSettings`. The `yaml` package is imported only when YAML is printed.
 */
import { Clock, Effect, Layer, Option, Result } from "effect"
import { loadYaml } from "../lib/yamlModule.ts"
import { renderDocument, renderListing, type SortBy } from "../lib/table.ts"
import { UsageError } from "../services/Errors.ts"
import { Output, type OutputFormat, type OutputSettings, type Row, type TableSpec } from "../services/Output.ts"

/** The part of a Node Writable that printing needs (a fake in tests). */
export interface TextSink {
  write(chunk: string): unknown
  on(event: "error", listener: (error: Error & { code?: string }) => void): unknown
}

const writers = new WeakMap<TextSink, (text: string) => void>()

/**
 * A write function for a stream that stops quietly when the stream breaks. When the reader of a pipe
 * goes away (`aegea ls | head -1`) stdout emits EPIPE: every later write becomes a no-op and nothing
 * is printed, so the command finishes with exit 0. Other stream errors also stop the writes and are
 * passed to `onOtherError`. One listener per stream, however many layers are built.
 */
export const safeWriter = (sink: TextSink, onOtherError: (error: Error) => void = () => {}): ((text: string) => void) => {
  const existing = writers.get(sink)
  if (existing !== undefined) return existing
  let broken = false
  sink.on("error", (error) => {
    if (!broken && error.code !== "EPIPE") onOtherError(error)
    broken = true
  })
  const write = (text: string) => {
    if (broken || text === "") return
    try {
      sink.write(text)
    } catch {
      broken = true
    }
  }
  writers.set(sink, write)
  return write
}

/** Where an Output service writes: whole chunks of text, newlines included. */
export interface OutputStreams {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
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
    table: Effect.fn("Output.table")(function*(rows: ReadonlyArray<Row>, spec: TableSpec) {
      const now = yield* Clock.currentTimeMillis
      const stringifyYaml = yield* stringifyYamlFor(settings.format === "yaml")
      const hidden: Array<string> = []
      const text = yield* Effect.fromResult(renderListing(rows, spec, settings, now, stringifyYaml, hidden))
      streams.stdout(text)
      if (hidden.length > 0) {
        streams.stderr(`(${hidden.join(", ")} left out to fit the terminal; widen it, or choose with --columns)\n`)
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

/** Output to the process's stdout (EPIPE-safe) and stderr. */
export const OutputLive = (settings: OutputSettings): Layer.Layer<Output> =>
  Layer.sync(Output, () => {
    const stderr = safeWriter(process.stderr)
    const stdout = safeWriter(process.stdout, (error) => stderr(`aegea: cannot write to stdout: ${error.message}\n`))
    return makeOutput(settings, { stdout, stderr })
  })

/** The global output flags as the CLI parsed them. */
export interface OutputFlags {
  readonly output?: OutputFormat | undefined
  readonly json: boolean
  readonly columns?: string | undefined
  readonly sortBy?: string | undefined
  readonly noColor: boolean
}

/** `--columns a,b.c` -> ["a", "b.c"] (blanks dropped, duplicates kept once). */
export const parseColumns = (text: string): Result.Result<ReadonlyArray<string>, UsageError> => {
  const keys = [...new Set(text.split(",").map((key) => key.trim()).filter((key) => key !== ""))]
  return keys.length > 0
    ? Result.succeed(keys)
    : Result.fail(new UsageError({ message: "--columns needs at least one column", hint: "Use --columns id,name,state" }))
}

/** `--sort-by KEY`, `KEY:asc` or `KEY:desc`. */
export const parseSortBy = (text: string): Result.Result<SortBy, UsageError> => {
  const colon = text.lastIndexOf(":")
  const key = (colon < 0 ? text : text.slice(0, colon)).trim()
  const direction = colon < 0 ? "asc" : text.slice(colon + 1).trim().toLowerCase()
  if (key === "" || (direction !== "asc" && direction !== "desc")) {
    return Result.fail(new UsageError({
      message: `invalid --sort-by ${JSON.stringify(text)}`,
      hint: "Use --sort-by COLUMN, COLUMN:asc or COLUMN:desc"
    }))
  }
  return Result.succeed({ key, descending: direction === "desc" })
}

/**
 * Settings from the flags, the environment and stdout: `--json` means `--output json`; colour only on
 * a TTY without NO_COLOR (any non-empty value), TERM=dumb or --no-color; tables fit the terminal's
 * width on a TTY and are never truncated otherwise.
 */
export const detectSettings = (
  flags: OutputFlags,
  env: Readonly<Record<string, string | undefined>>,
  stdout: { readonly isTTY?: boolean | undefined; readonly columns?: number | undefined }
): Effect.Effect<OutputSettings, UsageError> =>
  Effect.gen(function*() {
    if (flags.json && flags.output !== undefined && flags.output !== "json") {
      return yield* new UsageError({
        message: `--json conflicts with --output ${flags.output}`,
        hint: "Give only one of them"
      })
    }
    const format: OutputFormat = flags.json ? "json" : (flags.output ?? "table")
    const columns = flags.columns === undefined
      ? Option.none()
      : Option.some(yield* Effect.fromResult(parseColumns(flags.columns)))
    const sortBy = flags.sortBy === undefined
      ? Option.none()
      : Option.some(yield* Effect.fromResult(parseSortBy(flags.sortBy)))
    const tty = stdout.isTTY === true
    const color = tty && !flags.noColor && (env["NO_COLOR"] ?? "") === "" && env["TERM"] !== "dumb"
    const width = tty ? (stdout.columns !== undefined && stdout.columns > 0 ? stdout.columns : 80) : undefined
    return { format, columns, sortBy, color, width }
  })
