/**
 * What `aegea launch` needs from EC2 beyond listing: image lookup with filters, RunInstances, and
 * spot price history. Networking (default VPC, security groups) is Ec2Network's.
 */
import type { SpotPrice } from "../lib/spotPrice.ts"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Image, type Instance } from "./Ec2.ts"
import type { AwsError } from "../errors.ts"

const optionalString = Schema.optional(Schema.String)

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

export type { SpotPrice }

export class Ec2Launch extends Context.Service<Ec2Launch, {
  /** Images matching the query, in no particular order; unknown ids give an empty list. */
  readonly findImages: (query: ImageQuery) => Effect.Effect<ReadonlyArray<LaunchImage>, AwsError>
  /** Launch one instance; the result is as RunInstances returns it (usually pending). */
  readonly runInstance: (request: RunInstanceRequest) => Effect.Effect<Instance, AwsError>
  /** Linux/UNIX spot prices of an instance type since `since`, every zone. */
  readonly spotPrices: (instanceType: string, since: Date) => Effect.Effect<ReadonlyArray<SpotPrice>, AwsError>
}>()("aegea/Ec2Launch") {}
