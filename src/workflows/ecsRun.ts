/**
 * `ecs run` as a program: check the input, make sure the cluster (only the default one is created
 * on demand), the log group, the Fargate execution role and the security group exist, reuse or
 * register the task definition of this shape (its family carries the hash of its content), and run
 * one Fargate task in the default VPC's subnets. With `dryRun`, only read: print the exact
 * RegisterTaskDefinition and RunTask requests and change nothing.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Ec2Network } from "../services/Ec2Network.ts"
import { storageCheckLines } from "../lib/containerStorage.ts"
import { defaultClusterName, Ecs, type Task } from "../services/Ecs.ts"
import {
  checkOverridesSize,
  checkTaskShape,
  registerTaskDefinitionRequest,
  runTaskRequest,
  type TaskRun,
  type TaskShape
} from "../services/ecsRequests.ts"
import { type AwsError, ResourceNotFound, type UsageError } from "../errors.ts"
import { fargateExecutionRole, Iam } from "../services/Iam.ts"
import { Logs } from "../services/Logs.ts"
import { emitProgress } from "../services/Progress.ts"

/** The security group of `ecs run` tasks unless --security-group names another. */
export const defaultSecurityGroupName = "aegea_ecs"

/**
 * What `runEcsTask` takes: the task's shape, its roles and security group, the run, a dry-run flag
 * and optional wrapping of RunTask.
 */
export interface RunInput {
  readonly shape: Omit<TaskShape, "executionRoleArn" | "taskRoleArn" | "region">
  /** Role names or ARNs; the execution role defaults to aegea.fargate_execution (created on demand). */
  readonly executionRole?: string | undefined
  readonly taskRole?: string | undefined
  /** A security group id (sg-...) or name in the default VPC; default aegea_ecs (created on demand). */
  readonly securityGroup?: string | undefined
  readonly run: Omit<TaskRun, "subnets" | "securityGroups">
  readonly dryRun: boolean
  /**
   * Wraps the RunTask call, e.g. with createShieldedFromInterrupt so that a Ctrl-C during it
   * finishes the call first and then stops or names the task. Default: the call as it is.
   */
  readonly shieldRun?: ((run: Effect.Effect<Task, AwsError>) => Effect.Effect<Task, AwsError>) | undefined
}

/** The ways `runEcsTask` fails. */
export type RunError = AwsError | UsageError | ResourceNotFound

/** A role's ARN from its name or ARN, without creating it (the ARN it will have if it does not exist yet). */
export const roleArnOf = (nameOrArn: string) =>
  Effect.gen(function*() {
    if (nameOrArn.startsWith("arn:")) return nameOrArn
    const iam = yield* Iam
    const existing = yield* iam.roleArn(nameOrArn)
    if (Option.isSome(existing)) return existing.value
    return `arn:aws:iam::${yield* iam.accountId}:role/${nameOrArn}`
  })

/** The cluster, when it exists and is ACTIVE; ResourceNotFound unless it is the default one (then none). */
export const resolveCluster = (name: string, options: { readonly missingIsDefault: boolean }) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const cluster = yield* ecs.describeCluster(name)
    if (Option.isSome(cluster) && cluster.value.status === "ACTIVE") return cluster
    if (options.missingIsDefault && name === defaultClusterName) return Option.none()
    return yield* new ResourceNotFound({
      kind: "ECS cluster",
      name,
      region: ecs.region,
      hint: `Run 'aegea ecs clusters' to see the clusters; only ${defaultClusterName} is created on demand (by 'aegea ecs run')`
    })
  })

/** The security group id for the tasks (looked up, or for the default group created unless dryRun). */
const securityGroupFor = (requested: string | undefined, vpcId: string, dryRun: boolean) =>
  Effect.gen(function*() {
    const network = yield* Ec2Network
    if (requested?.startsWith("sg-")) return requested
    if (requested !== undefined) {
      const id = yield* network.securityGroupId(requested, vpcId)
      if (id !== undefined) return id
      return yield* new ResourceNotFound({ kind: "security group", name: requested, hint: `Give a group id (sg-...) or the name of a group in ${vpcId}` })
    }
    if (dryRun) {
      const id = yield* network.securityGroupId(defaultSecurityGroupName, vpcId)
      if (id !== undefined) return id
      yield* emitProgress({ _tag: "Notice", message: `dry run: security group ${defaultSecurityGroupName} does not exist yet and would be created in ${vpcId}` })
      return `<${defaultSecurityGroupName}>`
    }
    const group = yield* network.ensureSecurityGroup(defaultSecurityGroupName, vpcId, "aegea ecs tasks (outbound only)")
    if (group.created) {
      yield* emitProgress({ _tag: "Created", kind: "security group", id: group.id, message: `created security group ${defaultSecurityGroupName} (${group.id}) in ${vpcId}` })
    }
    return group.id
  })

/**
 * Run a task (or, with dryRun, report what would be sent as a `DryRun` progress event); returns the
 * task, or none for a dry run. What it creates on the way is reported to `Progress`.
 */
export const runEcsTask = (input: RunInput) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const iam = yield* Iam
    const logs = yield* Logs
    const network = yield* Ec2Network
    yield* checkTaskShape(input.shape)
    const platform = input.shape.platform ?? "FARGATE"
    // An unknown cluster fails here, before anything is created. EC2 tasks need a cluster with
    // container instances: the default cluster is only created (empty) for Fargate.
    const cluster = yield* resolveCluster(input.run.cluster, { missingIsDefault: platform === "FARGATE" })
    const executionRoleArn = input.executionRole !== undefined
      ? yield* roleArnOf(input.executionRole)
      : input.dryRun
      ? yield* roleArnOf(fargateExecutionRole.name)
      : yield* iam.ensureRole(fargateExecutionRole).pipe(
        Effect.tap((role) =>
          role.created
            ? emitProgress({ _tag: "Created", kind: "IAM role", id: role.value.arn, message: `created IAM role ${role.value.name} (Fargate execution role)` })
            : Effect.void
        ),
        Effect.map((role) => role.value.arn)
      )
    const taskRoleArn = input.taskRole !== undefined ? yield* roleArnOf(input.taskRole) : undefined
    const register = registerTaskDefinitionRequest({ ...input.shape, executionRoleArn, taskRoleArn, region: ecs.region })
    // Fargate tasks get their own network interface in the default VPC; EC2 tasks use their instance's (bridge).
    const networking = platform === "FARGATE"
      ? yield* Effect.gen(function*() {
        const { vpcId, subnetIds } = yield* network.defaultNetwork
        return { subnets: subnetIds, securityGroups: [yield* securityGroupFor(input.securityGroup, vpcId, input.dryRun)] }
      })
      : { subnets: [], securityGroups: [] }
    // EC2 --storage: the task stops early when the instance storage has less free space than asked.
    const commandLines = [...storageCheckLines({ ...input.shape, platform }), ...input.run.commandLines]
    const run = runTaskRequest({ ...input.run, commandLines, ...networking, platform }, register.family)
    yield* checkOverridesSize(run)
    if (input.dryRun) {
      if (Option.isNone(cluster)) yield* emitProgress({ _tag: "Notice", message: `dry run: cluster ${input.run.cluster} does not exist yet and would be created` })
      yield* emitProgress({ _tag: "DryRun", requests: { RegisterTaskDefinition: register, RunTask: run } })
      yield* emitProgress({ _tag: "Notice", message: "dry run: nothing was created or started" })
      return Option.none<Task>()
    }
    if (Option.isNone(cluster)) {
      const created = yield* ecs.ensureCluster(input.run.cluster)
      if (created.created) yield* emitProgress({ _tag: "Created", kind: "ECS cluster", id: input.run.cluster, message: `created ECS cluster ${input.run.cluster}` })
    }
    const groupExists = (yield* Stream.runCollect(logs.groups({ prefix: input.shape.logGroup }))).some((g) => g.name === input.shape.logGroup)
    if (!groupExists) {
      yield* logs.ensureGroup(input.shape.logGroup)
      yield* emitProgress({ _tag: "Created", kind: "log group", id: input.shape.logGroup, message: `created log group ${input.shape.logGroup}` })
    }
    const existing = yield* ecs.latestTaskDefinition(register.family)
    const definition = Option.isSome(existing) ? existing.value : yield* ecs.registerTaskDefinition(register)
    if (Option.isNone(existing)) {
      yield* emitProgress({
        _tag: "Created",
        kind: "task definition",
        id: definition.arn,
        message: `registered task definition ${definition.family}:${definition.revision}`
      })
    }
    // RunTask names the family: ECS takes its latest ACTIVE revision (all revisions of a hashed family are identical).
    const task = yield* (input.shieldRun === undefined ? ecs.runTask(run) : input.shieldRun(ecs.runTask(run)))
    yield* emitProgress({
      _tag: "Created",
      kind: "task",
      id: task.arn,
      message: `started task ${task.id} (${definition.family}:${definition.revision}) in cluster ${task.cluster}`
    })
    return Option.some(task)
  })
