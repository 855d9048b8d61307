/**
 * `batch submit` as a program: check the input, make sure the queue (and, for the default queue,
 * the whole default infrastructure), the Fargate execution role and the log group exist, reuse or
 * register the job definition of this container shape, and submit. With `dryRun`, only read: report
 * the exact RegisterJobDefinition and SubmitJob requests (a `DryRun` progress event) and change
 * nothing. Progress (what was created, submitted) goes to `Progress` as typed events.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { storageCheckLines } from "../lib/containerStorage.ts"
import { Batch, type ComputeEnvironment, defaultQueueName, type JobQueue, type SubmittedJob } from "../services/Batch.ts"
import {
  checkContainerShape,
  checkJobName,
  checkSubmitSize,
  type ContainerShape,
  type JobRun,
  registerJobDefinitionRequest,
  submitJobRequest
} from "../services/batchRequests.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { type AwsError, OperationFailed, ResourceNotFound, type UsageError } from "../errors.ts"
import { fargateExecutionRole, Iam } from "../services/Iam.ts"
import { Logs } from "../services/Logs.ts"
import { emitProgress } from "../services/Progress.ts"
import { pollUntil } from "../services/Polling.ts"

const identity = <A>(a: A): A => a

/**
 * What `submitBatchJob` takes: the container's shape, the run, a dry-run flag and optional wrapping
 * of the SubmitJob call.
 */
export interface SubmitInput {
  readonly shape: Omit<ContainerShape, "executionRoleArn">
  readonly run: JobRun
  /**
   * Wraps the SubmitJob call, e.g. with createShieldedFromInterrupt so that a Ctrl-C during it
   * finishes the call first and then terminates or names the job. Default: the call as it is.
   */
  readonly shieldSubmit?: ((submit: Effect.Effect<SubmittedJob, AwsError>) => Effect.Effect<SubmittedJob, AwsError>) | undefined
  readonly dryRun: boolean
  /** Submit against this existing job definition: `shape` is then not registered (nor checked). */
  readonly jobDefinitionArn?: string | undefined
}

/** The ways `submitBatchJob` fails. */
export type SubmitError = AwsError | UsageError | ResourceNotFound | OperationFailed

/** The ARN a role has (or will have) in this account, without creating it. */
const predictedRoleArn = (name: string) =>
  Effect.gen(function*() {
    const iam = yield* Iam
    const existing = yield* iam.roleArn(name)
    if (Option.isSome(existing)) return existing.value
    return `arn:aws:iam::${yield* iam.accountId}:role/${name}`
  })

const waitValid = <A extends { readonly status: string; readonly statusReason?: string | undefined }>(
  what: string,
  describe: Effect.Effect<A | undefined, AwsError>
) =>
  describe.pipe(
    (e) => pollUntil(e, "state", (x) => x === undefined || x.status === "VALID" || x.status === "INVALID"),
    Effect.timeoutOrElse({
      duration: "5 minutes",
      orElse: () => Effect.fail(new OperationFailed({ message: `timed out waiting for ${what} to be VALID` }))
    }),
    Effect.flatMap((x) =>
      x?.status === "INVALID"
        ? Effect.fail(new OperationFailed({ message: `${what} is INVALID: ${x.statusReason ?? "no reason given"}` }))
        : Effect.void
    )
  )

/**
 * The default Fargate compute environment and job queue `aegea_batch`, in the default VPC's subnets
 * with the security group `aegea_batch`; each created only if missing, safe to run twice at once.
 */
export const ensureDefaultQueue = Effect.gen(function*() {
  const batch = yield* Batch
  const network = yield* Ec2Network
  const { vpcId, subnetIds } = yield* network.defaultNetwork
  const group = yield* network.ensureSecurityGroup(defaultQueueName, vpcId, "aegea batch jobs (outbound only)")
  if (group.created) {
    yield* emitProgress({ _tag: "Created", kind: "security group", id: group.id, message: `created security group ${defaultQueueName} (${group.id}) in ${vpcId}` })
  }
  const serviceRole = yield* (yield* Iam).ensureServiceLinkedRole("batch.amazonaws.com", "AWSServiceRoleForBatch")
  if (serviceRole.created) {
    yield* emitProgress({ _tag: "Created", kind: "service-linked role", id: serviceRole.value.arn, message: "created the AWS Batch service-linked role AWSServiceRoleForBatch" })
  }
  const ce = yield* batch.createComputeEnvironment({
    name: defaultQueueName,
    serviceRole: serviceRole.value.arn,
    computeType: "FARGATE",
    maxVcpus: 64,
    subnets: subnetIds,
    securityGroups: [group.id],
    tags: { "aegea:created-by": "aegea batch submit" }
  })
  if (ce.created) {
    yield* emitProgress({ _tag: "Created", kind: "compute environment", id: defaultQueueName, message: `created Fargate compute environment ${defaultQueueName} (max 64 vCPUs)` })
  }
  const describeCe = Effect.map(Stream.runCollect(batch.computeEnvironments([defaultQueueName])), (all): ComputeEnvironment | undefined => all[0])
  yield* waitValid(`compute environment ${defaultQueueName}`, describeCe)
  const queue = yield* batch.createQueue({ name: defaultQueueName, priority: 1, computeEnvironments: [defaultQueueName] })
  if (queue.created) yield* emitProgress({ _tag: "Created", kind: "job queue", id: defaultQueueName, message: `created job queue ${defaultQueueName}` })
  const describeQueue = Effect.map(Stream.runCollect(batch.queues([defaultQueueName])), (all): JobQueue | undefined => all[0])
  yield* waitValid(`job queue ${defaultQueueName}`, describeQueue)
  return queue.value
})

/** The queue, created on demand when it is the default one; ResourceNotFound for any other missing queue. */
export const resolveQueue = (name: string, options: { readonly create: boolean }) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const [queue] = yield* Stream.runCollect(batch.queues([name]))
    if (queue !== undefined) return Option.some(queue)
    if (name !== defaultQueueName) {
      return yield* new ResourceNotFound({
        kind: "job queue",
        name,
        region: batch.region,
        hint: `Run 'aegea batch queues' to see the queues; only ${defaultQueueName} is created on demand`
      })
    }
    if (!options.create) return Option.none<JobQueue>()
    return Option.some(yield* ensureDefaultQueue)
  })

/**
 * Submit a job (or, with dryRun, report what would be sent as a `DryRun` progress event); returns
 * the job, or none for a dry run.
 */
export const submitBatchJob = (input: SubmitInput) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const iam = yield* Iam
    const logs = yield* Logs
    const fargate = input.shape.platform === "FARGATE"
    if (input.jobDefinitionArn === undefined) yield* checkContainerShape({ ...input.shape, executionRoleArn: "placeholder" })
    yield* checkJobName(input.run.name)
    // An unknown queue fails here, before anything (role, log group, definition) is created.
    const existingQueue = yield* resolveQueue(input.run.queue, { create: false })
    if (input.jobDefinitionArn !== undefined) {
      const submit = submitJobRequest(input.run, input.jobDefinitionArn)
      yield* checkSubmitSize(submit)
      if (input.dryRun) {
        if (Option.isNone(existingQueue)) yield* emitProgress({ _tag: "Notice", message: `dry run: queue ${input.run.queue} does not exist yet and would be created` })
        yield* emitProgress({ _tag: "DryRun", requests: { SubmitJob: submit } })
        yield* emitProgress({ _tag: "Notice", message: "dry run: nothing was created or submitted" })
        return Option.none<SubmittedJob>()
      }
      if (Option.isNone(existingQueue)) yield* resolveQueue(input.run.queue, { create: true })
      const job = yield* (input.shieldSubmit ?? identity)(batch.submitJob(submit))
      yield* emitProgress({
        _tag: "Created",
        kind: "job",
        id: job.id,
        message: `submitted job ${job.id} (${job.name}) to queue ${input.run.queue} with job definition ${input.jobDefinitionArn}`
      })
      return Option.some(job)
    }
    const executionRoleArn = !fargate
      ? undefined
      : input.dryRun
      ? yield* predictedRoleArn(fargateExecutionRole.name)
      : yield* iam.ensureRole(fargateExecutionRole).pipe(
        Effect.tap((role) =>
          role.created
            ? emitProgress({ _tag: "Created", kind: "IAM role", id: role.value.arn, message: `created IAM role ${role.value.name} (Fargate execution role)` })
            : Effect.void
        ),
        Effect.map((role) => role.value.arn)
      )
    const register = registerJobDefinitionRequest({ ...input.shape, executionRoleArn })
    // EC2 --storage: the job stops early when the instance storage has less free space than asked.
    const checks = storageCheckLines(input.shape)
    const submit = submitJobRequest({ ...input.run, commandLines: [...checks, ...input.run.commandLines] }, register.jobDefinitionName)
    yield* checkSubmitSize(submit)
    const queue = Option.isSome(existingQueue) || input.dryRun
      ? existingQueue
      : yield* resolveQueue(input.run.queue, { create: true })
    if (input.dryRun) {
      if (Option.isNone(queue)) yield* emitProgress({ _tag: "Notice", message: `dry run: queue ${input.run.queue} does not exist yet and would be created` })
      yield* emitProgress({ _tag: "DryRun", requests: { RegisterJobDefinition: register, SubmitJob: submit } })
      yield* emitProgress({ _tag: "Notice", message: "dry run: nothing was created or submitted" })
      return Option.none<SubmittedJob>()
    }
    yield* logs.ensureGroup(input.shape.logGroup)
    const active = yield* Stream.runCollect(batch.jobDefinitions({ name: register.jobDefinitionName, status: "ACTIVE" }))
    if (active.length === 0) {
      const definition = yield* batch.registerJobDefinition(register)
      yield* emitProgress({ _tag: "Created", kind: "job definition", id: definition.arn, message: `registered job definition ${definition.name}:${definition.revision}` })
    }
    const job = yield* (input.shieldSubmit ?? identity)(batch.submitJob(submit))
    yield* emitProgress({ _tag: "Created", kind: "job", id: job.id, message: `submitted job ${job.id} (${job.name}) to queue ${input.run.queue}` })
    return Option.some(job)
  })
