/**
 * EC2 as aegea sees it: instances, images, volumes, snapshots, security groups, subnets, VPCs, key
 * pairs, regions and zones, and instance state changes. Listing methods are lazy Streams (one page at
 * a time); domain types are Schemas, so a user's program can decode and encode them too.
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { AmbiguousName, type AwsError, OperationFailed, ResourceNotFound } from "../errors.ts"
import type { Ec2Filters } from "../lib/ec2Filters.ts"
import { pollEvery } from "../lib/schedules.ts"
import { Polling } from "./Polling.ts"

const Tags = Schema.Record(Schema.String, Schema.String)
const optionalString = Schema.optional(Schema.String)

/** An EC2 instance state. */
export const InstanceState = Schema.Literals([
  "pending",
  "running",
  "shutting-down",
  "terminated",
  "stopping",
  "stopped"
])
/** An EC2 instance state. */
export type InstanceState = typeof InstanceState.Type

/** An EC2 instance as `Ec2.instances` lists it: id, name, state, type, addresses, network, image, tags and times. */
export const Instance = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  state: InstanceState,
  type: Schema.String,
  availabilityZone: optionalString,
  privateIp: optionalString,
  publicIp: optionalString,
  publicDns: optionalString,
  privateDns: optionalString,
  launchTime: Schema.optional(Schema.Date),
  lifecycle: Schema.String,
  iamProfile: optionalString,
  imageId: optionalString,
  vpcId: optionalString,
  subnetId: optionalString,
  keyName: optionalString,
  architecture: optionalString,
  securityGroups: Schema.Array(Schema.String),
  tags: Tags
})
/** An EC2 instance as `Ec2.instances` lists it: id, name, state, type, addresses, network, image, tags and times. */
export type Instance = typeof Instance.Type

/** An EC2 image (AMI) as `Ec2.images` lists it. */
export const Image = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  state: Schema.String,
  architecture: optionalString,
  created: Schema.optional(Schema.Date),
  public: Schema.Boolean,
  ownerId: optionalString,
  description: optionalString,
  rootDevice: optionalString,
  tags: Tags
})
/** An EC2 image (AMI) as `Ec2.images` lists it. */
export type Image = typeof Image.Type

/** An EBS volume as `Ec2.volumes` lists it, with its attachments. */
export const Volume = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  state: Schema.String,
  sizeGiB: Schema.Number,
  type: optionalString,
  availabilityZone: optionalString,
  encrypted: Schema.Boolean,
  attachedTo: optionalString,
  device: optionalString,
  created: Schema.optional(Schema.Date),
  tags: Tags
})
/** An EBS volume as `Ec2.volumes` lists it, with its attachments. */
export type Volume = typeof Volume.Type

/** An EBS snapshot as `Ec2.snapshots` lists it. */
export const Snapshot = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  state: Schema.String,
  volumeId: optionalString,
  sizeGiB: Schema.Number,
  progress: optionalString,
  started: Schema.optional(Schema.Date),
  description: optionalString,
  encrypted: Schema.Boolean,
  tags: Tags
})
/** An EBS snapshot as `Ec2.snapshots` lists it. */
export type Snapshot = typeof Snapshot.Type

/** One row per ingress or egress rule (a group without rules is one row with no rule). */
export const SecurityGroupRule = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  vpcId: optionalString,
  direction: Schema.optional(Schema.Literals(["ingress", "egress"])),
  protocol: optionalString,
  ports: optionalString,
  source: optionalString,
  description: optionalString,
  tags: Tags
})
/** One row per ingress or egress rule (a group without rules is one row with no rule). */
export type SecurityGroupRule = typeof SecurityGroupRule.Type

/** A VPC subnet as `Ec2.subnets` lists it. */
export const Subnet = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  vpcId: Schema.String,
  cidr: Schema.String,
  availabilityZone: optionalString,
  availableIps: Schema.Number,
  defaultForAz: Schema.Boolean,
  mapPublicIp: Schema.Boolean,
  state: Schema.String,
  tags: Tags
})
/** A VPC subnet as `Ec2.subnets` lists it. */
export type Subnet = typeof Subnet.Type

/** A VPC as `Ec2.vpcs` lists it. */
export const Vpc = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  cidr: Schema.String,
  isDefault: Schema.Boolean,
  state: Schema.String,
  tags: Tags
})
/** A VPC as `Ec2.vpcs` lists it. */
export type Vpc = typeof Vpc.Type

/** An EC2 key pair as `Ec2.keyPairs` lists it. */
export const KeyPair = Schema.Struct({
  id: optionalString,
  name: Schema.String,
  type: optionalString,
  fingerprint: optionalString,
  created: Schema.optional(Schema.Date),
  tags: Tags
})
/** An EC2 key pair as `Ec2.keyPairs` lists it. */
export type KeyPair = typeof KeyPair.Type

/** An AWS region as EC2's DescribeRegions returns it. */
export const Region = Schema.Struct({ name: Schema.String, endpoint: optionalString, optIn: optionalString })
/** An AWS region as EC2's DescribeRegions returns it. */
export type Region = typeof Region.Type

/** An availability zone of the region. */
export const Zone = Schema.Struct({
  name: Schema.String,
  id: optionalString,
  region: Schema.String,
  state: Schema.String,
  type: optionalString
})
/** An availability zone of the region. */
export type Zone = typeof Zone.Type

/** Which instances `Ec2.instances` lists: ids, names (wildcards allowed), states and raw EC2 filters. */
export interface InstanceFilter {
  /** Instance ids to list (exact). */
  readonly ids?: ReadonlyArray<string>
  /** Values of the Name tag (exact). */
  readonly names?: ReadonlyArray<string>
  /** Tag filters: each key must have one of the values. */
  readonly tags?: Readonly<Record<string, ReadonlyArray<string>>>
  readonly states?: ReadonlyArray<InstanceState>
  /** Raw EC2 filters (`--filter NAME=VALUE`). */
  readonly filters?: Readonly<Record<string, ReadonlyArray<string>>>
}

/** What `Ec2.changeState` does to instances. */
export type StateAction = "start" | "stop" | "reboot" | "terminate"

/** An instance's state before and after a start, stop, reboot or terminate. */
export interface StateChange {
  readonly id: string
  readonly previousState: InstanceState
  readonly currentState: InstanceState
}

/** Why a name or id did not resolve to one instance: AWS failed, nothing matched, or several did. */
export type ResolveError = AwsError | ResourceNotFound | AmbiguousName

/** EC2 Describe* filters for a listing (`--tag`, `--filter`), by name ("tag:env", "vpc-id"). */
export interface ListingFilter {
  readonly filters?: Ec2Filters
}

/**
 * EC2 instances (list, resolve a name, start, stop, reboot, terminate, console output) and the listings of
 * images, volumes, snapshots, security groups, subnets, VPCs, key pairs, regions and zones. Live: `Ec2Live`; in
 * memory: `Ec2Memory`.
 */
export class Ec2 extends Context.Service<Ec2, {
  readonly region: string
  readonly instances: (filter?: InstanceFilter) => Stream.Stream<Instance, AwsError>
  /** One instance by id, Name tag or DNS name; terminated instances are ignored unless given by id. */
  readonly resolveInstance: (nameOrId: string) => Effect.Effect<Instance, ResolveError>
  /**
   * Change the state of instances. With `dryRun`, AWS checks permissions and nothing changes; the
   * result is then empty.
   */
  readonly changeState: (
    action: StateAction,
    ids: ReadonlyArray<string>,
    options?: { readonly dryRun?: boolean }
  ) => Effect.Effect<ReadonlyArray<StateChange>, AwsError>
  readonly consoleOutput: (id: string) => Effect.Effect<string | undefined, AwsError>
  /** Images owned by `owners` (default: this account, "self"). `filters`: EC2 filters ("tag:env"). */
  readonly images: (options?: { readonly owners?: ReadonlyArray<string>; readonly filters?: Ec2Filters }) => Stream.Stream<Image, AwsError>
  readonly volumes: (options?: ListingFilter) => Stream.Stream<Volume, AwsError>
  /** Snapshots owned by this account. */
  readonly snapshots: (options?: ListingFilter) => Stream.Stream<Snapshot, AwsError>
  /** `filters` select groups (DescribeSecurityGroups), then each group's rules are rows. */
  readonly securityGroupRules: (options?: ListingFilter) => Stream.Stream<SecurityGroupRule, AwsError>
  readonly subnets: (options?: ListingFilter) => Stream.Stream<Subnet, AwsError>
  readonly vpcs: (options?: ListingFilter) => Stream.Stream<Vpc, AwsError>
  readonly keyPairs: () => Stream.Stream<KeyPair, AwsError>
  readonly regions: () => Stream.Stream<Region, AwsError>
  readonly zones: () => Stream.Stream<Zone, AwsError>
}>()("aegea/Ec2") {}

/** The state an action leads to, for `--wait`. */
export const targetState: Record<StateAction, InstanceState> = {
  start: "running",
  stop: "stopped",
  reboot: "running",
  terminate: "terminated"
}

const instanceIdPattern = /^i-[0-9a-f]{8,17}$/

/** Whether a string is an EC2 instance id (i- and 8 or 17 hex digits). */
export const isInstanceId = (s: string) => instanceIdPattern.test(s)

/** The `aegea ls` that lists every instance a name or DNS name matches (shell-quoted when needed). */
const listCommand = (nameOrId: string): string => {
  const quoted = /^[\w.@%+=:,/-]+$/.test(nameOrId) ? nameOrId : `'${nameOrId.replace(/'/g, `'\\''`)}'`
  if (!nameOrId.includes(".")) return `aegea ls ${quoted}`
  return `aegea ls --filter ${nameOrId.startsWith("ip-") ? "private-dns-name" : "dns-name"}=${quoted}`
}

/**
 * Resolve a name, id or DNS name against a listing, the same way for every layer: ids match
 * exactly (terminated too); names and DNS names match live (not terminated) instances only.
 */
export const resolveInstanceWith = (
  instances: (filter?: InstanceFilter) => Stream.Stream<Instance, AwsError>,
  region: string
) =>
(nameOrId: string): Effect.Effect<Instance, ResolveError> =>
  Effect.gen(function*() {
    const live: ReadonlyArray<InstanceState> = ["pending", "running", "stopping", "stopped", "shutting-down"]
    const filter: InstanceFilter = isInstanceId(nameOrId)
      ? { ids: [nameOrId] }
      : nameOrId.includes(".")
      ? { states: live, filters: { [nameOrId.startsWith("ip-") ? "private-dns-name" : "dns-name"]: [nameOrId] } }
      : { names: [nameOrId], states: live }
    const found = yield* Stream.runCollect(instances(filter)).pipe(
      Effect.catchTag("AwsNotFound", () => Effect.succeed([] as ReadonlyArray<Instance>))
    )
    const [first, ...rest] = found
    if (first === undefined) {
      return yield* new ResourceNotFound({
        kind: "instance",
        name: nameOrId,
        region,
        hint: "Run 'aegea ls' to see the instances, or set the region",
        remedy: "other-region"
      })
    }
    if (rest.length > 0) {
      return yield* new AmbiguousName({
        kind: "instance",
        name: nameOrId,
        candidates: found.map((i) => `${i.id} (${i.state})`),
        listCommand: listCommand(nameOrId)
      })
    }
    return first
  })

/**
 * Poll until every instance is in `target` (or terminated, which ends any wait), printing nothing.
 * The poll defaults to `Polling`'s state schedule, every 2 s (`every`, or any `schedule`) with a 10 minute bound (`timeout`);
 * the result is the last listing.
 */
export const waitForState = (
  ids: ReadonlyArray<string>,
  target: InstanceState,
  options: {
    readonly every?: Duration.Input
    /** How to poll (replaces `every`): any Schedule, e.g. `Schedule.exponential("1 second")`; it may end the wait early. */
    readonly schedule?: Schedule.Schedule<unknown, ReadonlyArray<Instance>>
    readonly timeout?: Duration.Input
  } = {}
): Effect.Effect<ReadonlyArray<Instance>, AwsError | OperationFailed, Ec2> =>
  Effect.gen(function*() {
    if (ids.length === 0) return []
    const ec2 = yield* Ec2
    const done = (list: ReadonlyArray<Instance>) =>
      list.length > 0 && list.every((i) => i.state === target || (i.state === "terminated" && target !== "running"))
    const poll = Stream.runCollect(ec2.instances({ ids }))
    const polling = yield* Polling
    return yield* poll.pipe(
      Effect.repeat({
        schedule: options.schedule ?? (options.every === undefined ? polling.state : pollEvery(options.every)),
        until: done
      }),
      Effect.timeoutOrElse({
        duration: options.timeout ?? "10 minutes",
        orElse: () =>
          Effect.fail(
            new OperationFailed({
              message: `timed out waiting for ${ids.join(", ")} to be ${target}`,
              hint: "Check the instances with 'aegea ls'"
            })
          )
      })
    )
  })
