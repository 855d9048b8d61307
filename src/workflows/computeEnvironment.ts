/**
 * A Batch compute environment created end to end. Fargate needs only the network; EC2 and Spot
 * also need what their instances boot with: the instance role and profile
 * `aegea.batch.ecs_container_instance` (the ECS container-instance permissions and Systems Manager),
 * a launch template that mounts the NVMe instance storage on /mnt, and the ECS-optimized AMI read
 * from its public SSM parameter (the GPU variant with `gpus`, the arm64 one for Graviton types).
 * Everything that exists is reused; a second run creates nothing. With `dryRun`, only read: return
 * the plan (what exists, what would be created, the exact specs) and change nothing.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import {
  batchInstanceRoleName,
  batchInstanceUserData,
  ecsOptimizedImage,
  instanceStorageMount,
  instanceTypesArchitecture,
  launchTemplateName
} from "../lib/batchInstance.ts"
import * as Schedule from "effect/Schedule"
import { instanceProfileBackoff } from "../lib/schedules.ts"
import { Batch, type ComputeEnvironment, type ComputeEnvironmentSpec, type ComputeType } from "../services/Batch.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { type AwsError, OperationFailed, ResourceNotFound, UsageError } from "../errors.ts"
import { Iam, pullImageAndLogActions, type RoleSpec, ssmManagedInstanceCore } from "../services/Iam.ts"
import { emitProgress } from "../services/Progress.ts"
import { Ssm } from "../services/Ssm.ts"
import { pollUntil } from "../services/Polling.ts"

/**
 * The permissions of AWS's managed policy AmazonEC2ContainerServiceforEC2Role (what the ECS agent of
 * a container instance needs), copied into an inline policy as aegea does for Systems Manager: no
 * dependency on AWS-managed policies (absent from emulators) and no use of the managed-policy quota.
 */
export const ecsContainerInstancePolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "ec2:DescribeTags",
        "ecs:CreateCluster",
        "ecs:DeregisterContainerInstance",
        "ecs:DiscoverPollEndpoint",
        "ecs:Poll",
        "ecs:RegisterContainerInstance",
        "ecs:StartTelemetrySession",
        "ecs:UpdateContainerInstancesState",
        "ecs:Submit*",
        ...pullImageAndLogActions
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: "ecs:TagResource",
      Resource: "*",
      Condition: { StringEquals: { "ecs:CreateAction": ["CreateCluster", "RegisterContainerInstance"] } }
    }
  ]
} as const

/** The role of the container instances of aegea's EC2 and Spot compute environments. */
export const batchInstanceRole: RoleSpec = {
  name: batchInstanceRoleName,
  trustedService: "ec2.amazonaws.com",
  description: "Lets the instances of aegea's Batch compute environments run ECS tasks and register with Systems Manager",
  inlinePolicies: {
    AmazonEC2ContainerServiceforEC2Role: ecsContainerInstancePolicy,
    "aegea.launch.ssm": ssmManagedInstanceCore
  }
}

/**
 * What `ensureComputeEnvironment` takes: name, compute type, vCPU bounds, instance types, GPUs and
 * the network.
 */
export interface ComputeEnvironmentInput {
  readonly name: string
  readonly computeType: ComputeType
  readonly maxVcpus: number
  readonly minVcpus?: number | undefined
  readonly desiredVcpus?: number | undefined
  /** EC2/SPOT: instance types or families (default: Batch's "optimal"). */
  readonly instanceTypes: ReadonlyArray<string>
  /** EC2/SPOT: boot the ECS-optimized GPU image. */
  readonly gpus: boolean
  /** EC2/SPOT: an EC2 key pair for ssh to the instances. */
  readonly sshKeyName?: string | undefined
  /** EC2/SPOT: an instance profile (name or ARN) to use instead of aegea's own. */
  readonly instanceRole?: string | undefined
  readonly tags?: Readonly<Record<string, string>>
  readonly dryRun: boolean
}

/** What a run finds, creates (or, dry, would create). */
export interface ComputeEnvironmentPlan {
  readonly computeEnvironment: ComputeEnvironmentSpec
  /** EC2/SPOT: the image and where it was read from. */
  readonly image?: { readonly parameter: string; readonly id: string; readonly type: string }
  /** EC2/SPOT: the launch template and its user data (text). */
  readonly launchTemplate?: { readonly name: string; readonly userData: string; readonly mounts: string }
  /** What exists already (reused) and what was (dry: would be) created. */
  readonly reused: ReadonlyArray<string>
  readonly created: ReadonlyArray<string>
}

/** Batch rejecting an instance profile IAM has not made visible to it yet. */
const isProfileNotYetVisible = (e: AwsError) =>
  e._tag === "AwsInvalidRequest" && /instance ?(role|profile)|instanceRole/i.test(e.awsMessage)

const instanceProfileRetry = instanceProfileBackoff.pipe(
  Schedule.setInputType<AwsError>(),
  Schedule.while(({ input }) => isProfileNotYetVisible(input))
)

/** The ways `ensureComputeEnvironment` fails. */
export type ComputeEnvironmentError = AwsError | ResourceNotFound | OperationFailed | UsageError

export const isEc2 = (type: ComputeType) => type === "EC2" || type === "SPOT"

/** Wait until Batch says VALID (INVALID fails with its reason); bounded to 5 minutes. */
export const waitComputeEnvironmentValid = (name: string) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const describe = Effect.map(Stream.runCollect(batch.computeEnvironments([name])), (all): ComputeEnvironment | undefined => all[0])
    const last = yield* describe.pipe(
      (e) => pollUntil(e, "state", (c) => c === undefined || c.status === "VALID" || c.status === "INVALID"),
      Effect.timeoutOrElse({
        duration: "5 minutes",
        orElse: () => Effect.fail(new OperationFailed({ message: `timed out waiting for compute environment ${name} to be VALID` }))
      })
    )
    if (last?.status === "INVALID") {
      return yield* new OperationFailed({ message: `compute environment ${name} is INVALID: ${last.statusReason ?? "no reason given"}` })
    }
  })

/** Create (or reuse) a compute environment and everything it needs; see the module comment. */
export const ensureComputeEnvironment = (input: ComputeEnvironmentInput) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const network = yield* Ec2Network
    const iam = yield* Iam
    const ec2 = isEc2(input.computeType)
    // The command checks its flags first (checkComputeEnvironmentInput); this only guards the workflow.
    const architecture = instanceTypesArchitecture(input.instanceTypes)
    const imageChoice = ec2 && architecture !== undefined ? ecsOptimizedImage(architecture, input.gpus) : undefined
    if (ec2 && imageChoice === undefined) {
      return yield* new UsageError({ message: `no ECS-optimized image fits the instance types ${input.instanceTypes.join(", ")}${input.gpus ? " with GPUs" : ""}` })
    }
    const reused: Array<string> = []
    const created: Array<string> = []
    const note = (kind: string, id: string, what: string, made: boolean) =>
      Effect.suspend(() => {
        ;(made ? created : reused).push(what)
        return made && !input.dryRun ? emitProgress({ _tag: "Created", kind, id, message: `created ${what}` }) : Effect.void
      })

    const [existing] = yield* Stream.runCollect(batch.computeEnvironments([input.name]))
    const { vpcId, subnetIds } = yield* network.defaultNetwork

    // Image: read-only, the same in a dry run.
    let image: ComputeEnvironmentPlan["image"]
    if (imageChoice !== undefined) {
      const id = yield* (yield* Ssm).getParameter(imageChoice.parameter)
      if (Option.isNone(id)) {
        return yield* new ResourceNotFound({
          kind: "SSM parameter",
          name: imageChoice.parameter,
          region: batch.region,
          hint: "The ECS-optimized AMI parameters are public in every commercial region; check the region",
          remedy: "check-region-only"
        })
      }
      image = { parameter: imageChoice.parameter, id: id.value, type: imageChoice.imageType }
    }
    const userData = batchInstanceUserData()
    const template = ec2 ? { name: launchTemplateName(userData), userData, mounts: `NVMe instance storage on ${instanceStorageMount}` } : undefined

    const accountId = yield* iam.accountId
    const groupName = input.name
    const roleGiven = input.instanceRole
    const profileArn = (name: string) => `arn:aws:iam::${accountId}:instance-profile/${name}`
    const instanceRole = !ec2
      ? undefined
      : roleGiven !== undefined
      ? roleGiven.startsWith("arn:") ? roleGiven : profileArn(roleGiven)
      : profileArn(batchInstanceRoleName)

    const specOf = (serviceRole: string | undefined, securityGroup: string): ComputeEnvironmentSpec => ({
      name: input.name,
      computeType: input.computeType,
      maxVcpus: input.maxVcpus,
      ...(input.minVcpus !== undefined ? { minVcpus: input.minVcpus } : {}),
      ...(input.desiredVcpus !== undefined ? { desiredVcpus: input.desiredVcpus } : {}),
      subnets: subnetIds,
      securityGroups: [securityGroup],
      ...(ec2
        ? {
          instanceTypes: input.instanceTypes.length > 0 ? input.instanceTypes : ["optimal"],
          ...(instanceRole !== undefined ? { instanceRole } : {}),
          ...(template !== undefined ? { launchTemplate: template.name } : {}),
          ...(image !== undefined ? { image: { id: image.id, type: image.type } } : {}),
          ...(input.sshKeyName !== undefined ? { ec2KeyPair: input.sshKeyName } : {})
        }
        : {}),
      ...(serviceRole !== undefined ? { serviceRole } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {})
    })

    if (input.dryRun) {
      const group = yield* network.securityGroupId(groupName, vpcId)
      yield* note("security group", groupName, `security group ${groupName}`, group === undefined)
      const serviceRole = yield* iam.roleArn("AWSServiceRoleForBatch")
      yield* note("service-linked role", "AWSServiceRoleForBatch", "service-linked role AWSServiceRoleForBatch", Option.isNone(serviceRole))
      if (ec2 && roleGiven === undefined) {
        yield* note(
          "IAM role and instance profile",
          batchInstanceRoleName,
          `IAM role and instance profile ${batchInstanceRoleName}`,
          Option.isNone(yield* iam.roleArn(batchInstanceRoleName))
        )
      }
      if (template !== undefined) {
        yield* note("launch template", template.name, `launch template ${template.name}`, Option.isNone(yield* network.launchTemplate(template.name)))
      }
      yield* note("compute environment", input.name, `compute environment ${input.name}`, existing === undefined)
      const plan: ComputeEnvironmentPlan = {
        computeEnvironment: specOf(
          Option.getOrElse(serviceRole, () => `arn:aws:iam::${accountId}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`),
          group ?? `<security group ${groupName}, to be created>`
        ),
        ...(image !== undefined ? { image } : {}),
        ...(template !== undefined ? { launchTemplate: template } : {}),
        reused,
        created
      }
      return plan
    }

    const group = yield* network.ensureSecurityGroup(groupName, vpcId, `aegea batch compute environment ${input.name}`)
    yield* note("security group", group.id, `security group ${groupName} (${group.id})`, group.created)
    const serviceRole = yield* iam.ensureServiceLinkedRole("batch.amazonaws.com", "AWSServiceRoleForBatch")
    yield* note("service-linked role", serviceRole.value.arn, "service-linked role AWSServiceRoleForBatch", serviceRole.created)
    let profileIsNew = false
    if (ec2 && roleGiven === undefined) {
      const role = yield* iam.ensureRole(batchInstanceRole)
      const profile = yield* iam.ensureInstanceProfile(batchInstanceRoleName, batchInstanceRoleName)
      profileIsNew = role.created || profile.created
      yield* note("IAM role and instance profile", batchInstanceRoleName, `IAM role and instance profile ${batchInstanceRoleName}`, profileIsNew)
    }
    if (template !== undefined) {
      const made = yield* network.ensureLaunchTemplate({ name: template.name, userData: template.userData, tags: { "aegea:created-by": "aegea batch" } })
      yield* note("launch template", made.value.id, `launch template ${template.name} (${made.value.id})`, made.created)
    }
    const spec = specOf(serviceRole.value.arn, group.id)
    // A new instance profile takes seconds to be visible to Batch: retry that one rejection, boundedly.
    const ce = yield* batch.createComputeEnvironment(spec).pipe(
      profileIsNew ? Effect.retry(instanceProfileRetry) : (effect) => effect
    )
    yield* note("compute environment", input.name, `compute environment ${input.name}`, ce.created)
    if (ce.created) yield* waitComputeEnvironmentValid(input.name)
    const plan: ComputeEnvironmentPlan = {
      computeEnvironment: spec,
      ...(image !== undefined ? { image } : {}),
      ...(template !== undefined ? { launchTemplate: template } : {}),
      reused,
      created
    }
    return plan
  })
