/**
 * An in-memory Route 53 for tests: hosted zones (a private one needs a VPC, as in AWS), their record
 * sets (a new zone has its NS and SOA records), atomic change batches that fail as Route 53's do (a
 * DELETE must name the record exactly as it is; a name outside the zone is refused), and VPC
 * associations. `Route53MemoryState` shows the zones and records to a test.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest } from "../errors.ts"
import {
  absoluteName,
  bareZoneId,
  type HostedZone,
  type RecordChange,
  type RecordSet,
  Route53,
  sameName,
  type ZoneVpc,
  zoneNotFound
} from "../services/Route53.ts"

/** A hosted zone that exists from the start in `Route53Memory`, with its records and VPCs. */
export interface ZoneSeed {
  readonly name: string
  readonly private?: boolean
  readonly vpcs?: ReadonlyArray<ZoneVpc>
  readonly records?: ReadonlyArray<RecordSet>
}

interface StoredZone {
  readonly zone: HostedZone
  readonly vpcs: ReadonlyArray<ZoneVpc>
  readonly records: ReadonlyArray<RecordSet>
}

/** What `Route53Memory` holds: its zones and their records. */
export class Route53MemoryState extends Context.Service<Route53MemoryState, {
  readonly zones: Effect.Effect<ReadonlyArray<HostedZone & { readonly vpcs: ReadonlyArray<ZoneVpc> }>>
  /** The records of the zones with this name (every zone when a public and a private share it). */
  readonly records: (zoneName: string) => Effect.Effect<ReadonlyArray<RecordSet>>
}>()("aegea/testing/Route53MemoryState") {}

/** Route 53's order: by name with the labels reversed, then by type. */
const reversed = (name: string) => absoluteName(name).split(".").reverse().join(".")
const order = (a: RecordSet, b: RecordSet) =>
  reversed(a.name) < reversed(b.name) ? -1 : reversed(a.name) > reversed(b.name) ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0

const sameSet = (a: RecordSet, b: RecordSet) =>
  a.name === b.name && a.type === b.type && (a.setIdentifier ?? "") === (b.setIdentifier ?? "")

const sameContent = (a: RecordSet, b: RecordSet) =>
  sameSet(a, b) && (a.alias ?? "") === (b.alias ?? "") && (a.alias !== undefined || (a.ttl === b.ttl &&
    a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i])))

const normalized = (r: RecordSet): RecordSet => ({ ...r, name: absoluteName(r.name), type: r.type.toUpperCase() })

/** `Route53` in memory, with `Route53MemoryState`. */
export const Route53Memory = {
  layer: (options: { readonly zones?: ReadonlyArray<ZoneSeed> } = {}): Layer.Layer<Route53 | Route53MemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        let counter = 0
        const nextId = () => `Z${(++counter).toString().padStart(6, "0")}MEMORY`
        const store = yield* Ref.make(new Map<string, StoredZone>())
        const fresh = (name: string, isPrivate: boolean, vpcs: ReadonlyArray<ZoneVpc>, records: ReadonlyArray<RecordSet>): StoredZone => {
          const zoneName = absoluteName(name)
          const builtIn: ReadonlyArray<RecordSet> = [
            { name: zoneName, type: "NS", ttl: 172800, values: ["ns-1.awsdns-00.com.", "ns-2.awsdns-00.net."] },
            { name: zoneName, type: "SOA", ttl: 900, values: ["ns-1.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"] }
          ]
          const all = [...builtIn, ...records.map(normalized)].sort(order)
          return { zone: { id: nextId(), name: zoneName, private: isPrivate, records: all.length }, vpcs, records: all }
        }
        for (const seed of options.zones ?? []) {
          const z = fresh(seed.name, seed.private === true, seed.vpcs ?? [], seed.records ?? [])
          yield* Ref.update(store, (m) => new Map(m).set(z.zone.id, z))
        }

        const invalid = (operation: string, action: string, code: string, awsMessage: string) =>
          new AwsInvalidRequest({ action, service: "Route 53", operation, code, awsMessage })
        const find = (id: string) =>
          Effect.flatMap(Ref.get(store), (m) => {
            const z = m.get(bareZoneId(id))
            return z === undefined ? Effect.fail(zoneNotFound(bareZoneId(id))) : Effect.succeed(z)
          })
        const save = (z: StoredZone) =>
          Ref.update(store, (m) => new Map(m).set(z.zone.id, { ...z, zone: { ...z.zone, records: z.records.length } }))
        const sortedZones = Effect.map(Ref.get(store), (m) =>
          [...m.values()].sort((a, b) =>
            reversed(a.zone.name) < reversed(b.zone.name) ? -1 : reversed(a.zone.name) > reversed(b.zone.name) ? 1 : a.zone.id < b.zone.id ? -1 : 1
          ))

        const listZones = () => Stream.unwrap(Effect.map(sortedZones, (zones) => Stream.fromIterable(zones.map((z) => z.zone))))

        const zonesNamed = (name: string) =>
          Effect.map(sortedZones, (zones) => zones.filter((z) => sameName(z.zone.name, name)).map((z) => z.zone))

        const getZone = (id: string) => Effect.map(find(id), (z) => ({ zone: z.zone, vpcs: z.zone.private ? z.vpcs : [] }))

        const listRecords = (zoneId: string) => Stream.unwrap(Effect.map(find(zoneId), (z) => Stream.fromIterable(z.records)))

        const recordsNamed = (zoneId: string, name: string, type?: string) =>
          Effect.map(find(zoneId), (z) =>
            z.records.filter((r) => r.name === absoluteName(name) && (type === undefined || r.type === type.toUpperCase())))

        const changeRecords = (zoneId: string, changes: ReadonlyArray<RecordChange>) =>
          Effect.gen(function*() {
            const z = yield* find(zoneId)
            const action = `change records in hosted zone ${z.zone.id}`
            const batch = (message: string) => invalid("ChangeResourceRecordSets", action, "InvalidChangeBatch", message)
            let records = [...z.records]
            for (const change of changes) {
              const record = normalized(change.record)
              if (record.name !== z.zone.name && !record.name.endsWith(`.${z.zone.name}`)) {
                return yield* batch(`RRSet with DNS name ${record.name} is not permitted in zone ${z.zone.name}`)
              }
              if (change.action === "UPSERT") {
                records = [...records.filter((r) => !sameSet(r, record)), record]
              } else {
                if (!records.some((r) => sameContent(r, record))) {
                  return yield* batch(
                    `Tried to delete resource record set [name='${record.name}', type='${record.type}'] but it was not found`
                  )
                }
                records = records.filter((r) => !sameSet(r, record))
              }
            }
            yield* save({ ...z, records: records.sort(order) })
          })

        const createPrivateZone = (name: string, vpc: ZoneVpc, comment?: string) =>
          Effect.gen(function*() {
            const m = yield* Ref.get(store)
            const clash = [...m.values()].some((z) => z.zone.private && sameName(z.zone.name, name) && z.vpcs.some((v) => v.vpcId === vpc.vpcId))
            if (clash) {
              return yield* invalid(
                "CreateHostedZone",
                `create private hosted zone ${absoluteName(name)}`,
                "ConflictingDomainExists",
                `A hosted zone named ${absoluteName(name)} is already associated with VPC ${vpc.vpcId}`
              )
            }
            const created = fresh(name, true, [vpc], [])
            const zone = comment !== undefined ? { ...created, zone: { ...created.zone, comment } } : created
            yield* save(zone)
            return zone.zone
          })

        const associateVpc = (zoneId: string, vpc: ZoneVpc) =>
          Effect.gen(function*() {
            const z = yield* find(zoneId)
            if (!z.zone.private) {
              return yield* invalid(
                "AssociateVPCWithHostedZone",
                `associate VPC ${vpc.vpcId} with hosted zone ${z.zone.id}`,
                "PublicZoneVPCAssociation",
                "You're trying to associate a VPC with a public hosted zone."
              )
            }
            if (z.vpcs.some((v) => v.vpcId === vpc.vpcId)) return
            yield* save({ ...z, vpcs: [...z.vpcs, vpc] })
          })

        const service = Route53.of({ listZones, zonesNamed, getZone, listRecords, recordsNamed, changeRecords, createPrivateZone, associateVpc })
        const state = Route53MemoryState.of({
          zones: Effect.map(sortedZones, (zones) => zones.map((z) => ({ ...z.zone, vpcs: z.vpcs }))),
          records: (zoneName) =>
            Effect.map(sortedZones, (zones) => zones.filter((z) => sameName(z.zone.name, zoneName)).flatMap((z) => z.records))
        })
        return Context.make(Route53, service).pipe(Context.add(Route53MemoryState, state))
      })
    )
}
