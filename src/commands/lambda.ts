/**
 * `aegea lambda ls | update-code | update-config | event-source-mappings`: AWS Lambda functions.
 * Listings never show environment values; update-config's dry run and result name variables only.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { LambdaLive } from "../layers/LambdaLive.ts"
import { OperationFailed, UsageError } from "../errors.ts"
import { boundedPoll, statePoll } from "../lib/schedules.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { type CodeSource, type ConfigUpdate, EventSourceMapping, Lambda, LambdaFunction } from "../services/Lambda.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"

export const LambdaLayer = awsService(Lambda, LambdaLive).pipe(Layer.provideMerge(BaseLayer))

/** The largest zip archive UpdateFunctionCode takes in the request (larger ones go through S3). */
export const maxZipBytes = 50 * 1024 * 1024

const functionName = Argument.String("name").pipe(Argument.withDescription("The function's name or ARN."))

const dryRunFlag = (what: string) =>
  Flag.Boolean("dry-run").pipe(
    Flag.withDescription(`Print one line of text on stderr saying ${what} ("dry run: would ..."), and change nothing.`),
    Flag.withDefault(false)
  )

export const functionTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "runtime" },
    { key: "memoryMiB", header: "MEMORY (MiB)", kind: "number" },
    { key: "timeoutSeconds", header: "TIMEOUT (s)", kind: "number" },
    { key: "lastModified", header: "MODIFIED", kind: "time" },
    { key: "codeSize", header: "CODE SIZE", kind: "bytes" },
    { key: "handler" }
  ],
  kinds: { arn: "id", role: "id", codeSha256: "id", updateStatus: "state" },
  fields: Object.keys(LambdaFunction.fields),
  aliases: { memory: "memoryMiB", memory_size: "memoryMiB", timeout: "timeoutSeconds", last_modified: "lastModified", code_size: "codeSize" }
}

const ls = Command.make(
  "ls",
  {},
  Effect.fn("lambda.ls")(function*() {
    const lambda = yield* Lambda
    const output = yield* Output
    const rows = yield* Stream.runCollect(lambda.list())
    yield* output.table(rows, functionTable, { empty: `no Lambda functions in ${lambda.region}` })
  })
).pipe(
  Command.withDescription(listingDescription("List the Lambda functions.", functionTable)),
  Command.withShortDescription("List the Lambda functions."),
  Command.withExamples([
    { command: "aegea lambda ls", description: "Every function in the region" },
    { command: "aegea lambda ls --sort-by codeSize:desc --output csv", description: "The largest first, as CSV" }
  ])
)

const noWaitFlag = Flag.Boolean("no-wait").pipe(
  Flag.withDescription("Return once AWS has taken the update, without waiting for it to finish (LastUpdateStatus InProgress)."),
  Flag.withDefault(false)
)

/** Polls of a function's update, 2 s apart: at most 5 minutes (the SDK's function-updated waiter allows 5). */
const updatePolls = 150

/**
 * Wait until the function's last update is over (LastUpdateStatus no longer InProgress), showing
 * progress; the function as it ends. Failed -> OperationFailed with AWS's reason.
 */
const waitForUpdate = (updated: LambdaFunction) =>
  Effect.gen(function*() {
    const lambda = yield* Lambda
    const output = yield* Output
    let latest: LambdaFunction = updated
    if (latest.updateStatus === "InProgress") {
      yield* output.status(`waiting for the update of Lambda function ${updated.name}: InProgress`)
      latest = yield* lambda.get(updated.name).pipe(
        Effect.map(({ environment: _, ...f }): LambdaFunction => f),
        Effect.tap((f) => output.status(`waiting for the update of Lambda function ${updated.name}: ${f.updateStatus ?? "done"}`)),
        Effect.repeat({ schedule: boundedPoll(statePoll, updatePolls), while: (f) => f.updateStatus === "InProgress" })
      ).pipe(Effect.ensuring(output.statusDone))
    }
    if (latest.updateStatus === "InProgress") {
      return yield* new OperationFailed({
        message: `the update of Lambda function ${updated.name} is still in progress after 5 minutes`,
        hint: `Check it later with 'aegea lambda ls'`
      })
    }
    if (latest.updateStatus === "Failed") {
      return yield* new OperationFailed({
        message: `the update of Lambda function ${updated.name} failed${latest.updateStatusReason !== undefined ? `: ${latest.updateStatusReason}` : ""}`,
        hint: "Fix the cause, then run the update again"
      })
    }
    return latest
  })

const updatedTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "updateStatus", header: "UPDATE", kind: "state" },
    { key: "runtime" },
    { key: "memoryMiB", header: "MEMORY (MiB)", kind: "number" },
    { key: "timeoutSeconds", header: "TIMEOUT (s)", kind: "number" },
    { key: "handler" },
    { key: "codeSize", header: "CODE SIZE", kind: "bytes" },
    { key: "codeSha256", header: "CODE SHA-256", kind: "id" },
    { key: "lastModified", header: "MODIFIED", kind: "time" }
  ],
  kinds: { arn: "id", role: "id" },
  fields: Object.keys(LambdaFunction.fields)
}

const updateCode = Command.make(
  "update-code",
  {
    name: functionName,
    zipFile: Flag.String("zip-file").pipe(Flag.withDescription("A zip archive of the new code, on this machine."), Flag.optional),
    s3Bucket: Flag.String("s3-bucket").pipe(Flag.withDescription("The S3 bucket of a zip archive of the new code (with --s3-key)."), Flag.optional),
    s3Key: Flag.String("s3-key").pipe(Flag.withDescription("The key of that archive in --s3-bucket."), Flag.optional),
    dryRun: dryRunFlag("which function's code would be replaced, and by what"),
    noWait: noWaitFlag
  },
  Effect.fn("lambda.update-code")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("lambda update-code"), raw)
    const lambda = yield* Lambda
    const output = yield* Output
    const zip = Option.getOrUndefined(input.zipFile)
    const bucket = Option.getOrUndefined(input.s3Bucket)
    const key = Option.getOrUndefined(input.s3Key)
    if (zip !== undefined && (bucket !== undefined || key !== undefined)) {
      return yield* new UsageError({ message: "--zip-file conflicts with --s3-bucket and --s3-key", hint: "Give --zip-file, or --s3-bucket with --s3-key" })
    }
    if (zip === undefined && (bucket === undefined || key === undefined)) {
      return yield* new UsageError({
        message: bucket !== undefined || key !== undefined ? "--s3-bucket and --s3-key go together" : "lambda update-code needs the new code",
        hint: "Give --zip-file, or --s3-bucket with --s3-key"
      })
    }
    let code: CodeSource
    let from: string
    if (zip !== undefined) {
      const fs = yield* FileSystem.FileSystem
      const bytes = yield* fs.readFile(zip).pipe(
        Effect.mapError((e) => new UsageError({ message: `cannot read --zip-file ${zip}: ${e.message}`, hint: "Give the path of a zip archive" }))
      )
      if (bytes.byteLength > maxZipBytes) {
        return yield* new UsageError({
          message: `--zip-file ${zip} is ${bytes.byteLength} bytes, more than Lambda takes directly (50 MB)`,
          hint: "Upload it to S3 and pass --s3-bucket and --s3-key"
        })
      }
      code = { _tag: "ZipFile", bytes }
      from = `${zip} (${bytes.byteLength} bytes)`
    } else {
      code = { _tag: "S3", bucket: bucket!, key: key! }
      from = `s3://${bucket}/${key}`
    }
    const current = yield* lambda.get(input.name)
    if (input.dryRun) {
      yield* output.info(`dry run: would replace the code of Lambda function ${current.name} (${current.codeSize} bytes) with ${from}; nothing was changed`)
      return
    }
    const updated = yield* lambda.updateCode(current.name, code)
    yield* output.table([input.noWait ? updated : yield* waitForUpdate(updated)], updatedTable)
  })
).pipe(
  Command.withDescription(
    "Replace a Lambda function's code with a zip archive from this machine or from S3, and wait until the update is over (LastUpdateStatus Successful; at most 5 minutes; --no-wait returns at once). A failed update exits 1 with AWS's reason."
  ),
  Command.withExamples([
    { command: "aegea lambda update-code my-fn --zip-file build/fn.zip", description: "Upload a local archive" },
    { command: "aegea lambda update-code my-fn --s3-bucket artifacts --s3-key fn/v2.zip --dry-run", description: "Say what would change" }
  ])
)

/** "K=V" pairs into a record; the first "=" splits, so values may hold "=". */
export const parseEnvironment = (pairs: ReadonlyArray<string>): Effect.Effect<Record<string, string>, UsageError> =>
  Effect.gen(function*() {
    const env: Record<string, string> = {}
    for (const pair of pairs) {
      const at = pair.indexOf("=")
      if (at <= 0) {
        return yield* new UsageError({ message: `invalid --environment ${JSON.stringify(pair)}`, hint: "Use --environment NAME=VALUE" })
      }
      env[pair.slice(0, at)] = pair.slice(at + 1)
    }
    return env
  })

const updateConfig = Command.make(
  "update-config",
  {
    name: functionName,
    memory: Flag.Int("memory").pipe(Flag.withDescription("Memory in MiB (128 to 10240)."), Flag.optional),
    timeout: Flag.Int("timeout").pipe(Flag.withDescription("Timeout in seconds (1 to 900)."), Flag.optional),
    environment: Flag.String("environment").pipe(
      Flag.withDescription("Set an environment variable, NAME=VALUE (repeatable); the function's other variables stay."),
      Flag.atLeast(0)
    ),
    handler: Flag.String("handler").pipe(Flag.withDescription("The handler, e.g. index.handler."), Flag.optional),
    runtime: Flag.String("runtime").pipe(Flag.withDescription("The runtime, e.g. python3.12 or nodejs20.x."), Flag.optional),
    dryRun: dryRunFlag("what would change (old → new; environment variables by name only)"),
    noWait: noWaitFlag
  },
  Effect.fn("lambda.update-config")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("lambda update-config"), raw)
    const lambda = yield* Lambda
    const output = yield* Output
    const set = yield* parseEnvironment(input.environment)
    const memory = Option.getOrUndefined(input.memory)
    const timeout = Option.getOrUndefined(input.timeout)
    const handler = Option.getOrUndefined(input.handler)
    const runtime = Option.getOrUndefined(input.runtime)
    if (memory === undefined && timeout === undefined && handler === undefined && runtime === undefined && input.environment.length === 0) {
      return yield* new UsageError({
        message: "lambda update-config needs something to change",
        hint: "Give --memory, --timeout, --environment, --handler or --runtime"
      })
    }
    if (memory !== undefined && (memory < 128 || memory > 10240)) {
      return yield* new UsageError({ message: `invalid --memory ${memory}`, hint: "Use 128 to 10240 MiB" })
    }
    if (timeout !== undefined && (timeout < 1 || timeout > 900)) {
      return yield* new UsageError({ message: `invalid --timeout ${timeout}`, hint: "Use 1 to 900 seconds" })
    }
    const current = yield* lambda.get(input.name)
    const changedVars = Object.keys(set).filter((k) => current.environment[k] !== set[k])
    const update: ConfigUpdate = {
      memoryMiB: memory,
      timeoutSeconds: timeout,
      handler,
      runtime,
      ...(input.environment.length > 0 ? { environment: { ...current.environment, ...set } } : {})
    }
    const was = (value: unknown) => (value === undefined ? "(none)" : String(value))
    const changes = [
      ...(memory !== undefined ? [`memory ${was(current.memoryMiB)} → ${memory} MiB`] : []),
      ...(timeout !== undefined ? [`timeout ${was(current.timeoutSeconds)} → ${timeout} s`] : []),
      ...(handler !== undefined ? [`handler ${was(current.handler)} → ${handler}`] : []),
      ...(runtime !== undefined ? [`runtime ${was(current.runtime)} → ${runtime}`] : []),
      ...(input.environment.length > 0 ? [`environment: set ${changedVars.length > 0 ? changedVars.join(", ") : "nothing new"}`] : [])
    ]
    if (input.dryRun) {
      yield* output.info(`dry run: would change Lambda function ${current.name}: ${changes.join("; ")}; nothing was changed`)
      return
    }
    const updated = yield* lambda.updateConfig(current.name, update)
    const done = input.noWait ? updated : yield* waitForUpdate(updated)
    yield* output.info(`changed Lambda function ${current.name}: ${changes.join("; ")}`)
    yield* output.table([done], updatedTable)
  })
).pipe(
  Command.withDescription(
    "Change a Lambda function's memory, timeout, handler, runtime or environment variables (--environment adds or replaces variables; the others stay), and wait until the update is over (LastUpdateStatus Successful; at most 5 minutes; --no-wait returns at once). A failed update exits 1 with AWS's reason."
  ),
  Command.withExamples([
    { command: "aegea lambda update-config my-fn --memory 512 --timeout 60", description: "More memory and time" },
    { command: "aegea lambda update-config my-fn --environment LOG_LEVEL=debug --dry-run", description: "Say what would change" }
  ])
)

const mappingTable: TableSpec = {
  columns: [
    { key: "uuid", header: "UUID", kind: "id" },
    { key: "function", kind: "name" },
    { key: "eventSourceArn", header: "EVENT SOURCE", kind: "id" },
    { key: "state", kind: "state" },
    { key: "batchSize", header: "BATCH SIZE", kind: "number" },
    { key: "lastModified", header: "MODIFIED", kind: "time" },
    { key: "lastProcessingResult", header: "LAST RESULT" }
  ],
  kinds: { functionArn: "id" },
  fields: [...Object.keys(EventSourceMapping.fields), "function"]
}

const eventSourceMappings = Command.make(
  "event-source-mappings",
  {
    name: Argument.String("name").pipe(
      Argument.withDescription("Only the mappings of this function (name or ARN); all functions' when left out."),
      Argument.optional
    )
  },
  Effect.fn("lambda.event-source-mappings")(function*(input) {
    const lambda = yield* Lambda
    const output = yield* Output
    // AWS lists nothing for a function that does not exist: say so instead.
    const name = Option.isSome(input.name) ? (yield* lambda.get(input.name.value)).name : undefined
    const rows = (yield* Stream.runCollect(lambda.eventSourceMappings(name))).map((m) => ({
      ...m,
      function: m.functionArn.split(":")[6] ?? m.functionArn
    }))
    yield* output.table(rows, mappingTable, {
      empty: name === undefined ? `no event source mappings in ${lambda.region}` : `no event source mappings for ${name}`
    })
  })
).pipe(
  Command.withDescription(listingDescription("List event source mappings (queues and streams that invoke functions).", mappingTable)),
  Command.withShortDescription("List event source mappings (queues and streams that invoke functions)."),
  Command.withExamples([
    { command: "aegea lambda event-source-mappings", description: "Every mapping in the region" },
    { command: "aegea lambda event-source-mappings my-fn --json", description: "One function's mappings as JSON" }
  ])
)

export const lambdaCommand = Command.make("lambda").pipe(
  Command.withDescription("List AWS Lambda functions and their event sources, and update their code and configuration."),
  Command.withSubcommands([
    ls.pipe(Command.provide(LambdaLayer)),
    updateCode.pipe(Command.provide(LambdaLayer)),
    updateConfig.pipe(Command.provide(LambdaLayer)),
    eventSourceMappings.pipe(Command.provide(LambdaLayer))
  ])
)
