/** Listings of EC2 resources other than instances: one command each, same flags and formats. */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Command from "effect/cli/Command"
import { Ec2 } from "../services/Ec2.ts"
import type { AwsError } from "../errors.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import { Ec2Layer } from "./global.ts"

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
      yield* output.table(yield* Stream.runCollect(rows(ec2)), spec)
    })).pipe(
      Command.withDescription(description),
      Command.withExamples([{ command: `aegea ${name} --output json`, description: `${description.replace(/\.$/, "")} as JSON` }]),
      Command.provide(Ec2Layer)
    )

const tags = { tags: "tags" } as const

export const imagesCommand = listing("images", "List the AMIs this account owns.", (ec2) => ec2.images(), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "architecture" },
    { key: "created", kind: "time" },
    { key: "public" },
    { key: "tags", kind: "tags" }
  ]
})

export const volumesCommand = listing("volumes", "List EBS volumes.", (ec2) => ec2.volumes(), {
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
  kinds: tags
})

export const snapshotsCommand = listing("snapshots", "List EBS snapshots this account owns.", (ec2) => ec2.snapshots(), {
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
  kinds: tags
})

export const securityGroupsCommand = listing(
  "security-groups",
  "List security groups, one row per rule.",
  (ec2) => ec2.securityGroupRules(),
  {
    columns: [
      { key: "name", kind: "name" },
      { key: "id", kind: "id" },
      { key: "vpcId", header: "VPC", kind: "id" },
      { key: "direction" },
      { key: "protocol" },
      { key: "ports" },
      { key: "source" },
      { key: "description" }
    ],
    kinds: tags
  }
)

export const subnetsCommand = listing("subnets", "List VPC subnets.", (ec2) => ec2.subnets(), {
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
  kinds: tags
})

export const vpcsCommand = listing("vpcs", "List VPCs.", (ec2) => ec2.vpcs(), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "cidr", header: "CIDR" },
    { key: "isDefault", header: "DEFAULT" },
    { key: "state", kind: "state" }
  ],
  kinds: tags
})

export const keyPairsCommand = listing("key-pairs", "List EC2 key pairs.", (ec2) => ec2.keyPairs(), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "type" },
    { key: "fingerprint" },
    { key: "created", kind: "time" }
  ],
  kinds: tags
})

export const regionsCommand = listing("regions", "List the AWS regions enabled for this account.", (ec2) => ec2.regions(), {
  columns: [{ key: "name", kind: "name" }, { key: "endpoint" }, { key: "optIn", header: "OPT-IN" }]
})

export const zonesCommand = listing("zones", "List the availability zones of the region.", (ec2) => ec2.zones(), {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "region" },
    { key: "state", kind: "state" },
    { key: "type" }
  ]
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
  zonesCommand
] as const
