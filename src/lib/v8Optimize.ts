/**
 * The launcher (src/main.ts) starts with V8's optimizing compiler off for a second. Code that knows it
 * is about to run the same functions a great many times (a tunnel's transfer) turns it on at once,
 * unless Node itself was started with the compiler off.
 */
import { setFlagsFromString } from "node:v8"

const OFF = "--no-opt"
let on = false

/** Turns V8's optimizing compiler on (once), unless the process was started with it off. */
export const turnOptimizerOn = (): void => {
  if (on) return
  on = true
  if (!process.execArgv.includes(OFF)) setFlagsFromString("--opt")
}

/** True on globalThis once `tuneGcForStreaming` has turned incremental marking off (src/main.ts turns it on again before writing the compile cache). */
const STREAMING_GC = Symbol.for("aegea.streamingGc")
let streaming = false

/**
 * For a process that goes on moving bulk data (a tunnel's or scp's transfer through a data channel):
 * V8's incremental marking off, once. A transfer allocates little that lives, but reads fresh 64 KiB
 * socket buffers at tens of MB/s, and V8 kept starting incremental marking with the old generation
 * at 9 MB of a 24 MB limit (its "soft limit": by all appearances those buffers, which live until the
 * next scavenge, fill the room): a full mark-compact every 150-400 ms through a whole upload (14 in
 * 200 MB) instead of scavenges, with concurrent marking on the other core. Without incremental
 * marking a mark-compact comes only when the old generation is really full (one in 200 MB), atomic,
 * pausing a heap of 10-20 MB for about 10 ms. Unless Node was started with a choice of its own.
 */
export const tuneGcForStreaming = (): void => {
  if (streaming) return
  streaming = true
  if (process.execArgv.some((a) => a.includes("incremental-marking") || a.includes("incremental_marking"))) return
  setFlagsFromString("--no-incremental-marking")
  ;(globalThis as Record<symbol, unknown>)[STREAMING_GC] = true
}

/** From this many characters of one answer, its read pays for the optimizing compiler (as sdkPatches/optimizer.ts's LARGE_RESPONSE for the SDK's reads). */
const LARGE_ANSWER = 2 * 1024 * 1024

let answered = 0

/**
 * For the pages of one long read (`aegea logs GROUP`'s FilterLogEvents answers, each under
 * LARGE_ANSWER): adds an answer's `size`, and turns the optimizing compiler on for good (once) when the
 * answers add up to LARGE_ANSWER, as sdkPatches/optimizer.ts's optimizeForResponse does for the SDK's
 * reads: 100k events run the same line maker a hundred thousand times.
 */
export const countAnswer = (size: number): void => {
  if (on) return
  answered += size
  if (answered >= LARGE_ANSWER) turnOptimizerOn()
}

/** True on globalThis while the launcher keeps the optimizing compiler off (src/main.ts, its first second). */
const STARTUP_NO_OPT = Symbol.for("aegea.startupNoOpt")

/**
 * `read()` of an answer of `size` characters, with the optimizing compiler on when the answer is large
 * (thousands of instances: the reader's few functions then run hundreds of thousands of times), and
 * off again after it while the launcher still keeps it off, so that what runs once after the read is
 * not compiled too. The hand-signed calls' twin of sdkPatches/optimizer.ts's optimizeForRead (which
 * may import nothing of aegea).
 */
export const readOptimized = <A>(size: number, read: () => A): A => {
  if (size < LARGE_ANSWER || on || process.execArgv.includes(OFF)) return read()
  setFlagsFromString("--opt")
  try {
    return read()
  } finally {
    if ((globalThis as Record<symbol, unknown>)[STARTUP_NO_OPT] === true) setFlagsFromString("--no-opt")
  }
}
