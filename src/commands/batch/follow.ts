/** Watching a job from a command: exit with its exit code; on Ctrl-C, terminate it when asked to. */
import * as Effect from "effect/Effect"
import { Batch } from "../../services/Batch.ts"
import { jobOutcome, watchJob } from "../../workflows/watchJob.ts"
import { watchStoppingOnInterrupt } from "../confirm.ts"

export const interruptReason = "Terminated by aegea (watch interrupted)"

export const followJob = (jobId: string, options: { readonly terminateOnInterrupt: boolean }) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const job = yield* watchStoppingOnInterrupt(watchJob(jobId), {
      stopOnInterrupt: options.terminateOnInterrupt,
      label: `job ${jobId}`,
      verb: "Terminate",
      done: "terminated",
      stop: batch.terminateJob(jobId, interruptReason),
      stopCommand: `aegea batch terminate ${jobId}`,
      resumeCommand: `aegea batch watch ${jobId}`
    })
    yield* jobOutcome(job)
  })
