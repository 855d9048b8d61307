/**
 * `aegea logs export`: the bulk path. CreateExportTask copies a group's events to S3 (gzipped, one
 * folder per stream); aegea waits for it on a Schedule, then downloads and decompresses every object.
 */
import { exportPoll } from "../lib/schedules.ts"
import { formatTransfer } from "../lib/progress.ts"
import { dirname, join, resolve } from "node:path"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { LogsLive } from "../layers/LogsLive.ts"
import { S3Live } from "../layers/S3Live.ts"
import { parseTimeRange } from "../lib/timeExpr.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { OperationFailed, ResourceNotFound } from "../errors.ts"
import { type ExportTask, Logs } from "../services/Logs.ts"
import { Output } from "../services/Output.ts"
import { defaultExportBucket, S3 } from "../services/S3.ts"
import { awsService, BaseLayer } from "./global.ts"
import { unknownGroupHint } from "./logGroups.ts"

export const LogsExportLayer = Layer.mergeAll(awsService(Logs, LogsLive), awsService(S3, S3Live)).pipe(Layer.provideMerge(BaseLayer))

const finished = new Set(["COMPLETED", "FAILED", "CANCELLED"])

/** Check every 2 s (an export takes seconds to hours); give up waiting after 6 hours. */
export const exportPolling = exportPoll

/**
 * Local path of an exported object `<exportPrefix><task folder>/<stream path>/<file>.gz`:
 * `<dir>/<stream path>/<file>`, never outside `dir`.
 */
export const localPath = (dir: string, exportPrefix: string, key: string) => {
  const relative = key.slice(exportPrefix.length).replace(/\.gz$/, "").split("/").slice(1)
    .filter((part) => part !== "" && part !== "." && part !== "..")
  return join(dir, ...relative)
}

/** A key prefix of its own for every export: `<prefix>/<group>/<UTC time>`, so its objects are only this export's. */
export const exportPrefixFor = (prefix: string, group: string, nowMillis: number) =>
  `${prefix.replace(/^\/+|\/+$/g, "")}/${group.replace(/^\/+/, "").replace(/[^\w.\-/]+/g, "-")}/${
    new Date(nowMillis).toISOString().replace(/[:.]/g, "-")
  }`

const group = Argument.String("group").pipe(Argument.withDescription("The log group to export."))
const startTime = Flag.String("start-time").pipe(
  Flag.withDescription(
    "Export events at or after this time (default: 24h ago): a time such as 2h (two hours ago), 2024-05-01, now, yesterday; see \"Times\" in the README."
  ),
  Flag.optional
)
const endTime = Flag.String("end-time").pipe(
  Flag.withDescription("Export events before this time (default: now), in the same forms as --start-time; 1h is one hour ago."),
  Flag.optional
)
const bucket = Flag.String("bucket").pipe(
  Flag.withDescription(
    "Export to this S3 bucket (default aegea-logs-ACCOUNT-REGION). A missing bucket is created, encrypted, with the policy CloudWatch Logs needs; an existing one must already allow it."
  ),
  Flag.optional
)
const prefix = Flag.String("prefix").pipe(
  Flag.withDescription("Write the objects under this key prefix, in a folder of their own: PREFIX/GROUP/TIME/ (default aegea-logs-export)."),
  Flag.optional
)
const streamPrefix = Flag.String("stream-prefix").pipe(
  Flag.withDescription("Export only the streams whose names start with this prefix."),
  Flag.optional
)
const outputDir = Flag.String("output-dir").pipe(
  Flag.withDescription("Download and decompress the exported files into this directory (default: ./TASK_ID)."),
  Flag.optional
)

export const logsExportCommand = Command.make(
  "export",
  { group, startTime, endTime, bucket, prefix, streamPrefix, outputDir },
  Effect.fn("logs export")(function*(raw) {
    const logs = yield* Logs
    const s3 = yield* S3
    const output = yield* Output
    const input = withConfigDefaults((yield* AegeaConfig).section("logs export"), raw)
    const now = yield* Clock.currentTimeMillis
    const range = yield* parseTimeRange({ start: Option.getOrElse(input.startTime, () => "24h"), end: Option.getOrUndefined(input.endTime) }, now)
    const start = range.start
    const end = range.end ?? new Date(now)
    const bucketName = Option.isSome(input.bucket) ? input.bucket.value : defaultExportBucket(yield* s3.accountId, s3.region)
    const keyPrefix = exportPrefixFor(Option.getOrElse(input.prefix, () => "aegea-logs-export"), input.group, now)

    yield* s3.ensureLogExportBucket(bucketName)
    const taskId = yield* logs.createExportTask({
      group: input.group,
      start,
      end,
      bucket: bucketName,
      prefix: keyPrefix,
      ...(Option.isSome(input.streamPrefix) ? { streamPrefix: input.streamPrefix.value } : {}),
      taskName: `aegea-${input.group.replace(/[^\w.-]+/g, "-")}-${now}`
    }).pipe(
      Effect.catchTag("AwsNotFound", () =>
        Effect.fail(new ResourceNotFound({ kind: "log group", name: input.group, hint: unknownGroupHint })))
    )
    yield* output.info(`exporting ${input.group} to s3://${bucketName}/${keyPrefix}/ (task ${taskId})`)
    // One status line while it runs (a line per change of status when stderr is not a terminal).
    const task: ExportTask = yield* logs.describeExportTask(taskId).pipe(
      Effect.tap((t) =>
        finished.has(t.status)
          ? Effect.void
          : output.status({ line: `waiting for export ${taskId} of ${input.group}: ${t.status}`, plain: [`export ${taskId} ${t.status}`] })
      ),
      Effect.repeat({ schedule: exportPolling, until: (t) => finished.has(t.status) }),
      Effect.ensuring(output.statusDone)
    )
    if (task.status !== "COMPLETED") {
      return yield* new OperationFailed({
        message: finished.has(task.status)
          ? `export task ${taskId} of ${input.group} ended ${task.status}: ${task.statusMessage ?? "no reason given"}`
          : `export task ${taskId} of ${input.group} was still ${task.status} after 6 hours`,
        hint: `aws logs describe-export-tasks --task-id ${taskId} shows its details`
      })
    }

    // AWS writes under <prefix>/<taskId>/; some emulators use another folder name: take the whole prefix.
    const exportPrefix = `${keyPrefix}/`
    const objects = (yield* Stream.runCollect(s3.objects(bucketName, exportPrefix))).filter((o) => o.key.endsWith(".gz"))
    const dir = resolve(Option.getOrElse(input.outputDir, () => taskId))
    const written: Array<{ file: string; bytes: number; source: string }> = []
    // A terminal shows the bytes downloaded, the rate and the time left on the status line.
    const total = objects.reduce((sum, o) => sum + o.size, 0)
    let before = 0
    let current = 0
    const progressLine = (index: number) => (elapsed: number) =>
      `downloading ${index + 1}/${objects.length}: ${formatTransfer(before + current, total, elapsed)}`
    for (const [index, object] of objects.entries()) {
      const file = localPath(dir, exportPrefix, object.key)
      yield* output.status({ line: progressLine(index), plain: [] })
      const body = yield* s3.getObject(bucketName, object.key, { onProgress: (read) => (current = read) }).pipe(
        Effect.onError(() => output.statusDone)
      )
      before += body.length
      current = 0
      const text = yield* gunzip(body, object.key)
      yield* Effect.tryPromise({
        try: async () => {
          // node:fs/promises and node:zlib are loaded here, not with the logs family (8 modules `aegea logs` does not need)
          const { mkdir, writeFile } = await import("node:fs/promises")
          await mkdir(dirname(file), { recursive: true })
          await writeFile(file, text)
        },
        catch: (cause) => new OperationFailed({ message: `could not write ${file}`, hint: "Check --output-dir", cause })
      })
      yield* output.info(`[${index + 1}/${objects.length}] ${file} (${text.length} bytes)`)
      written.push({ file, bytes: text.length, source: `s3://${bucketName}/${object.key}` })
    }
    yield* output.statusDone
    yield* output.table(written, {
      columns: [{ key: "file", kind: "name" }, { key: "bytes", kind: "bytes" }, { key: "source", kind: "text" }]
    })
  })
).pipe(
  Command.withDescription(
    "Export a log group's events to S3 with CreateExportTask (the bulk path for large groups), wait until the export " +
      "completes, then download and decompress every file into a directory, one sub-directory per stream. Prints the " +
      "files written. A failed or cancelled export is an error with its reason."
  ),
  Command.withExamples([
    { command: "aegea logs export /aws/batch/job --start-time=-3d", description: "The last three days into ./TASK_ID" },
    {
      command: "aegea logs export /aws/batch/job --start-time 2024-05-01 --end-time 2024-05-02 --output-dir may1",
      description: "One day into ./may1"
    },
    { command: "aegea logs export app --start-time=-1w --bucket my-logs --prefix app", description: "Into a chosen bucket" }
  ]),
  Command.provide(LogsExportLayer)
)

const gunzip = (bytes: Uint8Array, key: string) =>
  Effect.tryPromise({
    try: async () => (await import("node:zlib")).gunzipSync(bytes),
    catch: (cause) => new OperationFailed({ message: `could not decompress s3 object ${key}`, cause })
  })
