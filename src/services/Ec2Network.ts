/**
 * The EC2 networking `batch` and `ecs` need for their default infrastructure: the default VPC and
 * its subnets, and security groups created on demand; and the launch templates of Batch EC2 and
 * Spot compute environments.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { AwsError, ResourceNotFound } from "../errors.ts"
import type { Ensured } from "./Iam.ts"

/** The region's default VPC and its subnets. */
export interface DefaultNetwork {
  readonly vpcId: string
  /** The default VPC's subnets (one per availability zone). */
  readonly subnetIds: ReadonlyArray<string>
}

/** A launch template as `batch create-compute-environment` makes it: a name and user data. */
export interface LaunchTemplateSpec {
  readonly name: string
  /** The user data as text (the layer base64-encodes it). */
  readonly userData: string
  readonly tags?: Readonly<Record<string, string>>
}

/** An EC2 launch template (its latest version). */
export interface LaunchTemplate {
  readonly id: string
  readonly name: string
}

/**
 * The network a launch or a compute environment uses: the default VPC, security groups, launch templates. Live:
 * `Ec2NetworkLive`; in memory: `Ec2NetworkMemory`.
 */
export class Ec2Network extends Context.Service<Ec2Network, {
  /** The default VPC and its subnets; ResourceNotFound when the region has no default VPC. */
  readonly defaultNetwork: Effect.Effect<DefaultNetwork, AwsError | ResourceNotFound>
  /** The id of the security group `name` in `vpcId`, or none. */
  readonly securityGroupId: (name: string, vpcId: string) => Effect.Effect<string | undefined, AwsError>
  /**
   * Create the security group if it does not exist (safe to run twice at once: a duplicate is
   * looked up). New groups allow all outbound traffic and no inbound traffic.
   */
  readonly ensureSecurityGroup: (
    name: string,
    vpcId: string,
    description: string
  ) => Effect.Effect<{ readonly id: string; readonly created: boolean }, AwsError>
  /** The launch template of that name, or none. */
  readonly launchTemplate: (name: string) => Effect.Effect<Option.Option<LaunchTemplate>, AwsError>
  /**
   * Create the launch template if none has its name (an existing one is returned with created:
   * false and is not changed: aegea names its templates after a hash of their content).
   */
  readonly ensureLaunchTemplate: (spec: LaunchTemplateSpec) => Effect.Effect<Ensured<LaunchTemplate>, AwsError>
}>()("aegea/Ec2Network") {}
