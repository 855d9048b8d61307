/**
 * The RegisterTaskDefinition and RunTask requests of `ecs run`, built by pure functions: the live
 * layer sends exactly these objects (AWS API field names) and `--dry-run` prints them.
 */
import * as Effect from "effect/Effect"
import { definitionName } from "../lib/definitionHash.ts"
import { fargateSizeProblem } from "../lib/fargateSizes.ts"
import { containerCommand } from "../lib/shellCommand.ts"
import { UsageError } from "../errors.ts"

/** The container aegea runs in its task definitions, and the awslogs stream prefix it sets. */
export const containerName = "aegea"
export const logStreamPrefix = "aegea"

export interface TaskShape {
  readonly image: string
  /** CPU units: 1024 = 1 vCPU. */
  readonly cpu: number
  readonly memoryMiB: number
  readonly executionRoleArn: string
  readonly taskRoleArn?: string | undefined
  readonly logGroup: string
  readonly region: string
}

export interface TaskRun {
  readonly cluster: string
  readonly commandLines: ReadonlyArray<string>
  readonly environment: Readonly<Record<string, string>>
  readonly subnets: ReadonlyArray<string>
  readonly securityGroups: ReadonlyArray<string>
  readonly tags: Readonly<Record<string, string>>
  /** Turn on ECS Exec for the task (`ecs run --enable-exec`). */
  readonly enableExecuteCommand?: boolean
}

export interface RegisterTaskDefinitionRequest {
  readonly family: string
  readonly requiresCompatibilities: ReadonlyArray<"FARGATE">
  readonly networkMode: "awsvpc"
  readonly cpu: string
  readonly memory: string
  readonly executionRoleArn: string
  readonly taskRoleArn?: string
  readonly containerDefinitions: ReadonlyArray<{
    readonly name: string
    readonly image: string
    readonly essential: boolean
    readonly memory: number
    readonly logConfiguration: { readonly logDriver: "awslogs"; readonly options: Readonly<Record<string, string>> }
  }>
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>
}

export interface RunTaskRequest {
  readonly cluster: string
  readonly taskDefinition: string
  readonly launchType: "FARGATE"
  readonly count: 1
  readonly startedBy: "aegea"
  readonly networkConfiguration: {
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

export const checkTaskShape = (shape: Pick<TaskShape, "cpu" | "memoryMiB">): Effect.Effect<void, UsageError> => {
  const problem = fargateSizeProblem(shape.cpu / 1024, shape.memoryMiB)
  return problem === undefined
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `invalid --fargate-cpu/--fargate-memory: ${problem.replace("--memory", "--fargate-memory")}`,
        hint: "--fargate-cpu takes CPU units (256 = 0.25 vCPU, 1024 = 1 vCPU) and --fargate-memory MiB"
      })
    )
}

const definitionBody = (shape: TaskShape) => ({
  requiresCompatibilities: ["FARGATE" as const],
  networkMode: "awsvpc" as const,
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
      logConfiguration: {
        logDriver: "awslogs" as const,
        options: {
          "awslogs-group": shape.logGroup,
          "awslogs-region": shape.region,
          "awslogs-stream-prefix": logStreamPrefix
        }
      }
    }
  ]
})

/** The task definition for a shape; its family name carries the hash of its content. */
export const registerTaskDefinitionRequest = (shape: TaskShape): RegisterTaskDefinitionRequest => {
  const body = definitionBody(shape)
  const family = definitionName("aegea_ecs", body)
  return { family, ...body, tags: [{ key: "aegea:definition", value: family }] }
}

export const runTaskRequest = (run: TaskRun, taskDefinition: string): RunTaskRequest => {
  const tags = Object.entries(run.tags).map(([key, value]) => ({ key, value }))
  return {
    cluster: run.cluster,
    taskDefinition,
    launchType: "FARGATE",
    count: 1,
    startedBy: "aegea",
    networkConfiguration: {
      awsvpcConfiguration: { subnets: run.subnets, securityGroups: run.securityGroups, assignPublicIp: "ENABLED" }
    },
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

export const checkOverridesSize = (request: RunTaskRequest): Effect.Effect<void, UsageError> => {
  const size = JSON.stringify(request.overrides).length
  return size <= overridesLimit
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `the task's command and environment take ${size} characters; ECS RunTask accepts at most ${overridesLimit}`,
        hint: "Shorten the --command lines and --environment values, or ship large inputs in the image or on S3"
      })
    )
}
