/**
 * EC2 as aegea sees it: instances, images, volumes, snapshots, security groups, subnets, VPCs, key
 * pairs, regions and zones, and instance state changes. Listing methods are lazy Streams (one page at
 * a time); domain types are Schemas, so a user's program can decode and encode them too.
 */
import { Context, type Duration, Effect, Schedule, Schema, Stream } from "effect"
import { AmbiguousName, type AwsError, OperationFailed, ResourceNotFound } from "./Errors.ts"

const Tags = Schema.Record(Schema.String, Schema.String)
const optionalString = Schema.optional(Schema.String)

export const InstanceState = Schema.Literals([
  "pending",
  "running",
  "shutting-down",
  "terminated",
  "stopping",
  "stopped"
])
export type InstanceState = typeof InstanceState.Type

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
export type Instance = typeof Instance.Type

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
export type Image = typeof Image.Type

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
export type Volume = typeof Volume.Type

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
export type SecurityGroupRule = typeof SecurityGroupRule.Type

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
export type Subnet = typeof Subnet.Type

export const Vpc = Schema.Struct({
  id: Schema.String,
  name: optionalString,
  cidr: Schema.String,
  isDefault: Schema.Boolean,
  state: Schema.String,
  tags: Tags
})
export type Vpc = typeof Vpc.Type

export const KeyPair = Schema.Struct({
  id: optionalString,
  name: Schema.String,
  type: optionalString,
  fingerprint: optionalString,
  created: Schema.optional(Schema.Date),
  tags: Tags
})
export type KeyPair = typeof KeyPair.Type

export const Region = Schema.Struct({ name: Schema.String, endpoint: optionalString, optIn: optionalString })
export type Region = typeof Region.Type

export const Zone = Schema.Struct({
  name: Schema.String,
  id: optionalString,
  region: Schema.String,
  state: Schema.String,
  type: optionalString
})
export type Zone = typeof Zone.Type

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

export type StateAction = "start" | "stop" | "reboot" | "terminate"

export interface StateChange {
  readonly id: string
  readonly previousState: InstanceState
  readonly currentState: InstanceState
}

export type ResolveError = AwsError | ResourceNotFound | AmbiguousName

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
  /** Images owned by `owners` (default: this account, "self"). */
  readonly images: (options?: { readonly owners?: ReadonlyArray<string> }) => Stream.Stream<Image, AwsError>
  readonly volumes: () => Stream.Stream<Volume, AwsError>
  /** Snapshots owned by this account. */
  readonly snapshots: () => Stream.Stream<Snapshot, AwsError>
  readonly securityGroupRules: () => Stream.Stream<SecurityGroupRule, AwsError>
  readonly subnets: () => Stream.Stream<Subnet, AwsError>
  readonly vpcs: () => Stream.Stream<Vpc, AwsError>
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

export const isInstanceId = (s: string) => instanceIdPattern.test(s)

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
        hint: "Run 'aegea ls' to see the instances, or pass --region"
      })
    }
    if (rest.length > 0) {
      return yield* new AmbiguousName({
        kind: "instance",
        name: nameOrId,
        candidates: found.map((i) => `${i.id} (${i.state})`)
      })
    }
    return first
  })

/**
 * Poll until every instance is in `target` (or terminated, which ends any wait), printing nothing.
 * `schedule` defaults to every 2 s with a 10 minute bound; the result is the last listing.
 */
export const waitForState = (
  ids: ReadonlyArray<string>,
  target: InstanceState,
  options: { readonly every?: Duration.Input; readonly timeout?: Duration.Input } = {}
): Effect.Effect<ReadonlyArray<Instance>, AwsError | OperationFailed, Ec2> =>
  Effect.gen(function*() {
    const ec2 = yield* Ec2
    const done = (list: ReadonlyArray<Instance>) =>
      list.length > 0 && list.every((i) => i.state === target || (i.state === "terminated" && target !== "running"))
    const poll = Stream.runCollect(ec2.instances({ ids }))
    return yield* poll.pipe(
      Effect.repeat({ schedule: Schedule.spaced(options.every ?? "2 seconds"), until: done }),
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

// ---------------------------------------------------------------------------------------------
// Networking for `batch`/`ecs` default infrastructure (added by the batch/ecs work; a separate
// service so that Ec2's members are unchanged).

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

// --- launch (issue 5) ---
// What `aegea launch` needs from EC2 beyond listing: image lookup with filters, RunInstances, and
// spot price history. A separate service so that Ec2's members (and their implementations) are
// unchanged; networking (default VPC, security groups) is Ec2Network's.

/** An image with the root device name a root-volume resize must target (e.g. /dev/xvda, /dev/sda1). */
export const LaunchImage = Schema.Struct({ ...Image.fields, rootDeviceName: optionalString })
export type LaunchImage = typeof LaunchImage.Type

export interface ImageQuery {
  /** "self", "amazon", an account id...; all owners the caller can see when absent. */
  readonly owners?: ReadonlyArray<string>
  readonly ids?: ReadonlyArray<string>
  /** DescribeImages filters: name (wildcards allowed), architecture, state, tag:KEY, tag-key. */
  readonly filters?: Readonly<Record<string, ReadonlyArray<string>>>
}

/** An EBS volume created with the instance (root resize or an extra encrypted gp3 volume). */
export interface BlockDevice {
  readonly deviceName: string
  readonly sizeGiB: number
  readonly volumeType: "gp3"
  /** Absent: as the snapshot is (root volumes keep the image's encryption). */
  readonly encrypted?: boolean
  readonly deleteOnTermination: boolean
}

/** One RunInstances call (MinCount = MaxCount = 1), in aegea's terms. */
export interface RunInstanceRequest {
  readonly imageId: string
  readonly instanceType: string
  readonly subnetId?: string
  readonly availabilityZone?: string
  readonly securityGroupIds: ReadonlyArray<string>
  /** Instance profile name. */
  readonly iamInstanceProfile?: string
  readonly keyName?: string
  /** base64 (of gzip when large), as RunInstances takes it. */
  readonly userData: string
  readonly blockDevices: ReadonlyArray<BlockDevice>
  /** Applied to the instance and its volumes at creation. */
  readonly tags: Readonly<Record<string, string>>
  /** A one-time spot instance; no maxPrice = AWS's default cap, the on-demand price. */
  readonly spot?: { readonly maxPrice?: string }
  readonly clientToken: string
}

export interface SpotPrice {
  readonly availabilityZone: string
  /** USD per hour. */
  readonly price: number
  readonly timestamp: Date
}

export class Ec2Launch extends Context.Service<Ec2Launch, {
  /** Images matching the query, in no particular order; unknown ids give an empty list. */
  readonly findImages: (query: ImageQuery) => Effect.Effect<ReadonlyArray<LaunchImage>, AwsError>
  /** Launch one instance; the result is as RunInstances returns it (usually pending). */
  readonly runInstance: (request: RunInstanceRequest) => Effect.Effect<Instance, AwsError>
  /** Linux/UNIX spot prices of an instance type since `since`, every zone. */
  readonly spotPrices: (instanceType: string, since: Date) => Effect.Effect<ReadonlyArray<SpotPrice>, AwsError>
}>()("aegea/Ec2Launch") {}
