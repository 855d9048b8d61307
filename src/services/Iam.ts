/**
 * IAM as aegea needs it: the account id; roles and instance profiles created idempotently (safe to
 * run twice at once: "already exists" is success); inline policies on roles, users and groups
 * (`secrets grant`). Policies are JSON documents.
 */
import { Context, type Effect, type Option } from "effect"
import type { AwsError } from "./Errors.ts"

/** The result of an idempotent create: `created` is false when it already existed. */
export interface Ensured<A> {
  readonly value: A
  readonly created: boolean
}

export interface PolicyDocument {
  readonly Version: string
  readonly Statement: ReadonlyArray<Readonly<Record<string, unknown>>>
}

export type PrincipalKind = "role" | "user" | "group"

/** Who an inline policy is attached to. */
export interface Principal {
  readonly kind: PrincipalKind
  readonly name: string
}

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

export interface Role {
  readonly name: string
  readonly arn: string
}

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
          Action: [
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents"
          ],
          Resource: "*"
        }
      ]
    }
  }
}
