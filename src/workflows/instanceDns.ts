/**
 * Instance names in DNS: launch registers NAME.<private zone> (config `dns.private_zone`, default
 * "aegea.") as an A record to the instance's private IP, creating the private zone (associated with
 * the instance's VPC) on first use and associating a VPC it does not know yet; terminate removes the
 * record of a terminated instance when it still points at that instance; rename moves it. Each
 * returns what it did; the commands turn a failure into one warning line (the instance is what
 * matters), naming the `aegea zones` command that does the same by hand.
 */
import * as Effect from "effect/Effect"
import { absoluteName, defaultPrivateZone, type HostedZone, recordName, Route53, type RecordSet } from "../services/Route53.ts"

/** The TTL of instance records: short, since addresses change with instances. */
export const instanceRecordTtl = 60

/** The private zone's name from the config section `dns` (its key private_zone), else "aegea.". */
export const privateZoneName = (section: Readonly<Record<string, unknown>>) => {
  const configured = section.private_zone
  return absoluteName(typeof configured === "string" && configured.trim() !== "" ? configured : defaultPrivateZone)
}

const privateZone = (zoneName: string) =>
  Effect.gen(function*() {
    const zones = yield* (yield* Route53).zonesNamed(zoneName)
    return zones.find((z) => z.private)
  })

const aRecord = (name: string, zone: HostedZone, ip: string): RecordSet => ({
  name: recordName(name, zone.name),
  type: "A",
  ttl: instanceRecordTtl,
  values: [ip]
})

/**
 * The private zone `zoneName`, associated with `vpcId`: created with it when there is none, the VPC
 * associated when the zone does not have it. Returns the zone and what was done, for the user.
 */
export const ensurePrivateZone = (zoneName: string, vpc: { readonly vpcId: string; readonly region: string }) =>
  Effect.gen(function*() {
    const r53 = yield* Route53
    const existing = yield* privateZone(zoneName)
    if (existing === undefined) {
      const zone = yield* r53.createPrivateZone(zoneName, vpc, "Instance names, kept by aegea launch and terminate")
      return { zone, done: [`created private hosted zone ${zone.name} for VPC ${vpc.vpcId}`] }
    }
    const { vpcs } = yield* r53.getZone(existing.id)
    if (vpcs.some((v) => v.vpcId === vpc.vpcId)) return { zone: existing, done: [] as Array<string> }
    yield* r53.associateVpc(existing.id, vpc)
    return { zone: existing, done: [`associated VPC ${vpc.vpcId} with private hosted zone ${existing.name}`] }
  })

/** Launch: NAME.<zone> A <ip>, the zone made ready for the VPC first. Returns the lines to show. */
export const registerInstance = (
  name: string,
  ip: string,
  zoneName: string,
  vpc: { readonly vpcId: string; readonly region: string }
) =>
  Effect.gen(function*() {
    const { zone, done } = yield* ensurePrivateZone(zoneName, vpc)
    const record = aRecord(name, zone, ip)
    yield* (yield* Route53).changeRecords(zone.id, [{ action: "UPSERT", record }])
    return [...done, `registered ${record.name} -> ${ip} in private hosted zone ${zone.name}`]
  })

/**
 * Terminate: remove NAME.<zone> when it is an A record pointing at `ip` alone (a record someone
 * pointed elsewhere, e.g. at a new instance of the same name, stays). Returns the lines to show.
 */
export const unregisterInstance = (name: string, ip: string, zoneName: string) =>
  Effect.gen(function*() {
    const r53 = yield* Route53
    const zone = yield* privateZone(zoneName)
    if (zone === undefined) return [] as Array<string>
    const records = yield* r53.recordsNamed(zone.id, recordName(name, zone.name), "A")
    const ours = records.filter((r) => r.alias === undefined && r.values.length === 1 && r.values[0] === ip)
    if (ours.length === 0) return []
    yield* r53.changeRecords(zone.id, ours.map((record) => ({ action: "DELETE" as const, record })))
    return ours.map((r) => `removed ${r.name} -> ${ip} from private hosted zone ${zone.name}`)
  })

/**
 * Rename: move OLD.<zone> to NEW.<zone> in one change batch, when OLD is an A record pointing at
 * `ip` (an instance launched with --no-dns has none: nothing is done). Returns the lines to show.
 */
export const moveInstanceRecord = (oldName: string, newName: string, ip: string, zoneName: string) =>
  Effect.gen(function*() {
    const r53 = yield* Route53
    const zone = yield* privateZone(zoneName)
    if (zone === undefined) return [] as Array<string>
    const records = yield* r53.recordsNamed(zone.id, recordName(oldName, zone.name), "A")
    const old = records.find((r) => r.alias === undefined && r.values.length === 1 && r.values[0] === ip)
    if (old === undefined) return []
    const moved: RecordSet = { ...old, name: recordName(newName, zone.name) }
    yield* r53.changeRecords(zone.id, [{ action: "DELETE", record: old }, { action: "UPSERT", record: moved }])
    return [`moved ${old.name} -> ${ip} to ${moved.name} in private hosted zone ${zone.name}`]
  })

/** The zones command that does by hand what a failed registration did not. */
export const registerByHand = (name: string, ip: string, zoneName: string) =>
  `aegea zones update ${absoluteName(zoneName)} ${name}=${ip} --type A --ttl ${instanceRecordTtl}`

export const unregisterByHand = (name: string, zoneName: string) => `aegea zones delete ${absoluteName(zoneName)} ${name} --type A --yes`
