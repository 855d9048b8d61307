/**
 * CloudTrail as aegea sees it: the trails that apply to the region (with whether each is logging)
 * and the management events of the last 90 days (LookupEvents). AWS takes one lookup attribute per
 * request; further attributes are matched here (`matchesAttributes`), by the live and in-memory
 * layers alike.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

/** A CloudTrail trail and its status: home region, bucket, whether it is logging and multi-region. */
export const TrailInfo = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  /** The trail's home region (a multi-region trail shows in every region). */
  region: Schema.String,
  multiRegion: Schema.Boolean,
  /** GetTrailStatus IsLogging; undefined when the status could not be read (another account's trail). */
  logging: Schema.optional(Schema.Boolean),
  s3Bucket: Schema.optional(Schema.String),
  /** The CloudWatch Logs group it delivers to (a name, from the group's ARN). */
  logGroup: Schema.optional(Schema.String)
})
/** A CloudTrail trail and its status: home region, bucket, whether it is logging and multi-region. */
export type TrailInfo = typeof TrailInfo.Type

/** One management event from CloudTrail's LookupEvents: who did what, when, to which resources. */
export const TrailEvent = Schema.Struct({
  id: Schema.String,
  time: Schema.Date,
  /** Username: the IAM user, role session or service that made the call. */
  user: Schema.optional(Schema.String),
  /** The API operation: RunInstances, ConsoleLogin... */
  event: Schema.String,
  /** The service: ec2.amazonaws.com. */
  source: Schema.String,
  /** The first resource's name (others are in `resources`). */
  resource: Schema.optional(Schema.String),
  resources: Schema.Array(Schema.Struct({ type: Schema.optional(Schema.String), name: Schema.optional(Schema.String) })),
  sourceIp: Schema.optional(Schema.String),
  /** The error code (and message) when the call failed. */
  error: Schema.optional(Schema.String),
  readOnly: Schema.optional(Schema.Boolean),
  accessKeyId: Schema.optional(Schema.String)
})
/** One management event from CloudTrail's LookupEvents: who did what, when, to which resources. */
export type TrailEvent = typeof TrailEvent.Type

/** LookupEvents' attribute keys, as AWS spells them. */
export const lookupAttributeKeys = [
  "EventId",
  "EventName",
  "ReadOnly",
  "Username",
  "ResourceType",
  "ResourceName",
  "EventSource",
  "AccessKeyId"
] as const
/** An attribute CloudTrail's LookupEvents filters on. */
export type LookupAttributeKey = typeof lookupAttributeKeys[number]

/** One LookupEvents filter: an attribute and the value it must have. */
export interface LookupAttribute {
  readonly key: LookupAttributeKey
  readonly value: string
}

/** What `CloudTrail.lookup` reads: attribute filters and a time range. */
export interface LookupQuery {
  /** All must match (AWS is asked with the first; the others are matched on the events it returns). */
  readonly attributes: ReadonlyArray<LookupAttribute>
  readonly start: Date
  /** Default: now. */
  readonly end?: Date | undefined
}

/**
 * CloudTrail: trails and their status, and management events by attribute and time. Live: `CloudTrailLive`; in
 * memory: `CloudTrailMemory`.
 */
export class CloudTrail extends Context.Service<CloudTrail, {
  readonly region: string
  /** Every trail that applies to the region (multi-region trails of other home regions included), with its status. */
  readonly trails: () => Effect.Effect<ReadonlyArray<TrailInfo>, AwsError>
  /** Management events in the time range, newest first, all pages (lazily: take what you need). */
  readonly lookup: (query: LookupQuery) => Stream.Stream<TrailEvent, AwsError>
}>()("aegea/CloudTrail") {}

/** "username" -> "Username"; undefined for a key LookupEvents does not take. */
export const lookupAttributeKey = (text: string): LookupAttributeKey | undefined =>
  lookupAttributeKeys.find((k) => k.toLowerCase() === text.trim().toLowerCase().replace(/[-_]/g, ""))

/** Whether an event has the attribute, as LookupEvents compares it (exact, case-sensitive values). */
export const matchesAttribute = (event: TrailEvent, attribute: LookupAttribute): boolean => {
  switch (attribute.key) {
    case "EventId":
      return event.id === attribute.value
    case "EventName":
      return event.event === attribute.value
    case "ReadOnly":
      return String(event.readOnly === true) === attribute.value.toLowerCase()
    case "Username":
      return event.user === attribute.value
    case "ResourceType":
      return event.resources.some((r) => r.type === attribute.value)
    case "ResourceName":
      return event.resources.some((r) => r.name === attribute.value)
    case "EventSource":
      return event.source === attribute.value
    case "AccessKeyId":
      return event.accessKeyId === attribute.value
  }
}

/** Whether an event matches every attribute filter (as LookupEvents matches one). */
export const matchesAttributes = (event: TrailEvent, attributes: ReadonlyArray<LookupAttribute>): boolean =>
  attributes.every((a) => matchesAttribute(event, a))

interface CloudTrailRecord {
  readonly sourceIPAddress?: unknown
  readonly errorCode?: unknown
  readonly errorMessage?: unknown
}

/** Source IP and error from an event's CloudTrailEvent JSON document (missing or unreadable: none). */
export const recordDetails = (document: string | undefined): { readonly sourceIp?: string; readonly error?: string } => {
  if (document === undefined || document === "") return {}
  let record: CloudTrailRecord
  try {
    record = JSON.parse(document) as CloudTrailRecord
  } catch {
    return {}
  }
  if (typeof record !== "object" || record === null) return {}
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined)
  const ip = text(record.sourceIPAddress)
  const code = text(record.errorCode)
  const message = text(record.errorMessage)
  return {
    ...(ip !== undefined ? { sourceIp: ip } : {}),
    ...(code !== undefined ? { error: message !== undefined ? `${code}: ${message}` : code } : {})
  }
}

/** "arn:aws:logs:us-east-1:123:log-group:CloudTrail/Default:*" -> "CloudTrail/Default". */
export const logGroupOfArn = (arn: string | undefined): string | undefined => {
  if (arn === undefined || arn === "") return undefined
  const parts = arn.split(":")
  return parts[5] === "log-group" ? parts[6] : undefined
}
