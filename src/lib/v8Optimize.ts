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
