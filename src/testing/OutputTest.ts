/**
 * An in-memory Output for tests: renders with the same functions as the live layer and keeps what
 * was written, readable through `OutputCapture`.
 *
 *   const out = yield* OutputCapture
 *   JSON.parse(yield* out.stdoutText)
 *
 * Provide `OutputTest.layer({ format: "json" })`; settings default to a plain table with no colour
 * and no width limit (like a pipe).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { makeOutput, Output, type OutputSettings } from "../services/Output.ts"

/** What `OutputTest` captured: stdout and stderr, as lines or text. */
export class OutputCapture extends Context.Service<OutputCapture, {
  /** Everything written to stdout, as lines (without their "\n"). */
  readonly stdout: Effect.Effect<ReadonlyArray<string>>
  /** Everything written to stdout, as one string. */
  readonly stdoutText: Effect.Effect<string>
  /** Everything written to stderr, as lines. */
  readonly stderr: Effect.Effect<ReadonlyArray<string>>
  /** Forget what was written so far. */
  readonly clear: Effect.Effect<void>
  /**
   * The calls of `Output.status` and `statusDone`, in order: each status as its terminal line (a
   * function line called once), each statusDone as "(done)".
   */
  readonly statuses: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/OutputCapture") {}

const toLines = (text: string): ReadonlyArray<string> =>
  text === "" ? [] : text.replace(/\n$/, "").split("\n")

/**
 * The output settings `OutputTest` uses unless told otherwise: tables, no columns or sort chosen, no color, no
 * width.
 */
export const defaultTestSettings: OutputSettings = {
  format: "table",
  columns: Option.none(),
  sortBy: Option.none(),
  color: false,
  width: undefined
}

/** `Output` into memory, with `OutputCapture` to read back what a command printed. */
export const OutputTest = {
  /**
   * `Output` writing into memory plus `OutputCapture` to read it back; fresh buffers per build.
   * `stderrIsTTY` pretends stderr is a terminal (default: it is not, like a pipe); there, with table
   * output, `status` draws its line with "\r" and erase sequences, `stderrColumns` wide.
   */
  layer: (settings: Partial<OutputSettings> = {}, options: { readonly stderrIsTTY?: boolean; readonly stderrColumns?: number } = {}): Layer.Layer<Output | OutputCapture> =>
    Layer.syncContext(() => {
      let stdout = ""
      let stderr = ""
      const statuses: Array<string> = []
      const made = makeOutput({ ...defaultTestSettings, ...settings }, {
        stderrIsTTY: options.stderrIsTTY === true,
        stderrColumns: () => options.stderrColumns,
        stdout: (text) => {
          stdout += text
        },
        stderr: (text) => {
          stderr += text
        }
      })
      const output = Output.of({
        ...made,
        status: (update) =>
          Effect.suspend(() => {
            const line = typeof update === "string" ? update : update.line
            statuses.push(typeof line === "string" ? line : line(0))
            return made.status(update)
          }),
        statusDone: Effect.suspend(() => {
          statuses.push("(done)")
          return made.statusDone
        })
      })
      const capture = OutputCapture.of({
        stdout: Effect.sync(() => toLines(stdout)),
        stdoutText: Effect.sync(() => stdout),
        stderr: Effect.sync(() => toLines(stderr)),
        clear: Effect.sync(() => {
          stdout = ""
          stderr = ""
          statuses.length = 0
        }),
        statuses: Effect.sync(() => [...statuses])
      })
      return Context.make(Output, output).pipe(Context.add(OutputCapture, capture))
    })
}
