/** `aegea batch submit`: run shell lines (or a file) in a container on AWS Batch, optionally watching it. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { batchPayloadLimit } from "../../lib/executePayload.ts"
import { EfsLive } from "../../layers/EfsLive.ts"
import { S3StagingLive } from "../../layers/S3StagingLive.ts"
import { checkContainerShape } from "../../services/batchRequests.ts"
import { Efs } from "../../services/Efs.ts"
import { S3Staging } from "../../services/S3Staging.ts"
import { removeStaged } from "../../workflows/stageExecute.ts"
import { jobOutcome } from "../../workflows/watchJob.ts"
import { awsService, BaseLayer } from "../global.ts"
import type * as Prompt from "effect/cli/Prompt"
import { createShieldedFromInterrupt } from "../../workflows/stopOnInterrupt.ts"
import { jobNameFor } from "../../lib/shellCommand.ts"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import { Batch, defaultJobLogGroup, defaultQueueName } from "../../services/Batch.ts"
import { submitBatchJob } from "../../workflows/batchSubmit.ts"
import { progressThroughOutput } from "../progressOutput.ts"
import { Iam } from "../../services/Iam.ts"
import { Output } from "../../services/Output.ts"
import { containerFlags, containerOptions, executeDescription, runLines } from "./containerFlags.ts"
import { jobInterruptOptions, watchJobStopping } from "./follow.ts"
import { BatchLayer } from "./layer.ts"
import { singleValues } from "./parseFlags.ts"

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const repeated = (name: string, description: string) => Flag.String(name).pipe(Flag.withDescription(description), Flag.atLeast(0))
const optionalInt = (name: string, description: string) => Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)

export const commonRunFlags = {
  command: repeated("command", "A shell line to run in the container; repeat for several lines, run in order under set -euo pipefail."),
  execute: optionalString("execute", executeDescription("job", 24)),
  image: optionalString("image", "The container image (default from config: ubuntu)."),
  ecrImage: optionalString("ecr-image", "An image in this account's ECR registry, as REPO[:TAG]; overrides --image."),
  environment: repeated("environment", "An environment variable for the container, as NAME=VALUE; repeatable."),
  dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Print the exact AWS requests, as YAML (JSON with --json), and change nothing."), Flag.withDefault(false)),
  // Optional, so that config (batch_submit.watch: true) can turn them on and --no-watch off again.
  watch: Flag.Boolean("watch").pipe(
    Flag.withDescription("Follow the job: print its status changes and log lines, then exit with its exit code (--no-watch: don't)."),
    Flag.optional
  ),
  terminateOnInterrupt: Flag.Boolean("terminate-on-interrupt").pipe(
    Flag.withDescription("On Ctrl-C (during SubmitJob, or while watching), terminate the job before exiting (at a terminal you are asked otherwise)."),
    Flag.optional
  )
}

const submitFlags = {
  ...commonRunFlags,
  vcpus: Flag.Finite("vcpus").pipe(Flag.withDescription("vCPUs for the container (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16)."), Flag.optional),
  memory: Flag.Int("memory").pipe(
    Flag.withAlias("memory-mb"),
    Flag.withDescription("Memory for the container in MiB (Fargate accepts set sizes per vCPU count, e.g. 2048 to 8192 for 1 vCPU)."),
    Flag.optional
  ),
  gpus: optionalInt("gpus", "GPUs for the container (EC2 queues only)."),
  parameters: repeated("parameters", "A job parameter, as NAME=VALUE, substituted for Ref::NAME; repeatable."),
  queue: optionalString("queue", `The job queue (default ${defaultQueueName}, created with a Fargate compute environment when missing).`),
  name: optionalString("name", "The job's name (default: aegea_ and the first word of the first command line)."),
  dependsOn: repeated("depends-on", "A job id this job waits for; repeatable."),
  arraySize: optionalInt("array-size", "Run an array job of this many children (2 to 10000)."),
  timeout: optionalInt("timeout", "Terminate the job after this many seconds (at least 60)."),
  retryAttempts: optionalInt("retry-attempts", "Attempts before the job fails (1 to 10)."),
  jobRole: optionalString("job-role", "The IAM role (name or ARN) the container's AWS calls use."),
  platform: Flag.Literals("platform", ["FARGATE", "EC2"]).pipe(
    Flag.withDescription("Run on Fargate (the default) or on EC2 instances of an EC2 queue."),
    Flag.optional
  ),
  jobDefinitionArn: optionalString(
    "job-definition-arn",
    "Submit against this existing job definition (ARN, or NAME[:REVISION]) instead of registering one: the definition flags (--image, --vcpus, --memory, --storage...) are then not used."
  ),
  ...containerFlags
}

/** REPO[:TAG] -> ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO[:TAG]. */
export const ecrImage = (repo: string, region: string) =>
  Effect.gen(function*() {
    const account = yield* (yield* Iam).accountId
    return `${account}.dkr.ecr.${region}.amazonaws.com/${repo}`
  })

export const submitCommand = Command.make(
  "submit",
  submitFlags,
  Effect.fn("batch submit")(function*(flags) {
    const config = yield* AegeaConfig
    const input = withConfigDefaults(config.section("batch submit"), flags)
    const output = yield* Output
    const region = (yield* Batch).region
    const image = Option.isSome(input.ecrImage) ? yield* ecrImage(input.ecrImage.value, region) : Option.getOrElse(input.image, () => "ubuntu")
    const jobRole = Option.getOrUndefined(input.jobRole)
    const jobRoleArn = jobRole === undefined || jobRole.startsWith("arn:")
      ? jobRole
      : `arn:aws:iam::${yield* (yield* Iam).accountId}:role/${jobRole}`
    const jobDefinitionArn = Option.getOrUndefined(input.jobDefinitionArn)
    const shape = {
      image,
      vcpus: Option.getOrElse(input.vcpus, () => 1),
      memoryMiB: Option.getOrElse(input.memory, () => 2048),
      gpus: Option.getOrElse(input.gpus, () => 0),
      platform: Option.getOrElse(input.platform, () => "FARGATE" as const),
      jobRoleArn,
      retryAttempts: Option.getOrUndefined(input.retryAttempts),
      timeoutSeconds: Option.getOrUndefined(input.timeout),
      logGroup: defaultJobLogGroup,
      ...(jobDefinitionArn === undefined ? yield* containerOptions(input) : {})
    }
    // A shape Batch would refuse fails before --execute uploads anything.
    if (jobDefinitionArn === undefined) yield* checkContainerShape({ ...shape, executionRoleArn: "placeholder" })
    const run = yield* runLines(input.command, input.execute, batchPayloadLimit, { dryRun: input.dryRun })
    const environment = { ...(yield* singleValues("environment", input.environment)), ...run.environment }
    const terminateOnInterrupt = Option.getOrElse(input.terminateOnInterrupt, () => false)
    const watching = Option.getOrElse(input.watch, () => false)
    const interruptContext = yield* Effect.context<Output | Prompt.Environment>()
    const batchService = yield* Batch
    const job = yield* submitBatchJob({
      dryRun: input.dryRun,
      jobDefinitionArn,
      // A Ctrl-C during SubmitJob waits for its answer, then terminates the job (when asked) or names it.
      shieldSubmit: (submit) =>
        createShieldedFromInterrupt(submit, (submitted) => jobInterruptOptions(batchService, submitted.id, terminateOnInterrupt, watching))
          .pipe(Effect.provideContext(interruptContext)),
      shape,
      run: {
        name: Option.getOrElse(input.name, () =>
          jobNameFor(Option.isSome(input.execute) ? [input.execute.value] : input.command)),
        queue: Option.getOrElse(input.queue, () => defaultQueueName),
        commandLines: run.lines,
        environment,
        parameters: yield* singleValues("parameters", input.parameters),
        dependsOn: input.dependsOn,
        arraySize: Option.getOrUndefined(input.arraySize)
      }
    })
    if (Option.isNone(job)) return
    if (!watching) {
      yield* output.document({ jobId: job.value.id, jobName: job.value.name, jobArn: job.value.arn })
      return
    }
    const ended = yield* watchJobStopping(job.value.id, terminateOnInterrupt)
    // The job has ended: its --execute file is no longer needed (an interrupted watch leaves it to the lifecycle rule).
    yield* removeStaged(run.staged)
    yield* jobOutcome(ended)
  }, progressThroughOutput)
).pipe(
  Command.withDescription(
    "Run shell lines (or a local file) in a container on AWS Batch. Creates the default Fargate queue aegea_batch on first use."
  ),
  Command.withExamples([
    { command: "aegea batch submit --command \"echo hello\" --memory 4096 --vcpus 2 --watch", description: "Run a line on Fargate and follow it to its exit code" },
    { command: "aegea batch submit --execute ./job.sh --environment STAGE=prod", description: "Ship and run a local script" },
    { command: "aegea batch submit --command \"make test\" --image my/repo:1 --dry-run", description: "Print the requests without submitting" },
    { command: "aegea batch submit --execute ./build/mytool --watch", description: "Run a local binary of any size (large files go through S3)" },
    {
      command: "aegea batch submit --platform EC2 --queue my_ec2_queue --storage /scratch=500 --efs-storage /efs --ulimits nofile=65536 --command \"df -h /scratch /efs\"",
      description: "Instance storage, the aegea EFS file system and a higher open-file limit on EC2"
    }
  ]),
  Command.provide(Layer.mergeAll(BatchLayer, Layer.mergeAll(awsService(S3Staging, S3StagingLive), awsService(Efs, EfsLive)).pipe(Layer.provideMerge(BaseLayer))))
)
