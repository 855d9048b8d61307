/** Watching a task from a command: exit with its container's exit code; on Ctrl-C, stop it when asked to. */
import * as Effect from "effect/Effect"
import { Ecs } from "../../services/Ecs.ts"
import { taskOutcome, watchTask } from "../../workflows/watchTask.ts"
import { type StopOnInterrupt, watchStoppingOnInterrupt } from "../../workflows/stopOnInterrupt.ts"

export const interruptReason = "Stopped by aegea (watch interrupted)"

/** What Ctrl-C does to a task aegea watches, or has just started (`watching`: say how to watch it again). */
export const taskInterruptOptions = (ecs: Ecs["Service"], cluster: string, taskId: string, stop: boolean, watching = true): StopOnInterrupt => ({
  stopOnInterrupt: stop,
  label: `task ${taskId}`,
  verb: "Stop",
  done: "stopped",
  stop: ecs.stopTask(cluster, taskId, interruptReason),
  stopCommand: `aegea ecs stop ${taskId} --cluster ${cluster}`,
  ...(watching ? { resumeCommand: `aegea ecs watch ${taskId} --cluster ${cluster}` } : {})
})

/** Watch a task to its end, stopping it on Ctrl-C when asked to; returns its last description. */
export const watchTaskStopping = (cluster: string, taskId: string, stop: boolean) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    return yield* watchStoppingOnInterrupt(watchTask(cluster, taskId), taskInterruptOptions(ecs, cluster, taskId, stop))
  })

export const followTask = (cluster: string, taskId: string, options: { readonly stopOnInterrupt: boolean }) =>
  Effect.flatMap(watchTaskStopping(cluster, taskId, options.stopOnInterrupt), taskOutcome)
