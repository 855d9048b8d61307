/**
 * Route 53 hosted zones and their record sets as aegea sees them (Route 53 is global: no region).
 * Names are fully qualified and end with a dot, as Route 53 writes them ("box.aegea."); the pure
 * helpers below complete a name relative to a zone, as the Python aegea does, and compare names.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"

/** A Route 53 hosted zone: its id, name, whether private, and its record count. */
export const HostedZone = Schema.Struct({
  /** The bare id, e.g. "Z0123456789ABCDEFGHIJ" (without "/hostedzone/"). */
  id: Schema.String,
  /** "example.com." */
  name: Schema.String,
  private: Schema.Boolean,
  records: Schema.Number,
  comment: Schema.optional(Schema.String)
})
/** A Route 53 hosted zone: its id, name, whether private, and its record count. */
export type HostedZone = typeof HostedZone.Type

/** A Route 53 record set: name, type, TTL and values (or an alias target). */
export const RecordSet = Schema.Struct({
  /** "www.example.com." */
  name: Schema.String,
  type: Schema.String,
  ttl: Schema.optional(Schema.Number),
  values: Schema.Array(Schema.String),
  /** An alias record's target (a DNS name), instead of ttl and values. */
  alias: Schema.optional(Schema.String),
  /** Weighted, latency... records of one name and type are told apart by this. */
  setIdentifier: Schema.optional(Schema.String)
})
/** A Route 53 record set: name, type, TTL and values (or an alias target). */
export type RecordSet = typeof RecordSet.Type

/** One change `Route53.changeRecords` makes: upsert or delete a record set. */
export interface RecordChange {
  readonly action: "UPSERT" | "DELETE"
  readonly record: RecordSet
}

/** A VPC a private hosted zone is associated with. */
export interface ZoneVpc {
  readonly vpcId: string
  readonly region: string
}

/** Why a `Route53` call failed: AWS failed, or the zone does not exist. */
export type Route53Error = AwsError | ResourceNotFound

/**
 * Route 53 hosted zones and record sets: list and find zones, list and change records, private zones and their
 * VPCs. Live: `Route53Live`; in memory: `Route53Memory`.
 */
export class Route53 extends Context.Service<Route53, {
  /** Every hosted zone of the account, page by page. */
  readonly listZones: () => Stream.Stream<HostedZone, AwsError>
  /** The zones with exactly this name (a public and a private zone may share one). */
  readonly zonesNamed: (name: string) => Effect.Effect<ReadonlyArray<HostedZone>, AwsError>
  /** One zone by id (bare or "/hostedzone/..."), with the VPCs of a private zone. */
  readonly getZone: (id: string) => Effect.Effect<{ readonly zone: HostedZone; readonly vpcs: ReadonlyArray<ZoneVpc> }, Route53Error>
  /** The zone's record sets in Route 53's order, page by page. */
  readonly listRecords: (zoneId: string) => Stream.Stream<RecordSet, Route53Error>
  /** The record sets with exactly this name (any type, or only `type`). */
  readonly recordsNamed: (zoneId: string, name: string, type?: string) => Effect.Effect<ReadonlyArray<RecordSet>, Route53Error>
  /** One atomic change batch: all of it is done, or none. */
  readonly changeRecords: (zoneId: string, changes: ReadonlyArray<RecordChange>) => Effect.Effect<void, Route53Error>
  /** A new private zone, associated with `vpc` (Route 53 needs one VPC to make a private zone). */
  readonly createPrivateZone: (name: string, vpc: ZoneVpc, comment?: string) => Effect.Effect<HostedZone, AwsError>
  /** Associate one more VPC with a private zone (a VPC already associated is no change). */
  readonly associateVpc: (zoneId: string, vpc: ZoneVpc) => Effect.Effect<void, Route53Error>
}>()("aegea/Route53") {}

/** "example.com" / "Example.COM." -> "example.com." */
export const absoluteName = (name: string) => `${name.trim().replace(/\.+$/, "").toLowerCase()}.`

/** Same DNS name, whatever the case and the final dot. */
export const sameName = (a: string, b: string) => absoluteName(a) === absoluteName(b)

/**
 * A record name as given on the command line, completed with the zone (as the Python aegea does):
 * "www" in example.com. -> "www.example.com."; "@" or the zone's own name -> the apex; a name that
 * already ends with the zone's name, or ends with a dot, is taken as it is.
 */
export const recordName = (name: string, zoneName: string) => {
  const zone = absoluteName(zoneName)
  const given = name.trim()
  if (given === "@" || given === "") return zone
  if (given.endsWith(".")) return absoluteName(given)
  const full = absoluteName(given)
  return full === zone || full.endsWith(`.${zone}`) ? full : `${given.toLowerCase()}.${zone}`
}

/** "/hostedzone/Z123" -> "Z123". */
export const bareZoneId = (id: string) => id.replace(/^\/?hostedzone\//, "")

/** A zone id as the user may write it: upper-case letters and digits (Z...), with or without /hostedzone/. */
export const looksLikeZoneId = (text: string) => /^(\/?hostedzone\/)?[A-Z0-9]{10,32}$/.test(text)

/** The error for a hosted zone that does not exist, pointing at `aegea zones ls`. */
export const zoneNotFound = (zone: string) =>
  new ResourceNotFound({ kind: "hosted zone", name: zone, hint: "Run 'aegea zones ls' to see the hosted zones" })

/** The built-in private zone of instance names (config `dns.private_zone`). */
export const defaultPrivateZone = "aegea."

/** TXT values must be quoted strings: quote one given without quotes. */
export const recordValue = (type: string, value: string) =>
  type.toUpperCase() === "TXT" && !/^".*"$/.test(value) ? JSON.stringify(value) : value
