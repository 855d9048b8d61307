/** `ecs watch` and `ecs run --watch`: follow a Fargate task to STOPPED with its log lines, then its exit code. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { containerName, defaultTaskLogGroup, Ecs, type Task, taskExitCode, taskIdOf, taskLogStream } from "../services/Ecs.ts"
import { type AwsError, OperationFailed, type ResourceNotFound } from "../errors.ts"
import type { Logs } from "../services/Logs.ts"
import type { Output } from "../services/Output.ts"
import { renderWatch, type Snapshot, type WatchEvent, watchEvents, type WatchPacing } from "./watchLoop.ts"

/** A task in these has not started yet: `ecs watch` shows a status line while it waits. */
export const taskWaitingStatuses: ReadonlyArray<string> = ["PROVISIONING", "PENDING", "ACTIVATING"]

export const taskLabel = (task: Pick<Task, "id" | "cluster">) => `task ${task.id} (cluster ${task.cluster})`

/** How `watchTaskEvents` follows a task: the log group of its lines and the poll pacing. */
export interface WatchTaskOptions {
  readonly logGroup?: string
  readonly pacing?: Partial<WatchPacing>
}

/** What a task's watch reports at each poll. */
export interface TaskSnapshot extends Snapshot {
  readonly task: Task
}

/**
 * Follow a task until STOPPED, as a Stream of events: each poll's status, its container's log lines,
 * then `Finished` with its last description. Needs no Output.
 */
export const watchTaskEvents = (
  cluster: string,
  task: string,
  options: WatchTaskOptions = {}
): Stream.Stream<WatchEvent<TaskSnapshot>, AwsError | ResourceNotFound | OperationFailed, Ecs | Logs> =>
  Stream.unwrap(Effect.gen(function*() {
    const ecs = yield* Ecs
    const id = taskIdOf(task)
    const logs = yield* taskLogs(cluster, id, options.logGroup)
    return watchEvents({
      label: taskLabel({ id, cluster }),
      poll: ecs.describeTask(cluster, id).pipe(
        Effect.map((t): TaskSnapshot => ({
          task: t,
          status: t.lastStatus,
          reason: t.lastStatus === "STOPPED" ? t.stoppedReason : undefined,
          done: t.lastStatus === "STOPPED",
          logs
        }))
      ),
      waiting: taskWaitingStatuses,
      ...(options.pacing !== undefined ? { pacing: options.pacing } : {})
    })
  }))

/** The CLI's watch of a task (renderWatch of watchTaskEvents); returns its last description. */
export const watchTask = (
  cluster: string,
  task: string,
  options: WatchTaskOptions = {}
): Effect.Effect<Task, AwsError | ResourceNotFound | OperationFailed, Ecs | Logs | Output> =>
  Effect.map(renderWatch(watchTaskEvents(cluster, task, options)), (last) => last.task)

/**
 * Where a task logs: `logGroup` when given (aegea's own naming), else its task definition's awslogs
 * configuration, else aegea's default group and stream.
 */
export const taskLogs = (cluster: string, id: string, logGroup?: string) =>
  Effect.gen(function*() {
    if (logGroup !== undefined) return { group: logGroup, stream: taskLogStream(id) }
    const ecs = yield* Ecs
    const task = yield* ecs.describeTask(cluster, id)
    return Option.getOrElse(yield* ecs.taskLogLocation(task), () => ({ group: defaultTaskLogGroup, stream: taskLogStream(id) }))
  })

/** Succeed when the container exited 0; fail with its exit code (1 without one) otherwise. */
export const taskOutcome = (task: Task): Effect.Effect<void, OperationFailed> => {
  const code = taskExitCode(task)
  if (code === 0) return Effect.void
  const container = task.containers.find((c) => c.name === containerName) ?? task.containers[0]
  const reasons = [task.stoppedReason, container?.reason].filter((r): r is string => r !== undefined && r !== "")
  const reason = [...new Set(reasons)].join(": ") || "it stopped without an exit code"
  return Effect.fail(
    new OperationFailed({
      message: `${taskLabel(task)} failed: ${reason}${code !== undefined ? ` (exit code ${code})` : ""}`,
      hint: `See its logs with 'aegea ecs logs ${task.id} --cluster ${task.cluster}'`,
      exitCode: code ?? 1
    })
  )
}
