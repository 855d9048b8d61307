/**
 * `aegea zones ls | records | update | delete`: Route 53 hosted zones and their records. A zone is
 * named by its DNS name or its id; record names relative to the zone are completed with it ("www" in
 * example.com. is www.example.com.), as in the Python aegea. (The availability zones are `aegea azs`.)
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { AmbiguousName, ResourceNotFound, UsageError } from "../errors.ts"
import { Route53Live } from "../layers/Route53Live.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import {
  HostedZone,
  looksLikeZoneId,
  type RecordChange,
  RecordSet,
  recordName,
  recordValue,
  Route53,
  sameName,
  zoneNotFound
} from "../services/Route53.ts"
import { confirmDestruction } from "./confirm.ts"
import { awsService, BaseLayer } from "./global.ts"

export const ZonesLayer = awsService(Route53, Route53Live).pipe(Layer.provideMerge(BaseLayer))

const zoneArgument = Argument.String("zone").pipe(
  Argument.withDescription("The hosted zone: its DNS name (example.com) or its id (Z0123456789ABC).")
)

/** A zone by id, or by name (a public and a private zone of one name: name the one you mean by id). */
export const resolveZone = (zone: string) =>
  Effect.gen(function*() {
    const r53 = yield* Route53
    if (looksLikeZoneId(zone)) {
      const byId = yield* r53.getZone(zone).pipe(Effect.map((z) => z.zone), Effect.catchTag("ResourceNotFound", () => Effect.succeed(undefined)))
      if (byId !== undefined) return byId
    }
    const found = yield* r53.zonesNamed(zone)
    const [first, ...others] = found
    if (first === undefined) return yield* zoneNotFound(zone)
    if (others.length > 0) {
      return yield* new AmbiguousName({
        kind: "hosted zone",
        name: zone,
        candidates: found.map((z) => `${z.id} (${z.private ? "private" : "public"})`),
        listCommand: "aegea zones ls"
      })
    }
    return first
  })

const zoneTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "id", kind: "id" },
    { key: "private" },
    { key: "records", kind: "number" },
    { key: "comment" }
  ],
  fields: Object.keys(HostedZone.fields),
  aliases: { zone_id: "id", hosted_zone_id: "id", record_count: "records" }
}

const recordTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "type" },
    { key: "ttl", header: "TTL", kind: "number" },
    { key: "values", noTruncate: true },
    { key: "alias" },
    { key: "setIdentifier", header: "SET ID" }
  ],
  fields: Object.keys(RecordSet.fields)
}

const changeTable: TableSpec = {
  columns: [
    { key: "action", kind: "state" },
    { key: "name", kind: "name" },
    { key: "type" },
    { key: "ttl", header: "TTL", kind: "number" },
    { key: "values", noTruncate: true }
  ]
}

const ls = Command.make(
  "ls",
  {},
  Effect.fn("zones.ls")(function*() {
    const r53 = yield* Route53
    const output = yield* Output
    yield* output.table(yield* Stream.runCollect(r53.listZones()), zoneTable, { empty: "no hosted zones" })
  })
).pipe(
  Command.withDescription(listingDescription("List the Route 53 hosted zones (public and private).", zoneTable)),
  Command.withShortDescription("List the Route 53 hosted zones."),
  Command.withExamples([
    { command: "aegea zones ls", description: "Every hosted zone of the account" },
    { command: "aegea zones ls --columns name,id --json", description: "Names and ids as JSON" }
  ])
)

const records = Command.make(
  "records",
  { zone: zoneArgument },
  Effect.fn("zones.records")(function*({ zone }) {
    const r53 = yield* Route53
    const output = yield* Output
    const found = yield* resolveZone(zone)
    yield* output.table(yield* Stream.runCollect(r53.listRecords(found.id)), recordTable, { empty: `no records in ${found.name}` })
  })
).pipe(
  Command.withDescription(listingDescription("List the record sets of a hosted zone.", recordTable)),
  Command.withShortDescription("List the records of a hosted zone."),
  Command.withExamples([
    { command: "aegea zones records example.com", description: "The records of example.com" },
    { command: "aegea zones records aegea. --output json", description: "Instance names in aegea's private zone, as JSON" }
  ])
)

const recordType = Flag.String("type").pipe(Flag.withDescription("The record type (default A): A, AAAA, CNAME, TXT, MX..."), Flag.optional)

/** What a --dry-run prints: the ChangeResourceRecordSets request. */
const changeBatchDocument = (zoneId: string, changes: ReadonlyArray<RecordChange>) => ({
  HostedZoneId: zoneId,
  ChangeBatch: {
    Changes: changes.map((c) => ({
      Action: c.action,
      ResourceRecordSet: {
        Name: c.record.name,
        Type: c.record.type,
        ...(c.record.setIdentifier !== undefined ? { SetIdentifier: c.record.setIdentifier } : {}),
        ...(c.record.alias !== undefined
          ? { AliasTarget: { DNSName: c.record.alias } }
          : { TTL: c.record.ttl, ResourceRecords: c.record.values.map((Value) => ({ Value })) })
      }
    }))
  }
})

const changeRows = (changes: ReadonlyArray<RecordChange>) =>
  changes.map((c) => ({ action: c.action, name: c.record.name, type: c.record.type, ttl: c.record.ttl, values: c.record.alias ?? c.record.values }))

/** "www=1.2.3.4" pairs -> one record per name (a name given twice gets both values). */
export const parseAssignments = (assignments: ReadonlyArray<string>, zoneName: string, type: string, ttl: number) =>
  Effect.gen(function*() {
    const byName = new Map<string, Array<string>>()
    for (const assignment of assignments) {
      const eq = assignment.indexOf("=")
      const name = eq > 0 ? assignment.slice(0, eq).trim() : ""
      const value = eq > 0 ? assignment.slice(eq + 1).trim() : ""
      if (name === "" || value === "") {
        return yield* new UsageError({
          message: `invalid record ${JSON.stringify(assignment)}`,
          hint: "Write each record as NAME=VALUE, e.g. www=10.0.0.5 (NAME relative to the zone, or ending with a dot)"
        })
      }
      const full = recordName(name, zoneName)
      if (!sameName(full, zoneName) && !full.endsWith(`.${zoneName}`)) {
        return yield* new UsageError({ message: `${full} is not in the zone ${zoneName}`, hint: "Give a name in the zone, or relative to it" })
      }
      byName.set(full, [...(byName.get(full) ?? []), recordValue(type, value)])
    }
    return [...byName].map(([name, values]): RecordChange => ({ action: "UPSERT", record: { name, type, ttl, values } }))
  })

const update = Command.make(
  "update",
  {
    zone: zoneArgument,
    records: Argument.String("name=value").pipe(
      Argument.withDescription("Records to create or replace, as NAME=VALUE; NAME relative to the zone (www) or absolute (www.example.com.)."),
      Argument.atLeast(1)
    ),
    type: recordType,
    ttl: Flag.Int("ttl").pipe(Flag.withDescription("Seconds resolvers may cache the records (default 60)."), Flag.optional),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print the change batch (ChangeResourceRecordSets) as YAML (JSON with --json), and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("zones.update")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("zones update"), raw)
    const r53 = yield* Route53
    const output = yield* Output
    const type = Option.getOrElse(input.type, () => "A").toUpperCase()
    const ttl = Option.getOrElse(input.ttl, () => 60)
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647) {
      return yield* new UsageError({ message: `invalid --ttl ${ttl}`, hint: "Give a number of seconds, e.g. --ttl 300" })
    }
    const zone = yield* resolveZone(input.zone)
    const changes = yield* parseAssignments(input.records, zone.name, type, ttl)
    if (input.dryRun) {
      yield* output.document(changeBatchDocument(zone.id, changes))
      yield* output.info(`dry run: would upsert ${changes.length} record${changes.length === 1 ? "" : "s"} in ${zone.name} (${zone.id}); nothing was changed`)
      return
    }
    yield* r53.changeRecords(zone.id, changes)
    yield* output.table(changeRows(changes), changeTable)
  })
).pipe(
  Command.withDescription(
    "Create or replace records (UPSERT) in a hosted zone, in one atomic change; a name given twice gets both values. Prints a table: ACTION, NAME, TYPE, TTL, VALUES."
  ),
  Command.withShortDescription("Create or replace records in a hosted zone."),
  Command.withExamples([
    { command: "aegea zones update example.com www=10.0.0.5 api=10.0.0.6", description: "Two A records, www.example.com. and api.example.com." },
    { command: "aegea zones update example.com docs=www.example.com --type CNAME --ttl 300", description: "A CNAME with a 5-minute TTL" },
    { command: "aegea zones update aegea. box=10.0.0.7 --dry-run", description: "Show the change batch, change nothing" }
  ])
)

const del = Command.make(
  "delete",
  {
    zone: zoneArgument,
    names: Argument.String("name").pipe(
      Argument.withDescription("Record names, relative to the zone (www) or absolute (www.example.com.)."),
      Argument.atLeast(1)
    ),
    type: Flag.String("type").pipe(
      Flag.withDescription("Delete only the records of this type (default: every type of the name, except the zone's own NS and SOA)."),
      Flag.optional
    ),
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Delete without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print the change batch (ChangeResourceRecordSets) as YAML (JSON with --json), and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("zones.delete")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("zones delete"), raw)
    const r53 = yield* Route53
    const output = yield* Output
    const zone = yield* resolveZone(input.zone)
    const type = Option.getOrUndefined(Option.map(input.type, (t) => t.toUpperCase()))
    const changes: Array<RecordChange> = []
    for (const given of input.names) {
      const name = recordName(given, zone.name)
      const found = (yield* r53.recordsNamed(zone.id, name, type)).filter((r) => !(r.name === zone.name && (r.type === "NS" || r.type === "SOA")))
      if (found.length === 0) {
        return yield* new ResourceNotFound({
          kind: `record${type !== undefined ? ` of type ${type}` : ""} in ${zone.name}`,
          name,
          hint: `Run 'aegea zones records ${zone.name}' to see its records`
        })
      }
      for (const record of found) changes.push({ action: "DELETE", record })
    }
    if (input.dryRun) {
      yield* output.document(changeBatchDocument(zone.id, changes))
      yield* output.info(`dry run: would delete ${changes.length} record${changes.length === 1 ? "" : "s"} from ${zone.name} (${zone.id}); nothing was changed`)
      return
    }
    yield* confirmDestruction({
      verb: "delete",
      noun: ["record", "records"],
      items: changes.map((c) => `${c.record.name} ${c.record.type} ${c.record.alias ?? c.record.values.join(", ")}`),
      detail: `from ${zone.name}`
    }, input.yes)
    yield* r53.changeRecords(zone.id, changes)
    yield* output.table(changeRows(changes), changeTable)
  })
).pipe(
  Command.withDescription(
    "Delete records from a hosted zone, in one atomic change; asks on a terminal, and with no terminal refuses unless --yes. Prints a table: ACTION, NAME, TYPE, TTL, VALUES."
  ),
  Command.withShortDescription("Delete records from a hosted zone."),
  Command.withExamples([
    { command: "aegea zones delete example.com www --type A", description: "Delete the A record of www.example.com. (asks first)" },
    { command: "aegea zones delete aegea. old-box --yes", description: "Delete every record of old-box.aegea., without asking" }
  ])
)

export const zonesCommand = Command.make("zones").pipe(
  Command.withDescription("Route 53 hosted zones and their records (the availability zones are 'aegea azs')."),
  Command.withSubcommands([
    ls.pipe(Command.provide(ZonesLayer)),
    records.pipe(Command.provide(ZonesLayer)),
    update.pipe(Command.provide(ZonesLayer)),
    del.pipe(Command.provide(ZonesLayer))
  ])
)
