/**
 * What `aegea launch` needs from EC2 beyond listing: image lookup with filters, RunInstances, and
 * spot price history; for `aegea build-ami`, CreateImage, DeregisterImage and DeleteSnapshot.
 * Networking (default VPC, security groups) is Ec2Network's.
 */
import type { SpotPrice } from "../lib/spotPrice.ts"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Image, type Instance } from "./Ec2.ts"
import type { AwsError } from "../errors.ts"

const optionalString = Schema.optional(Schema.String)

/** An image with the root device name a root-volume resize must target (e.g. /dev/xvda, /dev/sda1). */
export const LaunchImage = Schema.Struct({
  ...Image.fields,
  rootDeviceName: optionalString,
  /** The EBS snapshots behind the image (its block device mappings), deleted with it by `build-ami --prune`. */
  snapshotIds: Schema.optional(Schema.Array(Schema.String))
})
/** An image with the root device name a root-volume resize must target (e.g. /dev/xvda, /dev/sda1). */
export type LaunchImage = typeof LaunchImage.Type

/** Which images `Ec2Launch.findImages` looks for: ids, owners and EC2 filters. */
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

export type { SpotPrice }

/** One CreateImage call (`aegea build-ami`): an image of an instance, tagged at creation. */
export interface CreateImageRequest {
  readonly instanceId: string
  /** The AMI name: unique among this account's images in the region. */
  readonly name: string
  readonly description?: string
  /** Applied to the image at creation. */
  readonly tags: Readonly<Record<string, string>>
  /** Image the instance without rebooting it first (EC2's default is to reboot, for a consistent file system). */
  readonly noReboot?: boolean
}

/**
 * The EC2 calls of launching and building images: find images, run an instance, Spot prices, create and
 * deregister images, delete snapshots. Live: `Ec2LaunchLive`; in memory: `Ec2LaunchMemory`.
 */
export class Ec2Launch extends Context.Service<Ec2Launch, {
  /** Images matching the query, in no particular order; unknown ids give an empty list. */
  readonly findImages: (query: ImageQuery) => Effect.Effect<ReadonlyArray<LaunchImage>, AwsError>
  /** Launch one instance; the result is as RunInstances returns it (usually pending). */
  readonly runInstance: (request: RunInstanceRequest) => Effect.Effect<Instance, AwsError>
  /** Linux/UNIX spot prices of an instance type since `since`, every zone. */
  readonly spotPrices: (instanceType: string, since: Date) => Effect.Effect<ReadonlyArray<SpotPrice>, AwsError>
  /** CreateImage: returns the new image's id (the image is `pending` until its snapshots are done). */
  readonly createImage: (request: CreateImageRequest) => Effect.Effect<string, AwsError>
  /** DeregisterImage; an image already gone is success. Its snapshots stay (see deleteSnapshot). */
  readonly deregisterImage: (imageId: string) => Effect.Effect<void, AwsError>
  /** DeleteSnapshot; a snapshot already gone is success. */
  readonly deleteSnapshot: (snapshotId: string) => Effect.Effect<void, AwsError>
}>()("aegea/Ec2Launch") {}
