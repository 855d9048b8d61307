/** Watching a job from a command: exit with its exit code; on Ctrl-C, terminate it when asked to. */
import * as Effect from "effect/Effect"
import { Batch } from "../../services/Batch.ts"
import { jobOutcome, watchJob } from "../../workflows/watchJob.ts"
import { type StopOnInterrupt, watchStoppingOnInterrupt } from "../../workflows/stopOnInterrupt.ts"

export const interruptReason = "Terminated by aegea (watch interrupted)"

/** What Ctrl-C does to a job aegea watches, or has just submitted (`watching`: say how to watch it again). */
export const jobInterruptOptions = (batch: Batch["Service"], jobId: string, terminate: boolean, watching = true): StopOnInterrupt => ({
  stopOnInterrupt: terminate,
  label: `job ${jobId}`,
  verb: "Terminate",
  done: "terminated",
  stop: batch.terminateJob(jobId, interruptReason),
  stopCommand: `aegea batch terminate ${jobId}`,
  ...(watching ? { resumeCommand: `aegea batch watch ${jobId}` } : {})
})

/** Watch a job to its end, terminating it on Ctrl-C when asked to; returns its last description. */
export const watchJobStopping = (jobId: string, terminate: boolean) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    return yield* watchStoppingOnInterrupt(watchJob(jobId), jobInterruptOptions(batch, jobId, terminate))
  })

export const followJob = (jobId: string, options: { readonly terminateOnInterrupt: boolean }) =>
  Effect.flatMap(watchJobStopping(jobId, options.terminateOnInterrupt), jobOutcome)
