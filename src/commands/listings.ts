/**
 * The Python aegea's small listings: `acls`, `sirs`, `sfrs`, `limits`, `cmks`, `certificates`,
 * `tables`, `subscriptions`. One command each, same formats as every listing; the EC2 ones take
 * `-t/--tag` and `-f/--filter`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import type { AwsError, UsageError } from "../errors.ts"
import { InventoryLive } from "../layers/InventoryLive.ts"
import { describeColumns, listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import {
  AccountAttribute,
  Certificate,
  type Ec2Filters,
  Inventory,
  KmsKey,
  matchesFilters,
  NetworkAcl,
  ServiceQuota,
  SpotFleetRequest,
  SpotInstanceRequest,
  Subscription,
  Table
} from "../services/Inventory.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import { ec2Filters, filterCriteria, filterFlag, tagFlag } from "./ec2Filters.ts"
import { awsService, BaseLayer } from "./global.ts"

export const InventoryLayer = awsService(Inventory, InventoryLive).pipe(Layer.provideMerge(BaseLayer))

interface Listing {
  readonly name: string
  readonly summary: string
  readonly spec: TableSpec
  /** "network ACLs": for the empty message. */
  readonly what: string
  readonly example?: { readonly command: string; readonly description: string }
}

const describe = <N extends string, I, E>(listing: Listing, command: Command.Command<N, I, {}, E, Inventory | Output>) =>
  command.pipe(
    Command.withDescription(listingDescription(listing.summary, listing.spec)),
    Command.withShortDescription(listing.summary),
    Command.withExamples([
      { command: `aegea ${listing.name} --output json`, description: `${listing.summary.replace(/\.$/, "")} as JSON` },
      ...(listing.example ? [listing.example] : [])
    ]),
    Command.provide(InventoryLayer)
  )

/** A listing without filters. */
const plain = <A extends Row>(listing: Listing, rows: (inventory: Inventory["Service"]) => Stream.Stream<A, AwsError>) =>
  describe(listing, Command.make(listing.name, {}, () =>
    Effect.gen(function*() {
      const inventory = yield* Inventory
      const output = yield* Output
      yield* output.table(yield* Stream.runCollect(rows(inventory)), listing.spec, { empty: `no ${listing.what} in ${inventory.region}` })
    }).pipe(Effect.withSpan(listing.name))))

/** An EC2 listing with `-t/--tag` and `-f/--filter`. */
const filtered = <A extends Row>(
  listing: Listing,
  operation: string,
  example: string,
  rows: (inventory: Inventory["Service"], filters: Ec2Filters) => Stream.Stream<A, AwsError | UsageError>
) =>
  describe(listing, Command.make(listing.name, { tag: tagFlag(listing.what), filter: filterFlag(listing.what, operation, example) }, (input) =>
    Effect.gen(function*() {
      const inventory = yield* Inventory
      const output = yield* Output
      const filters = yield* ec2Filters(input)
      yield* output.table(yield* Stream.runCollect(rows(inventory, filters)), listing.spec, {
        empty: `no ${listing.what} in ${inventory.region}${filterCriteria(input)}`
      })
    }).pipe(Effect.withSpan(listing.name))))

const tagsKind = { tags: "tags" } as const

export const aclTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "vpcId", header: "VPC", kind: "id" },
    { key: "isDefault", header: "DEFAULT" },
    { key: "subnets", kind: "id" },
    { key: "entries", header: "RULES", keep: 1 }
  ],
  kinds: tagsKind,
  fields: Object.keys(NetworkAcl.fields),
  aliases: { network_acl_id: "id", is_default: "isDefault", associations: "subnets", rules: "entries" }
}

export const aclsCommand = filtered(
  {
    name: "acls",
    what: "network ACLs",
    summary: "List VPC network ACLs with their rules (direction, rule number, action, protocol, ports, CIDR).",
    spec: aclTable,
    example: { command: "aegea acls --filter vpc-id=vpc-0abc --columns id,entries", description: "The rules of one VPC's ACLs" }
  },
  "DescribeNetworkAcls",
  "vpc-id=vpc-0abc",
  (inventory, filters) => inventory.networkAcls(filters)
)

export const sirTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "status" },
    { key: "type" },
    { key: "instanceType", header: "INSTANCE TYPE" },
    { key: "instanceId", header: "INSTANCE", kind: "id" },
    { key: "maxPrice", header: "MAX PRICE" },
    { key: "availabilityZone", header: "AZ" },
    { key: "created", kind: "time" }
  ],
  kinds: tagsKind,
  fields: Object.keys(SpotInstanceRequest.fields),
  aliases: { spot_instance_request_id: "id", spot_price: "maxPrice", instance_type: "instanceType", create_time: "created" }
}

export const sirsCommand = filtered(
  { name: "sirs", what: "spot instance requests", summary: "List EC2 spot instance requests.", spec: sirTable },
  "DescribeSpotInstanceRequests",
  "state=open",
  (inventory, filters) => inventory.spotInstanceRequests(filters)
)

export const sfrTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "activityStatus", header: "ACTIVITY" },
    { key: "targetCapacity", header: "TARGET", kind: "number" },
    { key: "fulfilledCapacity", header: "FULFILLED", kind: "number" },
    { key: "allocationStrategy", header: "STRATEGY" },
    { key: "type" },
    { key: "created", kind: "time" }
  ],
  kinds: tagsKind,
  fields: Object.keys(SpotFleetRequest.fields),
  aliases: { spot_fleet_request_id: "id", spot_fleet_request_state: "state", create_time: "created" }
}

// DescribeSpotFleetRequests takes no filters: they are judged on the rows (tag:KEY, or a column).
export const sfrsCommand = filtered(
  {
    name: "sfrs",
    what: "spot fleet requests",
    summary: "List EC2 spot fleet requests (--filter NAME=VALUE is judged on the rows: NAME is a column, e.g. state=active).",
    spec: sfrTable
  },
  "spot fleet request",
  "state=active",
  (inventory, filters) => inventory.spotFleetRequests().pipe(Stream.filter((r) => matchesFilters(r, filters)))
)

export const limitsTable: TableSpec = {
  columns: [{ key: "name", kind: "name" }, { key: "value", noTruncate: true }],
  fields: Object.keys(AccountAttribute.fields),
  aliases: { attribute_name: "name", attribute_values: "value" }
}

export const quotaTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "value", kind: "number" },
    { key: "usage", kind: "number" },
    { key: "defaultValue", header: "DEFAULT", kind: "number" },
    { key: "unit" },
    { key: "adjustable" },
    { key: "code", kind: "id" }
  ],
  kinds: { service: "text", global: "text" },
  fields: Object.keys(ServiceQuota.fields),
  aliases: { quota_name: "name", quota_code: "code", default: "defaultValue" }
}

const limitsSummary =
  "List the EC2 account attributes and limits (max-instances, max-elastic-ips, supported-platforms, default-vpc...); with --service CODE, that service's Service Quotas instead."

export const limitsCommand = Command.make(
  "limits",
  {
    service: Flag.String("service").pipe(
      Flag.withDescription(
        "List this service's Service Quotas (its Service Quotas code: ec2, vpc, ebs, lambda, elasticloadbalancing...): the account's value (applied, else the default), the latest usage where AWS measures it, the default, unit, whether it is adjustable, and the quota code."
      ),
      Flag.optional
    )
  },
  (raw) =>
    Effect.gen(function*() {
      const input = withConfigDefaults((yield* AegeaConfig).section("limits"), raw)
      const inventory = yield* Inventory
      const output = yield* Output
      if (Option.isSome(input.service)) {
        const service = input.service.value.trim()
        yield* output.table(yield* Stream.runCollect(inventory.serviceQuotas(service)), quotaTable, {
          empty: `no Service Quotas for ${service} in ${inventory.region}`
        })
      } else {
        yield* output.table(yield* Stream.runCollect(inventory.accountAttributes()), limitsTable, {
          empty: `no account attributes in ${inventory.region}`
        })
      }
    }).pipe(Effect.withSpan("limits"))
).pipe(
  Command.withDescription(
    `${limitsSummary}\n  Columns: ${describeColumns(quotaTable)} (all but name and value with --service only).`
  ),
  Command.withShortDescription("List the EC2 account attributes and limits, or a service's Service Quotas (--service CODE)."),
  Command.withExamples([
    { command: "aegea limits", description: "The EC2 account attributes (max-instances, max-elastic-ips...)" },
    { command: "aegea limits --service ec2", description: "EC2's Service Quotas with the account's values and current usage" },
    { command: "aegea limits --service vpc --sort-by usage:desc --output json", description: "VPC quotas, most used first, as JSON" }
  ]),
  Command.provide(InventoryLayer)
)

export const cmkTable: TableSpec = {
  columns: [
    { key: "alias", kind: "name" },
    { key: "id", kind: "id" },
    { key: "state", kind: "state" },
    { key: "usage" },
    { key: "manager" },
    { key: "created", kind: "time" },
    { key: "description" }
  ],
  kinds: { arn: "id" },
  fields: Object.keys(KmsKey.fields),
  aliases: { key_id: "id", key_state: "state", key_usage: "usage", key_manager: "manager", creation_date: "created", aliases: "alias" }
}

export const cmksCommand = plain(
  { name: "cmks", what: "KMS keys", summary: "List KMS keys with their aliases, state, usage and creation time.", spec: cmkTable },
  (inventory) => inventory.kmsKeys()
)

export const certificateTable: TableSpec = {
  columns: [
    { key: "domain", kind: "name" },
    { key: "status", kind: "state" },
    { key: "type" },
    { key: "expires", kind: "time" },
    { key: "inUse", header: "IN USE" },
    { key: "alternativeNames", header: "OTHER NAMES" }
  ],
  kinds: { arn: "id" },
  fields: Object.keys(Certificate.fields),
  aliases: { domain_name: "domain", not_after: "expires", in_use: "inUse", certificate_arn: "arn" }
}

export const certificatesCommand = plain(
  {
    name: "certificates",
    what: "ACM certificates",
    summary: "List ACM certificates: domain, status, type, expiry and whether they are in use.",
    spec: certificateTable
  },
  (inventory) => inventory.certificates()
)

export const tableTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "status", kind: "state" },
    { key: "items", kind: "number" },
    { key: "sizeBytes", header: "SIZE", kind: "bytes" },
    { key: "billingMode", header: "BILLING" },
    { key: "created", kind: "time" }
  ],
  kinds: { arn: "id" },
  fields: Object.keys(Table.fields),
  aliases: { table_name: "name", table_status: "status", item_count: "items", table_size_bytes: "sizeBytes", billing_mode: "billingMode" }
}

export const tablesCommand = plain(
  {
    name: "tables",
    what: "DynamoDB tables",
    summary: "List DynamoDB tables: status, item count, size and billing mode (AWS updates counts about every 6 hours).",
    spec: tableTable
  },
  (inventory) => inventory.tables()
)

export const subscriptionTable: TableSpec = {
  columns: [
    { key: "topic", kind: "name" },
    { key: "protocol" },
    { key: "endpoint", noTruncate: true },
    { key: "arn", kind: "id" }
  ],
  kinds: { topicArn: "id" },
  fields: Object.keys(Subscription.fields),
  aliases: { topic_arn: "topicArn", subscription_arn: "arn" }
}

export const subscriptionsCommand = plain(
  { name: "subscriptions", what: "SNS subscriptions", summary: "List SNS subscriptions: topic, protocol and endpoint.", spec: subscriptionTable },
  (inventory) => inventory.subscriptions()
)

export const listingCommands = [
  aclsCommand,
  sirsCommand,
  sfrsCommand,
  limitsCommand,
  cmksCommand,
  certificatesCommand,
  tablesCommand,
  subscriptionsCommand
] as const
