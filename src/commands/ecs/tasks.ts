/** `aegea ecs clusters|tasks|task-definitions|watch|logs|stop`: list, follow, read and stop tasks. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import { defaultClusterName, type DesiredStatus, Ecs, type Task, taskExitCode, taskIdOf } from "../../services/Ecs.ts"
import { resolveCluster } from "../../workflows/ecsRun.ts"
import { taskLogs } from "../../workflows/watchTask.ts"
import { Output, type TableSpec } from "../../services/Output.ts"
import { listingDescription } from "../../lib/table.ts"
import { followTask } from "./follow.ts"
import { EcsLayer } from "./layer.ts"
import { confirmDestruction } from "../confirm.ts"
import { printStreamEvents } from "../streamLogs.ts"
import { stopOnInterruptFlag } from "./run.ts"

const taskArgument = Argument.String("task").pipe(Argument.withDescription("The task's id or ARN (as ecs run and ecs tasks print it)."))
const clusterFlag = Flag.String("cluster").pipe(
  Flag.withDescription(`The task's cluster (default: config ecs_run.cluster, else ${defaultClusterName}).`),
  Flag.optional
)

/** The cluster named by --cluster, else the one `ecs run` uses; ResourceNotFound when it does not exist. */
const clusterOf = (flag: Option.Option<string>) =>
  Effect.gen(function*() {
    const configured = (yield* AegeaConfig).section("ecs run").cluster
    const name = Option.getOrElse(flag, () => (typeof configured === "string" ? configured : defaultClusterName))
    yield* resolveCluster(name, { missingIsDefault: false })
    return name
  })

const clusterTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "status", kind: "state" },
    { key: "runningTasks", header: "RUNNING", kind: "number" },
    { key: "pendingTasks", header: "PENDING", kind: "number" },
    { key: "activeServices", header: "SERVICES", kind: "number" }
  ],
  kinds: { arn: "id" }
}

const taskTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "cluster", kind: "name" },
    { key: "lastStatus", header: "STATUS", kind: "state" },
    { key: "desiredStatus", header: "DESIRED", kind: "state" },
    { key: "taskDefinition", header: "TASK DEFINITION" },
    { key: "createdAt", header: "CREATED", kind: "time" },
    { key: "stoppedReason", header: "REASON" },
    { key: "exitCode", header: "EXIT", kind: "number" }
  ],
  kinds: { arn: "id", startedAt: "time", stoppedAt: "time", tags: "tags", stopCode: "text", launchType: "text" }
}

const taskDefinitionTable: TableSpec = {
  columns: [{ key: "family", kind: "name" }, { key: "revision", kind: "number" }, { key: "arn", kind: "id" }]
}

export const clustersCommand = Command.make("clusters", {}, () =>
  Effect.gen(function*() {
    const rows = yield* Stream.runCollect((yield* Ecs).clusters())
    yield* (yield* Output).table(rows, clusterTable, { empty: "no ECS clusters" })
  })).pipe(
    Command.withDescription(listingDescription("List ECS clusters with their running and pending task counts.", clusterTable)),
    Command.withShortDescription("List ECS clusters with their running and pending task counts."),
    Command.withExamples([{ command: "aegea ecs clusters", description: "Every cluster in the region" }]),
    Command.provide(EcsLayer)
  )

const taskRow = (t: Task) => ({
  ...t,
  taskDefinition: t.taskDefinition.split("/").pop() ?? t.taskDefinition,
  exitCode: taskExitCode(t)
})

export const tasksCommand = Command.make(
  "tasks",
  {
    cluster: Flag.String("cluster").pipe(Flag.withDescription("Only tasks of this cluster (default: every cluster)."), Flag.optional),
    status: Flag.Literals("status", ["RUNNING", "STOPPED"]).pipe(
      Flag.withDescription("Only tasks whose desired status is RUNNING or STOPPED (default: both)."),
      Flag.optional
    )
  },
  Effect.fn("ecs tasks")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecs tasks"), raw)
    const ecs = yield* Ecs
    if (Option.isSome(input.cluster)) yield* resolveCluster(input.cluster.value, { missingIsDefault: false })
    const clusters = Option.isSome(input.cluster) ? [input.cluster.value] : (yield* Stream.runCollect(ecs.clusters())).map((c) => c.name)
    const statuses: ReadonlyArray<DesiredStatus> = Option.isSome(input.status) ? [input.status.value] : ["RUNNING", "STOPPED"]
    const rows: Array<Task> = []
    for (const cluster of clusters) {
      for (const status of statuses) rows.push(...(yield* Stream.runCollect(ecs.tasks(cluster, status))))
    }
    rows.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))
    yield* (yield* Output).table(rows.map(taskRow), taskTable, {
      empty: `no ${statuses.map((s) => s.toLowerCase()).join(" or ")} tasks in ${Option.isSome(input.cluster) ? `cluster ${input.cluster.value}` : "any cluster"}`
    })
  })
).pipe(
  Command.withDescription(listingDescription("List tasks of every cluster (or of --cluster), running and stopped, oldest first.", taskTable)),
  Command.withShortDescription("List tasks of every cluster (or of --cluster), running and stopped, oldest first."),
  Command.withExamples([
    { command: "aegea ecs tasks", description: "Every task ECS still knows" },
    { command: `aegea ecs tasks --cluster ${defaultClusterName} --status RUNNING`, description: "Running tasks of one cluster" }
  ]),
  Command.provide(EcsLayer)
)

export const taskDefinitionsCommand = Command.make(
  "task-definitions",
  {
    all: Flag.Boolean("all").pipe(Flag.withDescription("List INACTIVE (deregistered) task definitions instead of ACTIVE ones."), Flag.withDefault(false)),
    family: Flag.String("family-prefix").pipe(Flag.withDescription("Only families starting with this prefix (aegea's start with aegea_ecs_)."), Flag.optional)
  },
  (raw) =>
    Effect.gen(function*() {
      const input = withConfigDefaults((yield* AegeaConfig).section("ecs task-definitions"), raw)
      const prefix = Option.getOrElse(input.family, () => "")
      const all = yield* Stream.runCollect((yield* Ecs).taskDefinitions({ status: input.all ? "INACTIVE" : "ACTIVE" }))
      const rows = all.filter((d) => d.family.startsWith(prefix))
      yield* (yield* Output).table(rows, taskDefinitionTable, { empty: `no ${input.all ? "inactive" : "active"} task definitions${prefix === "" ? "" : ` starting with ${prefix}`}` })
    })
).pipe(
  Command.withDescription(listingDescription("List task definitions (aegea's are named aegea_ecs_<content hash>).", taskDefinitionTable)),
  Command.withShortDescription("List task definitions (aegea's are named aegea_ecs_<content hash>)."),
  Command.withExamples([{ command: "aegea ecs task-definitions --family-prefix aegea_ecs_", description: "The task definitions ecs run registered" }]),
  Command.provide(EcsLayer)
)

export const watchCommand = Command.make(
  "watch",
  { task: taskArgument, cluster: clusterFlag, stopOnInterrupt: stopOnInterruptFlag },
  Effect.fn("ecs watch")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecs watch"), raw)
    const cluster = yield* clusterOf(input.cluster)
    yield* followTask(cluster, taskIdOf(input.task), { stopOnInterrupt: input.stopOnInterrupt })
  })
).pipe(
  Command.withDescription("Follow a task: print its status changes and log lines until it stops, then exit with its container's exit code."),
  Command.withExamples([{ command: "aegea ecs watch 0f1e2d3c4b5a69788796a5b4c3d2e1f0", description: "Follow a task of the default cluster" }]),
  Command.provide(EcsLayer)
)

export const logsCommand = Command.make(
  "logs",
  {
    task: taskArgument,
    cluster: clusterFlag,
    head: Flag.Int("head").pipe(Flag.withDescription("Print only the first N lines."), Flag.optional),
    tail: Flag.Int("tail").pipe(Flag.withDescription("Print only the last N lines."), Flag.optional),
    follow: Flag.Boolean("follow").pipe(Flag.withAlias("f"), Flag.withDescription("Keep printing new lines until the task stops."), Flag.withDefault(false))
  },
  Effect.fn("ecs logs")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecs logs"), raw)
    const cluster = yield* clusterOf(input.cluster)
    if (input.follow) return yield* followTask(cluster, taskIdOf(input.task), { stopOnInterrupt: false })
    const task = yield* (yield* Ecs).describeTask(cluster, taskIdOf(input.task))
    const location = yield* taskLogs(cluster, task.id)
    yield* printStreamEvents(location, {
      head: Option.getOrUndefined(input.head),
      tail: Option.getOrUndefined(input.tail),
      whose: `task ${task.id} (cluster ${cluster}) is ${task.lastStatus}`
    })
  })
).pipe(
  Command.withDescription("Print a task's log lines, from the CloudWatch Logs group and stream its task definition's awslogs configuration names."),
  Command.withExamples([
    { command: "aegea ecs logs TASK_ID --tail 20", description: "The last 20 lines" },
    { command: "aegea ecs logs TASK_ID --follow", description: "Keep printing until the task stops" }
  ]),
  Command.provide(EcsLayer)
)

export const stopCommand = Command.make(
  "stop",
  {
    tasks: Argument.String("task").pipe(Argument.withDescription("Task ids or ARNs."), Argument.atLeast(1)),
    cluster: clusterFlag,
    reason: Flag.String("reason").pipe(Flag.withDescription("Why, as ECS records it (stoppedReason)."), Flag.withDefault("Stopped by aegea")),
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Stop without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("ecs stop")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ecs stop"), raw)
    const ecs = yield* Ecs
    const output = yield* Output
    const cluster = yield* clusterOf(input.cluster)
    // Every id is checked before any task is stopped.
    const tasks = yield* Effect.forEach(input.tasks, (task) => ecs.describeTask(cluster, taskIdOf(task)))
    const running = tasks.filter((t) => t.lastStatus !== "STOPPED")
    for (const t of tasks) if (t.lastStatus === "STOPPED") yield* output.info(`task ${t.id} (cluster ${cluster}) has already stopped`)
    yield* confirmDestruction({ verb: "stop", noun: ["task", "tasks"], items: running.map((t) => `${t.id} (cluster ${cluster}), ${t.lastStatus}`) }, input.yes)
    yield* Effect.forEach(running, (t) => ecs.stopTask(cluster, t.id, input.reason), { concurrency: 8, discard: true })
    for (const t of running) yield* output.info(`stopping task ${t.id} (cluster ${cluster}), ${t.lastStatus}`)
  })
).pipe(
  Command.withDescription(
    "Stop tasks (ECS sends SIGTERM, then SIGKILL after 30 seconds); asks on a terminal, and with no terminal refuses unless --yes."
  ),
  Command.withExamples([{ command: "aegea ecs stop TASK_ID --reason \"wrong input\" --yes", description: "Stop a task of the default cluster without asking" }]),
  Command.provide(EcsLayer)
)
