/**
 * The live RDS layer: DescribeDBInstances / DescribeDBClusters / DescribeDBSnapshots pages, and the
 * life cycle calls of one instance. Creations are keyed by their identifier (a second request for
 * the same name fails with ...AlreadyExists), so after a lost answer they are reconciled by looking
 * the identifier up, never sent twice blindly.
 */
import type {
  CreateDBInstanceCommandOutput,
  CreateDBSnapshotCommandOutput,
  RestoreDBInstanceFromDBSnapshotCommandOutput
} from "@aws-sdk/client-rds"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, reconciled } from "./aws.ts"
import type { ResourceNotFound } from "../errors.ts"
import {
  type CreateDatabase,
  type Database,
  databaseNotFound,
  type DbSnapshot,
  type DeleteDatabase,
  Rds,
  type RdsError,
  snapshotNotFound
} from "../services/Rds.ts"

interface SdkEndpoint {
  readonly Address?: string | undefined
  readonly Port?: number | undefined
}

interface SdkInstance {
  readonly DBInstanceIdentifier?: string | undefined
  readonly DBInstanceArn?: string | undefined
  readonly Engine?: string | undefined
  readonly EngineVersion?: string | undefined
  readonly DBInstanceClass?: string | undefined
  readonly DBInstanceStatus?: string | undefined
  readonly Endpoint?: SdkEndpoint | undefined
  readonly AllocatedStorage?: number | undefined
  readonly MultiAZ?: boolean | undefined
  readonly InstanceCreateTime?: Date | undefined
  readonly MasterUserSecret?: { readonly SecretArn?: string | undefined } | undefined
}

interface SdkCluster {
  readonly DBClusterIdentifier?: string | undefined
  readonly DBClusterArn?: string | undefined
  readonly Engine?: string | undefined
  readonly EngineVersion?: string | undefined
  readonly DBClusterInstanceClass?: string | undefined
  readonly Status?: string | undefined
  readonly Endpoint?: string | undefined
  readonly Port?: number | undefined
  readonly AllocatedStorage?: number | undefined
  readonly MultiAZ?: boolean | undefined
  readonly ClusterCreateTime?: Date | undefined
  readonly MasterUserSecret?: { readonly SecretArn?: string | undefined } | undefined
}

interface SdkSnapshot {
  readonly DBSnapshotIdentifier?: string | undefined
  readonly DBInstanceIdentifier?: string | undefined
  readonly DBSnapshotArn?: string | undefined
  readonly Engine?: string | undefined
  readonly Status?: string | undefined
  readonly AllocatedStorage?: number | undefined
  readonly SnapshotType?: string | undefined
  readonly SnapshotCreateTime?: Date | undefined
}

const date = (d: Date | undefined) => (d instanceof Date ? { created: d } : {})
const endpointOf = (host: string | undefined, port: number | undefined) =>
  host ? { endpoint: port !== undefined ? `${host}:${port}` : host } : {}

/** An SDK DB instance, in aegea's terms. */
export const toDatabase = (i: SdkInstance): Database => ({
  name: i.DBInstanceIdentifier ?? "",
  kind: "instance",
  engine: i.Engine ?? "",
  version: i.EngineVersion ?? "",
  class: i.DBInstanceClass ?? "",
  status: i.DBInstanceStatus ?? "",
  ...endpointOf(i.Endpoint?.Address, i.Endpoint?.Port),
  ...(i.AllocatedStorage !== undefined ? { storageGb: i.AllocatedStorage } : {}),
  multiAz: i.MultiAZ === true,
  arn: i.DBInstanceArn ?? "",
  ...date(i.InstanceCreateTime),
  ...(i.MasterUserSecret?.SecretArn ? { masterSecretArn: i.MasterUserSecret.SecretArn } : {})
})

/** An SDK DB cluster, as a database of kind "cluster". */
export const clusterToDatabase = (c: SdkCluster): Database => ({
  name: c.DBClusterIdentifier ?? "",
  kind: "cluster",
  engine: c.Engine ?? "",
  version: c.EngineVersion ?? "",
  class: c.DBClusterInstanceClass ?? "",
  status: c.Status ?? "",
  ...endpointOf(c.Endpoint, c.Port),
  // Aurora reports 1 (storage grows by itself): shown only when it means something.
  ...(c.AllocatedStorage !== undefined && c.AllocatedStorage > 1 ? { storageGb: c.AllocatedStorage } : {}),
  multiAz: c.MultiAZ === true,
  arn: c.DBClusterArn ?? "",
  ...date(c.ClusterCreateTime),
  ...(c.MasterUserSecret?.SecretArn ? { masterSecretArn: c.MasterUserSecret.SecretArn } : {})
})

/** An SDK DB snapshot, in aegea's terms. */
export const toSnapshot = (s: SdkSnapshot): DbSnapshot => ({
  name: s.DBSnapshotIdentifier ?? "",
  source: s.DBInstanceIdentifier ?? "",
  engine: s.Engine ?? "",
  status: s.Status ?? "",
  ...(s.AllocatedStorage !== undefined ? { storageGb: s.AllocatedStorage } : {}),
  type: s.SnapshotType ?? "",
  ...date(s.SnapshotCreateTime),
  arn: s.DBSnapshotArn ?? ""
})

/** `Rds` against RDS, with the region, credentials and endpoint of `AwsClients`. */
export const RdsLive: Layer.Layer<Rds, never, AwsClients> = Layer.effect(
  Rds,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-rds"))
    const aws = yield* makeAws("RDS", (config) => new sdk.RDSClient(config))
    const region = aws.region
    // moto answers DBSnapshotNotFoundFault with HTTP 400 (an invalid request); AWS DBSnapshotNotFound, 404.
    const isMissing = (code: RegExp) => (e: RdsError) => (e._tag === "AwsNotFound" || e._tag === "AwsInvalidRequest") && code.test(e.code)
    /** AWS's "DBInstanceNotFound" (or snapshot) becomes "no DB instance named X" with a hint (exit 5). */
    const missingAs = (code: RegExp, missing: () => ResourceNotFound) => <A>(effect: Effect.Effect<A, RdsError>): Effect.Effect<A, RdsError> =>
      effect.pipe(Effect.mapError((e): RdsError => (isMissing(code)(e) ? missing() : e)))
    const instanceMissing = (name: string) => missingAs(/^DBInstanceNotFound/, () => databaseNotFound(name, region))
    const snapshotMissing = (name: string) => missingAs(/^DBSnapshotNotFound/, () => snapshotNotFound(name, region))

    const instances = () =>
      aws.pages(
        (Marker) => new sdk.DescribeDBInstancesCommand({ MaxRecords: 100, ...(Marker ? { Marker } : {}) }),
        "list DB instances",
        (r) => [(r.DBInstances ?? []).map(toDatabase), r.Marker]
      )
    const clusters = () =>
      aws.pages(
        (Marker) => new sdk.DescribeDBClustersCommand({ MaxRecords: 100, ...(Marker ? { Marker } : {}) }),
        "list DB clusters",
        (r) => [(r.DBClusters ?? []).map(clusterToDatabase), r.Marker]
      )
    const describe = (name: string) =>
      aws.call(new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: name }), `describe DB instance ${name}`, idempotent).pipe(
        Effect.flatMap((r) => {
          const found = r.DBInstances?.[0]
          return found === undefined ? Effect.fail(databaseNotFound(name, region)) : Effect.succeed(toDatabase(found))
        }),
        instanceMissing(name)
      )
    /** The instance as AWS describes it, if it exists: what reconciles a creation whose answer was lost. */
    const findInstance = (name: string) =>
      aws.call(new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: name }), `look for DB instance ${name}`, idempotent).pipe(
        Effect.map((r) => Option.fromUndefinedOr(r.DBInstances?.[0]).pipe(Option.map((DBInstance) => ({ DBInstance, $metadata: r.$metadata })))),
        Effect.catchTag("AwsNotFound", () => Effect.succeed(Option.none()))
      )
    const snapshots = (instance?: string) =>
      aws.pages(
        (Marker) =>
          new sdk.DescribeDBSnapshotsCommand({
            MaxRecords: 100,
            ...(instance !== undefined ? { DBInstanceIdentifier: instance } : {}),
            ...(Marker ? { Marker } : {})
          }),
        "list DB snapshots",
        (r) => [(r.DBSnapshots ?? []).map(toSnapshot), r.Marker]
      )
    const describeSnapshot = (name: string) =>
      aws.call(new sdk.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: name }), `describe DB snapshot ${name}`, idempotent).pipe(
        Effect.flatMap((r) => {
          const found = r.DBSnapshots?.[0]
          return found === undefined ? Effect.fail(snapshotNotFound(name, region)) : Effect.succeed(toSnapshot(found))
        }),
        snapshotMissing(name)
      )
    const findSnapshot = (name: string) =>
      aws.call(new sdk.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: name }), `look for DB snapshot ${name}`, idempotent).pipe(
        Effect.map((r) => Option.fromUndefinedOr(r.DBSnapshots?.[0]).pipe(Option.map((DBSnapshot) => ({ DBSnapshot, $metadata: r.$metadata })))),
        Effect.catchIf(isMissing(/^DBSnapshotNotFound/), () => Effect.succeed(Option.none()))
      )

    const create = (spec: CreateDatabase) =>
      aws.call(
        new sdk.CreateDBInstanceCommand({
          DBInstanceIdentifier: spec.name,
          Engine: spec.engine,
          DBInstanceClass: spec.instanceClass,
          AllocatedStorage: spec.storageGb,
          MasterUsername: spec.masterUsername,
          ...(spec.password !== undefined
            ? { MasterUserPassword: Redacted.value(spec.password) }
            : { ManageMasterUserPassword: true }),
          Tags: Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
        }),
        `create DB instance ${spec.name}`,
        reconciled<CreateDBInstanceCommandOutput>(findInstance(spec.name), () => `DB instance ${spec.name}`)
      ).pipe(Effect.map((r) => toDatabase(r.DBInstance ?? { DBInstanceIdentifier: spec.name, Engine: spec.engine, DBInstanceStatus: "creating" })))

    const snapshot = (instance: string, snapshotName: string) =>
      aws.call(
        new sdk.CreateDBSnapshotCommand({ DBInstanceIdentifier: instance, DBSnapshotIdentifier: snapshotName }),
        `snapshot DB instance ${instance} as ${snapshotName}`,
        reconciled<CreateDBSnapshotCommandOutput>(findSnapshot(snapshotName), () => `DB snapshot ${snapshotName}`)
      ).pipe(
        Effect.map((r) => toSnapshot(r.DBSnapshot ?? { DBSnapshotIdentifier: snapshotName, DBInstanceIdentifier: instance })),
        instanceMissing(instance)
      )

    const restore = (snapshotName: string, name: string, options: { readonly instanceClass?: string | undefined } = {}) =>
      aws.call(
        new sdk.RestoreDBInstanceFromDBSnapshotCommand({
          DBSnapshotIdentifier: snapshotName,
          DBInstanceIdentifier: name,
          ...(options.instanceClass !== undefined ? { DBInstanceClass: options.instanceClass } : {})
        }),
        `restore DB snapshot ${snapshotName} as DB instance ${name}`,
        reconciled<RestoreDBInstanceFromDBSnapshotCommandOutput>(findInstance(name), () => `DB instance ${name}`)
      ).pipe(
        Effect.map((r) => toDatabase(r.DBInstance ?? { DBInstanceIdentifier: name, DBInstanceStatus: "creating" })),
        snapshotMissing(snapshotName)
      )

    const deleteInstance = (name: string, options: DeleteDatabase = {}) =>
      aws.call(
        new sdk.DeleteDBInstanceCommand({
          DBInstanceIdentifier: name,
          ...(options.finalSnapshot !== undefined
            ? { FinalDBSnapshotIdentifier: options.finalSnapshot, SkipFinalSnapshot: false }
            : { SkipFinalSnapshot: true })
        }),
        `delete DB instance ${name}`,
        // Deleting what is being deleted ends the same way; a second attempt fails only as "not found"
        // or "already deleting", which the caller's wait treats as done.
        idempotent
      ).pipe(
        Effect.map((r) => toDatabase(r.DBInstance ?? { DBInstanceIdentifier: name, DBInstanceStatus: "deleting" })),
        instanceMissing(name)
      )

    return Rds.of({ region, instances, clusters, describe, snapshots, describeSnapshot, create, snapshot, restore, delete: deleteInstance })
  })
)
