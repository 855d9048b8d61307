/**
 * AWS Batch: queues, compute environments, job definitions and jobs (the `Batch` service and its live
 * layer), the request builders, job submission (`submitBatchJob`), compute environments
 * (`ensureComputeEnvironment`), image builds on Batch (`buildDockerImage`) and job watches as Streams
 * (`watchJobEvents`).
 */
export { BatchLive as layer } from "../layers/BatchLive.ts"
export {
  Batch,
  ComputeEnvironment,
  type ComputeEnvironmentSpec,
  type ComputeEnvironmentUpdate,
  type ComputeType,
  computeTypes,
  defaultJobLogGroup,
  defaultQueueName,
  type Ensured,
  isFinished,
  Job,
  JobDefinition,
  type JobFilter,
  JobQueue,
  type JobQueueSpec,
  type JobQueueUpdate,
  JobStatus,
  jobStatuses,
  JobSummary,
  type SubmittedJob
} from "../services/Batch.ts"
export {
  type ContainerOptions,
  type ContainerShape,
  type DefinitionVolume,
  type EfsVolume,
  type HostVolume,
  type JobRun,
  type MountPoint,
  type Platform,
  type RegisterJobDefinitionRequest,
  registerJobDefinitionRequest,
  type StorageRequest,
  type SubmitJobRequest,
  submitJobRequest,
  type Ulimit
} from "../services/batchRequests.ts"
export { ensureDefaultQueue, resolveQueue, submitBatchJob, type SubmitError, type SubmitInput } from "../workflows/batchSubmit.ts"
export {
  type ComputeEnvironmentError,
  type ComputeEnvironmentInput,
  type ComputeEnvironmentPlan,
  ensureComputeEnvironment
} from "../workflows/computeEnvironment.ts"
export {
  type BuildError,
  type BuildInput,
  type BuildPlan,
  buildDockerImage,
  buildQueueName,
  buildRoleName
} from "../workflows/buildDockerImage.ts"
export { configDigest, dockerfileFromCloudConfig, type GeneratedDockerfile } from "../lib/dockerfile.ts"
export { type JobSnapshot, jobOutcome, watchJobEvents, type WatchJobOptions } from "../workflows/watchJob.ts"
