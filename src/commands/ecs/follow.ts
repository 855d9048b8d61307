/** Watching a task from a command: exit with its container's exit code; on Ctrl-C, stop it when asked to. */
import { Effect } from "effect"
import { Prompt } from "effect/cli"
import { Ecs } from "../../services/Ecs.ts"
import { Output } from "../../services/Output.ts"
import { taskOutcome, watchTask } from "../../services/watchTask.ts"
import { isInteractive } from "../confirm.ts"

export const interruptReason = "Stopped by aegea (watch interrupted)"

/** Whether to stop the task on Ctrl-C: the flag, or a yes at a TTY prompt (never asked in scripts). */
const shouldStop = (flag: boolean, taskId: string) =>
  flag
    ? Effect.succeed(true)
    : isInteractive()
    ? Prompt.run(Prompt.Confirm({ message: `Stop task ${taskId} too?`, initial: false })).pipe(
      Effect.timeout("30 seconds"),
      Effect.catch(() => Effect.succeed(false))
    )
    : Effect.succeed(false)

export const followTask = (cluster: string, taskId: string, options: { readonly stopOnInterrupt: boolean }) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const output = yield* Output
    const task = yield* watchTask(cluster, taskId).pipe(
      Effect.onInterrupt(() =>
        Effect.gen(function*() {
          if (!(yield* shouldStop(options.stopOnInterrupt, taskId))) {
            yield* output.info(`stopped watching; task ${taskId} keeps running (aegea ecs stop ${taskId} --cluster ${cluster} stops it)`)
            return
          }
          yield* ecs.stopTask(cluster, taskId, interruptReason).pipe(
            Effect.andThen(output.info(`stopped task ${taskId}`)),
            Effect.catch((e) => output.warn(`could not stop task ${taskId}: ${e.summary}`))
          )
        })
      )
    )
    yield* taskOutcome(task)
  })
