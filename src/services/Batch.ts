/**
 * AWS Batch as aegea sees it: jobs (submit, describe, list, terminate), job queues, compute
 * environments and job definitions. Requests are built by the pure functions in batchRequests.ts,
 * so `--dry-run` prints exactly what the live layer sends.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { AwsError, ResourceNotFound } from "../errors.ts"
import type { Ensured } from "./Iam.ts"

export type { Ensured } from "./Iam.ts"
import type { RegisterJobDefinitionRequest, SubmitJobRequest } from "./batchRequests.ts"

const optionalString = Schema.optional(Schema.String)
const optionalNumber = Schema.optional(Schema.Number)

/** Every AWS Batch job status, in the order a job goes through them. */
export const jobStatuses = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"] as const
/** An AWS Batch job status. */
export const JobStatus = Schema.Literals(jobStatuses)
/** An AWS Batch job status. */
export type JobStatus = typeof JobStatus.Type

/** Whether a job status is final (SUCCEEDED or FAILED). */
export const isFinished = (status: JobStatus) => status === "SUCCEEDED" || status === "FAILED"

/** An AWS Batch job as DescribeJobs returns it: status, reason, container, attempts and times. */
export const Job = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  status: JobStatus,
  statusReason: optionalString,
  queue: Schema.String,
  jobDefinition: Schema.String,
  createdAt: Schema.optional(Schema.Date),
  startedAt: Schema.optional(Schema.Date),
  stoppedAt: Schema.optional(Schema.Date),
  /** The container's exit code, once it has stopped. */
  exitCode: optionalNumber,
  /** Why the container stopped (e.g. "Essential container in task exited"). */
  containerReason: optionalString,
  logGroup: optionalString,
  logStream: optionalString,
  image: optionalString,
  vcpus: optionalNumber,
  memory: optionalNumber,
  command: Schema.Array(Schema.String),
  environment: Schema.Record(Schema.String, Schema.String),
  parameters: Schema.Record(Schema.String, Schema.String),
  dependsOn: Schema.Array(Schema.String),
  arraySize: optionalNumber,
  /** "EC2" or "FARGATE" (the job's platform capability), when AWS says. */
  platform: optionalString,
  /** While it runs on an EC2 compute environment: the ECS container instance of its task. */
  containerInstanceArn: optionalString,
  /** While it runs: its ECS task (the cluster is in the ARN). */
  taskArn: optionalString,
  /** ECS Exec is on for its task (set by its job definition), so `batch ssh` can open a shell in a Fargate job. */
  execEnabled: Schema.optional(Schema.Boolean)
})
/** An AWS Batch job as DescribeJobs returns it: status, reason, container, attempts and times. */
export type Job = typeof Job.Type

/** One row of ListJobs. */
export const JobSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  status: JobStatus,
  statusReason: optionalString,
  queue: Schema.String,
  createdAt: Schema.optional(Schema.Date),
  startedAt: Schema.optional(Schema.Date),
  stoppedAt: Schema.optional(Schema.Date),
  exitCode: optionalNumber,
  jobDefinition: optionalString
})
/** One row of ListJobs. */
export type JobSummary = typeof JobSummary.Type

/** An AWS Batch job queue: state, priority and compute environments. */
export const JobQueue = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  state: Schema.String,
  status: Schema.String,
  statusReason: optionalString,
  priority: Schema.Number,
  computeEnvironments: Schema.Array(Schema.String)
})
/** An AWS Batch job queue: state, priority and compute environments. */
export type JobQueue = typeof JobQueue.Type

/** The kinds of compute an AWS Batch compute environment runs on. */
export const computeTypes = ["FARGATE", "FARGATE_SPOT", "EC2", "SPOT"] as const
/** The kind of compute an AWS Batch compute environment runs on. */
export type ComputeType = (typeof computeTypes)[number]

/** An AWS Batch compute environment: type, state, status and vCPU limits. */
export const ComputeEnvironment = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  type: Schema.String,
  state: Schema.String,
  status: Schema.String,
  statusReason: optionalString,
  computeType: optionalString,
  minVcpus: optionalNumber,
  desiredVcpus: optionalNumber,
  maxVcpus: optionalNumber,
  instanceTypes: Schema.Array(Schema.String),
  subnets: Schema.Array(Schema.String),
  securityGroups: Schema.Array(Schema.String)
})
/** An AWS Batch compute environment: type, state, status and vCPU limits. */
export type ComputeEnvironment = typeof ComputeEnvironment.Type

/** An AWS Batch job definition (one revision). */
export const JobDefinition = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  revision: Schema.Number,
  status: Schema.String,
  platform: optionalString,
  image: optionalString,
  vcpus: optionalNumber,
  memory: optionalNumber,
  jobRoleArn: optionalString,
  executionRoleArn: optionalString
})
/** An AWS Batch job definition (one revision). */
export type JobDefinition = typeof JobDefinition.Type

/**
 * What `Batch.createComputeEnvironment` creates: a managed compute environment's type, vCPU limits, subnets,
 * security groups and roles.
 */
export interface ComputeEnvironmentSpec {
  readonly name: string
  readonly computeType: ComputeType
  readonly maxVcpus: number
  readonly minVcpus?: number
  readonly desiredVcpus?: number
  readonly subnets: ReadonlyArray<string>
  readonly securityGroups: ReadonlyArray<string>
  /** EC2/SPOT only: instance types (default "optimal") and the instance profile ARN. */
  readonly instanceTypes?: ReadonlyArray<string>
  readonly instanceRole?: string
  /** EC2/SPOT only: the launch template (by name, its default version) the instances start from. */
  readonly launchTemplate?: string
  /** EC2/SPOT only: the AMI of the instances and its Batch image type (e.g. ECS_AL2023, ECS_AL2_NVIDIA). */
  readonly image?: { readonly id: string; readonly type: string }
  /** EC2/SPOT only: the EC2 key pair of the instances. */
  readonly ec2KeyPair?: string
  /** The role Batch uses to manage the environment (default: its service-linked role). */
  readonly serviceRole?: string
  readonly tags?: Readonly<Record<string, string>>
}

/** The changes `Batch.updateComputeEnvironment` makes: state and vCPU limits. */
export interface ComputeEnvironmentUpdate {
  readonly state?: "ENABLED" | "DISABLED"
  readonly minVcpus?: number
  readonly maxVcpus?: number
  readonly desiredVcpus?: number
}

/** What `Batch.createQueue` creates: a queue's name, priority and compute environments in order. */
export interface JobQueueSpec {
  readonly name: string
  readonly priority: number
  /** Compute environment names or ARNs, in order of preference. */
  readonly computeEnvironments: ReadonlyArray<string>
  readonly tags?: Readonly<Record<string, string>>
}

/** The changes `Batch.updateQueue` makes: state, priority, compute environments. */
export interface JobQueueUpdate {
  readonly state?: "ENABLED" | "DISABLED"
  readonly priority?: number
}

/** Which jobs `Batch.jobs` lists: a queue, and the statuses (all when absent). */
export interface JobFilter {
  /** Queue name or ARN. */
  readonly queue: string
  /** Statuses to list (default: all seven). */
  readonly statuses?: ReadonlyArray<JobStatus>
}

/** The job `Batch.submitJob` created: its id and name. */
export interface SubmittedJob {
  readonly id: string
  readonly name: string
  readonly arn: string | undefined
}

/** AWS Batch: jobs, queues, compute environments and job definitions. Live: `BatchLive`; in memory: `BatchMemory`. */
export class Batch extends Context.Service<Batch, {
  readonly region: string
  readonly describeJob: (jobId: string) => Effect.Effect<Job, AwsError | ResourceNotFound>
  /** Jobs of a queue in the given statuses, all pages. */
  readonly jobs: (filter: JobFilter) => Stream.Stream<JobSummary, AwsError>
  readonly submitJob: (request: SubmitJobRequest) => Effect.Effect<SubmittedJob, AwsError>
  readonly terminateJob: (jobId: string, reason: string) => Effect.Effect<void, AwsError>
  readonly cancelJob: (jobId: string, reason: string) => Effect.Effect<void, AwsError>
  /** Job queues (all when `names` is empty). */
  readonly queues: (names?: ReadonlyArray<string>) => Stream.Stream<JobQueue, AwsError>
  /** Create a queue; an existing queue of that name is returned with `created: false`. */
  readonly createQueue: (spec: JobQueueSpec) => Effect.Effect<Ensured<JobQueue>, AwsError>
  readonly updateQueue: (name: string, update: JobQueueUpdate) => Effect.Effect<void, AwsError>
  readonly deleteQueue: (name: string) => Effect.Effect<void, AwsError>
  readonly computeEnvironments: (names?: ReadonlyArray<string>) => Stream.Stream<ComputeEnvironment, AwsError>
  /** Create a compute environment; an existing one of that name is returned with `created: false`. */
  readonly createComputeEnvironment: (
    spec: ComputeEnvironmentSpec
  ) => Effect.Effect<Ensured<ComputeEnvironment>, AwsError>
  readonly updateComputeEnvironment: (name: string, update: ComputeEnvironmentUpdate) => Effect.Effect<void, AwsError>
  readonly deleteComputeEnvironment: (name: string) => Effect.Effect<void, AwsError>
  /** Job definitions, optionally of one name and status (ACTIVE or INACTIVE). */
  readonly jobDefinitions: (
    filter?: { readonly name?: string; readonly status?: "ACTIVE" | "INACTIVE" }
  ) => Stream.Stream<JobDefinition, AwsError>
  readonly registerJobDefinition: (request: RegisterJobDefinitionRequest) => Effect.Effect<JobDefinition, AwsError>
}>()("aegea/Batch") {}

/** The default queue (and compute environment) created on demand. */
export const defaultQueueName = "aegea_batch"
/** CloudWatch Logs group of Batch jobs unless a job definition names another. */
export const defaultJobLogGroup = "/aws/batch/job"
