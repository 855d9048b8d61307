/**
 * An in-memory RDS for tests: DB instances, seeded clusters and DB snapshots. A new or restored
 * instance is "creating" and a deleted one "deleting" for `transitionSeconds` of Effect's Clock
 * (default 0: at once, as moto), so `--wait` can be driven with TestClock. Errors are the ones the
 * live layer gives: ResourceNotFound for a missing instance or snapshot, AwsInvalidRequest
 * (...AlreadyExists) for a name in use.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest } from "../errors.ts"
import {
  type CreateDatabase,
  type Database,
  databaseNotFound,
  type DbSnapshot,
  type DeleteDatabase,
  Rds,
  snapshotNotFound
} from "../services/Rds.ts"

/** A DB instance that exists from the start in `RdsMemory`. */
export interface RdsInstanceSeed {
  readonly name: string
  readonly engine?: string
  readonly version?: string
  readonly instanceClass?: string
  readonly storageGb?: number
  readonly multiAz?: boolean
}

/** What `RdsMemory` starts with: instances and clusters, and how long transitions take. */
export interface RdsSeed {
  readonly region?: string
  readonly instances?: ReadonlyArray<RdsInstanceSeed>
  /** Clusters as listed (read only). */
  readonly clusters?: ReadonlyArray<Database>
  /** How long creating, restoring and deleting take, on Effect's Clock. Default 0. */
  readonly transitionSeconds?: number
}

interface StoredInstance {
  readonly database: Database
  /** When it becomes available (creating before). */
  readonly readyAt: number
  /** When it is gone (deleting from the delete until then). */
  readonly goneAt: number | undefined
}

const accountId = "123456789012"
const defaultVersions: Record<string, string> = { postgres: "16.3", mysql: "8.0.35", mariadb: "10.11.6" }

/** `Rds` in memory: creating, restoring and deleting take their time on Effect's Clock. */
export const RdsMemory = {
  layer: (seed: RdsSeed = {}): Layer.Layer<Rds> =>
    Layer.effect(
      Rds,
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const transition = (seed.transitionSeconds ?? 0) * 1000
        const arn = (kind: "db" | "snapshot" | "secret", name: string) =>
          kind === "secret"
            ? `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!db-${name}`
            : `arn:aws:rds:${region}:${accountId}:${kind}:${name}`
        const now = yield* Clock.currentTimeMillis
        const makeDatabase = (s: RdsInstanceSeed & { readonly created: number }): Database => ({
          name: s.name,
          kind: "instance",
          engine: s.engine ?? "postgres",
          version: s.version ?? defaultVersions[s.engine ?? "postgres"] ?? "1.0",
          class: s.instanceClass ?? "db.t3.micro",
          status: "available",
          endpoint: `${s.name}.abcdefghijkl.${region}.rds.amazonaws.com:${/postgres/.test(s.engine ?? "postgres") ? 5432 : 3306}`,
          storageGb: s.storageGb ?? 20,
          multiAz: s.multiAz ?? false,
          arn: arn("db", s.name),
          created: new Date(s.created)
        })
        const instances = yield* Ref.make(
          new Map<string, StoredInstance>(
            (seed.instances ?? []).map((s) => [s.name, { database: makeDatabase({ ...s, created: now }), readyAt: now, goneAt: undefined }])
          )
        )
        const snapshotStore = yield* Ref.make(new Map<string, DbSnapshot>())

        /** The instances as they are now: gone ones dropped, states from the clock. */
        const current = Effect.gen(function*() {
          const time = yield* Clock.currentTimeMillis
          const map = yield* Ref.updateAndGet(instances, (m) => new Map([...m].filter(([, i]) => i.goneAt === undefined || i.goneAt > time)))
          return new Map([...map].map(([name, i]) => [name, {
            ...i.database,
            status: i.goneAt !== undefined ? "deleting" : time < i.readyAt ? "creating" : i.database.status
          }]))
        })
        const exists = (operation: string, action: string, code: string, awsMessage: string) =>
          new AwsInvalidRequest({ action, service: "RDS", operation, code, awsMessage, region })

        const describe = (name: string) =>
          Effect.flatMap(current, (m) => {
            const found = m.get(name)
            return found === undefined ? Effect.fail(databaseNotFound(name, region)) : Effect.succeed(found)
          })

        const add = (database: Database) =>
          Effect.gen(function*() {
            const time = yield* Clock.currentTimeMillis
            yield* Ref.update(instances, (m) => new Map(m).set(database.name, { database, readyAt: time + transition, goneAt: undefined }))
            return yield* describe(database.name)
          })

        const create = (spec: CreateDatabase) =>
          Effect.gen(function*() {
            const action = `create DB instance ${spec.name}`
            if ((yield* current).has(spec.name)) {
              return yield* exists("CreateDBInstance", action, "DBInstanceAlreadyExists", "DB instance already exists")
            }
            const database = makeDatabase({
              name: spec.name,
              engine: spec.engine,
              instanceClass: spec.instanceClass,
              storageGb: spec.storageGb,
              created: yield* Clock.currentTimeMillis
            })
            return yield* add({ ...database, ...(spec.password === undefined ? { masterSecretArn: arn("secret", spec.name) } : {}) }).pipe(
              Effect.orDie
            )
          })

        const snapshot = (instance: string, snapshotName: string) =>
          Effect.gen(function*() {
            const source = yield* describe(instance)
            if ((yield* Ref.get(snapshotStore)).has(snapshotName)) {
              return yield* exists(
                "CreateDBSnapshot",
                `snapshot DB instance ${instance} as ${snapshotName}`,
                "DBSnapshotAlreadyExists",
                `Cannot create the snapshot because a snapshot with the identifier ${snapshotName} already exists.`
              )
            }
            const snap: DbSnapshot = {
              name: snapshotName,
              source: instance,
              engine: source.engine,
              status: "available",
              ...(source.storageGb !== undefined ? { storageGb: source.storageGb } : {}),
              type: "manual",
              created: new Date(yield* Clock.currentTimeMillis),
              arn: arn("snapshot", snapshotName)
            }
            yield* Ref.update(snapshotStore, (m) => new Map(m).set(snapshotName, snap))
            return snap
          })

        const describeSnapshot = (name: string) =>
          Effect.flatMap(Ref.get(snapshotStore), (m) => {
            const found = m.get(name)
            return found === undefined ? Effect.fail(snapshotNotFound(name, region)) : Effect.succeed(found)
          })

        const restore = (snapshotName: string, name: string, options: { readonly instanceClass?: string | undefined } = {}) =>
          Effect.gen(function*() {
            const snap = yield* describeSnapshot(snapshotName)
            if ((yield* current).has(name)) {
              return yield* exists(
                "RestoreDBInstanceFromDBSnapshot",
                `restore DB snapshot ${snapshotName} as DB instance ${name}`,
                "DBInstanceAlreadyExists",
                "DB instance already exists"
              )
            }
            return yield* add(makeDatabase({
              name,
              engine: snap.engine,
              ...(options.instanceClass !== undefined ? { instanceClass: options.instanceClass } : {}),
              ...(snap.storageGb !== undefined ? { storageGb: snap.storageGb } : {}),
              created: yield* Clock.currentTimeMillis
            }))
          })

        const deleteInstance = (name: string, options: DeleteDatabase = {}) =>
          Effect.gen(function*() {
            const found = yield* describe(name)
            if (options.finalSnapshot !== undefined) yield* snapshot(name, options.finalSnapshot)
            const time = yield* Clock.currentTimeMillis
            yield* Ref.update(instances, (m) => {
              const next = new Map(m)
              const stored = next.get(name)
              if (stored !== undefined) next.set(name, { ...stored, goneAt: time + transition })
              return next
            })
            return { ...found, status: "deleting" }
          })

        const sorted = <A extends { readonly name: string }>(items: Iterable<A>) => [...items].sort((a, b) => a.name.localeCompare(b.name))
        return Rds.of({
          region,
          instances: () => Stream.unwrap(Effect.map(current, (m) => Stream.fromIterable(sorted(m.values())))),
          clusters: () => Stream.fromIterable(sorted(seed.clusters ?? [])),
          describe,
          snapshots: (instance) =>
            Stream.unwrap(Effect.map(Ref.get(snapshotStore), (m) =>
              Stream.fromIterable(sorted([...m.values()].filter((s) => instance === undefined || s.source === instance))))),
          describeSnapshot,
          create,
          snapshot,
          restore,
          delete: deleteInstance
        })
      })
    )
}
