/**
 * The small listings of the Python aegea, one method each: network ACLs, spot instance and spot fleet
 * requests, EC2 account attributes and Service Quotas (limits), KMS keys, ACM certificates, DynamoDB tables and SNS
 * subscriptions. Read-only; each method is a lazy Stream of domain rows.
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"
import type { Ec2Filters } from "../lib/ec2Filters.ts"

const optionalString = Schema.optional(Schema.String)
const tags = Schema.Record(Schema.String, Schema.String)

/** A VPC network ACL with its entries, one line each. */
export const NetworkAcl = Schema.Struct({
  name: optionalString,
  id: Schema.String,
  vpcId: optionalString,
  isDefault: Schema.Boolean,
  /** Subnets the ACL is associated with. */
  subnets: Schema.Array(Schema.String),
  /** The rules, one string each, e.g. "in 100 allow tcp 22 0.0.0.0/0", in rule order. */
  entries: Schema.Array(Schema.String),
  tags
})
/** A VPC network ACL with its entries, one line each. */
export type NetworkAcl = typeof NetworkAcl.Type

/** An EC2 Spot Instance request: state, status, instance and price. */
export const SpotInstanceRequest = Schema.Struct({
  id: Schema.String,
  state: Schema.String,
  /** The status code, e.g. "fulfilled", "price-too-low". */
  status: optionalString,
  type: optionalString,
  instanceType: optionalString,
  instanceId: optionalString,
  maxPrice: optionalString,
  availabilityZone: optionalString,
  created: Schema.optional(Schema.Date),
  tags
})
/** An EC2 Spot Instance request: state, status, instance and price. */
export type SpotInstanceRequest = typeof SpotInstanceRequest.Type

/** An EC2 Spot Fleet request: state, target capacity and type. */
export const SpotFleetRequest = Schema.Struct({
  id: Schema.String,
  state: Schema.String,
  activityStatus: optionalString,
  targetCapacity: Schema.optional(Schema.Number),
  fulfilledCapacity: Schema.optional(Schema.Number),
  allocationStrategy: optionalString,
  type: optionalString,
  created: Schema.optional(Schema.Date),
  tags
})
/** An EC2 Spot Fleet request: state, target capacity and type. */
export type SpotFleetRequest = typeof SpotFleetRequest.Type

/** An EC2 account attribute (max-instances, supported-platforms...). */
export const AccountAttribute = Schema.Struct({
  name: Schema.String,
  /** The values, comma-separated (most attributes have one). */
  value: Schema.String
})
/** An EC2 account attribute (max-instances, supported-platforms...). */
export type AccountAttribute = typeof AccountAttribute.Type

/** A KMS key with its aliases, state and manager. */
export const KmsKey = Schema.Struct({
  /** The key's aliases ("alias/..."), comma-separated; empty for a key with none. */
  alias: optionalString,
  id: Schema.String,
  arn: Schema.String,
  state: optionalString,
  usage: optionalString,
  /** AWS or CUSTOMER. */
  manager: optionalString,
  description: optionalString,
  created: Schema.optional(Schema.Date)
})
/** A KMS key with its aliases, state and manager. */
export type KmsKey = typeof KmsKey.Type

/** An ACM certificate: domain, status, type and expiry. */
export const Certificate = Schema.Struct({
  domain: Schema.String,
  arn: Schema.String,
  status: optionalString,
  /** AMAZON_ISSUED, IMPORTED or PRIVATE. */
  type: optionalString,
  expires: Schema.optional(Schema.Date),
  inUse: Schema.optional(Schema.Boolean),
  alternativeNames: Schema.Array(Schema.String)
})
/** An ACM certificate: domain, status, type and expiry. */
export type Certificate = typeof Certificate.Type

/** A DynamoDB table: status, item count and size. */
export const Table = Schema.Struct({
  name: Schema.String,
  status: optionalString,
  items: Schema.optional(Schema.Number),
  sizeBytes: Schema.optional(Schema.Number),
  /** PROVISIONED or PAY_PER_REQUEST. */
  billingMode: optionalString,
  created: Schema.optional(Schema.Date),
  arn: optionalString
})
/** A DynamoDB table: status, item count and size. */
export type Table = typeof Table.Type

/** An SNS subscription: its topic, protocol and endpoint. */
export const Subscription = Schema.Struct({
  /** The topic's name (the last part of its ARN). */
  topic: Schema.String,
  protocol: Schema.String,
  endpoint: optionalString,
  topicArn: Schema.String,
  /** The subscription's ARN, or "PendingConfirmation". */
  arn: Schema.String,
  owner: optionalString
})
/** An SNS subscription: its topic, protocol and endpoint. */
export type Subscription = typeof Subscription.Type

/** A service quota with its value and, where known, the account's usage. */
export const ServiceQuota = Schema.Struct({
  /** The Service Quotas code of the service ("ec2", "vpc", "lambda"...). */
  service: Schema.String,
  /** The quota's code, e.g. "L-1216C47A". */
  code: Schema.String,
  name: Schema.String,
  /** The account's value: the applied value where AWS has one, else the default. */
  value: Schema.optional(Schema.Number),
  /** AWS's default value. */
  defaultValue: Schema.optional(Schema.Number),
  /** The latest usage from the quota's CloudWatch usage metric (AWS/Usage), where it has one. */
  usage: Schema.optional(Schema.Number),
  /** "None", "Count", "Bytes"... */
  unit: optionalString,
  adjustable: Schema.optional(Schema.Boolean),
  /** Whether the quota applies across every region. */
  global: Schema.optional(Schema.Boolean)
})
/** A service quota with its value and, where known, the account's usage. */
export type ServiceQuota = typeof ServiceQuota.Type

export { type Ec2Filters, matchesFilters } from "../lib/ec2Filters.ts"

/**
 * The read-only listings of `aegea` inventory commands: network ACLs, Spot requests, account attributes, service
 * quotas, KMS keys, certificates, DynamoDB tables, SNS subscriptions. Live: `InventoryLive`; in memory:
 * `InventoryMemory`.
 */
export class Inventory extends Context.Service<Inventory, {
  readonly region: string
  readonly networkAcls: (filters?: Ec2Filters) => Stream.Stream<NetworkAcl, AwsError>
  readonly spotInstanceRequests: (filters?: Ec2Filters) => Stream.Stream<SpotInstanceRequest, AwsError>
  readonly spotFleetRequests: () => Stream.Stream<SpotFleetRequest, AwsError>
  readonly accountAttributes: () => Stream.Stream<AccountAttribute, AwsError>
  /**
   * The Service Quotas of one service (its code, e.g. "ec2"), sorted by name: every quota with its
   * default, the account's applied value where AWS has one, and its latest usage where it has a
   * usage metric. An unknown service code fails with AwsNotFound.
   */
  readonly serviceQuotas: (service: string) => Stream.Stream<ServiceQuota, AwsError>
  readonly kmsKeys: () => Stream.Stream<KmsKey, AwsError>
  readonly certificates: () => Stream.Stream<Certificate, AwsError>
  readonly tables: () => Stream.Stream<Table, AwsError>
  readonly subscriptions: () => Stream.Stream<Subscription, AwsError>
}>()("aegea/Inventory") {}

/** "in 100 allow tcp 22-22 0.0.0.0/0": one network ACL entry as a line. */
export const aclEntryLine = (e: {
  readonly egress: boolean
  readonly ruleNumber: number | undefined
  readonly action: string | undefined
  readonly protocol: string | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly cidr: string | undefined
}): string => {
  const protocol = e.protocol === "-1" ? "all" : e.protocol === "6" ? "tcp" : e.protocol === "17" ? "udp" : e.protocol === "1" ? "icmp" : (e.protocol ?? "?")
  const ports = e.from === undefined ? "" : e.from === e.to || e.to === undefined ? ` ${e.from}` : ` ${e.from}-${e.to}`
  const rule = e.ruleNumber === 32767 ? "*" : String(e.ruleNumber ?? "?")
  return `${e.egress ? "out" : "in"} ${rule} ${e.action ?? "?"} ${protocol}${ports} ${e.cidr ?? ""}`.trimEnd()
}

/** The topic name of an SNS topic ARN (its last part). */
export const topicName = (arn: string): string => arn.slice(arn.lastIndexOf(":") + 1)
