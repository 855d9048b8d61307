/**
 * What Ctrl-C does to work left running on AWS (a job, a task): stop it when asked to (a flag, or a
 * question at a terminal), else say what keeps running and the command that stops it. Used by the
 * watches and by creating calls (SubmitJob, RunTask) that Ctrl-C must not cut off mid-way.
 */
import * as Effect from "effect/Effect"
import * as Prompt from "effect/cli/Prompt"
import { Output } from "../services/Output.ts"

/** Whether a person can answer a question: stdin and stderr are both terminals. */
export const isInteractive = () => process.stdin.isTTY === true && process.stderr.isTTY === true

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
