/**
 * The RegisterTaskDefinition and RunTask requests of `ecs run`, built by pure functions: the live
 * layer sends exactly these objects (AWS API field names) and `--dry-run` prints them.
 */
import * as Effect from "effect/Effect"
import { definitionName } from "../lib/definitionHash.ts"
import { fargateSizeProblem } from "../lib/fargateSizes.ts"
import { containerCommand } from "../lib/shellCommand.ts"
import {
  type ContainerOptions,
  definitionVolumes,
  type DefinitionVolume,
  type EfsVolume,
  ephemeralStorageGiB,
  type HostVolume,
  type MountPoint,
  type Platform,
  storageProblem,
  type StorageRequest,
  type Ulimit
} from "../lib/containerStorage.ts"
import { UsageError } from "../errors.ts"

/** The container aegea runs in its task definitions, and the awslogs stream prefix it sets. */
export const containerName = "aegea"
/** The awslogs stream prefix of aegea's task definitions, so a task's stream is `aegea/aegea/<task id>`. */
export const logStreamPrefix = "aegea"

/** The family prefix of aegea's task definitions (`--task-name` names another). */
export const defaultTaskName = "aegea_ecs"

/**
 * What an ECS task runs in: image, CPU, memory, platform, roles and container options; it decides the task
 * definition.
 */
export interface TaskShape extends ContainerOptions {
  readonly image: string
  /** CPU units: 1024 = 1 vCPU. */
  readonly cpu: number
  readonly memoryMiB: number
  readonly executionRoleArn: string
  readonly taskRoleArn?: string | undefined
  readonly logGroup: string
  readonly region: string
  /** FARGATE (default) or EC2 (the cluster's container instances). */
  readonly platform?: Platform | undefined
  /** The family prefix (`--task-name`, default aegea_ecs): the family is `<prefix>_<content hash>`. */
  readonly taskName?: string | undefined
}

/** One run of a task: cluster, command lines, environment, subnets and security groups, tags, platform, ECS Exec. */
export interface TaskRun {
  readonly cluster: string
  readonly commandLines: ReadonlyArray<string>
  readonly environment: Readonly<Record<string, string>>
  readonly subnets: ReadonlyArray<string>
  readonly securityGroups: ReadonlyArray<string>
  readonly tags: Readonly<Record<string, string>>
  /** Turn on ECS Exec for the task (`ecs run --enable-exec`). */
  readonly enableExecuteCommand?: boolean
  /** FARGATE (default: awsvpc networking in `subnets`) or EC2 (bridge networking on the cluster's instances). */
  readonly platform?: Platform | undefined
}

/** The RegisterTaskDefinition request aegea sends, as ECS's API takes it. */
export interface RegisterTaskDefinitionRequest {
  readonly family: string
  readonly requiresCompatibilities: ReadonlyArray<Platform>
  readonly networkMode: "awsvpc" | "bridge"
  readonly cpu: string
  readonly memory: string
  readonly executionRoleArn: string
  readonly taskRoleArn?: string
  readonly containerDefinitions: ReadonlyArray<{
    readonly name: string
    readonly image: string
    readonly essential: boolean
    readonly memory: number
    readonly logConfiguration: { readonly logDriver: string; readonly options: Readonly<Record<string, string>> }
    readonly privileged?: boolean
    readonly user?: string
    readonly ulimits?: ReadonlyArray<Ulimit>
    readonly mountPoints?: ReadonlyArray<MountPoint>
  }>
  readonly volumes?: ReadonlyArray<DefinitionVolume>
  readonly ephemeralStorage?: { readonly sizeInGiB: number }
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>
}

/** The RunTask request aegea sends, as ECS's API takes it. */
export interface RunTaskRequest {
  readonly cluster: string
  readonly taskDefinition: string
  readonly launchType: Platform
  readonly count: 1
  readonly startedBy: "aegea"
  readonly networkConfiguration?: {
    readonly awsvpcConfiguration: {
      readonly subnets: ReadonlyArray<string>
      readonly securityGroups: ReadonlyArray<string>
      readonly assignPublicIp: "ENABLED"
    }
  }
  readonly overrides: {
    readonly containerOverrides: ReadonlyArray<{
      readonly name: string
      readonly command: ReadonlyArray<string>
      readonly environment: ReadonlyArray<{ readonly name: string; readonly value: string }>
    }>
  }
  readonly tags?: ReadonlyArray<{ readonly key: string; readonly value: string }>
  /** ECS Exec (`aegea ecs exec`) into the task. */
  readonly enableExecuteCommand?: true
}

/** RunTask accepts at most 8192 characters of `overrides` JSON (ECS API reference). */
export const overridesLimit = 8192

type CheckedShape = Omit<TaskShape, "executionRoleArn" | "region" | "logGroup" | "image">

/** Check a task shape against what ECS accepts (Fargate sizes, the family name, storage), before any AWS call. */
export const checkTaskShape = (shape: CheckedShape): Effect.Effect<void, UsageError> => {
  const platform = shape.platform ?? "FARGATE"
  const problem = platform === "FARGATE" ? fargateSizeProblem(shape.cpu / 1024, shape.memoryMiB) : undefined
  if (problem !== undefined) {
    return Effect.fail(
      new UsageError({
        message: `invalid cpu/memory for Fargate: ${problem}`,
        hint: "cpu is in CPU units (256 = 0.25 vCPU, 1024 = 1 vCPU) and memory in MiB",
        input: {
          field: "cpu/memoryMiB",
          flag: "--fargate-cpu/--fargate-memory",
          message: `invalid --fargate-cpu/--fargate-memory: ${fargateSizeProblem(shape.cpu / 1024, shape.memoryMiB, "--fargate-memory")}`,
          advice: "--fargate-cpu takes CPU units (256 = 0.25 vCPU, 1024 = 1 vCPU) and --fargate-memory MiB"
        }
      })
    )
  }
  if (shape.taskName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$/.test(shape.taskName)) {
    const hint = "Use up to 200 letters, digits, hyphens and underscores, starting with a letter or digit"
    return Effect.fail(
      new UsageError({
        message: `invalid task name ${JSON.stringify(shape.taskName)}`,
        hint,
        input: { field: "taskName", flag: "--task-name", message: `invalid --task-name ${JSON.stringify(shape.taskName)}`, advice: hint }
      })
    )
  }
  const storage = storageProblem({ ...shape, platform })
  return storage === undefined ? Effect.void : Effect.fail(new UsageError(storage))
}

const definitionBody = (shape: TaskShape) => {
  const platform = shape.platform ?? "FARGATE"
  const storageShape = { ...shape, platform }
  const { mountPoints, volumes } = definitionVolumes(storageShape)
  const ephemeral = ephemeralStorageGiB(storageShape)
  const awslogs = {
    "awslogs-group": shape.logGroup,
    "awslogs-region": shape.region,
    "awslogs-stream-prefix": logStreamPrefix
  }
  const logDriver = shape.logDriver ?? "awslogs"
  return {
    requiresCompatibilities: [platform],
    networkMode: platform === "FARGATE" ? "awsvpc" as const : "bridge" as const,
    cpu: String(shape.cpu),
    memory: String(shape.memoryMiB),
    executionRoleArn: shape.executionRoleArn,
    ...(shape.taskRoleArn !== undefined ? { taskRoleArn: shape.taskRoleArn } : {}),
    containerDefinitions: [
      {
        name: containerName,
        image: shape.image,
        essential: true,
        memory: shape.memoryMiB,
        logConfiguration: { logDriver, options: { ...(logDriver === "awslogs" ? awslogs : {}), ...shape.logOptions } },
        ...(shape.privileged === true ? { privileged: true } : {}),
        ...(shape.user !== undefined ? { user: shape.user } : {}),
        ...(shape.ulimits !== undefined && shape.ulimits.length > 0 ? { ulimits: shape.ulimits } : {}),
        ...(mountPoints.length > 0 ? { mountPoints } : {})
      }
    ],
    ...(volumes.length > 0 ? { volumes } : {}),
    ...(ephemeral !== undefined ? { ephemeralStorage: { sizeInGiB: ephemeral } } : {})
  }
}

/** The task definition for a shape; its family name carries the hash of its content. */
export const registerTaskDefinitionRequest = (shape: TaskShape): RegisterTaskDefinitionRequest => {
  const body = definitionBody(shape)
  const family = definitionName(shape.taskName ?? defaultTaskName, body)
  return { family, ...body, tags: [{ key: "aegea:definition", value: family }] }
}

/** The RunTask request of a task run, on a registered task definition. */
export const runTaskRequest = (run: TaskRun, taskDefinition: string): RunTaskRequest => {
  const tags = Object.entries(run.tags).map(([key, value]) => ({ key, value }))
  const platform = run.platform ?? "FARGATE"
  return {
    cluster: run.cluster,
    taskDefinition,
    launchType: platform,
    count: 1,
    startedBy: "aegea",
    ...(platform === "FARGATE"
      ? { networkConfiguration: { awsvpcConfiguration: { subnets: run.subnets, securityGroups: run.securityGroups, assignPublicIp: "ENABLED" as const } } }
      : {}),
    overrides: {
      containerOverrides: [
        {
          name: containerName,
          command: containerCommand(run.commandLines),
          environment: Object.entries(run.environment).map(([name, value]) => ({ name, value }))
        }
      ]
    },
    ...(tags.length > 0 ? { tags } : {}),
    ...(run.enableExecuteCommand === true ? { enableExecuteCommand: true as const } : {})
  }
}

/** Fail with a UsageError when the command and environment overrides are larger than RunTask accepts. */
export const checkOverridesSize = (request: RunTaskRequest): Effect.Effect<void, UsageError> => {
  const size = JSON.stringify(request.overrides).length
  return size <= overridesLimit
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `the task's command and environment take ${size} characters; ECS RunTask accepts at most ${overridesLimit}`,
        hint: "Shorten the command lines and environment values, or ship large inputs in the image or on S3",
        remedy: "shorten-inputs"
      })
    )
}
