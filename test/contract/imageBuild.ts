/**
 * The scenarios of EC2/Spot compute environments created end to end and of build-docker-image that
 * every layer must pass: in memory (test/unit/imageBuild-contract.test.ts) and live on moto
 * (test/integration/imageBuild.test.ts). Only service interfaces are read back, so both sides
 * answer the same questions. Batch jobs finish at once on both, so these run on the real clock.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option, Stream } from "effect"
import { launchTemplateName, batchInstanceUserData, batchInstanceRoleName } from "../../src/lib/batchInstance.ts"
import { Batch } from "../../src/services/Batch.ts"
import { Ec2Network } from "../../src/services/Ec2Network.ts"
import { Ecr, lifecyclePolicyText } from "../../src/services/Ecr.ts"
import { Iam } from "../../src/services/Iam.ts"
import type { Logs } from "../../src/services/Logs.ts"
import type { Output } from "../../src/services/Output.ts"
import { S3Staging, stagingBucketName } from "../../src/services/S3Staging.ts"
import type { Ssm } from "../../src/services/Ssm.ts"
import { buildDockerImage, buildQueueName, buildRoleName, defaultBuilderImage, dockerSocket } from "../../src/workflows/buildDockerImage.ts"
import { ensureComputeEnvironment } from "../../src/workflows/computeEnvironment.ts"
import { jobOutcome, watchJob } from "../../src/workflows/watchJob.ts"

export type ImageBuildServices = Batch | Iam | Ec2Network | Ssm | Logs | Ecr | S3Staging | Output
export type ImageBuildContractLayer = Layer.Layer<ImageBuildServices>

const spot = (dryRun: boolean) => ({
  name: "contract-spot",
  computeType: "SPOT" as const,
  maxVcpus: 32,
  instanceTypes: ["m5d", "c5d"],
  gpus: false,
  sshKeyName: "contract-key",
  dryRun
})

const buildInput = (dryRun: boolean) => {
  const dockerfile = "FROM public.ecr.aws/docker/library/alpine:3.20\nRUN echo built\n"
  return {
    name: "contract/tool",
    dockerfile,
    dockerfilePath: "Dockerfile",
    context: [{ kind: "file" as const, path: "Dockerfile", mode: 0o644, content: Buffer.from(dockerfile) }],
    digest: "0123456789ab",
    tags: ["v1"],
    keepUntagged: 5,
    builderImage: defaultBuilderImage,
    vcpus: 2,
    memoryMiB: 4096,
    queue: buildQueueName,
    noCache: false,
    pull: true,
    dryRun
  }
}

export const imageBuildContract = (name: string, make: () => Promise<ImageBuildContractLayer>) =>
  describe(`compute environments and image builds contract: ${name}`, () => {
    const withLayer = <A, E>(effect: Effect.Effect<A, E, ImageBuildServices>) =>
      Effect.flatMap(Effect.promise(make), (layer) => Effect.provide(effect, layer))

    it.live("a SPOT environment: a dry run creates nothing; the first run creates everything, the second nothing", () =>
      withLayer(Effect.gen(function*() {
        const batch = yield* Batch
        const network = yield* Ec2Network
        const iam = yield* Iam
        const template = launchTemplateName(batchInstanceUserData())
        const dry = yield* ensureComputeEnvironment(spot(true))
        assert.includeMembers([...dry.created], ["compute environment contract-spot", `launch template ${template}`, `IAM role and instance profile ${batchInstanceRoleName}`])
        assert.strictEqual(dry.image?.type, "ECS_AL2023")
        assert.match(dry.image?.id ?? "", /^ami-/)
        assert.deepStrictEqual(yield* Stream.runCollect(batch.computeEnvironments(["contract-spot"])), [])
        assert.isTrue(Option.isNone(yield* network.launchTemplate(template)))
        assert.isTrue(Option.isNone(yield* iam.roleArn(batchInstanceRoleName)))

        const first = yield* ensureComputeEnvironment(spot(false))
        assert.include(first.created, "compute environment contract-spot")
        const [ce] = yield* Stream.runCollect(batch.computeEnvironments(["contract-spot"]))
        assert.strictEqual(ce?.computeType, "SPOT")
        assert.strictEqual(ce?.status, "VALID")
        assert.strictEqual(ce?.maxVcpus, 32)
        assert.deepStrictEqual(ce?.instanceTypes, ["m5d", "c5d"])
        assert.strictEqual(first.computeEnvironment.launchTemplate, template)
        assert.strictEqual(first.computeEnvironment.ec2KeyPair, "contract-key")
        assert.match(first.computeEnvironment.instanceRole ?? "", new RegExp(`:instance-profile/${batchInstanceRoleName.replace(/\./g, "\\.")}$`))
        assert.isTrue(Option.isSome(yield* network.launchTemplate(template)))
        assert.isTrue(Option.isSome(yield* iam.roleArn(batchInstanceRoleName)))

        const second = yield* ensureComputeEnvironment(spot(false))
        assert.deepStrictEqual(second.created, [])
        assert.strictEqual((yield* Stream.runCollect(batch.computeEnvironments(["contract-spot"]))).length, 1)
      })))

    it.live("the launch template is made once, even by two runs at once", () =>
      withLayer(Effect.gen(function*() {
        const network = yield* Ec2Network
        const spec = { name: "aegea_batch_contract", userData: "Content-Type: multipart/mixed\n" }
        const both = yield* Effect.all([network.ensureLaunchTemplate(spec), network.ensureLaunchTemplate(spec)], { concurrency: 2 })
        assert.strictEqual(both.filter((r) => r.created).length, 1)
        assert.strictEqual(both[0].value.id, both[1].value.id)
        assert.strictEqual((yield* network.ensureLaunchTemplate(spec)).created, false)
      })))

    it.live("GPU and Graviton environments read their own image parameters; mixed architectures are refused", () =>
      withLayer(Effect.gen(function*() {
        const gpu = yield* ensureComputeEnvironment({ ...spot(true), name: "contract-gpu", computeType: "EC2", instanceTypes: ["g5"], gpus: true })
        assert.strictEqual(gpu.image?.parameter, "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id")
        const arm = yield* ensureComputeEnvironment({ ...spot(true), name: "contract-arm", instanceTypes: ["m7g", "c7gd"] })
        assert.strictEqual(arm.image?.parameter, "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id")
        const mixed = yield* Effect.flip(ensureComputeEnvironment({ ...spot(true), instanceTypes: ["m7g", "m5d"] }))
        assert.strictEqual(mixed._tag, "UsageError")
        assert.match(mixed.message, /no ECS-optimized image fits the instance types m7g, m5d/)
      })))

    it.live("build-docker-image: a dry run creates nothing; a build makes the repository, the context, the queue and a privileged job", () =>
      withLayer(Effect.gen(function*() {
        const batch = yield* Batch
        const ecr = yield* Ecr
        const staging = yield* S3Staging
        const iam = yield* Iam
        const dry = yield* buildDockerImage(buildInput(true))
        assert.isTrue(Option.isNone(dry.job))
        assert.deepStrictEqual(dry.plan.tags, ["0123456789ab", "v1"])
        assert.isTrue(dry.plan.RegisterJobDefinition.containerProperties.privileged === true)
        assert.deepStrictEqual(yield* Stream.runCollect(ecr.repositories(["contract/tool"])), [])
        assert.deepStrictEqual(yield* Stream.runCollect(batch.queues([buildQueueName])), [])
        assert.deepStrictEqual(yield* Stream.runCollect(batch.jobDefinitions()), [])
        assert.isTrue(Option.isNone(yield* iam.roleArn(buildRoleName)))

        const built = yield* buildDockerImage(buildInput(false))
        const job = Option.getOrThrow(built.job)
        const done = yield* watchJob(job.id, { pacing: { every: "50 millis", drainAfter: "10 millis" } })
        yield* jobOutcome(done)
        const [repository] = yield* Stream.runCollect(ecr.repositories(["contract/tool"]))
        assert.strictEqual(repository?.scanOnPush, true)
        assert.deepStrictEqual(yield* ecr.lifecyclePolicy("contract/tool"), Option.some(lifecyclePolicyText(5)))
        const bucket = stagingBucketName(yield* iam.accountId, batch.region)
        assert.isTrue(yield* staging.exists(bucket, "aegea-build/contract_tool/0123456789ab.tar.gz"))
        const [queue] = yield* Stream.runCollect(batch.queues([buildQueueName]))
        assert.strictEqual(queue?.status, "VALID")
        const [ce] = yield* Stream.runCollect(batch.computeEnvironments([buildQueueName]))
        assert.strictEqual(ce?.computeType, "EC2")
        const definition = built.plan.RegisterJobDefinition
        assert.strictEqual(definition.containerProperties.privileged, true)
        assert.deepStrictEqual(definition.containerProperties.volumes, [{ name: "host1", host: { sourcePath: dockerSocket } }])
        assert.deepStrictEqual(definition.containerProperties.mountPoints, [{ sourceVolume: "host1", containerPath: dockerSocket, readOnly: false }])
        const [registered] = yield* Stream.runCollect(batch.jobDefinitions({ name: definition.jobDefinitionName, status: "ACTIVE" }))
        assert.strictEqual(registered?.image, defaultBuilderImage)
        assert.match(registered?.jobRoleArn ?? "", /:role\/aegea\.build_docker_image$/)
        assert.strictEqual(done.name, "aegea_build_contract_tool")
        assert.strictEqual(done.environment.AEGEA_BUILD_TAGS, "0123456789ab v1")
        assert.strictEqual(done.command[0], "/bin/sh")

        // a second build of the same context reuses everything
        yield* buildDockerImage(buildInput(false))
        assert.strictEqual((yield* Stream.runCollect(batch.jobDefinitions({ status: "ACTIVE" }))).length, 1)
        assert.strictEqual((yield* Stream.runCollect(batch.queues([buildQueueName]))).length, 1)
      })))
  })
