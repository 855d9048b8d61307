/**
 * `aegea s3 buckets | lifecycle | versions | restore`: S3 bucket administration. Sizes and object
 * counts come from the daily CloudWatch storage metrics, not from listing objects.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { CloudWatchLive } from "../layers/CloudWatchLive.ts"
import { S3AdminLive } from "../layers/S3AdminLive.ts"
import { UsageError } from "../errors.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { CloudWatch } from "../services/CloudWatch.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { archivedClasses, LifecycleRule, ObjectVersion, restoreTiers, S3Admin } from "../services/S3Admin.ts"
import { listingDescription } from "../lib/table.ts"
import { awsService, BaseLayer } from "./global.ts"

export const S3AdminLayer = awsService(S3Admin, S3AdminLive).pipe(Layer.provideMerge(BaseLayer))
export const S3BucketsLayer = Layer.mergeAll(awsService(S3Admin, S3AdminLive), awsService(CloudWatch, CloudWatchLive)).pipe(
  Layer.provideMerge(BaseLayer)
)

const day = 86_400
/** How far back `s3 buckets` looks for the latest daily storage datapoint. */
const metricsLookbackDays = 3

export const bucketTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "region" },
    { key: "created", kind: "time" },
    { key: "versioning", kind: "state" },
    { key: "encryption" },
    { key: "sizeBytes", header: "SIZE", kind: "bytes", align: "right" },
    { key: "objects", kind: "number", align: "right" }
  ],
  fields: ["name", "region", "created", "versioning", "encryption", "sizeBytes", "objects"],
  aliases: { size: "sizeBytes", creation_date: "created" }
}

const bucketArg = Argument.String("bucket").pipe(Argument.withDescription("The bucket's name."))

const buckets = Command.make(
  "buckets",
  {},
  Effect.fn("s3.buckets")(function*() {
    const s3 = yield* S3Admin
    const cloudwatch = yield* CloudWatch
    const output = yield* Output
    const now = yield* Clock.currentTimeMillis
    const start = new Date(now - metricsLookbackDays * day * 1000)
    const end = new Date(now)
    const metric = (bucket: string, metric: string, storageType: string) =>
      cloudwatch.latestDatapoint({
        namespace: "AWS/S3",
        metric,
        dimensions: { BucketName: bucket, StorageType: storageType },
        statistic: "Average",
        start,
        end,
        period: day
      }).pipe(Effect.map(Option.map((d) => d.value)), Effect.map(Option.getOrUndefined))
    const list = yield* Stream.runCollect(s3.buckets())
    const rows = yield* Effect.forEach(list, (b) =>
      Effect.gen(function*() {
        // A bucket whose settings the caller may not read still gets its row, with blanks.
        const settings = yield* s3.settings(b.name).pipe(
          Effect.catchTag("AwsAccessDenied", (e) =>
            Effect.as(output.warn(`bucket ${b.name}: ${e.code}, its settings are left blank`), {
              region: undefined,
              versioning: undefined,
              encryption: undefined
            }))
        )
        // CloudWatch storage metrics live in the bucket's region; this client answers for one region.
        const [sizeBytes, objects] = settings.region === cloudwatch.region
          ? yield* Effect.all([metric(b.name, "BucketSizeBytes", "StandardStorage"), metric(b.name, "NumberOfObjects", "AllStorageTypes")])
          : [undefined, undefined]
        return {
          name: b.name,
          region: settings.region,
          created: b.created,
          versioning: settings.versioning,
          encryption: settings.encryption,
          sizeBytes,
          objects
        }
      }), { concurrency: 8 })
    yield* output.table(rows, bucketTable, { empty: "no buckets in this account" })
  })
).pipe(
  Command.withDescription(
    listingDescription(
      "List the account's buckets with their region, creation date, versioning and default encryption. SIZE (bytes of " +
        "standard storage) and OBJECTS are the latest daily CloudWatch storage metrics of the last " +
        `${metricsLookbackDays} days (BucketSizeBytes, NumberOfObjects): blank when there is none, and for buckets outside the current region.`,
      bucketTable
    )
  ),
  Command.withShortDescription("List buckets with region, versioning, encryption, size and object count."),
  Command.withExamples([
    { command: "aegea s3 buckets", description: "Every bucket of the account" },
    { command: "aegea s3 buckets --sort-by size:desc --columns name,size,objects", description: "Largest buckets first" }
  ]),
  Command.provide(S3BucketsLayer)
)

const lifecycleTable: TableSpec = {
  columns: [
    { key: "id", kind: "id" },
    { key: "status", kind: "state" },
    { key: "prefix" },
    { key: "transitions" },
    { key: "expirationDays", header: "EXPIRE (DAYS)", kind: "number" },
    { key: "noncurrentExpirationDays", header: "NONCURRENT EXPIRE (DAYS)", kind: "number" },
    { key: "abortUploadsDays", header: "ABORT UPLOADS (DAYS)", kind: "number" }
  ],
  fields: Object.keys(LifecycleRule.fields)
}

const lifecycle = Command.make(
  "lifecycle",
  { bucket: bucketArg },
  Effect.fn("s3.lifecycle")(function*({ bucket }) {
    const s3 = yield* S3Admin
    const output = yield* Output
    yield* output.table(yield* s3.lifecycle(bucket), lifecycleTable, { empty: `bucket ${bucket} has no lifecycle rules` })
  })
).pipe(
  Command.withDescription(
    listingDescription("List a bucket's lifecycle rules (TRANSITIONS as DAYSd:STORAGE_CLASS).", lifecycleTable)
  ),
  Command.withShortDescription("List a bucket's lifecycle rules."),
  Command.withExamples([{ command: "aegea s3 lifecycle my-bucket", description: "The rules of my-bucket" }]),
  Command.provide(S3AdminLayer)
)

const versionTable: TableSpec = {
  columns: [
    { key: "key", kind: "name" },
    { key: "versionId", header: "VERSION", kind: "id" },
    { key: "kind", kind: "state" },
    { key: "latest" },
    { key: "size", kind: "bytes", align: "right" },
    { key: "lastModified", header: "MODIFIED", kind: "time" },
    { key: "storageClass", header: "CLASS" }
  ],
  fields: Object.keys(ObjectVersion.fields)
}

const versions = Command.make(
  "versions",
  {
    bucket: bucketArg,
    prefix: Argument.String("prefix").pipe(Argument.withDescription("Only keys starting with this prefix."), Argument.optional)
  },
  Effect.fn("s3.versions")(function*({ bucket, prefix }) {
    const s3 = yield* S3Admin
    const output = yield* Output
    const p = Option.getOrElse(prefix, () => "")
    const rows = yield* Stream.runCollect(s3.versions(bucket, p))
    yield* output.table(rows, versionTable, { empty: `no object versions in s3://${bucket}/${p}` })
  })
).pipe(
  Command.withDescription(
    listingDescription(
      "List object versions and delete markers (KIND version or delete-marker), newest first for each key.",
      versionTable
    )
  ),
  Command.withShortDescription("List object versions and delete markers."),
  Command.withExamples([
    { command: "aegea s3 versions my-bucket logs/", description: "Every version under logs/" },
    { command: "aegea s3 versions my-bucket --query \"[?kind=='delete-marker'].key\"", description: "Deleted keys" }
  ]),
  Command.provide(S3AdminLayer)
)

const restore = Command.make(
  "restore",
  {
    bucket: bucketArg,
    key: Argument.String("key").pipe(Argument.withDescription("The archived object's key.")),
    days: Flag.Int("days").pipe(Flag.withDescription("Keep the restored copy this many days (default 7)."), Flag.optional),
    tier: Flag.Literals("tier", restoreTiers).pipe(
      Flag.withDescription("Retrieval speed and price: Standard (hours, default), Bulk (cheapest, slowest) or Expedited (minutes; not for DEEP_ARCHIVE)."),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print one line of text on stderr saying which restore would be requested (\"dry run: would request ...\", after checking the object's storage class) and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("s3.restore")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("s3 restore"), raw)
    const s3 = yield* S3Admin
    const output = yield* Output
    const days = Option.getOrElse(input.days, () => 7)
    const tier = Option.getOrElse(input.tier, () => "Standard" as const)
    if (!Number.isInteger(days) || days < 1) {
      return yield* new UsageError({ message: `invalid --days ${days}`, hint: "Use a whole number of days, 1 or more" })
    }
    const url = `s3://${input.bucket}/${input.key}`
    const storageClass = yield* s3.storageClass(input.bucket, input.key)
    if (!archivedClasses.includes(storageClass)) {
      return yield* new UsageError({
        message: `${url} is in storage class ${storageClass}, which needs no restore`,
        hint: `Only objects in ${archivedClasses.join(" or ")} are restored`
      })
    }
    const what = `request a ${tier} restore of ${url} (${storageClass}) for ${days} days`
    if (input.dryRun) {
      yield* output.info(`dry run: would ${what}; nothing was changed`)
      return
    }
    const status = yield* s3.restore({ bucket: input.bucket, key: input.key, days, tier })
    yield* output.table([{ bucket: input.bucket, key: input.key, storageClass, tier, days, status }], {
      columns: [
        { key: "key", kind: "name" },
        { key: "bucket" },
        { key: "storageClass", header: "CLASS" },
        { key: "tier" },
        { key: "days", kind: "number" },
        { key: "status", kind: "state" }
      ]
    })
  })
).pipe(
  Command.withDescription(
    "Request a temporary copy of an object archived in GLACIER or DEEP_ARCHIVE (RestoreObject). STATUS is started, " +
      "in progress (a restore was already running) or already restored."
  ),
  Command.withExamples([
    { command: "aegea s3 restore my-bucket archive/2020.tar --days 3 --tier Bulk", description: "The cheapest restore, kept 3 days" },
    { command: "aegea s3 restore my-bucket archive/2020.tar --dry-run", description: "Check the object and say what would be asked" }
  ]),
  Command.provide(S3AdminLayer)
)

export const s3Command = Command.make("s3").pipe(
  Command.withDescription("S3 bucket administration: buckets, lifecycle rules, object versions, Glacier restores."),
  Command.withSubcommands([buckets, lifecycle, versions, restore])
)
