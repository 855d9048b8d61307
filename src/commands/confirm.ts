/**
 * Asking before destructive actions. With `--yes`, go ahead; at a terminal (stdin and stderr both),
 * ask, listing what will change; with no terminal to ask on, refuse (exit 2) rather than guess, as
 * `gh` does. `--dry-run` changes nothing, so callers skip this for it.
 */
import * as Effect from "effect/Effect"
import * as Prompt from "effect/cli/Prompt"
import { OperationFailed, UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"

export const isInteractive = () => process.stdin.isTTY === true && process.stderr.isTTY === true

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

export interface StopOnInterrupt {
  readonly stopOnInterrupt: boolean
  /** "job j-1", "task t-1". */
  readonly label: string
  /** "Terminate", "Stop". */
  readonly verb: string
  /** "terminated", "stopped". */
  readonly done: string
  readonly stop: Effect.Effect<void, { readonly summary: string }>
  /** The command that stops it later. */
  readonly stopCommand: string
  /** The command that watches it again, e.g. "aegea batch watch JOB_ID". */
  readonly resumeCommand?: string
}

/**
 * After a Ctrl-C, something is left running on AWS: stop it when `stopOnInterrupt` is set or the
 * user says yes at a terminal (30 s to answer; scripts are never asked); otherwise say what keeps
 * running and how to stop it (and watch it again). `what` starts the sentence: "stopped watching",
 * "Ctrl-C arrived during the request".
 */
const stopOrExplain = (options: StopOnInterrupt, what: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    const asked = options.stopOnInterrupt || (isInteractive() &&
      (yield* Prompt.run(Prompt.Confirm({ message: `${options.verb} ${options.label} too?`, initial: false })).pipe(
        Effect.timeout("30 seconds"),
        Effect.catch(() => Effect.succeed(false))
      )))
    if (!asked) {
      yield* output.info(
        options.resumeCommand === undefined
          ? `${what}; ${options.label} keeps running (${options.stopCommand} stops it)`
          : `${what}; ${options.label} keeps running: '${options.resumeCommand}' resumes watching, '${options.stopCommand}' stops it`
      )
      return
    }
    yield* options.stop.pipe(
      Effect.andThen(output.info(`${options.done} ${options.label}`)),
      Effect.catch((e) => output.warn(`could not ${options.verb.toLowerCase()} ${options.label}: ${e.summary}`))
    )
  })

/**
 * Follow something that keeps running on AWS (a job, a task). On Ctrl-C, stop it first when
 * `stopOnInterrupt` is set or the user says yes at a terminal (30 s to answer; scripts are never
 * asked); otherwise say how to watch it again and how to stop it later.
 */
export const watchStoppingOnInterrupt = <A, E, R>(watch: Effect.Effect<A, E, R>, options: StopOnInterrupt) =>
  watch.pipe(Effect.onInterrupt(() => stopOrExplain(options, "stopped watching")))

/**
 * A creating call (SubmitJob, RunTask) that Ctrl-C does not cut off: the interruption waits for its
 * answer (one call, bounded by the request timeout), so that what it created is known, and is then
 * handled as an interrupted watch would be: stopped with `stopOnInterrupt` (or when the user says so
 * at a terminal), else named with the command that stops it. Without a Ctrl-C it is the call itself.
 */
export const createShieldedFromInterrupt = <A, E, R>(
  create: Effect.Effect<A, E, R>,
  onInterrupt: (created: A) => StopOnInterrupt
) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.tap(create, (created) =>
      // A Ctrl-C that arrived during the call takes effect here, with what it created in hand.
      restore(Effect.void).pipe(Effect.onInterrupt(() => stopOrExplain(onInterrupt(created), "Ctrl-C arrived during the request")))
    )
  )
