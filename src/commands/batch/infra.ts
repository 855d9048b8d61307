/** `aegea batch queues|compute-environments|job-definitions` and creating, updating and deleting queues and compute environments. */
import { statePoll } from "../../lib/schedules.ts"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { Batch, computeTypes } from "../../services/Batch.ts"
import { Ec2Network } from "../../services/Ec2Network.ts"
import { OperationFailed, ResourceNotFound } from "../../errors.ts"
import { Iam } from "../../services/Iam.ts"
import { Output, type TableSpec } from "../../services/Output.ts"
import { listingDescription } from "../../lib/table.ts"
import { BatchLayer } from "./layer.ts"
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

export const createComputeEnvironmentCommand = Command.make(
  "create-compute-environment",
  {
    name: name("compute environment"),
    computeType: Flag.Literals("compute-type", computeTypes).pipe(Flag.withDescription("Fargate, Fargate Spot, EC2 or EC2 Spot capacity (default FARGATE)."), Flag.optional),
    maxVcpus: Flag.Int("max-vcpus").pipe(Flag.withDescription("The most vCPUs it may run at once (default 64)."), Flag.optional),
    minVcpus: optionalInt("min-vcpus", "EC2/SPOT: vCPUs kept running even when idle (default 0)."),
    desiredVcpus: optionalInt("desired-vcpus", "EC2/SPOT: vCPUs to start with (default 0)."),
    instanceTypes: Flag.String("instance-types").pipe(Flag.withDescription("EC2/SPOT: instance types or families (default optimal); repeatable."), Flag.atLeast(0)),
    instanceRole: Flag.String("instance-role").pipe(Flag.withDescription("EC2/SPOT: the instance profile (name or ARN) of the container instances."), Flag.optional)
  },
  Effect.fn("batch create-compute-environment")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch create-compute-environment"), raw)
    const batch = yield* Batch
    const network = yield* Ec2Network
    const output = yield* Output
    const { vpcId, subnetIds } = yield* network.defaultNetwork
    const group = yield* network.ensureSecurityGroup(input.name, vpcId, `aegea batch compute environment ${input.name}`)
    const role = Option.getOrUndefined(input.instanceRole)
    const instanceRole = role === undefined || role.startsWith("arn:")
      ? role
      : `arn:aws:iam::${yield* (yield* Iam).accountId}:instance-profile/${role}`
    const serviceRole = yield* (yield* Iam).ensureServiceLinkedRole("batch.amazonaws.com", "AWSServiceRoleForBatch")
    const result = yield* batch.createComputeEnvironment({
      name: input.name,
      serviceRole: serviceRole.value.arn,
      computeType: Option.getOrElse(input.computeType, () => "FARGATE" as const),
      maxVcpus: Option.getOrElse(input.maxVcpus, () => 64),
      ...(Option.isSome(input.minVcpus) ? { minVcpus: input.minVcpus.value } : {}),
      ...(Option.isSome(input.desiredVcpus) ? { desiredVcpus: input.desiredVcpus.value } : {}),
      ...(input.instanceTypes.length > 0 ? { instanceTypes: input.instanceTypes } : {}),
      ...(instanceRole !== undefined ? { instanceRole } : {}),
      subnets: subnetIds,
      securityGroups: [group.id]
    })
    yield* output.info(result.created ? `created compute environment ${input.name}` : `compute environment ${input.name} already exists`)
    yield* output.document(result.value)
  })
).pipe(
  Command.withDescription("Create a managed compute environment in the default VPC's subnets (nothing happens when it exists)."),
  Command.withExamples([{ command: "aegea batch create-compute-environment spot --compute-type FARGATE_SPOT --max-vcpus 256", description: "A Fargate Spot environment" }]),
  Command.provide(BatchLayer)
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
