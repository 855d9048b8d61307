/** Listings of EC2 resources other than instances: one command each, same flags and formats. */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Command from "effect/cli/Command"
import { Ec2, Image, KeyPair, Region, SecurityGroupRule, Snapshot, Subnet, Volume, Vpc, Zone } from "../services/Ec2.ts"
import type { AwsError } from "../errors.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import type { Ec2Filters } from "../lib/ec2Filters.ts"
import { ec2Filters, filterCriteria, filterFlag, tagFlag } from "./ec2Filters.ts"
import { Ec2Layer } from "./global.ts"
import { listingDescription } from "../lib/table.ts"

const listing = <A extends Row>(
  name: string,
  description: string,
  rows: (ec2: Ec2["Service"]) => Stream.Stream<A, AwsError>,
  spec: TableSpec
) =>
  Command.make(name, {}, () =>
    Effect.gen(function*() {
      const ec2 = yield* Ec2
      const output = yield* Output
      yield* output.table(yield* Stream.runCollect(rows(ec2)), spec, { empty: `no ${name.replace(/-/g, " ")} in ${ec2.region}` })
    })).pipe(
      Command.withDescription(listingDescription(description, spec)),
      Command.withShortDescription(description),
      Command.withExamples([{ command: `aegea ${name} --output json`, description: `${description.replace(/\.$/, "")} as JSON` }]),
      Command.provide(Ec2Layer)
    )

/** A listing with `-t/--tag KEY=VALUE` and `-f/--filter NAME=VALUE` (EC2 filters of `operation`). */
const filteredListing = <A extends Row>(
  name: string,
  description: string,
  rows: (ec2: Ec2["Service"], filters: Ec2Filters) => Stream.Stream<A, AwsError>,
  spec: TableSpec,
  operation: string,
  example: string
) => {
  const what = name.replace(/-/g, " ")
  return Command.make(name, { tag: tagFlag(what), filter: filterFlag(what, operation, example) }, (input) =>
    Effect.gen(function*() {
      const ec2 = yield* Ec2
      const output = yield* Output
      const filters = yield* ec2Filters(input)
      yield* output.table(yield* Stream.runCollect(rows(ec2, filters)), spec, { empty: `no ${what} in ${ec2.region}${filterCriteria(input)}` })
    })).pipe(
      Command.withDescription(listingDescription(description, spec)),
      Command.withShortDescription(description),
      Command.withExamples([
        { command: `aegea ${name} --output json`, description: `${description.replace(/\.$/, "")} as JSON` },
        { command: `aegea ${name} --tag env=prod --filter ${example}`, description: "Only those with the tag that match the filter" }
      ]),
      Command.provide(Ec2Layer)
    )
}

const tags = { tags: "tags" } as const

/** An image with what aegea build-ami tags it with: the image it was built from, and when. */
const imageRow = (image: Image) => ({ ...image, baseAmi: image.tags.BaseAMI, buildTime: image.tags.BuildTime })

export const imagesCommand = filteredListing("images", "List the AMIs this account owns.", (ec2, filters) => ec2.images({ filters }).pipe(Stream.map(imageRow)), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "architecture" },
    { key: "created", kind: "time" },
    { key: "public" },
    // What aegea build-ami tags its images with (BaseAMI, BuildTime): the image it was built from, and when.
    { key: "baseAmi", header: "BASE AMI", kind: "id" },
    { key: "buildTime", header: "BUILT", kind: "time" },
    { key: "tags", kind: "tags" }
  ],
  fields: [...Object.keys(Image.fields), "baseAmi", "buildTime"],
  aliases: { creation_date: "created", image_id: "id" }
}, "DescribeImages", "architecture=arm64")

/** The volumes table (also `aegea ebs` and `aegea ebs ls`). */
export const volumeTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "sizeGiB", header: "SIZE (GiB)", kind: "number" },
    { key: "type" },
    { key: "availabilityZone", header: "AZ" },
    { key: "encrypted" },
    { key: "attachedTo", header: "ATTACHED TO", kind: "id" },
    { key: "created", kind: "time" }
  ],
  kinds: tags,
  fields: Object.keys(Volume.fields),
  aliases: { volume_id: "id", size: "sizeGiB", volume_type: "type", create_time: "created", attachments: "attachedTo" }
}

export const volumesCommand = filteredListing(
  "volumes",
  "List EBS volumes.",
  (ec2, filters) => ec2.volumes({ filters }),
  volumeTable,
  "DescribeVolumes",
  "status=available"
)

export const snapshotsCommand = filteredListing("snapshots", "List EBS snapshots this account owns.", (ec2, filters) => ec2.snapshots({ filters }), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "volumeId", header: "VOLUME", kind: "id" },
    { key: "sizeGiB", header: "SIZE (GiB)", kind: "number" },
    { key: "progress" },
    { key: "started", kind: "time" },
    { key: "description" }
  ],
  kinds: tags,
  fields: Object.keys(Snapshot.fields),
  aliases: { snapshot_id: "id", volume_size: "sizeGiB", start_time: "started" }
}, "DescribeSnapshots", "volume-id=vol-0abc")

export const securityGroupRuleTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "vpcId", header: "VPC", kind: "id" },
    // When the terminal is narrow the rule itself stays: ports and source last, the source never cut.
    { key: "direction", keep: 1 },
    { key: "protocol", keep: 1 },
    { key: "ports", keep: 2 },
    { key: "source", keep: 2, noTruncate: true },
    { key: "description" }
  ],
  kinds: tags,
  fields: Object.keys(SecurityGroupRule.fields),
  aliases: { group_id: "id", group_name: "name" }
}

export const securityGroupsCommand = filteredListing(
  "security-groups",
  "List security groups, one row per rule.",
  (ec2, filters) => ec2.securityGroupRules({ filters }),
  securityGroupRuleTable,
  "DescribeSecurityGroups",
  "vpc-id=vpc-0abc"
)

export const subnetsCommand = filteredListing("subnets", "List VPC subnets.", (ec2, filters) => ec2.subnets({ filters }), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "vpcId", header: "VPC", kind: "id" },
    { key: "cidr", header: "CIDR" },
    { key: "availabilityZone", header: "AZ" },
    { key: "availableIps", header: "FREE IPS", kind: "number" },
    { key: "defaultForAz", header: "DEFAULT" },
    { key: "mapPublicIp", header: "PUBLIC IP" },
    { key: "state", kind: "state" }
  ],
  kinds: tags,
  fields: Object.keys(Subnet.fields),
  aliases: { subnet_id: "id", cidr_block: "cidr", available_ip_address_count: "availableIps", map_public_ip_on_launch: "mapPublicIp" }
}, "DescribeSubnets", "vpc-id=vpc-0abc")

export const vpcsCommand = filteredListing("vpcs", "List VPCs.", (ec2, filters) => ec2.vpcs({ filters }), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "cidr", header: "CIDR" },
    { key: "isDefault", header: "DEFAULT" },
    { key: "state", kind: "state" }
  ],
  kinds: tags,
  fields: Object.keys(Vpc.fields),
  aliases: { vpc_id: "id", cidr_block: "cidr" }
}, "DescribeVpcs", "is-default=true")

export const keyPairTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "type" },
    { key: "fingerprint", keep: 1, noTruncate: true },
    { key: "created", kind: "time" }
  ],
  kinds: tags,
  fields: Object.keys(KeyPair.fields),
  aliases: { key_name: "name", key_pair_id: "id", key_fingerprint: "fingerprint", key_type: "type", create_time: "created" }
}

export const keyPairsCommand = listing("key-pairs", "List EC2 key pairs.", (ec2) => ec2.keyPairs(), keyPairTable)

export const regionsCommand = listing("regions", "List the AWS regions enabled for this account.", (ec2) => ec2.regions(), {
  columns: [{ key: "name", kind: "name" }, { key: "endpoint", noTruncate: true }, { key: "optIn", header: "OPT-IN" }],
  fields: Object.keys(Region.fields),
  aliases: { region_name: "name", opt_in_status: "optIn" }
})

export const azsCommand = listing("azs", "List the availability zones of the region.", (ec2) => ec2.zones(), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "region" },
    { key: "state", kind: "state" },
    { key: "type" }
  ],
  fields: Object.keys(Zone.fields),
  aliases: { zone_name: "name", zone_id: "id", region_name: "region", zone_type: "type" }
})

export const resourceCommands = [
  imagesCommand,
  volumesCommand,
  snapshotsCommand,
  securityGroupsCommand,
  subnetsCommand,
  vpcsCommand,
  keyPairsCommand,
  regionsCommand,
  azsCommand
] as const
