/**
 * ECS as aegea sees it: clusters, task definitions and one-shot Fargate tasks (`aegea ecs run`).
 * Requests are built by the pure functions in ecsRequests.ts, so `--dry-run` prints exactly what
 * the live layer sends.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { AwsError, OperationFailed, ResourceNotFound } from "../errors.ts"
import type { Ensured } from "./Iam.ts"
import type { SessionTicket } from "./Ssm.ts"
import { containerName, logStreamPrefix, type RegisterTaskDefinitionRequest, type RunTaskRequest } from "./ecsRequests.ts"

export { containerName, logStreamPrefix }

const optionalString = Schema.optional(Schema.String)

/** ECS task lifecycle, in order. */
export const taskStatuses = [
  "PROVISIONING",
  "PENDING",
  "ACTIVATING",
  "RUNNING",
  "DEACTIVATING",
  "STOPPING",
  "DEPROVISIONING",
  "STOPPED"
] as const

/** One container of an ECS task: status, exit code and reason. */
export const TaskContainer = Schema.Struct({
  name: Schema.String,
  lastStatus: optionalString,
  exitCode: Schema.optional(Schema.Number),
  reason: optionalString
})
/** One container of an ECS task: status, exit code and reason. */
export type TaskContainer = typeof TaskContainer.Type

/** An ECS task as DescribeTasks returns it: status, containers, stop reason and times. */
export const Task = Schema.Struct({
  id: Schema.String,
  arn: Schema.String,
  cluster: Schema.String,
  taskDefinition: Schema.String,
  lastStatus: Schema.String,
  desiredStatus: Schema.String,
  stoppedReason: optionalString,
  stopCode: optionalString,
  createdAt: Schema.optional(Schema.Date),
  startedAt: Schema.optional(Schema.Date),
  stoppedAt: Schema.optional(Schema.Date),
  launchType: optionalString,
  containers: Schema.Array(TaskContainer),
  tags: Schema.Record(Schema.String, Schema.String)
})
/** An ECS task as DescribeTasks returns it: status, containers, stop reason and times. */
export type Task = typeof Task.Type

/** An ECS cluster and its counts of tasks and services. */
export const Cluster = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  status: Schema.String,
  runningTasks: Schema.Number,
  pendingTasks: Schema.Number,
  activeServices: Schema.Number
})
/** An ECS cluster and its counts of tasks and services. */
export type Cluster = typeof Cluster.Type

/** A registered ECS task definition: its ARN, family and revision. */
export const TaskDefinitionRef = Schema.Struct({
  arn: Schema.String,
  family: Schema.String,
  revision: Schema.Number
})
/** A registered ECS task definition: its ARN, family and revision. */
export type TaskDefinitionRef = typeof TaskDefinitionRef.Type

/** The desired status of the tasks `Ecs.tasks` lists. */
export type DesiredStatus = "RUNNING" | "STOPPED"

/** What `Ecs.executeCommand` runs: a command in a container of a running task, with ECS Exec. */
export interface ExecuteCommandRequest {
  readonly cluster: string
  readonly task: string
  /** Default: the task's only (or first) container. */
  readonly container?: string
  /** One line, run by the agent in the container, e.g. "/bin/sh". */
  readonly command: string
}

/** An interactive ECS Exec session: attach to it with SsmSession.attach(…, "shell"). */
export interface ExecSession {
  readonly ticket: SessionTicket
  readonly taskArn: string
  readonly containerName: string
  /**
   * The session's target as Session Manager names it, `ecs:CLUSTER_TASK_RUNTIMEID` (what a KMS-encrypted
   * session's encryption context holds), when the container's runtime id is known.
   */
  readonly target?: string | undefined
}

/** An EC2 instance registered in a cluster (where Batch and ECS place tasks on EC2). */
export interface ContainerInstance {
  readonly arn: string
  readonly ec2InstanceId: string | undefined
  /** ACTIVE, DRAINING, INACTIVE... */
  readonly status: string
}

/** The hint for a task that was started without ECS Exec. */
export const enableExecHint = "Start the task with ECS Exec turned on: 'aegea ecs run --enable-exec ...' (ECS cannot turn it on for a running task)"

/**
 * ECS: clusters, task definitions, running, watching and stopping tasks, ECS Exec. Live: `EcsLive`; in memory:
 * `EcsMemory`.
 */
export class Ecs extends Context.Service<Ecs, {
  readonly region: string
  readonly clusters: () => Stream.Stream<Cluster, AwsError>
  /** One cluster by name or ARN (ACTIVE or INACTIVE), or none when ECS does not know it. */
  readonly describeCluster: (name: string) => Effect.Effect<Option.Option<Cluster>, AwsError>
  /** Create the cluster if it does not exist (an INACTIVE one is created again). */
  readonly ensureCluster: (name: string) => Effect.Effect<Ensured<Cluster>, AwsError>
  /** Task definitions (ACTIVE by default), optionally of one family (ECS matches the whole family name). */
  readonly taskDefinitions: (
    filter?: { readonly family?: string; readonly status?: "ACTIVE" | "INACTIVE" }
  ) => Stream.Stream<TaskDefinitionRef, AwsError>
  /** The latest ACTIVE revision of a family, or none. */
  readonly latestTaskDefinition: (family: string) => Effect.Effect<Option.Option<TaskDefinitionRef>, AwsError>
  readonly registerTaskDefinition: (request: RegisterTaskDefinitionRequest) => Effect.Effect<TaskDefinitionRef, AwsError>
  readonly runTask: (request: RunTaskRequest) => Effect.Effect<Task, AwsError>
  /** One task by id or ARN; ResourceNotFound when the cluster does not know it. */
  readonly describeTask: (cluster: string, task: string) => Effect.Effect<Task, AwsError | ResourceNotFound>
  /** Tasks of a cluster with the given desired status, all pages. */
  readonly tasks: (cluster: string, desiredStatus: DesiredStatus) => Stream.Stream<Task, AwsError>
  readonly stopTask: (cluster: string, task: string, reason: string) => Effect.Effect<void, AwsError>
  /** ECS ExecuteCommand (interactive); a task without ECS Exec fails with OperationFailed and enableExecHint. */
  readonly executeCommand: (request: ExecuteCommandRequest) => Effect.Effect<ExecSession, AwsError | OperationFailed>
  /**
   * Where a task's container logs go, read from its task definition's awslogs configuration (the
   * aegea container first, else the first container logging to CloudWatch); none when it has none.
   */
  readonly taskLogLocation: (task: Task) => Effect.Effect<Option.Option<TaskLogLocation>, AwsError>
  /** One container instance of a cluster (ARN or id); ResourceNotFound when the cluster does not know it. */
  readonly describeContainerInstance: (
    cluster: string,
    containerInstance: string
  ) => Effect.Effect<ContainerInstance, AwsError | ResourceNotFound>
}>()("aegea/Ecs") {}

/** Where a task's container writes its log: the group and stream of the awslogs driver. */
export interface TaskLogLocation {
  readonly group: string
  readonly stream: string
}

/** The awslogs container definitions of a task definition -> the task's log stream (AWS's naming). */
export const logLocationOf = (
  containers: ReadonlyArray<{ readonly name?: string | undefined; readonly logConfiguration?: { readonly logDriver?: string | undefined; readonly options?: Readonly<Record<string, string>> | undefined } | undefined }>,
  taskId: string
): Option.Option<TaskLogLocation> => {
  const logging = containers.filter((c) => c.logConfiguration?.logDriver === "awslogs")
  const container = logging.find((c) => c.name === containerName) ?? logging[0]
  const group = container?.logConfiguration?.options?.["awslogs-group"]
  const prefix = container?.logConfiguration?.options?.["awslogs-stream-prefix"]
  // Without a stream prefix ECS names streams after the container instance, not the task: not predictable.
  if (container?.name === undefined || group === undefined || prefix === undefined) return Option.none()
  return Option.some({ group, stream: `${prefix}/${container.name}/${taskId}` })
}

/** The cluster `aegea ecs run` uses when none is named (created if missing). */
export const defaultClusterName = "aegea_ecs"
/** The name of the container in aegea's task definitions (and so in log stream names). */
/** The log group of `aegea ecs run` tasks. */
export const defaultTaskLogGroup = "/aegea/ecs"

/** The CloudWatch log stream of a task's container: `<prefix>/<container>/<task id>`. */
export const taskLogStream = (taskId: string) => `${logStreamPrefix}/${containerName}/${taskId}`

/** The task id from an id or ARN (arn:aws:ecs:region:acct:task/cluster/ID). */
export const taskIdOf = (task: string) => task.split("/").pop() ?? task

/** The exit code of the task's aegea container (or its first container). */
export const taskExitCode = (task: Task): number | undefined =>
  (task.containers.find((c) => c.name === containerName) ?? task.containers[0])?.exitCode
