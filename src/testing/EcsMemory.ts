/**
 * An in-memory ECS for tests. Tasks move PROVISIONING -> PENDING -> RUNNING -> STOPPED on Effect's
 * Clock (TestClock in tests), with the durations, exit codes and log lines a test chooses. When
 * `LogsMemory` is provided underneath (`EcsMemory.layer(seed).pipe(Layer.provideMerge(LogsMemory.layer()))`),
 * a running task's log lines are written into it as their time comes (whenever the task is read),
 * in the awslogs stream `<prefix>/<container>/<task id>` of its task definition, so a run-and-watch
 * program sees them through `Logs.readStream`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { type Cluster, Ecs, enableExecHint, logLocationOf, type Task, type TaskDefinitionRef } from "../services/Ecs.ts"
import type { RegisterTaskDefinitionRequest, RunTaskRequest } from "../services/ecsRequests.ts"
import { AwsInvalidRequest, AwsNotFound, OperationFailed, ResourceNotFound } from "../errors.ts"
import { LogsMemoryState } from "./LogsMemory.ts"

/** How a started task behaves. */
export interface TaskScript {
  /** Exit code of the container (default 0). */
  readonly exitCode?: number
  /** Log lines, written evenly over the RUNNING time. */
  readonly logLines?: ReadonlyArray<string>
  /** How long it stays RUNNING (default: the seed's `runFor`). */
  readonly runFor?: Duration.Input
  /** Make the task stop before it runs (e.g. "CannotPullContainerError: ..."): no exit code. */
  readonly failBeforeRunning?: string
}

/**
 * What `EcsMemory` starts with and how its tasks behave: clusters, task definitions, tasks, container instances,
 * state durations, a script per task, deterministic ids.
 */
export interface EcsSeed {
  readonly region?: string
  readonly accountId?: string
  /** Clusters that exist from the start (ACTIVE). */
  readonly clusters?: ReadonlyArray<string>
  /** Time in each state before RUNNING (default 1 second each). */
  readonly stateDurations?: Partial<Record<"PROVISIONING" | "PENDING", Duration.Input>>
  /** Default time RUNNING (default 5 seconds). */
  readonly runFor?: Duration.Input
  /** The behaviour of each started task (default: exit 0, no log lines). */
  readonly script?: (request: RunTaskRequest) => TaskScript
  /** Page size of listings (default 100). */
  readonly pageSize?: number
  /** Task definitions registered from the start, in order (revisions 1, 2, ... per family). */
  readonly taskDefinitions?: ReadonlyArray<RegisterTaskDefinitionRequest>
  /**
   * Tasks started from the start (at the layer's build time on the Clock), in order, behaving as
   * `script` says; their cluster must be in `clusters` and their definition in `taskDefinitions`.
   * Seeding records no calls and no `started`/`registered` requests.
   */
  readonly tasks?: ReadonlyArray<RunTaskRequest>
  /**
   * Generated task ids count from this number in this layer (default 0: the first is
   * 000...001), so they do not depend on other layers or on test order.
   */
  readonly idSeed?: number
  /** EC2 container instances registered in the clusters (where Batch places jobs on EC2). */
  readonly containerInstances?: ReadonlyArray<{
    readonly cluster: string
    readonly arn: string
    readonly ec2InstanceId: string
    readonly status?: string
  }>
}

interface StoredDefinition extends TaskDefinitionRef {
  readonly status: "ACTIVE" | "INACTIVE"
  readonly request: RegisterTaskDefinitionRequest
}

interface StoredTask {
  readonly id: string
  readonly cluster: string
  readonly request: RunTaskRequest
  readonly definition: StoredDefinition
  readonly script: TaskScript
  readonly createdAt: number
  readonly stopped?: { readonly at: number; readonly reason: string }
  readonly linesWritten: number
}

/** Inspect the in-memory state from a test. */
export class EcsMemoryState extends Context.Service<EcsMemoryState, {
  readonly tasks: Effect.Effect<ReadonlyArray<Task>>
  /** Every RunTask request, in order. */
  readonly started: Effect.Effect<ReadonlyArray<RunTaskRequest>>
  readonly registered: Effect.Effect<ReadonlyArray<RegisterTaskDefinitionRequest>>
  /** Every API-like call, e.g. "RunTask", "DescribeTasks". */
  readonly calls: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/EcsMemoryState") {}

const ms = (d: Duration.Input | undefined, fallback: number) =>
  d === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(d))

interface Timeline {
  readonly status: "PROVISIONING" | "PENDING" | "RUNNING" | "STOPPED"
  readonly startedAt?: number
  readonly stoppedAt?: number
  readonly reason?: string
  readonly stopCode?: string
  readonly exitCode?: number
}

/**
 * `Ecs` in memory, with `EcsMemoryState` to inspect it: tasks move through their states on Effect's Clock (drive
 * them with `TestClock`).
 */
export const EcsMemory = {
  layer: (seed: EcsSeed = {}): Layer.Layer<Ecs | EcsMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const account = seed.accountId ?? "123456789012"
        const arn = (kind: string, name: string) => `arn:aws:ecs:${region}:${account}:${kind}/${name}`
        const pageSize = seed.pageSize ?? 100
        let counter = seed.idSeed ?? 0
        const logsState = yield* Effect.serviceOption(LogsMemoryState)
        const provisioning = ms(seed.stateDurations?.PROVISIONING, 1000)
        const pending = ms(seed.stateDurations?.PENDING, 1000)
        const calls = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (op: string) => Ref.update(calls, (c) => [...c, op])
        const clusters = yield* Ref.make<ReadonlyArray<string>>(seed.clusters ?? [])
        const definitions = yield* Ref.make<ReadonlyArray<StoredDefinition>>([])
        const tasksRef = yield* Ref.make<ReadonlyArray<StoredTask>>([])
        const started = yield* Ref.make<ReadonlyArray<RunTaskRequest>>([])
        const registered = yield* Ref.make<ReadonlyArray<RegisterTaskDefinitionRequest>>([])
        const now = Clock.currentTimeMillis
        const nameOf = (nameOrArn: string) => nameOrArn.split("/").pop() ?? nameOrArn
        const fields = (operation: string, action: string) => ({ action, service: "ECS", operation, region })
        const clusterNotFound = (operation: string, action: string) =>
          new AwsNotFound({ ...fields(operation, action), code: "ClusterNotFoundException", awsMessage: "Cluster not found." })
        const requireCluster = (operation: string, action: string, cluster: string) =>
          Effect.flatMap(Ref.get(clusters), (all) =>
            all.includes(nameOf(cluster)) ? Effect.succeed(nameOf(cluster)) : Effect.fail(clusterNotFound(operation, action)))

        /** Where a task is on its timeline at `t`. */
        const timelineAt = (task: StoredTask, t: number): Timeline => {
          const startsAt = task.createdAt + provisioning + pending
          const stopsAt = startsAt + ms(task.script.runFor, ms(seed.runFor, 5000))
          const stop = task.stopped
          if (stop !== undefined && stop.at <= t && stop.at < stopsAt) {
            const ran = stop.at >= startsAt && task.script.failBeforeRunning === undefined
            return {
              status: "STOPPED",
              stoppedAt: stop.at,
              reason: stop.reason,
              stopCode: "UserInitiated",
              ...(ran ? { startedAt: startsAt, exitCode: 143 } : {})
            }
          }
          if (t < task.createdAt + provisioning) return { status: "PROVISIONING" }
          if (t < startsAt) return { status: "PENDING" }
          if (task.script.failBeforeRunning !== undefined) {
            return { status: "STOPPED", stoppedAt: startsAt, reason: task.script.failBeforeRunning, stopCode: "TaskFailedToStart" }
          }
          if (t < stopsAt) return { status: "RUNNING", startedAt: startsAt }
          return {
            status: "STOPPED",
            startedAt: startsAt,
            stoppedAt: stopsAt,
            reason: "Essential container in task exited",
            stopCode: "EssentialContainerExited",
            exitCode: task.script.exitCode ?? 0
          }
        }

        const containerName = (task: StoredTask) => task.definition.request.containerDefinitions[0]?.name ?? "container"
        const logStreamOf = (task: StoredTask) => {
          const options = task.definition.request.containerDefinitions[0]?.logConfiguration.options ?? {}
          const group = options["awslogs-group"]
          const prefix = options["awslogs-stream-prefix"]
          return group === undefined || prefix === undefined ? undefined : { group, stream: `${prefix}/${containerName(task)}/${task.id}` }
        }

        const toTask = (task: StoredTask, t: number): Task => {
          const s = timelineAt(task, t)
          return {
            id: task.id,
            arn: arn("task", `${task.cluster}/${task.id}`),
            cluster: task.cluster,
            taskDefinition: task.definition.arn,
            lastStatus: s.status,
            desiredStatus: s.status === "STOPPED" || task.stopped !== undefined ? "STOPPED" : "RUNNING",
            ...(s.reason !== undefined ? { stoppedReason: s.reason } : {}),
            ...(s.stopCode !== undefined ? { stopCode: s.stopCode } : {}),
            createdAt: new Date(task.createdAt),
            ...(s.startedAt !== undefined ? { startedAt: new Date(s.startedAt) } : {}),
            ...(s.stoppedAt !== undefined ? { stoppedAt: new Date(s.stoppedAt) } : {}),
            launchType: task.request.launchType,
            containers: [{
              name: containerName(task),
              lastStatus: s.status === "STOPPED" ? "STOPPED" : s.status === "RUNNING" ? "RUNNING" : "PENDING",
              ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
              ...(s.status === "STOPPED" && s.startedAt === undefined ? { reason: s.reason ?? "stopped before it started" } : {})
            }],
            tags: Object.fromEntries((task.request.tags ?? []).map((tag) => [tag.key, tag.value]))
          }
        }

        /** Write the log lines whose time has come, then describe every task. */
        const current = Effect.gen(function*() {
          const t = yield* now
          const updated: Array<StoredTask> = []
          for (const task of yield* Ref.get(tasksRef)) {
            const s = timelineAt(task, t)
            const lines = task.script.logLines ?? []
            const where = logStreamOf(task)
            if (s.startedAt === undefined || lines.length === 0 || task.linesWritten >= lines.length || where === undefined) {
              updated.push(task)
              continue
            }
            const startedAt = s.startedAt
            const end = s.stoppedAt ?? startedAt + ms(task.script.runFor, ms(seed.runFor, 5000))
            const timeOf = (i: number) => startedAt + Math.floor(((i + 1) * (end - startedAt)) / (lines.length + 1))
            let due = task.linesWritten
            while (due < lines.length && timeOf(due) <= Math.min(t, end)) due++
            if (s.stoppedAt !== undefined && task.stopped === undefined) due = lines.length
            if (due > task.linesWritten && Option.isSome(logsState)) {
              const events = lines.slice(task.linesWritten, due).map((message, k) => ({ timestamp: timeOf(task.linesWritten + k), message }))
              yield* logsState.value.putEvents(where.group, where.stream, events)
            }
            updated.push({ ...task, linesWritten: due })
          }
          yield* Ref.set(tasksRef, updated)
          return updated.map((task) => toTask(task, t))
        })

        const pages = <A>(op: string, items: ReadonlyArray<A>) =>
          Stream.paginate(0, (offset: number) =>
            record(op).pipe(
              Effect.as([items.slice(offset, offset + pageSize), offset + pageSize < items.length ? Option.some(offset + pageSize) : Option.none()] as const)
            ))
        const listed = <A>(op: string, items: Effect.Effect<ReadonlyArray<A>>) => Stream.unwrap(Effect.map(items, (all) => pages(op, all)))

        const clusterOf = (name: string, tasks: ReadonlyArray<Task>): Cluster => ({
          name,
          arn: arn("cluster", name),
          status: "ACTIVE",
          runningTasks: tasks.filter((t) => t.cluster === name && t.lastStatus === "RUNNING").length,
          pendingTasks: tasks.filter((t) => t.cluster === name && (t.lastStatus === "PENDING" || t.lastStatus === "PROVISIONING")).length,
          activeServices: 0
        })
        const describeCluster = (name: string) =>
          Effect.gen(function*() {
            yield* record("DescribeClusters")
            const known = (yield* Ref.get(clusters)).includes(nameOf(name))
            return known ? Option.some(clusterOf(nameOf(name), yield* current)) : Option.none<Cluster>()
          })

        const ecs = Ecs.of({
          region,
          clusters: () => listed("ListClusters", Effect.all([Ref.get(clusters), current]).pipe(Effect.map(([names, tasks]) => names.map((n) => clusterOf(n, tasks))))),
          describeCluster,
          ensureCluster: (name) =>
            Effect.gen(function*() {
              yield* record("CreateCluster")
              const created = yield* Ref.modify(clusters, (all) => (all.includes(name) ? [false, all] as const : [true, [...all, name]] as const))
              return { value: clusterOf(name, yield* current), created }
            }),
          taskDefinitions: (filter = {}) =>
            listed("ListTaskDefinitions", Effect.map(Ref.get(definitions), (all) =>
              all.filter((d) => d.status === (filter.status ?? "ACTIVE") && (filter.family === undefined || d.family === filter.family))
                .map(({ arn, family, revision }) => ({ arn, family, revision })))),
          latestTaskDefinition: (family) =>
            Effect.gen(function*() {
              yield* record("ListTaskDefinitions")
              const active = (yield* Ref.get(definitions)).filter((d) => d.family === family && d.status === "ACTIVE")
              const latest = active[active.length - 1]
              return latest === undefined ? Option.none() : Option.some({ arn: latest.arn, family: latest.family, revision: latest.revision })
            }),
          describeContainerInstance: (cluster, containerInstance) =>
            Effect.gen(function*() {
              yield* record("DescribeContainerInstances")
              const action = `describe container instance ${containerInstance} of cluster ${cluster}`
              const name = yield* requireCluster("DescribeContainerInstances", action, cluster)
              const found = (seed.containerInstances ?? []).find((c) =>
                nameOf(c.cluster) === name && (c.arn === containerInstance || nameOf(c.arn) === containerInstance)
              )
              if (found === undefined) {
                return yield* new ResourceNotFound({
                  kind: `container instance of ECS cluster ${cluster}`,
                  name: containerInstance,
                  region,
                  hint: "It may have been deregistered (its instance terminated)"
                })
              }
              return { arn: found.arn, ec2InstanceId: found.ec2InstanceId, status: found.status ?? "ACTIVE" }
            }),
          taskLogLocation: (task) =>
            Effect.gen(function*() {
              yield* record("DescribeTaskDefinition")
              const definition = (yield* Ref.get(definitions)).find((d) => d.arn === task.taskDefinition)
              return logLocationOf(definition?.request.containerDefinitions ?? [], task.id)
            }),
          registerTaskDefinition: (request) =>
            Effect.gen(function*() {
              yield* record("RegisterTaskDefinition")
              yield* Ref.update(registered, (r) => [...r, request])
              const revision = (yield* Ref.get(definitions)).filter((d) => d.family === request.family).length + 1
              const definition: StoredDefinition = {
                arn: arn("task-definition", `${request.family}:${revision}`),
                family: request.family,
                revision,
                status: "ACTIVE",
                request
              }
              yield* Ref.update(definitions, (all) => [...all, definition])
              return { arn: definition.arn, family: definition.family, revision }
            }),
          runTask: (request) =>
            Effect.gen(function*() {
              yield* record("RunTask")
              const action = `run a task of ${request.taskDefinition} in cluster ${request.cluster}`
              const cluster = yield* requireCluster("RunTask", action, request.cluster)
              const wanted = request.taskDefinition
              const definition = (yield* Ref.get(definitions)).filter((d) =>
                d.status === "ACTIVE" && (d.arn === wanted || d.family === wanted || `${d.family}:${d.revision}` === wanted)
              ).pop()
              if (definition === undefined) {
                return yield* new AwsInvalidRequest({ ...fields("RunTask", action), code: "ClientException", awsMessage: "TaskDefinition not found." })
              }
              const id = (++counter).toString(16).padStart(32, "0")
              const stored: StoredTask = { id, cluster, request, definition, script: seed.script?.(request) ?? {}, createdAt: yield* now, linesWritten: 0 }
              yield* Ref.update(started, (s) => [...s, request])
              yield* Ref.update(tasksRef, (all) => [...all, stored])
              return toTask(stored, stored.createdAt)
            }),
          executeCommand: (request) =>
            Effect.gen(function*() {
              yield* record("ExecuteCommand")
              const action = `open an ECS Exec session in task ${request.task} of cluster ${request.cluster}`
              const name = yield* requireCluster("ExecuteCommand", action, request.cluster)
              const found = (yield* current).find((t) => t.cluster === name && (t.id === request.task || t.arn === request.task))
              if (found === undefined) {
                return yield* new AwsInvalidRequest({ ...fields("ExecuteCommand", action), code: "InvalidParameterException", awsMessage: "The specified task was not found." })
              }
              if (found.lastStatus !== "RUNNING") {
                return yield* new AwsInvalidRequest({ ...fields("ExecuteCommand", action), code: "InvalidParameterException", awsMessage: "The specified task is not in a running state." })
              }
              const stored = (yield* Ref.get(tasksRef)).find((t) => t.id === found.id)
              if (stored?.request.enableExecuteCommand !== true) {
                return yield* new OperationFailed({ message: `task ${request.task} of cluster ${request.cluster} was not started with ECS Exec enabled`, hint: enableExecHint })
              }
              const container = found.containers.find((c) => request.container === undefined || c.name === request.container)
              if (container === undefined) {
                return yield* new AwsInvalidRequest({ ...fields("ExecuteCommand", action), code: "InvalidParameterException", awsMessage: `The container ${request.container} was not found in the task.` })
              }
              const sessionId = `ecs-execute-command-${(++counter).toString(16).padStart(17, "0")}`
              return {
                ticket: { sessionId, streamUrl: `wss://ssmmessages.${region}.amazonaws.com/v1/data-channel/${sessionId}?role=publish_subscribe`, token: Redacted.make(`token-${sessionId}`) },
                taskArn: found.arn,
                containerName: container.name
              }
            }),
          describeTask: (cluster, task) =>
            Effect.gen(function*() {
              yield* record("DescribeTasks")
              const name = yield* requireCluster("DescribeTasks", `describe tasks of cluster ${cluster}`, cluster)
              const found = (yield* current).find((t) => t.cluster === name && (t.id === task || t.arn === task))
              if (found) return found
              return yield* new ResourceNotFound({
                kind: "ECS task",
                name: task,
                region,
                hint: `Run 'aegea ecs tasks --cluster ${name}' to see its tasks (ECS forgets stopped tasks after about an hour)`
              })
            }),
          tasks: (cluster, desiredStatus) =>
            Stream.unwrap(
              Effect.map(requireCluster("ListTasks", `list ${desiredStatus} tasks of cluster ${cluster}`, cluster), (name) =>
                listed("ListTasks", Effect.map(current, (all) => all.filter((t) => t.cluster === name && t.desiredStatus === desiredStatus))))
            ),
          stopTask: (cluster, task, reason) =>
            Effect.gen(function*() {
              yield* record("StopTask")
              const name = yield* requireCluster("StopTask", `stop task ${task} of cluster ${cluster}`, cluster)
              const t = yield* now
              yield* Ref.update(tasksRef, (all) =>
                all.map((s) =>
                  s.cluster !== name || (s.id !== task && arn("task", `${name}/${s.id}`) !== task) || s.stopped !== undefined ||
                    timelineAt(s, t).status === "STOPPED"
                    ? s
                    : { ...s, stopped: { at: t, reason } }
                ))
            })
        })
        // Seeds go through the API itself, so they are stored exactly as requests would be; a seed AWS
        // would reject (an unknown cluster or definition) is a bug in the test: the layer dies saying so.
        for (const request of seed.taskDefinitions ?? []) yield* Effect.orDie(ecs.registerTaskDefinition(request))
        for (const request of seed.tasks ?? []) yield* Effect.orDie(ecs.runTask(request))
        yield* Ref.set(calls, [])
        yield* Ref.set(started, [])
        yield* Ref.set(registered, [])
        const state = EcsMemoryState.of({
          tasks: current,
          started: Ref.get(started),
          registered: Ref.get(registered),
          calls: Ref.get(calls)
        })
        return Context.make(Ecs, ecs).pipe(Context.add(EcsMemoryState, state))
      })
    )
}
