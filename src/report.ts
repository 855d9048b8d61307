/** How a failed run is reported: one line and an exit code (the README's table). Used by bin.ts only. */
import * as Cause from "effect/Cause"
import { exitCodeOf, isAegeaError } from "./errors.ts"

export interface Report {
  readonly message: string | undefined
  readonly code: number
}

interface CliErrorLike {
  readonly _tag: string
  readonly commandPath?: ReadonlyArray<string>
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly suggestions?: ReadonlyArray<string> }>
  readonly message: string
}

const firstLine = (s: string) => (s.split("\n").find((l) => l.trim() !== "") ?? s).trim()

interface AwsCallLike {
  readonly requestId?: string
  readonly code?: string
  readonly operation?: string
  readonly service?: string
  readonly endpoint?: string
  readonly cause?: unknown
}

const debugDetails = (error: unknown, cause: Cause.Cause<unknown>) => {
  const lines: Array<string> = []
  const e = error as AwsCallLike
  // An error that wraps an AWS failure (launched, but a wait failed) shows that failure's call.
  const inner = e.cause as AwsCallLike | undefined
  const call = e.service === undefined && typeof inner === "object" && inner !== null && inner.service !== undefined ? inner : e
  if (call.service && call.operation) {
    lines.push(`  AWS call: ${call.service} ${call.operation}${call.code ? ` -> ${call.code}` : ""}${call.endpoint ? ` from ${call.endpoint}` : ""}`)
  }
  if (call.requestId) lines.push(`  request id: ${call.requestId}`)
  if (e.cause instanceof Error) lines.push(`  caused by: ${e.cause.stack ?? e.cause.message}`)
  lines.push(Cause.pretty(cause))
  return lines.join("\n")
}

export const describeFailure = (
  cause: Cause.Cause<unknown>,
  options: { readonly debug: boolean; readonly isHelp: (u: unknown) => boolean }
): Report => {
  if (Cause.hasInterruptsOnly(cause)) return { message: "aegea: interrupted", code: 130 }
  const error = Cause.squash(cause)
  if (options.isHelp(error)) {
    const cli = error as CliErrorLike
    if (cli._tag !== "ShowHelp") return { message: `aegea: ${firstLine(cli.message)}`, code: 2 }
    const first = cli.errors?.[0]
    if (first === undefined) return { message: undefined, code: 0 }
    const path = (cli.commandPath ?? ["aegea"]).join(" ")
    const suggestions = first.suggestions ?? []
    const guess = suggestions.length > 0 ? ` (did you mean ${suggestions.join(" or ")}?)` : ""
    return { message: `aegea: ${firstLine(first.message)}${guess}. Run '${path} --help' for usage`, code: 2 }
  }
  if (isAegeaError(error)) {
    const line = `aegea: ${error.summary}`
    return { message: options.debug ? `${line}\n${debugDetails(error, cause)}` : line, code: exitCodeOf(error) }
  }
  const text = error instanceof Error ? error.message : String(error)
  const line = `aegea: internal error: ${firstLine(text)}. Run again with --debug and report it`
  return { message: options.debug ? `${line}\n${debugDetails(error, cause)}` : line, code: 1 }
}
