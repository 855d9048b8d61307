/**
 * The EC2 networking `batch` and `ecs` need for their default infrastructure: the default VPC and
 * its subnets, and security groups created on demand.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AwsError, ResourceNotFound } from "../errors.ts"

export interface DefaultNetwork {
  readonly vpcId: string
  /** The default VPC's subnets (one per availability zone). */
  readonly subnetIds: ReadonlyArray<string>
}

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
}>()("aegea/Ec2Network") {}
