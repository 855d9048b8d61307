/**
 * IAM as aegea needs it: the account id; roles and instance profiles created idempotently (safe to
 * run twice at once: "already exists" is success); inline policies on roles, users and groups
 * (`secrets grant`). Policies are JSON documents.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { AwsError } from "../errors.ts"

/** The result of an idempotent create: `created` is false when it already existed. */
export interface Ensured<A> {
  readonly value: A
  readonly created: boolean
}

/** An IAM policy document: its version and statements. */
export interface PolicyDocument {
  readonly Version: string
  readonly Statement: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/** The kind of IAM principal an inline policy is attached to. */
export type PrincipalKind = "role" | "user" | "group"

/** Who an inline policy is attached to. */
export interface Principal {
  readonly kind: PrincipalKind
  readonly name: string
}

/** A role `Iam.ensureRole` makes exist: the service that may assume it, its managed and inline policies. */
export interface RoleSpec {
  readonly name: string
  /** The service principal that may assume the role, e.g. "ecs-tasks.amazonaws.com". */
  readonly trustedService: string
  readonly description?: string
  /** Managed policies to attach (ARNs). */
  readonly managedPolicyArns?: ReadonlyArray<string>
  /** Inline policies by name; written on every ensure, so a changed document is updated. */
  readonly inlinePolicies?: Readonly<Record<string, PolicyDocument>>
}

/** An IAM role: its name and ARN. */
export interface Role {
  readonly name: string
  readonly arn: string
}

/**
 * The IAM calls of launching and running: the account id, roles, inline policies, service-linked roles and
 * instance profiles. Live: `IamLive`; in memory: `IamMemory`.
 */
export class Iam extends Context.Service<Iam, {
  /** The 12-digit id of the account the credentials belong to. */
  readonly accountId: Effect.Effect<string, AwsError>
  /** The ARN of a role, or none when it does not exist. */
  readonly roleArn: (name: string) => Effect.Effect<Option.Option<string>, AwsError>
  /** Create the role if it does not exist; attach its managed policies and write its inline policies. */
  readonly ensureRole: (spec: RoleSpec) => Effect.Effect<Ensured<Role>, AwsError>
  /** Write (create or replace) an inline policy; a missing principal fails with AwsNotFound (NoSuchEntity). */
  readonly putInlinePolicy: (
    principal: Principal,
    policyName: string,
    document: PolicyDocument
  ) => Effect.Effect<void, AwsError>
  /**
   * The service-linked role of an AWS service (e.g. "batch.amazonaws.com" -> AWSServiceRoleForBatch),
   * created if it does not exist yet.
   */
  readonly ensureServiceLinkedRole: (service: string, roleName: string) => Effect.Effect<Ensured<Role>, AwsError>
  /** Create the instance profile if needed and make sure it holds `roleName`. */
  readonly ensureInstanceProfile: (name: string, roleName: string) => Effect.Effect<Ensured<Role>, AwsError>
}>()("aegea/Iam") {}

/** The trust policy letting `service` assume a role. */
export const trustPolicy = (service: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }]
})

/**
 * The Fargate execution role of Batch jobs and ECS tasks. Instead of attaching the AWS managed
 * policy AmazonECSTaskExecutionRolePolicy (absent from emulators, and not ours to version), it
 * carries an inline policy with the same permissions: pull from ECR and write CloudWatch logs.
 */
/** What pulling an image from ECR and writing its CloudWatch logs takes (AmazonECSTaskExecutionRolePolicy's actions). */
export const pullImageAndLogActions = [
  "ecr:GetAuthorizationToken",
  "ecr:BatchCheckLayerAvailability",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchGetImage",
  "logs:CreateLogStream",
  "logs:PutLogEvents"
] as const

/** The role Fargate tasks and jobs pull images and write logs with (aegea.fargate_execution). */
export const fargateExecutionRole: RoleSpec = {
  name: "aegea.fargate_execution",
  trustedService: "ecs-tasks.amazonaws.com",
  description: "Lets Fargate pull images and write logs for aegea batch and ecs jobs",
  inlinePolicies: {
    "aegea.fargate_execution": {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: [...pullImageAndLogActions],
          Resource: "*"
        }
      ]
    }
  }
}

// --- what launch needs ---
// Who is calling (for the Owner tag and for preferring one's own AMIs), and the role of launched
// instances. A separate service so that Iam's members are unchanged.
/** Who the credentials are: the account, the ARN, and the user or role session name. */
export interface CallerIdentity {
  readonly accountId: string
  readonly arn: string
  /** The IAM user name, or the session name of an assumed role ("root" for the root user). */
  readonly name: string
}

/** "alice" from arn:aws:iam::1:user/alice and from arn:aws:sts::1:assumed-role/Role/alice. */
export const callerName = (arn: string): string => {
  const resource = arn.split(":").slice(5).join(":")
  return resource === "root" ? "root" : resource.split("/").pop() ?? resource
}

/**
 * Who the credentials are (STS GetCallerIdentity, asked once). Live: `IamIdentityLive`; in memory:
 * `IamIdentityMemory`.
 */
export class IamIdentity extends Context.Service<IamIdentity, {
  readonly caller: Effect.Effect<CallerIdentity, AwsError>
}>()("aegea/IamIdentity") {}

/**
 * The permissions of AWS's managed policy AmazonSSMManagedInstanceCore (what the SSM agent needs
 * to register and to carry sessions), copied into an inline policy as the Python aegea's
 * compose_managed_policies does: no dependency on AWS-managed policies (absent from emulators)
 * and no use of the 10-managed-policies-per-role quota.
 */
export const ssmManagedInstanceCore: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "ssm:DescribeAssociation",
        "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument",
        "ssm:DescribeDocument",
        "ssm:GetManifest",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:ListAssociations",
        "ssm:ListInstanceAssociations",
        "ssm:PutInventory",
        "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation"
      ],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
      Resource: "*"
    },
    {
      Effect: "Allow",
      Action: [
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply"
      ],
      Resource: "*"
    }
  ]
}

/** The role of instances `aegea launch` starts (name: --iam-role, default aegea.launch). */
export const launchRole = (name: string): RoleSpec => ({
  name,
  trustedService: "ec2.amazonaws.com",
  description: "Lets instances launched by aegea register with Systems Manager (ssh over SSM)",
  inlinePolicies: { "aegea.launch.ssm": ssmManagedInstanceCore }
})
