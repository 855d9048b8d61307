/**
 * EC2 resources aegea deletes, creates or changes one at a time: `aegea rm` (security groups,
 * volumes, snapshots, AMIs, subnets, VPCs, launch templates, internet gateways, flow logs, key
 * pairs; also EFS file systems (with their mount targets), ELBv2 load balancers, Lambda functions and IAM access keys), `aegea rename` (an instance's Name tag) and `aegea ebs` (create, attach, detach, modify,
 * snapshot volumes). Every change takes `dryRun`: AWS checks the call (permissions included) and
 * changes nothing.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AwsError, ResourceNotFound } from "../errors.ts"
import type { Snapshot, Volume } from "./Ec2.ts"

/** What `aegea rm` deletes, by the prefix of the id. */
export const removableKinds = [
  { kind: "security-group", prefix: "sg-", noun: "security group" },
  { kind: "volume", prefix: "vol-", noun: "volume" },
  { kind: "snapshot", prefix: "snap-", noun: "snapshot" },
  { kind: "image", prefix: "ami-", noun: "AMI" },
  { kind: "subnet", prefix: "subnet-", noun: "subnet" },
  { kind: "vpc", prefix: "vpc-", noun: "VPC" },
  { kind: "launch-template", prefix: "lt-", noun: "launch template" },
  { kind: "internet-gateway", prefix: "igw-", noun: "internet gateway" },
  { kind: "flow-log", prefix: "fl-", noun: "flow log" },
  { kind: "file-system", prefix: "fs-", noun: "EFS file system" },
  { kind: "key-pair", prefix: "key-", noun: "key pair" },
  { kind: "load-balancer", prefix: "arn:aws:elasticloadbalancing:", noun: "load balancer" },
  { kind: "lambda-function", prefix: "arn:aws:lambda:", noun: "Lambda function" },
  { kind: "access-key", prefix: "AKIA", noun: "IAM access key" }
] as const

/** A kind of EC2 resource `Ec2Resources.remove` deletes. */
export type RemovableKind = typeof removableKinds[number]["kind"]

/** The kind an id names by its prefix, or none. */
export const kindOfId = (id: string): RemovableKind | undefined =>
  /^AKIA[A-Z0-9]{16}$/.test(id)
    ? "access-key"
    : removableKinds.find((k) => k.kind !== "access-key" && id.startsWith(k.prefix) && id.length > k.prefix.length)?.kind

/** The kinds `aegea rm` also takes by name (with --key-pair, --elb, --lambda). */
export type NamedKind = "key-pair" | "load-balancer" | "lambda-function"

/** The noun of a removable kind, for messages ("security group"). */
export const nounOf = (kind: RemovableKind): string => removableKinds.find((k) => k.kind === kind)?.noun ?? kind

/** A resource found for deletion. */
export interface Removable {
  readonly kind: RemovableKind
  /** The id (a key pair given by name: its name). */
  readonly id: string
  /** The Name tag (a key pair's name). */
  readonly name?: string | undefined
  /** What goes with it: an AMI's snapshots, an EFS file system's mount targets (deleted first). */
  readonly alsoDeletes: ReadonlyArray<string>
  /** An IAM access key's user. */
  readonly owner?: string | undefined
  /** What stops a VPC from being deleted: "subnet subnet-1", "instance i-1", "internet gateway igw-1"... */
  readonly blockers: ReadonlyArray<string>
  /** A Classic Load Balancer (found by name when no ELBv2 load balancer has it), deleted by name. */
  readonly classic?: boolean | undefined
  /** The VPCs an internet gateway is detached from before it is deleted. */
  readonly detachFrom?: ReadonlyArray<string> | undefined
}

/** Ask AWS to check the request without making the change. */
export interface DryRun {
  readonly dryRun?: boolean
}

/** What `Ec2Resources.createVolume` creates: an EBS volume in a zone, by size or from a snapshot. */
export interface NewVolume extends DryRun {
  readonly availabilityZone: string
  readonly sizeGiB?: number | undefined
  readonly type?: string | undefined
  readonly iops?: number | undefined
  readonly throughput?: number | undefined
  readonly snapshotId?: string | undefined
  readonly name?: string | undefined
}

/** The changes `Ec2Resources.modifyVolume` makes to an EBS volume: size, type, IOPS, throughput. */
export interface VolumeChange extends DryRun {
  readonly sizeGiB?: number | undefined
  readonly type?: string | undefined
  readonly iops?: number | undefined
  readonly throughput?: number | undefined
}

/**
 * EC2 resources besides instances: find and remove them by id or name; create, attach, detach and modify
 * volumes; snapshots; name an instance. Live: `Ec2ResourcesLive`; in memory: `Ec2ResourcesMemory`.
 */
export class Ec2Resources extends Context.Service<Ec2Resources, {
  readonly region: string
  /**
   * Look a resource up by id (a key pair's KeyPairId, a load balancer's or Lambda function's ARN),
   * or by name with `byName` (key pairs, load balancers, Lambda functions). ResourceNotFound when it
   * does not exist.
   */
  readonly find: (
    kind: RemovableKind,
    id: string,
    options?: { readonly byName?: boolean }
  ) => Effect.Effect<Removable, AwsError | ResourceNotFound>
  /**
   * Delete what `find` found (an AMI: deregister it, then delete its snapshots; an EFS file system:
   * delete its mount targets, wait until they are gone (bounded), then the file system). A dry run of
   * an EFS file system, load balancer, Lambda function or access key (APIs without DryRun) calls nothing.
   */
  readonly remove: (target: Removable, options?: DryRun) => Effect.Effect<void, AwsError>
  /** One volume; ResourceNotFound when there is none. */
  readonly volume: (id: string) => Effect.Effect<Volume, AwsError | ResourceNotFound>
  /** One snapshot (its state and progress); ResourceNotFound when there is none. */
  readonly snapshot: (id: string) => Effect.Effect<Snapshot, AwsError | ResourceNotFound>
  /** The devices ("/dev/xvdf") the instance's volumes are attached at. */
  readonly devicesInUse: (instanceId: string) => Effect.Effect<ReadonlyArray<string>, AwsError>
  /** Create a volume; with dryRun, undefined. */
  readonly createVolume: (spec: NewVolume) => Effect.Effect<Volume | undefined, AwsError>
  readonly attachVolume: (volumeId: string, instanceId: string, device: string, options?: DryRun) => Effect.Effect<void, AwsError>
  readonly detachVolume: (volumeId: string, options?: DryRun & { readonly force?: boolean }) => Effect.Effect<void, AwsError>
  readonly modifyVolume: (volumeId: string, change: VolumeChange) => Effect.Effect<void, AwsError>
  /** Snapshot a volume; with dryRun, undefined. */
  readonly createSnapshot: (
    volumeId: string,
    options?: DryRun & { readonly description?: string | undefined; readonly name?: string | undefined }
  ) => Effect.Effect<Snapshot | undefined, AwsError>
  /** Set an instance's Name tag. */
  readonly setInstanceName: (instanceId: string, name: string, options?: DryRun) => Effect.Effect<void, AwsError>
}>()("aegea/Ec2Resources") {}
