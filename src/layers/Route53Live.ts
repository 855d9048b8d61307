/**
 * The live Route 53 layer (Route 53 is global: the region only picks the endpoint, and errors name
 * none). The SDK is imported when the layer is built. Record names are sent without their final dot
 * (Route 53 takes both; moto matches a DELETE only against the name as it was written).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate, tokenized } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import {
  absoluteName,
  bareZoneId,
  type HostedZone,
  type RecordChange,
  type RecordSet,
  Route53,
  type Route53Error,
  sameName,
  type ZoneVpc,
  zoneNotFound
} from "../services/Route53.ts"

interface SdkZone {
  readonly Id?: string | undefined
  readonly Name?: string | undefined
  readonly ResourceRecordSetCount?: number | undefined
  readonly Config?: { readonly PrivateZone?: boolean | undefined; readonly Comment?: string | undefined } | undefined
}

interface SdkRecord {
  readonly Name?: string | undefined
  readonly Type?: string | undefined
  readonly TTL?: number | undefined
  readonly ResourceRecords?: ReadonlyArray<{ readonly Value?: string | undefined }> | undefined
  readonly AliasTarget?: { readonly DNSName?: string | undefined } | undefined
  readonly SetIdentifier?: string | undefined
}

const toZone = (z: SdkZone): HostedZone => ({
  id: bareZoneId(z.Id ?? ""),
  name: absoluteName(z.Name ?? ""),
  private: z.Config?.PrivateZone === true,
  records: z.ResourceRecordSetCount ?? 0,
  ...(z.Config?.Comment ? { comment: z.Config.Comment } : {})
})

/** Route 53 writes "*" as "\052" in names it returns. */
const unescape = (name: string) => name.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))

const toRecord = (r: SdkRecord): RecordSet => ({
  name: absoluteName(unescape(r.Name ?? "")),
  type: r.Type ?? "",
  ...(r.TTL !== undefined ? { ttl: Number(r.TTL) } : {}),
  values: (r.ResourceRecords ?? []).flatMap((v) => (v.Value !== undefined ? [v.Value] : [])),
  ...(r.AliasTarget?.DNSName ? { alias: r.AliasTarget.DNSName } : {}),
  ...(r.SetIdentifier ? { setIdentifier: r.SetIdentifier } : {})
})

const toSdkRecord = (r: RecordSet) => ({
  Name: r.name.replace(/\.$/, ""),
  Type: r.type as never,
  ...(r.setIdentifier !== undefined ? { SetIdentifier: r.setIdentifier } : {}),
  ...(r.alias !== undefined
    ? { AliasTarget: { DNSName: r.alias, HostedZoneId: "", EvaluateTargetHealth: false } }
    : { TTL: r.ttl ?? 300, ResourceRecords: r.values.map((Value) => ({ Value })) })
})

/** `Route53` against Route 53, with the region, credentials and endpoint of `AwsClients`. */
export const Route53Live: Layer.Layer<Route53, never, AwsClients> = Layer.effect(
  Route53,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-route-53"))
    const aws = yield* makeAws("Route 53", (config) => new sdk.Route53Client(config), { global: true })

    const zoneMissing = (zoneId: string) => <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A, Route53Error> =>
      effect.pipe(
        Effect.catchTag("AwsNotFound", (e): Effect.Effect<never, Route53Error> =>
          Effect.fail(e.code === "NoSuchHostedZone" ? zoneNotFound(zoneId) : e))
      )

    const listZones = () =>
      aws.pages(
        (marker) => new sdk.ListHostedZonesCommand({ ...(marker ? { Marker: marker } : {}) }),
        "list hosted zones",
        (r) => [(r.HostedZones ?? []).map(toZone), r.IsTruncated ? r.NextMarker : undefined]
      )

    // ListHostedZonesByName starts at the name, in name order: the matches are the first zones.
    const zonesNamed = (name: string) =>
      aws.call(
        new sdk.ListHostedZonesByNameCommand({ DNSName: absoluteName(name), MaxItems: 20 }),
        `look up hosted zone ${absoluteName(name)}`,
        idempotent
      ).pipe(Effect.map((r) => (r.HostedZones ?? []).map(toZone).filter((z) => sameName(z.name, name))))

    const getZone = (id: string) =>
      aws.call(new sdk.GetHostedZoneCommand({ Id: bareZoneId(id) }), `describe hosted zone ${bareZoneId(id)}`, idempotent).pipe(
        Effect.map((r) => ({
          zone: toZone(r.HostedZone ?? {}),
          vpcs: (r.VPCs ?? []).flatMap((v) => (v.VPCId ? [{ vpcId: v.VPCId, region: v.VPCRegion ?? "" }] : []))
        })),
        zoneMissing(id)
      )

    /** The zone's records; a page's token is where the next starts (name, type, identifier), as JSON. */
    const listRecords = (zoneId: string) =>
      paginate((token: string | undefined) => {
        const from = token !== undefined ? JSON.parse(token) as { name: string; type?: string; id?: string } : undefined
        return aws.call(
          new sdk.ListResourceRecordSetsCommand({
            HostedZoneId: bareZoneId(zoneId),
            ...(from !== undefined ? { StartRecordName: from.name } : {}),
            ...(from?.type !== undefined ? { StartRecordType: from.type as never } : {}),
            ...(from?.id !== undefined ? { StartRecordIdentifier: from.id } : {})
          }),
          `list the records of hosted zone ${bareZoneId(zoneId)}`,
          idempotent
        ).pipe(
          Effect.map((r) => [
            (r.ResourceRecordSets ?? []).map(toRecord),
            r.IsTruncated && r.NextRecordName
              ? JSON.stringify({
                name: r.NextRecordName,
                ...(r.NextRecordType ? { type: r.NextRecordType } : {}),
                ...(r.NextRecordIdentifier ? { id: r.NextRecordIdentifier } : {})
              })
              : undefined
          ] as const),
          zoneMissing(zoneId)
        )
      })

    // Records come in name order from StartRecordName: one page of 100 holds every set of one name.
    const recordsNamed = (zoneId: string, name: string, type?: string) =>
      Effect.gen(function*() {
        const wanted = absoluteName(name)
        const page = yield* aws.call(
          new sdk.ListResourceRecordSetsCommand({
            HostedZoneId: bareZoneId(zoneId),
            StartRecordName: wanted,
            ...(type !== undefined ? { StartRecordType: type.toUpperCase() as never } : {}),
            MaxItems: 100
          }),
          `look up record ${wanted} in hosted zone ${bareZoneId(zoneId)}`,
          idempotent
        ).pipe(zoneMissing(zoneId))
        return (page.ResourceRecordSets ?? []).map(toRecord).filter((r) =>
          r.name === wanted && (type === undefined || r.type === type.toUpperCase())
        )
      })

    const changeRecords = (zoneId: string, changes: ReadonlyArray<RecordChange>) =>
      aws.call(
        new sdk.ChangeResourceRecordSetsCommand({
          HostedZoneId: bareZoneId(zoneId),
          ChangeBatch: {
            Comment: "aegea",
            Changes: changes.map((c) => ({ Action: c.action, ResourceRecordSet: toSdkRecord(c.record) }))
          }
        }),
        `change ${changes.map((c) => `${c.action} ${c.record.name} ${c.record.type}`).join(", ")} in hosted zone ${bareZoneId(zoneId)}`,
        // An UPSERT twice is one UPSERT; a DELETE sent again after it was done fails (InvalidChangeBatch)
        // and changes nothing more.
        idempotent
      ).pipe(Effect.asVoid, zoneMissing(zoneId))

    const createPrivateZone = (name: string, vpc: ZoneVpc, comment?: string) =>
      Effect.gen(function*() {
        // Route 53 creates one zone per CallerReference: every attempt of this create sends the same.
        const reference = `aegea-${randomUUID()}`
        const created = yield* aws.call(
          new sdk.CreateHostedZoneCommand({
            Name: absoluteName(name),
            CallerReference: reference,
            VPC: { VPCId: vpc.vpcId, VPCRegion: vpc.region as never },
            HostedZoneConfig: { PrivateZone: true, ...(comment !== undefined ? { Comment: comment } : {}) }
          }),
          `create private hosted zone ${absoluteName(name)}`,
          tokenized
        ).pipe(
          Effect.map((r) => toZone(r.HostedZone ?? {})),
          Effect.catchIf((e) => e.code === "HostedZoneAlreadyExists", () => Effect.succeed(undefined))
        )
        if (created !== undefined) return { ...created, private: true }
        const again = (yield* zonesNamed(name)).find((z) => z.private)
        return again ?? { id: "", name: absoluteName(name), private: true, records: 0 }
      })

    const associateVpc = (zoneId: string, vpc: ZoneVpc) =>
      aws.call(
        new sdk.AssociateVPCWithHostedZoneCommand({ HostedZoneId: bareZoneId(zoneId), VPC: { VPCId: vpc.vpcId, VPCRegion: vpc.region as never } }),
        `associate VPC ${vpc.vpcId} with hosted zone ${bareZoneId(zoneId)}`,
        // Associating an associated VPC changes nothing (AWS answers ConflictingDomainExists).
        idempotent
      ).pipe(
        Effect.asVoid,
        Effect.catchIf((e) => e.code === "ConflictingDomainExists", () => Effect.void),
        zoneMissing(zoneId)
      )

    return Route53.of({ listZones, zonesNamed, getZone, listRecords, recordsNamed, changeRecords, createPrivateZone, associateVpc })
  })
)
