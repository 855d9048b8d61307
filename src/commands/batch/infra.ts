/** `aegea batch queues|compute-environments|job-definitions` and creating, updating and deleting queues and compute environments. */
import { statePoll } from "../../lib/schedules.ts"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { Batch, computeTypes } from "../../services/Batch.ts"
import { OperationFailed, ResourceNotFound, UsageError } from "../../errors.ts"
import { Output, type TableSpec } from "../../services/Output.ts"
import { listingDescription } from "../../lib/table.ts"
import { BatchLayer } from "./layer.ts"
import * as Layer from "effect/Layer"
import { SsmLive } from "../../layers/SsmLive.ts"
import { Ssm } from "../../services/Ssm.ts"
import { batchInstanceRoleName, ecsOptimizedImage, instanceTypesArchitecture } from "../../lib/batchInstance.ts"
import { type ComputeEnvironmentInput, ensureComputeEnvironment, isEc2 } from "../../workflows/computeEnvironment.ts"
import { progressThroughOutput } from "../progressOutput.ts"
import { awsService } from "../global.ts"
import { confirmDestruction } from "../confirm.ts"
import { commaList } from "../parse.ts"

const name = (what: string) => Argument.String("name").pipe(Argument.withDescription(`The ${what}'s name.`))
const optionalInt = (flag: string, description: string) => Flag.Int(flag).pipe(Flag.withDescription(description), Flag.optional)

const queueTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "state", kind: "state" },
    { key: "status", kind: "state" },
    { key: "statusReason", header: "REASON" },
    { key: "priority", kind: "number" },
    { key: "computeEnvironments", header: "COMPUTE ENVIRONMENTS" }
  ],
  kinds: { arn: "id" }
}

const computeEnvironmentTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "computeType", header: "TYPE" },
    { key: "state", kind: "state" },
    { key: "status", kind: "state" },
    { key: "statusReason", header: "REASON" },
    { key: "minVcpus", header: "MIN", kind: "number" },
    { key: "desiredVcpus", header: "DESIRED", kind: "number" },
    { key: "maxVcpus", header: "MAX", kind: "number" },
    { key: "instanceTypes", header: "INSTANCE TYPES" }
  ],
  kinds: { arn: "id" }
}

const jobDefinitionTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "revision", kind: "number" },
    { key: "status", kind: "state" },
    { key: "platform" },
    { key: "image" },
    { key: "vcpus", kind: "number" },
    { key: "memory", kind: "number" }
  ],
  kinds: { arn: "id" }
}

export const queuesCommand = Command.make("queues", {}, () =>
  Effect.gen(function*() {
    const rows = yield* Stream.runCollect((yield* Batch).queues())
    yield* (yield* Output).table(rows, queueTable, { empty: "no job queues" })
  })).pipe(
    Command.withDescription(listingDescription("List job queues.", queueTable)),
    Command.withShortDescription("List job queues."),
    Command.withExamples([{ command: "aegea batch queues", description: "Every job queue in the region" }]),
    Command.provide(BatchLayer)
  )

export const computeEnvironmentsCommand = Command.make("compute-environments", {}, () =>
  Effect.gen(function*() {
    const rows = yield* Stream.runCollect((yield* Batch).computeEnvironments())
    yield* (yield* Output).table(rows, computeEnvironmentTable, { empty: "no compute environments" })
  })).pipe(
    Command.withDescription(listingDescription("List compute environments with their vCPU limits.", computeEnvironmentTable)),
    Command.withShortDescription("List compute environments with their vCPU limits."),
    Command.withExamples([{ command: "aegea batch compute-environments", description: "Every compute environment" }]),
    Command.provide(BatchLayer)
  )

export const jobDefinitionsCommand = Command.make(
  "job-definitions",
  { all: Flag.Boolean("all").pipe(Flag.withDescription("Include INACTIVE (deregistered) definitions."), Flag.withDefault(false)) },
  (raw) =>
    Effect.gen(function*() {
      const input = withConfigDefaults((yield* AegeaConfig).section("batch job-definitions"), raw)
      const rows = yield* Stream.runCollect((yield* Batch).jobDefinitions(input.all ? {} : { status: "ACTIVE" }))
      yield* (yield* Output).table(rows, jobDefinitionTable, { empty: input.all ? "no job definitions" : "no active job definitions" })
    })
).pipe(
  Command.withDescription(listingDescription("List job definitions (aegea's are named aegea_batch_<content hash>).", jobDefinitionTable)),
  Command.withShortDescription("List job definitions (aegea's are named aegea_batch_<content hash>)."),
  Command.withExamples([{ command: "aegea batch job-definitions --all", description: "Including deregistered ones" }]),
  Command.provide(BatchLayer)
)

const waitUntil = <A>(what: string, check: Effect.Effect<A, never>, done: (a: A) => boolean) =>
  check.pipe(
    Effect.repeat({ schedule: statePoll, until: done }),
    Effect.timeoutOrElse({ duration: "5 minutes", orElse: () => Effect.fail(new OperationFailed({ message: `timed out waiting for ${what}` })) })
  )

/** What `batch create-compute-environment` refuses before any AWS call, in the words of its flags. */
const checkComputeEnvironmentInput = (input: ComputeEnvironmentInput): Effect.Effect<void, UsageError> =>
  Effect.gen(function*() {
    if (!isEc2(input.computeType)) {
      const ec2Only = [
        ["--instance-types", input.instanceTypes.length > 0],
        ["--gpus", input.gpus],
        ["--ssh-key-name", input.sshKeyName !== undefined],
        ["--instance-role", input.instanceRole !== undefined]
      ].flatMap(([flag, given]) => (given ? [flag as string] : []))
      if (ec2Only.length > 0) {
        return yield* new UsageError({
          message: `${ec2Only.join(", ")} only apply to EC2 and SPOT compute environments`,
          hint: "Pass --compute-type EC2 or --compute-type SPOT"
        })
      }
      return
    }
    const architecture = instanceTypesArchitecture(input.instanceTypes)
    if (architecture === undefined) {
      return yield* new UsageError({
        message: `--instance-types mixes arm64 (Graviton) and x86_64 types: ${input.instanceTypes.join(", ")}`,
        hint: "A compute environment boots one image: give types of one architecture, or create two environments"
      })
    }
    if (ecsOptimizedImage(architecture, input.gpus) === undefined) {
      return yield* new UsageError({
        message: "there is no ECS-optimized GPU image for arm64 (Graviton) instance types",
        hint: "Use x86_64 GPU types (e.g. --instance-types g5) with --gpus"
      })
    }
  })

/** `batch create-compute-environment` needs SSM too: the ECS-optimized AMI's public parameter. */
const ComputeEnvironmentLayer = awsService(Ssm, SsmLive).pipe(Layer.provideMerge(BatchLayer))

export const createComputeEnvironmentCommand = Command.make(
  "create-compute-environment",
  {
    name: name("compute environment"),
    computeType: Flag.Literals("compute-type", computeTypes).pipe(Flag.withDescription("Fargate, Fargate Spot, EC2 or EC2 Spot capacity (default FARGATE); SPOT uses the SPOT_CAPACITY_OPTIMIZED allocation strategy."), Flag.optional),
    maxVcpus: Flag.Int("max-vcpus").pipe(Flag.withDescription("The most vCPUs it may run at once (default 64)."), Flag.optional),
    minVcpus: optionalInt("min-vcpus", "EC2/SPOT: vCPUs kept running even when idle (default 0)."),
    desiredVcpus: optionalInt("desired-vcpus", "EC2/SPOT: vCPUs to start with (default 0)."),
    instanceTypes: Flag.String("instance-types").pipe(Flag.withDescription("EC2/SPOT: instance types or families (default optimal); comma-separated or repeated. Graviton types boot the arm64 image."), Flag.atLeast(0)),
    instanceRole: Flag.String("instance-role").pipe(Flag.withDescription(`EC2/SPOT: the instance profile (name or ARN) of the container instances (default ${batchInstanceRoleName}, created with the ECS container-instance and Systems Manager permissions).`), Flag.optional),
    gpus: Flag.Boolean("gpus").pipe(Flag.withDescription("EC2/SPOT: boot the ECS-optimized GPU image (Amazon Linux 2 with NVIDIA drivers) instead of Amazon Linux 2023."), Flag.withDefault(false)),
    sshKeyName: Flag.String("ssh-key-name").pipe(Flag.withDescription("EC2/SPOT: the EC2 key pair of the instances."), Flag.optional),
    dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Print what exists, what would be created and the compute environment, launch template and image, as YAML (JSON with --json); change nothing."), Flag.withDefault(false))
  },
  Effect.fn("batch create-compute-environment")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch create-compute-environment"), raw)
    const output = yield* Output
    const request = {
      name: input.name,
      computeType: Option.getOrElse(input.computeType, () => "FARGATE" as const),
      maxVcpus: Option.getOrElse(input.maxVcpus, () => 64),
      minVcpus: Option.getOrUndefined(input.minVcpus),
      desiredVcpus: Option.getOrUndefined(input.desiredVcpus),
      instanceTypes: commaList(input.instanceTypes),
      gpus: input.gpus,
      sshKeyName: Option.getOrUndefined(input.sshKeyName),
      instanceRole: Option.getOrUndefined(input.instanceRole),
      dryRun: input.dryRun
    }
    yield* checkComputeEnvironmentInput(request)
    const plan = yield* progressThroughOutput(ensureComputeEnvironment(request))
    if (input.dryRun) {
      yield* output.document(plan)
      yield* output.info(plan.created.length > 0 ? `dry run: would create ${plan.created.join(", ")}; nothing was created` : "dry run: everything exists; nothing was created")
      return
    }
    if (plan.reused.includes(`compute environment ${input.name}`)) yield* output.info(`compute environment ${input.name} already exists`)
    const [ce] = yield* Stream.runCollect((yield* Batch).computeEnvironments([input.name]))
    yield* output.document(ce ?? plan.computeEnvironment)
  })
).pipe(
  Command.withDescription(
    "Create a managed compute environment in the default VPC's subnets, with everything it needs (nothing is created twice). " +
      `EC2 and SPOT environments get the instance role and profile ${batchInstanceRoleName}, a launch template that formats the NVMe instance storage (RAID 0 over several disks) as XFS on /mnt, ` +
      "and the ECS-optimized AMI from its public SSM parameter (the GPU variant with --gpus, the arm64 one for Graviton types)."
  ),
  Command.withShortDescription("Create a managed compute environment; EC2/SPOT with instance role, NVMe-mounting launch template and ECS-optimized AMI."),
  Command.withExamples([
    { command: "aegea batch create-compute-environment spot --compute-type FARGATE_SPOT --max-vcpus 256", description: "A Fargate Spot environment" },
    { command: "aegea batch create-compute-environment big --compute-type SPOT --instance-types m5d,c5d,r5d --max-vcpus 512", description: "Spot instances with NVMe storage on /mnt" },
    { command: "aegea batch create-compute-environment gpu --compute-type EC2 --instance-types g5 --gpus --dry-run", description: "Show what a GPU environment needs, creating nothing" }
  ]),
  Command.provide(ComputeEnvironmentLayer)
)

export const updateComputeEnvironmentCommand = Command.make(
  "update-compute-environment",
  {
    name: name("compute environment"),
    minVcpus: optionalInt("min-vcpus", "New minimum vCPUs."),
    desiredVcpus: optionalInt("desired-vcpus", "New desired vCPUs."),
    maxVcpus: optionalInt("max-vcpus", "New maximum vCPUs.")
  },
  Effect.fn("batch update-compute-environment")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch update-compute-environment"), raw)
    const batch = yield* Batch
    const [existing] = yield* Stream.runCollect(batch.computeEnvironments([input.name]))
    if (existing === undefined) return yield* new ResourceNotFound({ kind: "compute environment", name: input.name, region: batch.region })
    yield* batch.updateComputeEnvironment(input.name, {
      ...(Option.isSome(input.minVcpus) ? { minVcpus: input.minVcpus.value } : {}),
      ...(Option.isSome(input.desiredVcpus) ? { desiredVcpus: input.desiredVcpus.value } : {}),
      ...(Option.isSome(input.maxVcpus) ? { maxVcpus: input.maxVcpus.value } : {})
    })
    yield* (yield* Output).info(`updated compute environment ${input.name}`)
  })
).pipe(
  Command.withDescription("Change a compute environment's vCPU limits."),
  Command.withExamples([{ command: "aegea batch update-compute-environment aegea_batch --max-vcpus 128", description: "Allow more vCPUs" }]),
  Command.provide(BatchLayer)
)

const deleteYes = Flag.Boolean("yes").pipe(
  Flag.withAlias("y"),
  Flag.withDescription("Delete without asking (required when stdin or stderr is not a terminal)."),
  Flag.withDefault(false)
)

export const deleteComputeEnvironmentCommand = Command.make(
  "delete-compute-environment",
  { name: name("compute environment"), yes: deleteYes },
  Effect.fn("batch delete-compute-environment")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch delete-compute-environment"), raw)
    const batch = yield* Batch
    const output = yield* Output
    const describe = Effect.map(Stream.runCollect(batch.computeEnvironments([input.name])), (all) => all[0])
    if ((yield* describe) === undefined) return yield* new ResourceNotFound({ kind: "compute environment", name: input.name, region: batch.region })
    yield* confirmDestruction({ verb: "delete", noun: ["compute environment", "compute environments"], items: [input.name] }, input.yes)
    yield* batch.updateComputeEnvironment(input.name, { state: "DISABLED" })
    yield* output.info(`disabled compute environment ${input.name}; waiting for it to settle`)
    yield* waitUntil(`compute environment ${input.name} to be disabled`, describe.pipe(Effect.orDie), (c) => c === undefined || c.status !== "UPDATING")
    yield* batch.deleteComputeEnvironment(input.name)
    yield* output.info(`deleted compute environment ${input.name}`)
  })
).pipe(
  Command.withDescription("Disable a compute environment, wait for it, and delete it (asks on a terminal; with no terminal, refuses unless --yes)."),
  Command.withExamples([{ command: "aegea batch delete-compute-environment spot --yes", description: "Delete the environment named spot without asking" }]),
  Command.provide(BatchLayer)
)

export const createQueueCommand = Command.make(
  "create-queue",
  {
    name: name("job queue"),
    priority: Flag.Int("priority").pipe(Flag.withDescription("Higher priority queues are scheduled first (default 5)."), Flag.optional),
    computeEnvironments: Flag.String("compute-environments").pipe(
      Flag.withDescription("Compute environments in order of preference (comma-separated or repeated)."),
      Flag.atLeast(1)
    )
  },
  Effect.fn("batch create-queue")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch create-queue"), raw)
    const batch = yield* Batch
    const environments = commaList(input.computeEnvironments)
    const found = yield* Stream.runCollect(batch.computeEnvironments(environments))
    const missing = environments.filter((e) => !found.some((f) => f.name === e || f.arn === e))
    if (missing.length > 0) return yield* new ResourceNotFound({ kind: "compute environment", name: missing[0] ?? "", region: batch.region, hint: "Run 'aegea batch compute-environments'" })
    const result = yield* batch.createQueue({ name: input.name, priority: Option.getOrElse(input.priority, () => 5), computeEnvironments: environments })
    yield* (yield* Output).info(result.created ? `created job queue ${input.name}` : `job queue ${input.name} already exists`)
    yield* (yield* Output).document(result.value)
  })
).pipe(
  Command.withDescription("Create a job queue over compute environments (nothing happens when it exists)."),
  Command.withExamples([{ command: "aegea batch create-queue urgent --priority 10 --compute-environments spot,aegea_batch", description: "A queue preferring spot" }]),
  Command.provide(BatchLayer)
)

export const deleteQueueCommand = Command.make(
  "delete-queue",
  { name: name("job queue"), yes: deleteYes },
  Effect.fn("batch delete-queue")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch delete-queue"), raw)
    const batch = yield* Batch
    const output = yield* Output
    const describe = Effect.map(Stream.runCollect(batch.queues([input.name])), (all) => all[0])
    if ((yield* describe) === undefined) return yield* new ResourceNotFound({ kind: "job queue", name: input.name, region: batch.region, hint: "Run 'aegea batch queues'" })
    yield* confirmDestruction({ verb: "delete", noun: ["job queue", "job queues"], items: [input.name] }, input.yes)
    yield* batch.updateQueue(input.name, { state: "DISABLED" })
    yield* waitUntil(`job queue ${input.name} to be disabled`, describe.pipe(Effect.orDie), (q) => q === undefined || q.status !== "UPDATING")
    yield* batch.deleteQueue(input.name)
    yield* output.info(`deleted job queue ${input.name}`)
  })
).pipe(
  Command.withDescription("Disable a job queue, wait for it, and delete it (asks on a terminal; with no terminal, refuses unless --yes)."),
  Command.withExamples([{ command: "aegea batch delete-queue urgent --yes", description: "Delete the queue named urgent without asking" }]),
  Command.provide(BatchLayer)
)
