/**
 * Asking before destructive actions. With `--yes`, go ahead; at a terminal (stdin and stderr both),
 * ask, listing what will change; with no terminal to ask on, refuse (exit 2) rather than guess, as
 * `gh` does. `--dry-run` changes nothing, so callers skip this for it.
 */
import * as Effect from "effect/Effect"
import * as Prompt from "effect/cli/Prompt"
import { OperationFailed, UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"
import { isInteractive } from "../workflows/stopOnInterrupt.ts"

export { createShieldedFromInterrupt, isInteractive, type StopOnInterrupt, watchStoppingOnInterrupt } from "../workflows/stopOnInterrupt.ts"

/** What a destructive command is about to change. */
export interface Destruction {
  /** The verb, lower case: "terminate", "delete", "stop". */
  readonly verb: string
  /** Singular and plural: ["instance", "instances"]. */
  readonly noun: readonly [string, string]
  /** One line per thing that will change, e.g. "i-0abc (web-1)". */
  readonly items: ReadonlyArray<string>
  /** Said after the noun, e.g. "now, with no recovery". */
  readonly detail?: string
}

/** At most this many items are listed in the question; the rest are counted. */
const maxListed = 20

/** "Terminate 2 instances?\n  i-1 (web-1)\n  i-2": the question, then one indented line per item. */
export const destructionQuestion = (what: Destruction) => {
  const n = what.items.length
  const head = `${what.verb.charAt(0).toUpperCase()}${what.verb.slice(1)} ${n} ${what.noun[n === 1 ? 0 : 1]}${what.detail ? ` ${what.detail}` : ""}?`
  const listed = what.items.slice(0, maxListed).map((item) => `  ${item}`)
  if (n > maxListed) listed.push(`  ... and ${n - maxListed} more`)
  return [head, ...listed].join("\n")
}

/** "refusing to terminate 2 instances without --yes: no terminal to ask on" (one item is named). */
export const refusal = (what: Destruction) => {
  const n = what.items.length
  const things = n === 1 ? `${what.noun[0]} ${what.items[0]}` : `${n} ${what.noun[1]}`
  return new UsageError({
    message: `refusing to ${what.verb} ${things} without --yes: no terminal to ask on`,
    hint: "Pass --yes to confirm"
  })
}

/**
 * The one rule for destructive commands: `yes` (from --yes) goes ahead; at a terminal, ask (default
 * no; no fails with exit 1 and changes nothing); with stdin or stderr not a terminal, refuse with a
 * UsageError (exit 2). Nothing to change (no items) goes ahead.
 */
export const confirmDestruction = (what: Destruction, yes: boolean) =>
  Effect.gen(function*() {
    if (yes || what.items.length === 0) return
    if (!isInteractive()) return yield* refusal(what)
    const answer = yield* Prompt.run(Prompt.Confirm({ message: destructionQuestion(what), initial: false })).pipe(
      Effect.catchTag("QuitError", () => Effect.interrupt)
    )
    if (!answer) return yield* new OperationFailed({ message: "cancelled: nothing was changed", hint: "Pass --yes to skip this question" })
  })

