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

/** From this many characters of one answer, its read pays for the optimizing compiler (as sdkPatches/optimizer.ts's LARGE_RESPONSE for the SDK's reads). */
const LARGE_ANSWER = 2 * 1024 * 1024

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
