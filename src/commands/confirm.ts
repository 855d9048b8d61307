/** Asking before destructive actions: only on an interactive terminal; scripts are never blocked. */
import * as Effect from "effect/Effect"
import * as Prompt from "effect/cli/Prompt"
import { OperationFailed } from "../errors.ts"
import { Output } from "../services/Output.ts"

export const isInteractive = () => process.stdin.isTTY === true && process.stderr.isTTY === true

/** Ask yes/no on a TTY (default no); answering no fails with exit 1 and changes nothing. */
export const confirmOnTty = (message: string) =>
  Effect.gen(function*() {
    if (!isInteractive()) return
    const yes = yield* Prompt.run(Prompt.Confirm({ message, initial: false })).pipe(
      Effect.catchTag("QuitError", () => Effect.interrupt)
    )
    if (!yes) return yield* new OperationFailed({ message: "cancelled: nothing was changed", hint: "Pass --yes to skip this question" })
  })

/**
 * Follow something that keeps running on AWS (a job, a task). On Ctrl-C, stop it first when
 * `stopOnInterrupt` is set or the user says yes at a terminal (30 s to answer; scripts are never
 * asked); otherwise say how to stop it later.
 */
export const watchStoppingOnInterrupt = <A, E, R>(
  watch: Effect.Effect<A, E, R>,
  options: {
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
  }
) =>
  watch.pipe(
    Effect.onInterrupt(() =>
      Effect.gen(function*() {
        const output = yield* Output
        const asked = options.stopOnInterrupt || (isInteractive() &&
          (yield* Prompt.run(Prompt.Confirm({ message: `${options.verb} ${options.label} too?`, initial: false })).pipe(
            Effect.timeout("30 seconds"),
            Effect.catch(() => Effect.succeed(false))
          )))
        if (!asked) {
          yield* output.info(`stopped watching; ${options.label} keeps running (${options.stopCommand} stops it)`)
          return
        }
        yield* options.stop.pipe(
          Effect.andThen(output.info(`${options.done} ${options.label}`)),
          Effect.catch((e) => output.warn(`could not ${options.verb.toLowerCase()} ${options.label}: ${e.summary}`))
        )
      })
    )
  )
