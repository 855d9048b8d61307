/** Watching a job from a command: exit with its exit code; on Ctrl-C, terminate it when asked to. */
import { Effect } from "effect"
import { Prompt } from "effect/cli"
import { Batch } from "../../services/Batch.ts"
import { Output } from "../../services/Output.ts"
import { jobOutcome, watchJob } from "../../services/watchJob.ts"
import { isInteractive } from "../confirm.ts"

export const interruptReason = "Terminated by aegea (watch interrupted)"

/** Whether to terminate on Ctrl-C: the flag, or a yes at a TTY prompt (never asked in scripts). */
const shouldTerminate = (flag: boolean, jobId: string) =>
  flag
    ? Effect.succeed(true)
    : isInteractive()
    ? Prompt.run(Prompt.Confirm({ message: `Terminate job ${jobId} too?`, initial: false })).pipe(
      Effect.timeout("30 seconds"),
      Effect.catch(() => Effect.succeed(false))
    )
    : Effect.succeed(false)

export const followJob = (jobId: string, options: { readonly terminateOnInterrupt: boolean }) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const output = yield* Output
    const job = yield* watchJob(jobId).pipe(
      Effect.onInterrupt(() =>
        Effect.gen(function*() {
          if (!(yield* shouldTerminate(options.terminateOnInterrupt, jobId))) {
            yield* output.info(`stopped watching; job ${jobId} keeps running (aegea batch terminate ${jobId} stops it)`)
            return
          }
          yield* batch.terminateJob(jobId, interruptReason).pipe(
            Effect.andThen(output.info(`terminated job ${jobId}`)),
            Effect.catch((e) => output.warn(`could not terminate job ${jobId}: ${e.summary}`))
          )
        })
      )
    )
    yield* jobOutcome(job)
  })
