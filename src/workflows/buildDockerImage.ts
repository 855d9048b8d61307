/**
 * `build-docker-image` as a program: build an image in the account, with no local Docker. The
 * build context (a Dockerfile's folder, or a Dockerfile generated from a cloud-init configuration)
 * goes to aegea's staging bucket under `aegea-build/` (expired after 7 days by a lifecycle rule);
 * the ECR repository is created when missing (scan on push, a lifecycle policy keeping the newest N
 * untagged images); an AWS Batch job runs `lib/dockerfile.ts`'s script in a privileged `docker:cli`
 * container with the host's Docker socket, on the EC2 queue `aegea_build` (created with its compute
 * environment when missing), under the job role `aegea.build_docker_image` (ECR push, read of the
 * context). With `dryRun`, only read: return the Dockerfile and the exact requests, create nothing.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { buildScript, type BuildScriptEnvironment } from "../lib/dockerfile.ts"
import { tarGz, type TarEntry } from "../lib/tarball.ts"
import { Batch, defaultJobLogGroup, type JobQueue, type SubmittedJob } from "../services/Batch.ts"
import { type ContainerShape, registerJobDefinitionRequest, type SubmitJobRequest } from "../services/batchRequests.ts"
import { Ecr, lifecyclePolicyText } from "../services/Ecr.ts"
import { type AwsError, OperationFailed, ResourceNotFound, UsageError } from "../errors.ts"
import { Iam, type RoleSpec } from "../services/Iam.ts"
import { Logs } from "../services/Logs.ts"
import { emitProgress } from "../services/Progress.ts"
import { type ExpiryRule, S3Staging, stagingBucketName } from "../services/S3Staging.ts"
import { ensureComputeEnvironment } from "./computeEnvironment.ts"
import { pollUntil } from "../services/Polling.ts"

/** The queue and EC2 compute environment of image builds (created on demand). */
export const buildQueueName = "aegea_build"
/** The job role of image builds (the Python aegea's name). */
export const buildRoleName = "aegea.build_docker_image"
/** The default builder: the Docker CLI image, from ECR Public (no Docker Hub pull limits). */
export const defaultBuilderImage = "public.ecr.aws/docker/library/docker:cli"
/** The host's Docker socket, mounted into the builder. */
export const dockerSocket = "/var/run/docker.sock"

/** Where build contexts go in the staging bucket, and the rule that deletes them. */
export const buildPrefix = "aegea-build/"
export const buildExpiryRule: ExpiryRule = { id: "aegea-build-expiry", prefix: buildPrefix, days: 7 }

/** The role of build jobs: log in to ECR and push to the account's repositories, read build contexts. */
export const buildRole = (accountId: string): RoleSpec => ({
  name: buildRoleName,
  trustedService: "ecs-tasks.amazonaws.com",
  description: "Lets aegea build-docker-image jobs read their build context and push images to ECR",
  inlinePolicies: {
    [buildRoleName]: {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Effect: "Allow",
          Action: [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage"
          ],
          Resource: `arn:aws:ecr:*:${accountId}:repository/*`
        },
        { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::aegea-${accountId}-*/${buildPrefix}*` }
      ]
    }
  }
})

/**
 * What `buildDockerImage` takes: the ECR repository, the Dockerfile and its build context, the config
 * digest and tags.
 */
export interface BuildInput {
  /** The ECR repository. */
  readonly name: string
  /** The Dockerfile's text and its path inside the context. */
  readonly dockerfile: string
  readonly dockerfilePath: string
  /** The build context (it includes the Dockerfile). */
  readonly context: ReadonlyArray<TarEntry>
  /** The config digest: the image's first tag. */
  readonly digest: string
  /** More tags. */
  readonly tags: ReadonlyArray<string>
  readonly keepUntagged: number
  readonly builderImage: string
  readonly vcpus: number
  readonly memoryMiB: number
  readonly queue: string
  readonly noCache: boolean
  /** Pull the FROM images even when the host has them (`docker build --pull`). */
  readonly pull: boolean
  readonly timeoutSeconds?: number | undefined
  readonly dryRun: boolean
}

/**
 * What an image build does, as a dry run reports it: the image and tags, the staged context, the
 * repository and the Batch requests.
 */
export interface BuildPlan {
  readonly Dockerfile: string
  readonly image: string
  readonly tags: ReadonlyArray<string>
  readonly context: { readonly s3: string; readonly entries: number; readonly bytes: number }
  readonly repository: { readonly name: string; readonly scanOnPush: true; readonly lifecyclePolicy: string; readonly exists: boolean }
  readonly RegisterJobDefinition: ReturnType<typeof registerJobDefinitionRequest>
  readonly SubmitJob: SubmitJobRequest
}

/** The ways `buildDockerImage` fails. */
export type BuildError = AwsError | UsageError | ResourceNotFound | OperationFailed

const waitQueueValid = (name: string) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const describe = Effect.map(Stream.runCollect(batch.queues([name])), (all): JobQueue | undefined => all[0])
    const last = yield* describe.pipe(
      (e) => pollUntil(e, "state", (q) => q === undefined || q.status === "VALID" || q.status === "INVALID"),
      Effect.timeoutOrElse({
        duration: "5 minutes",
        orElse: () => Effect.fail(new OperationFailed({ message: `timed out waiting for job queue ${name} to be VALID` }))
      })
    )
    if (last?.status === "INVALID") return yield* new OperationFailed({ message: `job queue ${name} is INVALID: ${last.statusReason ?? "no reason given"}` })
  })

/** The build queue: an existing queue, or `aegea_build` with its EC2 compute environment, created when missing. */
const ensureBuildQueue = (name: string, dryRun: boolean) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const [queue] = yield* Stream.runCollect(batch.queues([name]))
    if (queue !== undefined) return
    if (name !== buildQueueName) {
      return yield* new ResourceNotFound({
        kind: "job queue",
        name,
        region: batch.region,
        hint: `Run 'aegea batch queues' to see the queues; only ${buildQueueName} is created on demand`
      })
    }
    const environment = yield* ensureComputeEnvironment({
      name: buildQueueName,
      computeType: "EC2",
      maxVcpus: 16,
      instanceTypes: [],
      gpus: false,
      tags: { "aegea:created-by": "aegea build-docker-image" },
      dryRun
    })
    if (dryRun) {
      yield* emitProgress({
        _tag: "Notice",
        message: `dry run: the queue ${buildQueueName} does not exist; it would be created with ${environment.created.join(", ") || "its compute environment"}`
      })
      return
    }
    const created = yield* batch.createQueue({ name: buildQueueName, priority: 1, computeEnvironments: [buildQueueName] })
    if (created.created) yield* emitProgress({ _tag: "Created", kind: "job queue", id: buildQueueName, message: `created job queue ${buildQueueName}` })
    yield* waitQueueValid(buildQueueName)
  })

/** A job name from a repository name: letters, digits, - and _ only. */
export const buildJobName = (repository: string) => `aegea_build_${repository.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 128)

/** Build (or, dry, plan) the image; returns the plan and the submitted job (none for a dry run). */
export const buildDockerImage = (input: BuildInput) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const iam = yield* Iam
    const ecr = yield* Ecr
    const staging = yield* S3Staging
    if (!Number.isInteger(input.vcpus) || input.vcpus < 1) return yield* new UsageError({ message: `invalid --vcpus ${input.vcpus}: give a whole number, 1 or more` })
    if (!Number.isInteger(input.memoryMiB) || input.memoryMiB < 512) return yield* new UsageError({ message: `invalid --memory ${input.memoryMiB}: give MiB, at least 512` })
    if (input.timeoutSeconds !== undefined && input.timeoutSeconds < 60) return yield* new UsageError({ message: `invalid --timeout ${input.timeoutSeconds}: Batch needs at least 60 seconds` })
    const region = batch.region
    const accountId = yield* iam.accountId
    const registry = `${accountId}.dkr.ecr.${region}.amazonaws.com`
    const image = `${registry}/${input.name}`
    const tags = [input.digest, ...input.tags.filter((t) => t !== input.digest)].filter((t, i, all) => all.indexOf(t) === i)
    const bucket = stagingBucketName(accountId, region)
    const key = `${buildPrefix}${input.name.replace(/[^A-Za-z0-9._-]/g, "_")}/${input.digest}.tar.gz`
    const archive = tarGz(input.context)

    const roleArn = Option.getOrElse(yield* iam.roleArn(buildRoleName), () => `arn:aws:iam::${accountId}:role/${buildRoleName}`)
    const shape: ContainerShape = {
      image: input.builderImage,
      vcpus: input.vcpus,
      memoryMiB: input.memoryMiB,
      gpus: 0,
      platform: "EC2",
      jobRoleArn: roleArn,
      logGroup: defaultJobLogGroup,
      privileged: true,
      volumes: [{ hostPath: dockerSocket, containerPath: dockerSocket }],
      ...(input.timeoutSeconds !== undefined ? { timeoutSeconds: input.timeoutSeconds } : {})
    }
    const jobName = buildJobName(input.name)
    const register = registerJobDefinitionRequest(shape)
    const environment: BuildScriptEnvironment = {
      AEGEA_BUILD_CONTEXT: `s3://${bucket}/${key}`,
      AEGEA_BUILD_DOCKERFILE: input.dockerfilePath,
      AEGEA_BUILD_IMAGE: image,
      AEGEA_BUILD_REGISTRY: registry,
      AEGEA_BUILD_REGION: region,
      AEGEA_BUILD_TAGS: tags.join(" "),
      AEGEA_BUILD_FLAGS: [...(input.pull ? ["--pull"] : []), ...(input.noCache ? ["--no-cache"] : [])].join(" ")
    }
    const submit: SubmitJobRequest = {
      jobName,
      jobQueue: input.queue,
      jobDefinition: register.jobDefinitionName,
      containerOverrides: {
        command: ["/bin/sh", "-c", buildScript],
        environment: Object.entries(environment).map(([name, value]) => ({ name, value }))
      }
    }
    const [existingRepository] = yield* Stream.runCollect(ecr.repositories([input.name]))
    const plan: BuildPlan = {
      Dockerfile: input.dockerfile,
      image,
      tags,
      context: { s3: `s3://${bucket}/${key}`, entries: input.context.length, bytes: archive.length },
      repository: { name: input.name, scanOnPush: true, lifecyclePolicy: lifecyclePolicyText(input.keepUntagged), exists: existingRepository !== undefined },
      RegisterJobDefinition: register,
      SubmitJob: submit
    }

    // The queue first: an unknown queue fails before anything is created.
    yield* ensureBuildQueue(input.queue, input.dryRun)
    if (input.dryRun) return { plan, job: Option.none<SubmittedJob>() }

    const repository = yield* ecr.ensureRepository({ name: input.name, scanOnPush: true, keepUntagged: input.keepUntagged })
    if (repository.created) {
      yield* emitProgress({
        _tag: "Created",
        kind: "ECR repository",
        id: repository.value.name,
        message: `created ECR repository ${repository.value.name} (scan on push, keeping the newest ${input.keepUntagged} untagged images)`
      })
    }
    const role = yield* iam.ensureRole(buildRole(accountId))
    if (role.created) yield* emitProgress({ _tag: "Created", kind: "IAM role", id: role.value.arn, message: `created IAM role ${buildRoleName} (the build job's role)` })
    const bucketState = yield* staging.ensureBucket(bucket, buildExpiryRule)
    if (bucketState.created) yield* emitProgress({ _tag: "Created", kind: "bucket", id: bucket, message: `created bucket ${bucket}` })
    if (bucketState.ruleAdded) {
      yield* emitProgress({
        _tag: "Notice",
        message: `bucket ${bucket}: objects under ${buildPrefix} now expire after ${buildExpiryRule.days} days (lifecycle rule ${buildExpiryRule.id})`
      })
    }
    yield* staging.put(bucket, key, archive)
    yield* emitProgress({
      _tag: "Created",
      kind: "object",
      id: `s3://${bucket}/${key}`,
      message: `uploaded the build context (${input.context.length} entries, ${archive.length} bytes) to s3://${bucket}/${key}`
    })
    yield* (yield* Logs).ensureGroup(defaultJobLogGroup)
    const finalRegister = role.value.arn === roleArn ? register : registerJobDefinitionRequest({ ...shape, jobRoleArn: role.value.arn })
    const finalSubmit = { ...submit, jobDefinition: finalRegister.jobDefinitionName }
    const active = yield* Stream.runCollect(batch.jobDefinitions({ name: finalRegister.jobDefinitionName, status: "ACTIVE" }))
    if (active.length === 0) {
      const definition = yield* batch.registerJobDefinition(finalRegister)
      yield* emitProgress({ _tag: "Created", kind: "job definition", id: definition.arn, message: `registered job definition ${definition.name}:${definition.revision}` })
    }
    const job = yield* batch.submitJob(finalSubmit)
    yield* emitProgress({ _tag: "Created", kind: "job", id: job.id, message: `submitted build job ${job.id} (${job.name}) to queue ${input.queue}: ${image}:${tags.join(", ")}` })
    return { plan: { ...plan, RegisterJobDefinition: finalRegister, SubmitJob: finalSubmit }, job: Option.some(job) }
  })
