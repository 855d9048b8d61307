/**
 * RDS as aegea sees it: DB instances and Aurora clusters (listed together), manual DB snapshots,
 * and the life cycle of one instance (create, snapshot, restore, delete). Master passwords are
 * never part of this interface's answers: a new instance either has RDS keep its password in
 * Secrets Manager (ManageMasterUserPassword) or gets one handed in as `Redacted`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"

/** An RDS DB instance or cluster: engine, class, status, endpoint and storage. */
export const Database = Schema.Struct({
  name: Schema.String,
  /** "instance" (a DB instance) or "cluster" (an Aurora / Multi-AZ DB cluster). */
  kind: Schema.Literals(["instance", "cluster"]),
  engine: Schema.String,
  version: Schema.String,
  /** The instance class (db.t3.micro); a cluster's is empty (its members have one each). */
  class: Schema.String,
  status: Schema.String,
  /** host:port, when RDS has given it one. */
  endpoint: Schema.optional(Schema.String),
  storageGb: Schema.optional(Schema.Number),
  multiAz: Schema.Boolean,
  arn: Schema.String,
  created: Schema.optional(Schema.Date),
  /** The Secrets Manager secret holding the master password, when RDS manages it. */
  masterSecretArn: Schema.optional(Schema.String)
})
/** An RDS DB instance or cluster: engine, class, status, endpoint and storage. */
export type Database = typeof Database.Type

/** An RDS DB snapshot: the instance it is of, its status and size. */
export const DbSnapshot = Schema.Struct({
  name: Schema.String,
  /** The instance it was taken of. */
  source: Schema.String,
  engine: Schema.String,
  status: Schema.String,
  storageGb: Schema.optional(Schema.Number),
  /** "manual" or "automated". */
  type: Schema.String,
  created: Schema.optional(Schema.Date),
  arn: Schema.String
})
/** An RDS DB snapshot: the instance it is of, its status and size. */
export type DbSnapshot = typeof DbSnapshot.Type

/** What `Rds.create` creates: a DB instance's engine, class, storage and master user. */
export interface CreateDatabase {
  readonly name: string
  readonly engine: string
  readonly instanceClass: string
  readonly storageGb: number
  readonly masterUsername: string
  /** The master password; absent: RDS generates one and keeps it in Secrets Manager. */
  readonly password?: Redacted.Redacted<string> | undefined
  readonly tags?: Readonly<Record<string, string>> | undefined
}

/** How `Rds.delete` deletes a DB instance: with a final snapshot or without. */
export interface DeleteDatabase {
  /** Take a final snapshot with this name before deleting; absent: no final snapshot. */
  readonly finalSnapshot?: string | undefined
}

/** Why an `Rds` call failed: AWS failed, or the database or snapshot does not exist. */
export type RdsError = AwsError | ResourceNotFound

/**
 * RDS DB instances, clusters and snapshots: list, describe, create, snapshot, restore, delete. Live: `RdsLive`;
 * in memory: `RdsMemory`.
 */
export class Rds extends Context.Service<Rds, {
  readonly region: string
  /** DB instances, page by page. */
  readonly instances: () => Stream.Stream<Database, AwsError>
  /** DB clusters (Aurora, Multi-AZ clusters), page by page. */
  readonly clusters: () => Stream.Stream<Database, AwsError>
  /** One DB instance; ResourceNotFound when there is none of that name. */
  readonly describe: (name: string) => Effect.Effect<Database, RdsError>
  /** Manual and automated snapshots of DB instances (of one instance when `instance` is given). */
  readonly snapshots: (instance?: string) => Stream.Stream<DbSnapshot, AwsError>
  readonly describeSnapshot: (name: string) => Effect.Effect<DbSnapshot, RdsError>
  readonly create: (spec: CreateDatabase) => Effect.Effect<Database, AwsError>
  readonly snapshot: (instance: string, snapshotName: string) => Effect.Effect<DbSnapshot, RdsError>
  /** A new instance from a snapshot (its class: the snapshot's unless given). */
  readonly restore: (
    snapshotName: string,
    name: string,
    options?: { readonly instanceClass?: string | undefined }
  ) => Effect.Effect<Database, RdsError>
  readonly delete: (name: string, options?: DeleteDatabase) => Effect.Effect<Database, RdsError>
}>()("aegea/Rds") {}

/** The error for a DB instance that does not exist, pointing at `aegea rds ls`. */
export const databaseNotFound = (name: string, region: string) =>
  new ResourceNotFound({ kind: "DB instance", name, region, hint: "Run 'aegea rds ls' to see the databases" })

/** The error for a DB snapshot that does not exist, pointing at `aegea rds snapshots`. */
export const snapshotNotFound = (name: string, region: string) =>
  new ResourceNotFound({ kind: "DB snapshot", name, region, hint: "Run 'aegea rds snapshots' to see the snapshots" })

/** The master user name RDS accepts for an engine when none is given ("admin" is reserved by PostgreSQL). */
export const defaultMasterUsername = (engine: string) => (/postgres/.test(engine) ? "postgres" : "admin")

/** States a DB instance or snapshot passes through on its way to being usable. */
export const settledStatus = (status: string) => status === "available"
/** States from which it will not become available without someone acting. */
export const failedStatus = (status: string) =>
  ["failed", "incompatible-restore", "incompatible-parameters", "incompatible-network", "inaccessible-encryption-credentials", "storage-full"]
    .includes(status)
