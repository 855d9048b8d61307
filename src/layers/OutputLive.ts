/**
 * The live Output layer: the Output service (services/Output.ts) writing to process.stdout/stderr,
 * quietly stopping when the reader of a pipe goes away.
 */
import * as Layer from "effect/Layer"
import { makeOutput, Output, type OutputSettings } from "../services/Output.ts"

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

/** Output to the process's stdout (EPIPE-safe) and stderr. */
export const OutputLive = (settings: OutputSettings): Layer.Layer<Output> =>
  Layer.sync(Output, () => {
    const stderr = safeWriter(process.stderr)
    const stdout = safeWriter(process.stdout, (error) => stderr(`aegea: cannot write to stdout: ${error.message}\n`))
    return makeOutput(settings, { stdout, stderr, stderrIsTTY: process.stderr.isTTY === true })
  })
