/**
 * `aegea rds ls | snapshots | create | snapshot | restore | delete`: RDS DB instances (and, in the
 * listing, DB clusters). A new instance's master password is never printed: by default RDS
 * generates it and keeps it in Secrets Manager (ManageMasterUserPassword); `--password-from-secret`
 * uses one already stored there. `rds delete` takes a final snapshot unless told not to.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { RdsLive } from "../layers/RdsLive.ts"
import { SecretsLive } from "../layers/SecretsLive.ts"
import { UsageError } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { Database, DbSnapshot, defaultMasterUsername, Rds } from "../services/Rds.ts"
import { Secrets } from "../services/Secrets.ts"
import { waitForRds } from "../workflows/rdsWait.ts"
import { progressThroughOutput } from "./progressOutput.ts"
import { confirmDestruction } from "./confirm.ts"
import { awsService, BaseLayer } from "./global.ts"

export const RdsLayer = awsService(Rds, RdsLive).pipe(Layer.provideMerge(BaseLayer))
const RdsSecretsLayer = Layer.mergeAll(awsService(Rds, RdsLive), awsService(Secrets, SecretsLive)).pipe(Layer.provideMerge(BaseLayer))

export const databaseTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "kind" },
    { key: "engine" },
    { key: "version" },
    { key: "class" },
    { key: "status", kind: "state" },
    { key: "endpoint", noTruncate: true, keep: 1 },
    { key: "storageGb", header: "STORAGE GB", kind: "number", align: "right" },
    { key: "multiAz", header: "MULTI-AZ" }
  ],
  kinds: { arn: "id", created: "time", masterSecretArn: "id" },
  fields: Object.keys(Database.fields),
  aliases: { storage: "storageGb", instance_class: "class", multi_az: "multiAz" }
}

export const snapshotTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "source", header: "INSTANCE" },
    { key: "engine" },
    { key: "status", kind: "state" },
    { key: "storageGb", header: "STORAGE GB", kind: "number", align: "right" },
    { key: "type" },
    { key: "created", kind: "time" }
  ],
  kinds: { arn: "id" },
  fields: Object.keys(DbSnapshot.fields),
  aliases: { storage: "storageGb", instance: "source" }
}

const dryRun = Flag.Boolean("dry-run").pipe(
  Flag.withDescription("Print one line saying what would be done (text, on stderr) and change nothing."),
  Flag.withDefault(false)
)
const wait = (until: string) =>
  Flag.Boolean("wait").pipe(
    Flag.withDescription(`Wait until ${until}, showing its status as it changes (checks every 5 s, gives up after 2 hours).`),
    Flag.withDefault(false)
  )
const instanceName = (description: string) => Argument.String("name").pipe(Argument.withDescription(description))

/** "mydb-20261130-125601": a snapshot name from the instance's name and the time (UTC). */
export const snapshotNameFor = (instance: string, now: Date, infix = "") =>
  `${instance}${infix}-${now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}`

const ls = Command.make(
  "ls",
  {},
  Effect.fn("rds.ls")(function*() {
    const rds = yield* Rds
    const output = yield* Output
    const [instances, clusters] = yield* Effect.all([Stream.runCollect(rds.instances()), Stream.runCollect(rds.clusters())], {
      concurrency: 2
    })
    yield* output.table([...instances, ...clusters], databaseTable, { empty: `no DB instances or clusters in ${rds.region}` })
  })
).pipe(
  Command.withDescription(listingDescription("List RDS DB instances and DB clusters.", databaseTable)),
  Command.withShortDescription("List RDS DB instances and DB clusters."),
  Command.withExamples([
    { command: "aegea rds ls", description: "Every database in the region" },
    { command: "aegea rds ls --columns name,endpoint,masterSecretArn --json", description: "Endpoints and password secrets as JSON" }
  ])
)

const snapshots = Command.make(
  "snapshots",
  {
    instance: Flag.String("instance").pipe(Flag.withDescription("Only the snapshots of this DB instance."), Flag.optional)
  },
  Effect.fn("rds.snapshots")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rds snapshots"), raw)
    const rds = yield* Rds
    const output = yield* Output
    const instance = Option.getOrUndefined(input.instance)
    const rows = yield* Stream.runCollect(rds.snapshots(instance))
    yield* output.table(rows, snapshotTable, {
      empty: `no DB snapshots${instance !== undefined ? ` of ${instance}` : ""} in ${rds.region}`
    })
  })
).pipe(
  Command.withDescription(listingDescription("List the DB snapshots of RDS instances (manual and automated).", snapshotTable)),
  Command.withShortDescription("List the DB snapshots of RDS instances."),
  Command.withExamples([{ command: "aegea rds snapshots --instance orders", description: "The snapshots of one instance" }])
)

/** The master password stored in a secret: its "password" key when it holds a JSON object, else the whole value. */
const passwordFrom = (secretName: string) =>
  Effect.gen(function*() {
    const secrets = yield* Secrets
    const secret = yield* secrets.getValue(secretName)
    let parsed: unknown
    try {
      parsed = JSON.parse(Redacted.value(secret.value))
    } catch {
      parsed = undefined
    }
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      const password = (parsed as Record<string, unknown>).password
      if (typeof password !== "string" || password === "") {
        return yield* new UsageError({
          message: `secret ${secretName} is a JSON object without a "password" string`,
          hint: "Store the password alone, or as the \"password\" key of a JSON object"
        })
      }
      return Redacted.make(password)
    }
    if (Redacted.value(secret.value) === "") {
      return yield* new UsageError({ message: `secret ${secretName} is empty`, hint: "Store the password in it first (aegea secrets put)" })
    }
    return secret.value
  })

const create = Command.make(
  "create",
  {
    name: instanceName("The new DB instance's identifier (letters, digits and hyphens)."),
    engine: Flag.String("engine").pipe(
      Flag.withDescription("The database engine: postgres, mysql, mariadb... (default postgres)."),
      Flag.optional
    ),
    class: Flag.String("class").pipe(Flag.withDescription("The instance class (default db.t3.micro)."), Flag.optional),
    storage: Flag.Int("storage").pipe(Flag.withDescription("Allocated storage in GB (default 20)."), Flag.optional),
    masterUsername: Flag.String("master-username").pipe(
      Flag.withDescription("The master user's name (default postgres for PostgreSQL, admin otherwise)."),
      Flag.optional
    ),
    passwordFromSecret: Flag.String("password-from-secret").pipe(
      Flag.withDescription(
        "Use the password stored in this Secrets Manager secret (its \"password\" key when it is JSON) instead of having RDS generate one and keep it in Secrets Manager."
      ),
      Flag.optional
    ),
    wait: wait("the instance is available"),
    dryRun
  },
  Effect.fn("rds.create")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rds create"), raw)
    const rds = yield* Rds
    const output = yield* Output
    const engine = Option.getOrElse(input.engine, () => "postgres")
    const instanceClass = Option.getOrElse(input.class, () => "db.t3.micro")
    const storageGb = Option.getOrElse(input.storage, () => 20)
    if (!Number.isInteger(storageGb) || storageGb < 5 || storageGb > 65_536) {
      return yield* new UsageError({ message: `invalid --storage ${storageGb}`, hint: "Give a number of GB from 5 to 65536 (20 is typical)" })
    }
    const masterUsername = Option.getOrElse(input.masterUsername, () => defaultMasterUsername(engine))
    const taken = yield* rds.describe(input.name).pipe(
      Effect.as(true),
      Effect.catchTag("ResourceNotFound", () => Effect.succeed(false))
    )
    if (taken) {
      return yield* new UsageError({
        message: `a DB instance named ${input.name} already exists`,
        hint: "Choose another name, or run 'aegea rds ls' to see the databases"
      })
    }
    const secretName = Option.getOrUndefined(input.passwordFromSecret)
    // Read (and check) the password before anything is created, dry run included.
    const password = secretName !== undefined ? yield* passwordFrom(secretName) : undefined
    const passwordSource = secretName !== undefined
      ? `the password from secret ${secretName}`
      : "a password RDS generates and keeps in Secrets Manager"
    const what = `create DB instance ${input.name} (${engine}, ${instanceClass}, ${storageGb} GB) with master user ${masterUsername} and ${passwordSource}`
    if (input.dryRun) {
      yield* output.info(`dry run: would ${what}; nothing was changed`)
      return
    }
    const created = yield* rds.create({ name: input.name, engine, instanceClass, storageGb, masterUsername, password })
    yield* output.info(`creating ${what}`)
    const final = input.wait
      ? yield* progressThroughOutput(waitForRds({ kind: "instance", name: input.name, until: "available" })).pipe(Effect.andThen(rds.describe(input.name)))
      : created
    yield* output.table([final], databaseTable)
    if (final.masterSecretArn !== undefined) {
      yield* output.info(`the master password is in Secrets Manager: 'aegea secrets get ${final.masterSecretArn} --field password' prints it`)
    }
  })
).pipe(
  Command.withDescription(
    "Create an RDS DB instance. The master password is never printed: RDS generates it and keeps it in Secrets Manager, or --password-from-secret names a secret holding it."
  ),
  Command.withExamples([
    { command: "aegea rds create orders --engine postgres --class db.t3.small --storage 50 --wait", description: "A PostgreSQL instance, waiting until it is available" },
    { command: "aegea rds create orders --password-from-secret prod/orders-db --dry-run", description: "Say what would be created" }
  ])
)

const snapshot = Command.make(
  "snapshot",
  {
    name: instanceName("The DB instance to snapshot."),
    snapshotName: Flag.String("snapshot-name").pipe(
      Flag.withDescription("The snapshot's name (default NAME-YYYYMMDD-HHMMSS, the time in UTC)."),
      Flag.optional
    ),
    wait: wait("the snapshot is available"),
    dryRun
  },
  Effect.fn("rds.snapshot")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rds snapshot"), raw)
    const rds = yield* Rds
    const output = yield* Output
    const instance = yield* rds.describe(input.name)
    const now = new Date(yield* Clock.currentTimeMillis)
    const snapshotName = Option.getOrElse(input.snapshotName, () => snapshotNameFor(instance.name, now))
    if (input.dryRun) {
      yield* output.info(`dry run: would snapshot DB instance ${instance.name} as ${snapshotName}; nothing was changed`)
      return
    }
    const made = yield* rds.snapshot(instance.name, snapshotName)
    const final = input.wait
      ? yield* progressThroughOutput(waitForRds({ kind: "snapshot", name: snapshotName, until: "available" })).pipe(Effect.andThen(rds.describeSnapshot(snapshotName)))
      : made
    yield* output.table([final], snapshotTable)
  })
).pipe(
  Command.withDescription("Take a manual snapshot of a DB instance."),
  Command.withExamples([
    { command: "aegea rds snapshot orders --wait", description: "Snapshot orders, waiting until the snapshot is available" },
    { command: "aegea rds snapshot orders --snapshot-name orders-before-migration", description: "A named snapshot" }
  ])
)

const restore = Command.make(
  "restore",
  {
    snapshot: Argument.String("snapshot").pipe(Argument.withDescription("The DB snapshot to restore (aegea rds snapshots lists them).")),
    name: instanceName("The name of the new DB instance."),
    class: Flag.String("class").pipe(Flag.withDescription("The new instance's class (default: the snapshot's)."), Flag.optional),
    wait: wait("the new instance is available"),
    dryRun
  },
  Effect.fn("rds.restore")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rds restore"), raw)
    const rds = yield* Rds
    const output = yield* Output
    const snap = yield* rds.describeSnapshot(input.snapshot)
    const taken = yield* rds.describe(input.name).pipe(Effect.as(true), Effect.catchTag("ResourceNotFound", () => Effect.succeed(false)))
    if (taken) {
      return yield* new UsageError({
        message: `a DB instance named ${input.name} already exists`,
        hint: "Restore under another name, or run 'aegea rds ls' to see the databases"
      })
    }
    const instanceClass = Option.getOrUndefined(input.class)
    if (input.dryRun) {
      yield* output.info(
        `dry run: would restore DB snapshot ${snap.name} (of ${snap.source}) as DB instance ${input.name}${instanceClass ? ` (${instanceClass})` : ""}; nothing was changed`
      )
      return
    }
    const restored = yield* rds.restore(snap.name, input.name, { instanceClass })
    const final = input.wait
      ? yield* progressThroughOutput(waitForRds({ kind: "instance", name: input.name, until: "available" })).pipe(Effect.andThen(rds.describe(input.name)))
      : restored
    yield* output.table([final], databaseTable)
  })
).pipe(
  Command.withDescription("Restore a DB snapshot as a new DB instance (the snapshot's instance is not touched)."),
  Command.withExamples([{ command: "aegea rds restore orders-20261130-125601 orders-copy --wait", description: "A copy of orders as it was then" }])
)

const del = Command.make(
  "delete",
  {
    name: instanceName("The DB instance to delete."),
    finalSnapshot: Flag.String("final-snapshot").pipe(
      Flag.withDescription("Name the final snapshot taken before deleting (default NAME-final-YYYYMMDD-HHMMSS)."),
      Flag.optional
    ),
    skipFinalSnapshot: Flag.Boolean("skip-final-snapshot").pipe(
      Flag.withDescription("Delete without a final snapshot: the data is gone for good."),
      Flag.withDefault(false)
    ),
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Delete without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    ),
    wait: wait("the instance is gone"),
    dryRun
  },
  Effect.fn("rds.delete")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("rds delete"), raw)
    const rds = yield* Rds
    const output = yield* Output
    if (input.skipFinalSnapshot && Option.isSome(input.finalSnapshot)) {
      return yield* new UsageError({ message: "--skip-final-snapshot conflicts with --final-snapshot", hint: "Give only one of them" })
    }
    const instance = yield* rds.describe(input.name)
    const now = new Date(yield* Clock.currentTimeMillis)
    const finalSnapshot = input.skipFinalSnapshot
      ? undefined
      : Option.getOrElse(input.finalSnapshot, () => snapshotNameFor(instance.name, now, "-final"))
    const detail = finalSnapshot === undefined ? "with no final snapshot (the data is gone for good)" : `after a final snapshot ${finalSnapshot}`
    if (input.dryRun) {
      yield* output.info(`dry run: would delete DB instance ${instance.name} ${detail}; nothing was changed`)
      return
    }
    yield* confirmDestruction({
      verb: "delete",
      noun: ["DB instance", "DB instances"],
      items: [`${instance.name} (${instance.engine} ${instance.version}, ${instance.class}${instance.storageGb !== undefined ? `, ${instance.storageGb} GB` : ""})`],
      detail
    }, input.yes)
    const deleted = yield* rds.delete(instance.name, { finalSnapshot })
    if (input.wait) yield* progressThroughOutput(waitForRds({ kind: "instance", name: instance.name, until: "gone" }))
    yield* output.table([{ ...deleted, status: input.wait ? "deleted" : deleted.status, finalSnapshot: finalSnapshot ?? "" }], {
      ...databaseTable,
      columns: [
        { key: "name", kind: "name" },
        { key: "engine" },
        { key: "status", kind: "state" },
        { key: "finalSnapshot", header: "FINAL SNAPSHOT" }
      ]
    })
    if (finalSnapshot !== undefined) yield* output.info(`'aegea rds restore ${finalSnapshot} ${instance.name}' brings it back`)
  })
).pipe(
  Command.withDescription(
    "Delete a DB instance, after a final snapshot unless --skip-final-snapshot; asks on a terminal, and with no terminal refuses unless --yes."
  ),
  Command.withExamples([
    { command: "aegea rds delete orders-copy --yes --wait", description: "Delete it (final snapshot first) and wait until it is gone" },
    { command: "aegea rds delete scratch --skip-final-snapshot --yes", description: "Delete with no snapshot" }
  ])
)

export const rdsCommand = Command.make("rds").pipe(
  Command.withDescription("List, create, snapshot, restore and delete RDS databases."),
  Command.withSubcommands([
    ls.pipe(Command.provide(RdsLayer)),
    snapshots.pipe(Command.provide(RdsLayer)),
    create.pipe(Command.provide(RdsSecretsLayer)),
    snapshot.pipe(Command.provide(RdsLayer)),
    restore.pipe(Command.provide(RdsLayer)),
    del.pipe(Command.provide(RdsLayer))
  ])
)
