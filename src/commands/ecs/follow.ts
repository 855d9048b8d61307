/** Watching a task from a command: exit with its container's exit code; on Ctrl-C, stop it when asked to. */
import * as Effect from "effect/Effect"
import { Ecs } from "../../services/Ecs.ts"
import { taskOutcome, watchTask } from "../../workflows/watchTask.ts"
import { watchStoppingOnInterrupt } from "../confirm.ts"

export const interruptReason = "Stopped by aegea (watch interrupted)"

export const followTask = (cluster: string, taskId: string, options: { readonly stopOnInterrupt: boolean }) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const task = yield* watchStoppingOnInterrupt(watchTask(cluster, taskId), {
      stopOnInterrupt: options.stopOnInterrupt,
      label: `task ${taskId}`,
      verb: "Stop",
      done: "stopped",
      stop: ecs.stopTask(cluster, taskId, interruptReason),
      stopCommand: `aegea ecs stop ${taskId} --cluster ${cluster}`,
      resumeCommand: `aegea ecs watch ${taskId} --cluster ${cluster}`
    })
    yield* taskOutcome(task)
  })
