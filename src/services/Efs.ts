/**
 * EFS as aegea sees it: file systems with their mount targets (one per subnet) and the security
 * groups of each, and what `efs create` needs: the VPC of some subnets (or the default VPC's), an NFS
 * security group, a file system made once per creation token, its mount targets.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AwsError, ResourceNotFound, UsageError } from "../errors.ts"

/** An EFS mount target: its subnet, address and security groups. */
export type MountTarget = {
  readonly id: string
  readonly fileSystemId: string
  readonly subnetId: string
  readonly availabilityZone: string
  readonly ipAddress: string
  readonly state: string
  readonly securityGroups: ReadonlyArray<string>
}

/** An EFS file system with its mount targets. */
export type FileSystem = {
  readonly id: string
  readonly name: string
  readonly creationToken: string
  readonly state: string
  /** The metered size, bytes. */
  readonly sizeBytes: number
  readonly created: Date
  readonly performanceMode: string
  readonly encrypted: boolean
  readonly mountTargets: ReadonlyArray<MountTarget>
  readonly tags: Readonly<Record<string, string>>
}

/** Where EFS mount targets go: a VPC, its CIDR block (allowed NFS) and its subnets. */
export interface EfsNetwork {
  readonly vpcId: string
  /** The VPC's primary CIDR block: NFS is allowed from it. */
  readonly cidr: string
  readonly subnets: ReadonlyArray<{ readonly id: string; readonly availabilityZone: string }>
}

/**
 * EFS file systems: list them, create one with its mount targets and an NFS security group. Live: `EfsLive`; in
 * memory: `EfsMemory`.
 */
export class Efs extends Context.Service<Efs, {
  readonly region: string
  /** Every file system with its mount targets and their security groups. */
  readonly list: () => Effect.Effect<ReadonlyArray<FileSystem>, AwsError>
  /** The file system made with this creation token, if any. */
  readonly byCreationToken: (token: string) => Effect.Effect<FileSystem | undefined, AwsError>
  /**
   * The VPC of the given subnets (all in one VPC, else UsageError; unknown subnets: ResourceNotFound),
   * or, given none, the default VPC and all its subnets (ResourceNotFound when there is none).
   */
  readonly network: (subnetIds: ReadonlyArray<string>) => Effect.Effect<EfsNetwork, AwsError | ResourceNotFound | UsageError>
  /** The id of the security group `name` in `vpcId`, or none. */
  readonly securityGroupId: (name: string, vpcId: string) => Effect.Effect<string | undefined, AwsError>
  /** Create a security group in `vpcId` that allows NFS (TCP 2049) from `cidr`; returns its id. */
  readonly createNfsSecurityGroup: (name: string, vpcId: string, cidr: string) => Effect.Effect<string, AwsError>
  /**
   * Create a file system named `name` with creation token `name` (general purpose, bursting,
   * encrypted), or return the one that token already made: `created` says which.
   */
  readonly createFileSystem: (name: string) => Effect.Effect<{ readonly fileSystem: FileSystem; readonly created: boolean }, AwsError>
  /** Wait until the file system is available (mount targets can only be made then). */
  readonly waitAvailable: (id: string) => Effect.Effect<void, AwsError>
  readonly createMountTarget: (
    fileSystemId: string,
    subnetId: string,
    securityGroups: ReadonlyArray<string>
  ) => Effect.Effect<MountTarget, AwsError>
}>()("aegea/Efs") {}

/** The security group `efs create` makes (or reuses) when given none. */
export const nfsSecurityGroupName = "aegea.efs"
/** NFS. */
export const nfsPort = 2049
