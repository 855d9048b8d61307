/**
 * The RegisterJobDefinition and SubmitJob requests of `batch submit`, built from a plain spec by
 * pure functions. The live layer sends exactly these objects (they have the AWS API's field
 * names), and `--dry-run` prints them.
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

export type { ContainerOptions, DefinitionVolume, EfsVolume, HostVolume, MountPoint, Platform, StorageRequest, Ulimit }
export { fargateEphemeralStorage, instanceStorageHostPath } from "../lib/containerStorage.ts"

/** What goes into a job definition (and so into its content hash). */
export interface ContainerShape extends ContainerOptions {
  readonly image: string
  readonly vcpus: number
  readonly memoryMiB: number
  readonly gpus: number
  readonly platform: Platform
  readonly jobRoleArn?: string | undefined
  /** Required on Fargate: the role ECS uses to pull the image and write logs. */
  readonly executionRoleArn?: string | undefined
  readonly retryAttempts?: number | undefined
  readonly timeoutSeconds?: number | undefined
  readonly logGroup: string
}

/** What goes into SubmitJob. */
export interface JobRun {
  readonly name: string
  readonly queue: string
  readonly commandLines: ReadonlyArray<string>
  readonly environment: Readonly<Record<string, string>>
  readonly parameters: Readonly<Record<string, string>>
  readonly dependsOn: ReadonlyArray<string>
  readonly arraySize?: number | undefined
}

interface KeyValue {
  readonly name: string
  readonly value: string
}

/** The RegisterJobDefinition request aegea sends, as AWS Batch's API takes it. */
export interface RegisterJobDefinitionRequest {
  readonly jobDefinitionName: string
  readonly type: "container"
  readonly platformCapabilities: ReadonlyArray<Platform>
  readonly containerProperties: {
    readonly image: string
    readonly resourceRequirements: ReadonlyArray<{ readonly type: "VCPU" | "MEMORY" | "GPU"; readonly value: string }>
    readonly jobRoleArn?: string
    readonly executionRoleArn?: string
    readonly networkConfiguration?: { readonly assignPublicIp: "ENABLED" }
    readonly fargatePlatformConfiguration?: { readonly platformVersion: "LATEST" }
    readonly logConfiguration: { readonly logDriver: string; readonly options: Readonly<Record<string, string>> }
    readonly privileged?: boolean
    readonly user?: string
    readonly ulimits?: ReadonlyArray<Ulimit>
    readonly volumes?: ReadonlyArray<DefinitionVolume>
    readonly mountPoints?: ReadonlyArray<MountPoint>
    readonly ephemeralStorage?: { readonly sizeInGiB: number }
  }
  readonly retryStrategy?: { readonly attempts: number }
  readonly timeout?: { readonly attemptDurationSeconds: number }
  readonly tags: Readonly<Record<string, string>>
}

/** The SubmitJob request aegea sends, as AWS Batch's API takes it. */
export interface SubmitJobRequest {
  readonly jobName: string
  readonly jobQueue: string
  /** The definition's name: Batch uses its latest ACTIVE revision (all revisions of a hashed name are identical). */
  readonly jobDefinition: string
  readonly containerOverrides: {
    readonly command: ReadonlyArray<string>
    readonly environment: ReadonlyArray<KeyValue>
  }
  readonly parameters?: Readonly<Record<string, string>>
  readonly dependsOn?: ReadonlyArray<{ readonly jobId: string }>
  readonly arrayProperties?: { readonly size: number }
}

/** SubmitJob requests may be at most 30 KiB (AWS Batch service quotas). */
export const submitJobRequestLimit = 30 * 1024

/** Check a container shape against what Batch accepts, before any AWS call. */
export const checkContainerShape = (shape: ContainerShape): Effect.Effect<void, UsageError> =>
  Effect.gen(function*() {
    if (!Number.isInteger(shape.memoryMiB) || shape.memoryMiB < 4) {
      return yield* new UsageError({
        message: `invalid memory ${shape.memoryMiB} MiB: give the memory in MiB, at least 4`,
        hint: "e.g. 4096",
        input: { field: "memoryMiB", flag: "--memory", message: `invalid --memory ${shape.memoryMiB}: give the memory in MiB, at least 4`, advice: "e.g. --memory 4096" }
      })
    }
    if (!(shape.vcpus > 0)) {
      return yield* new UsageError({
        message: `invalid vcpus ${shape.vcpus}: it must be more than 0`,
        input: { field: "vcpus", flag: "--vcpus", message: `invalid --vcpus ${shape.vcpus}: it must be more than 0` }
      })
    }
    if (!Number.isInteger(shape.gpus) || shape.gpus < 0) {
      return yield* new UsageError({
        message: `invalid gpus ${shape.gpus}: give a whole number, 0 or more`,
        input: { field: "gpus", flag: "--gpus", message: `invalid --gpus ${shape.gpus}: give a whole number, 0 or more` }
      })
    }
    if (shape.platform === "FARGATE") {
      const problem = fargateSizeProblem(shape.vcpus, shape.memoryMiB)
      if (problem !== undefined) {
        return yield* new UsageError({
          message: `invalid memory/vcpus for Fargate: ${problem}`,
          hint: "Or use the EC2 platform with an EC2 queue",
          input: {
            field: "vcpus/memoryMiB",
            flag: "--memory/--vcpus",
            message: `invalid --memory/--vcpus for Fargate: ${fargateSizeProblem(shape.vcpus, shape.memoryMiB, "--memory")}`,
            advice: "Or pass --platform EC2 with an EC2 queue"
          }
        })
      }
      if (shape.gpus > 0) {
        return yield* new UsageError({
          message: "gpus needs EC2: Fargate has no GPUs",
          hint: "Use the EC2 platform and a GPU queue for GPUs",
          input: { field: "gpus", flag: "--gpus", message: "--gpus needs EC2: Fargate has no GPUs", advice: "Pass --platform EC2 and a GPU queue for --gpus" }
        })
      }
    } else if (!Number.isInteger(shape.vcpus)) {
      return yield* new UsageError({
        message: `invalid vcpus ${shape.vcpus}: EC2 jobs take a whole number of vCPUs`,
        input: { field: "vcpus", flag: "--vcpus", message: `invalid --vcpus ${shape.vcpus}: EC2 jobs take a whole number of vCPUs` }
      })
    }
    if (shape.retryAttempts !== undefined && (shape.retryAttempts < 1 || shape.retryAttempts > 10)) {
      return yield* new UsageError({
        message: `invalid retryAttempts ${shape.retryAttempts}: Batch accepts 1 to 10`,
        input: { field: "retryAttempts", flag: "--retry-attempts", message: `invalid --retry-attempts ${shape.retryAttempts}: Batch accepts 1 to 10` }
      })
    }
    if (shape.timeoutSeconds !== undefined && shape.timeoutSeconds < 60) {
      return yield* new UsageError({
        message: `invalid timeoutSeconds ${shape.timeoutSeconds}: Batch needs at least 60 seconds`,
        input: { field: "timeoutSeconds", flag: "--timeout", message: `invalid --timeout ${shape.timeoutSeconds}: Batch needs at least 60 seconds` }
      })
    }
    const storage = storageProblem(shape)
    if (storage !== undefined) return yield* new UsageError(storage)
  })

/** The log configuration: awslogs into the log group unless --log-driver names another; --log-options on top. */
export const logConfiguration = (
  driver: string | undefined,
  options: Readonly<Record<string, string>> | undefined,
  awslogs: Readonly<Record<string, string>>
) => {
  const logDriver = driver ?? "awslogs"
  return { logDriver, options: { ...(logDriver === "awslogs" ? awslogs : {}), ...options } }
}

const definitionBody = (shape: ContainerShape) => {
  const fargate = shape.platform === "FARGATE"
  const { mountPoints, volumes } = definitionVolumes(shape)
  const ephemeral = ephemeralStorageGiB(shape)
  return {
    type: "container" as const,
    platformCapabilities: [shape.platform],
    containerProperties: {
      image: shape.image,
      resourceRequirements: [
        { type: "VCPU" as const, value: String(shape.vcpus) },
        { type: "MEMORY" as const, value: String(shape.memoryMiB) },
        ...(shape.gpus > 0 ? [{ type: "GPU" as const, value: String(shape.gpus) }] : [])
      ],
      ...(shape.jobRoleArn !== undefined ? { jobRoleArn: shape.jobRoleArn } : {}),
      ...(shape.executionRoleArn !== undefined ? { executionRoleArn: shape.executionRoleArn } : {}),
      ...(fargate
        ? {
          networkConfiguration: { assignPublicIp: "ENABLED" as const },
          fargatePlatformConfiguration: { platformVersion: "LATEST" as const }
        }
        : {}),
      logConfiguration: logConfiguration(shape.logDriver, shape.logOptions, { "awslogs-group": shape.logGroup }),
      ...(shape.privileged === true ? { privileged: true } : {}),
      ...(shape.user !== undefined ? { user: shape.user } : {}),
      ...(shape.ulimits !== undefined && shape.ulimits.length > 0 ? { ulimits: shape.ulimits } : {}),
      ...(volumes.length > 0 ? { volumes, mountPoints } : {}),
      ...(ephemeral !== undefined ? { ephemeralStorage: { sizeInGiB: ephemeral } } : {})
    },
    ...(shape.retryAttempts !== undefined ? { retryStrategy: { attempts: shape.retryAttempts } } : {}),
    ...(shape.timeoutSeconds !== undefined ? { timeout: { attemptDurationSeconds: shape.timeoutSeconds } } : {})
  }
}

/** The job definition for a container shape; its name carries the hash of its content. */
export const registerJobDefinitionRequest = (shape: ContainerShape): RegisterJobDefinitionRequest => {
  const body = definitionBody(shape)
  const name = definitionName("aegea_batch", body)
  return { jobDefinitionName: name, ...body, tags: { "aegea:definition": name } }
}

/** The SubmitJob request of a job run, on a registered job definition. */
export const submitJobRequest = (run: JobRun, jobDefinition: string): SubmitJobRequest => ({
  jobName: run.name,
  jobQueue: run.queue,
  jobDefinition,
  containerOverrides: {
    command: containerCommand(run.commandLines),
    environment: Object.entries(run.environment).map(([name, value]) => ({ name, value }))
  },
  ...(Object.keys(run.parameters).length > 0 ? { parameters: run.parameters } : {}),
  ...(run.dependsOn.length > 0 ? { dependsOn: run.dependsOn.map((jobId) => ({ jobId })) } : {}),
  ...(run.arraySize !== undefined ? { arrayProperties: { size: run.arraySize } } : {})
})

/** Fail with a UsageError when the request is larger than SubmitJob accepts. */
export const checkSubmitSize = (request: SubmitJobRequest): Effect.Effect<void, UsageError> => {
  const bytes = Buffer.byteLength(JSON.stringify(request), "utf8")
  return bytes <= submitJobRequestLimit
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `the SubmitJob request would be ${bytes} bytes; AWS Batch accepts at most ${submitJobRequestLimit}`,
        hint: "Shorten the command lines and environment values, or ship large inputs in the image or on S3",
        remedy: "shorten-inputs"
      })
    )
}

/** Job names: up to 128 letters, digits, hyphens and underscores, starting with a letter or digit. */
export const checkJobName = (name: string): Effect.Effect<void, UsageError> =>
  /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name)
    ? Effect.void
    : Effect.fail(
      new UsageError({
        message: `invalid job name ${JSON.stringify(name)}`,
        hint: "Use up to 128 letters, digits, hyphens and underscores, starting with a letter or digit"
      })
    )
