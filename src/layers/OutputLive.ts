/**
 * The live Output layer: the Output service (services/Output.ts) writing to process.stdout/stderr,
 * quietly stopping when the reader of a pipe goes away; on a terminal, a table or document taller or
 * wider than the screen goes through a pager (lib/pager.ts chooses which and when).
 */
import type { ChildProcess } from "node:child_process"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { needsPager, type PagerCommand } from "../lib/pager.ts"
import { makeOutput, Output, type OutputSettings } from "../services/Output.ts"

/** The part of a Node Writable that printing needs (a fake in tests). */
export interface TextSink {
  write(chunk: string | Uint8Array): unknown
  on(event: "error", listener: (error: Error & { code?: string }) => void): unknown
}

const writers = new WeakMap<TextSink, (text: string | Uint8Array) => void>()
/** Streams whose writes stopped (their reader went away, or another error). */
const brokenSinks = new WeakSet<TextSink>()

/** Whether `sink`'s writes through `safeWriter` have stopped: its reader went away (`aegea logs GROUP | head`). */
export const sinkBroken = (sink: TextSink): boolean => brokenSinks.has(sink)

/**
 * A write function for a stream that stops quietly when the stream breaks. When the reader of a pipe
 * goes away (`aegea ls | head -1`) stdout emits EPIPE: every later write becomes a no-op and nothing
 * is printed, so the command finishes with exit 0. Other stream errors also stop the writes and are
 * passed to `onOtherError`. One listener per stream, however many layers are built.
 */
export const safeWriter = (sink: TextSink, onOtherError: (error: Error) => void = () => {}): ((text: string | Uint8Array) => void) => {
  const existing = writers.get(sink)
  if (existing !== undefined) return existing
  let broken = false
  sink.on("error", (error) => {
    if (!broken && error.code !== "EPIPE") onOtherError(error)
    broken = true
    brokenSinks.add(sink)
  })
  const write = (text: string | Uint8Array) => {
    if (broken || text.length === 0) return
    try {
      sink.write(text)
    } catch {
      broken = true
      brokenSinks.add(sink)
    }
  }
  writers.set(sink, write)
  return write
}

/** The part of a Node Writable whose unwritten bytes are waited for (a fake in tests). */
export interface BacklogSink {
  readonly writableLength: number
  readonly destroyed: boolean
  once(event: "drain" | "close" | "error", listener: () => void): unknown
  off(event: "drain" | "close" | "error", listener: () => void): unknown
}

/** How much stdout may hold unwritten before text waits for its reader: about a page of log lines. */
export const STDOUT_BACKLOG = 1024 * 1024

/**
 * A wait while `sink` holds more than `limit` bytes unwritten, until it has written them out ("drain";
 * or it closes or fails: nothing more will be written); undefined when it holds less. A command
 * printing pages of text then reads no further page while its reader (`less`, a slow pipe) is behind,
 * instead of keeping every page in memory, as a CLI blocked in write(2) would.
 */
export const backlogOf = (sink: BacklogSink, limit = STDOUT_BACKLOG) => (): Effect.Effect<void> | undefined =>
  sink.writableLength <= limit || sink.destroyed
    ? undefined
    : Effect.callback<void>((resume) => {
      const done = () => {
        off()
        resume(Effect.void)
      }
      const off = () => {
        sink.off("drain", done)
        sink.off("close", done)
        sink.off("error", done)
      }
      sink.once("drain", done)
      sink.once("close", done)
      sink.once("error", done)
      return Effect.sync(off)
    })

/** A write function that gathers small writes into few large ones, and its flush. */
export interface BufferedWriter {
  readonly write: (text: string) => void
  /** UTF-8 bytes: a large piece written as it is (not decoded), after what is pending; a small one as its text. */
  readonly writeBytes: (bytes: Uint8Array) => void
  readonly flush: () => void
}

const pendingWriters = new Set<BufferedWriter>()

/**
 * Write out whatever the buffered stdout holds, before something else writes to the same terminal or
 * pipe: a child process given our stdout (ssh, the pager), a prompt, the exit.
 */
export const flushPendingOutput = (): void => {
  for (const writer of pendingWriters) writer.flush()
}

/**
 * Gathers writes and passes them on in one write when `limit` characters are pending, when the event
 * loop next turns (setImmediate: a command printing 100k log lines makes tens of writes, not 100k; an
 * interactive line still goes out as soon as the command waits for anything), or on `flush`.
 */
export const bufferedWriter = (write: (text: string | Uint8Array) => void, limit = 64 * 1024): BufferedWriter => {
  let chunks: Array<string> = []
  let size = 0
  let scheduled: ReturnType<typeof setImmediate> | undefined
  const writer: BufferedWriter = {
    flush: () => {
      if (scheduled !== undefined) clearImmediate(scheduled)
      scheduled = undefined
      pendingWriters.delete(writer)
      if (chunks.length === 0) return
      const text = chunks.length === 1 ? chunks[0]! : chunks.join("")
      chunks = []
      size = 0
      write(text)
    },
    write: (text) => {
      if (text === "") return
      if (text.length >= limit) {
        // A large text (a page of log lines) goes out as it is, after what is pending: joined to
        // it, it would be copied whole once more.
        writer.flush()
        return write(text)
      }
      chunks.push(text)
      size += text.length
      if (size >= limit) return writer.flush()
      if (scheduled === undefined) {
        pendingWriters.add(writer)
        scheduled = setImmediate(writer.flush)
      }
    },
    writeBytes: (bytes) => {
      if (bytes.length < limit) return writer.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"))
      writer.flush()
      write(bytes)
    }
  }
  return writer
}

process.once("exit", flushPendingOutput)

/** What the pager printer writes to and starts, replaceable in tests: stdout, stderr, the terminal's size, spawn. */
export interface PagerSeams {
  /** Where the text goes when it needs no pager, or the pager cannot be started. */
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** The terminal's size now (it may have changed since start). */
  readonly size: () => { readonly rows?: number | undefined; readonly columns?: number | undefined }
  /** Default: node's spawn. */
  readonly spawn?: ((file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => ChildProcess) | undefined
}

/**
 * A block printer that starts `pager` for text that does not fit the terminal, writes the text to its
 * stdin and waits for it to exit:
 * - a pager that exits before reading everything (the user quit `less`; `head`) is not an error: the
 *   rest of the text is dropped (EPIPE on its stdin) and the command goes on;
 * - one that cannot be started (not found) prints the text directly, with a warning when the user
 *   chose it (AEGEA_PAGER, PAGER; the default `less` missing is not worth one);
 * - Ctrl-C while it runs is the pager's (less uses it to stop a search), as with git: aegea ignores it.
 * Interrupted, it stops the pager.
 */
export const pageThrough = (pager: PagerCommand, seams: PagerSeams) => (text: string): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (!needsPager(text, seams.size())) return Effect.sync(() => seams.stdout(text))
    // node:child_process is loaded when a pager is first needed (it loads dgram and net: 5 ms of every start)
    const spawner = seams.spawn !== undefined
      ? Effect.succeed(seams.spawn)
      : Effect.promise(() => import("node:child_process")).pipe(Effect.map(({ spawn }) => spawnPager(spawn)))
    return Effect.flatMap(spawner, (spawn) => Effect.callback<void>((resume) => {
      let done = false
      let started = false
      const savedInterruptListeners = process.rawListeners("SIGINT") as Array<(...args: Array<unknown>) => void>
      const ignoreInterrupt = () => {}
      const finish = (fallback: string | undefined) => {
        if (done) return
        done = true
        process.removeListener("SIGINT", ignoreInterrupt)
        for (const listener of savedInterruptListeners) if (!process.rawListeners("SIGINT").includes(listener)) process.on("SIGINT", listener)
        if (fallback !== undefined) {
          if (pager.chosen) seams.stderr(`aegea: cannot start the pager ${JSON.stringify(pager.text)}: ${fallback}; printing directly\n`)
          seams.stdout(text)
        }
        resume(Effect.void)
      }
      let child: ChildProcess
      try {
        child = spawn(pager.file, pager.args, { ...process.env, ...pager.env })
      } catch (error) {
        finish(error instanceof Error ? error.message : String(error))
        return Effect.void
      }
      process.removeAllListeners("SIGINT")
      process.on("SIGINT", ignoreInterrupt)
      child.once("error", (error: Error & { code?: string }) => {
        if (!started) finish(error.code === "ENOENT" ? "not found" : error.message)
      })
      child.once("spawn", () => {
        started = true
        child.stdin?.on("error", () => {}) // EPIPE: the pager quit before reading everything
        child.stdin?.end(text)
      })
      child.once("close", (code) => {
        // Through sh, a command that is not there is exit code 127 (126: not executable); sh said so.
        finish(pager.shell && (code === 127 || code === 126) ? "not found" : undefined)
      })
      return Effect.sync(() => {
        if (!done) child.kill()
        finish(undefined)
      })
    }))
  })

const spawnPager = (spawn: typeof import("node:child_process").spawn) => (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): ChildProcess => {
  flushPendingOutput()
  return spawn(file, [...args], { stdio: ["pipe", "inherit", "inherit"], env })
}

/**
 * Output to the process's stdout (EPIPE-safe, buffered: see bufferedWriter) and stderr; with `pager`
 * (lib/pager.ts choosePager: stdout is a terminal and paging is on), tables and documents that do not
 * fit go through it. Anything written to stderr first writes out what stdout holds, so the two keep
 * their order on a terminal; the layer's scope end writes out the rest.
 */
export const OutputLive = (settings: OutputSettings, options: { readonly pager?: PagerCommand | undefined } = {}): Layer.Layer<Output> =>
  Layer.effect(Output, Effect.gen(function*() {
    const rawStderr = safeWriter(process.stderr)
    const buffered = bufferedWriter(safeWriter(process.stdout, (error) => rawStderr(`aegea: cannot write to stdout: ${error.message}\n`)))
    yield* Effect.addFinalizer(() => Effect.sync(buffered.flush))
    const stdout = buffered.write
    const stderr = (text: string) => {
      buffered.flush()
      rawStderr(text)
    }
    const page = options.pager === undefined
      ? undefined
      : pageThrough(options.pager, { stdout, stderr, size: () => ({ rows: process.stdout.rows, columns: process.stdout.columns }) })
    return makeOutput(settings, {
      ...(page !== undefined ? { page } : {}),
      stdout,
      stdoutBytes: buffered.writeBytes,
      backlog: backlogOf(process.stdout),
      readerGone: () => sinkBroken(process.stdout),
      stderr,
      stderrIsTTY: process.stderr.isTTY === true,
      stderrColumns: () => process.stderr.columns
    })
  }))
