/**
 * The launcher (src/main.ts) starts with V8's optimizing compiler off, because most commands finish
 * before code it optimizes would pay back its compile time, and turns it back on after a second. A
 * command that reads a large response (`aegea ls` of thousands of instances: one 9.5 MB
 * DescribeInstances answer for 3,000; `aegea logs` of 100k events: ten 1.3 MB pages) then runs the
 * same few functions (the XML parser, the JSON read, the mapping, the line formatting) hundreds of
 * thousands of times, where optimized code is several times faster: for those, turn it on as soon as
 * the responses read add up to a few megabytes (`aegea ls` of 3,000 instances: 0.1-0.15 s less CPU,
 * `aegea logs` of 100k events: about 0.15 s; see docs/performance.md). Short commands, whose responses
 * are small, keep it off. A program that was started with `--no-opt` itself keeps it off.
 */
import { setFlagsFromString } from "node:v8"

/**
 * From this many characters or bytes of responses read, added up, the optimizing compiler pays: on
 * this machine, `aegea ls` of 300 instances (one 0.95 MB response) costs 0.04 s more CPU with it
 * on, of 3,000 (9.5 MB) 0.1-0.15 s less; `aegea logs` of 10k events (one 1.3 MB page) is even, of
 * 100k (ten) faster with it on from the second page.
 */
export const LARGE_RESPONSE = 2 * 1024 * 1024

let read = 0
let optimizing = false

/** Adds `size` to the responses read, and turns the optimizing compiler on (once) when they reach LARGE_RESPONSE. */
export const optimizeForResponse = (size: number): void => {
  if (optimizing) return
  read += size
  if (read < LARGE_RESPONSE) return
  optimizing = true
  if (!process.execArgv.includes("--no-opt")) setFlagsFromString("--opt")
}

/**
 * `globalThis[STARTUP_NO_OPT]` is true while the launcher (src/main.ts) keeps the optimizing compiler
 * off (its first second); it sets it false when it turns the compiler on.
 */
export const STARTUP_NO_OPT: unique symbol = Symbol.for("aegea.startupNoOpt") as never

const startupNoOpt = (): boolean => (globalThis as { [STARTUP_NO_OPT]?: unknown })[STARTUP_NO_OPT] === true

/**
 * optimizeForResponse for the read of one response of `size`, which returns what to call once the read
 * is done: if this call turned the optimizing compiler on and the launcher still keeps it off (its
 * first second), it turns it off again, so that the functions that run after the read (mapping,
 * `toRecords`, the output) are not compiled as well: in `aegea ls` of 3,000 instances TurboFan compiles
 * the XML scanner (65-90 ms of its thread's CPU, paid back within the read), and then `toRecords`
 * (twice) and the mapping, about 50 ms more for code that runs once for about 0.1 s (0.04-0.06 s less
 * CPU without; docs/performance.md). The scanner's optimized code stays; the next large read turns
 * the compiler on again for itself. After the launcher's first second, or in a program of its own
 * (no launcher), it does what optimizeForResponse does.
 */
export const optimizeForRead = (size: number): (() => void) => {
  if (optimizing) return noop
  optimizeForResponse(size)
  if (!optimizing || !startupNoOpt() || process.execArgv.includes("--no-opt")) return noop
  return () => {
    if (!optimizing || !startupNoOpt()) return
    optimizing = false
    setFlagsFromString("--no-opt")
  }
}

const noop = (): void => {}
