/** The live CloudWatch Logs layer: the SDK client is imported lazily, so only commands that need Logs load it. */
import type * as Sdk from "@aws-sdk/client-cloudwatch-logs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate, reconciled } from "./aws.ts"
import * as map from "./logsMapping.ts"
import { type AwsError, AwsNotFound } from "../errors.ts"
import { afterMatch, type EventPagesOptions, type EventQuery, Logs, type PageEvent } from "../services/Logs.ts"
import { pageTextLines } from "../lib/logLines.ts"
import type { PageLines } from "../lib/logText.ts"
import { withOperationSchema } from "./sdk/projection.ts"

const seconds = (d: Date) => Math.floor(d.getTime() / 1000)
const next = (token: string | undefined) => (token ? { nextToken: token } : {})
/** AWS answered with the error `code`, which the caller treats as success. */
const answered = (code: string) => (e: AwsError) => e.code === code

/**
 * An operation schema (`[9, namespace, name, traits, input, output]`) whose output structure's member
 * `member`, a list of structures, is read as a list of strings: items that need no transform, which the
 * SDK's JSON deserializer returns as JSON.parse made them.
 */
const asParsedList = (operation: ReadonlyArray<unknown>, member: string): ReadonlyArray<unknown> => {
  const deref = (ref: unknown): unknown => (typeof ref === "function" ? (ref as () => unknown)() : ref)
  const output = deref(operation[5])
  if (!Array.isArray(output) || output[0] !== 3) throw new Error("asParsedList: the output is not a structure schema")
  const names = output[4] as ReadonlyArray<string>
  const index = names.indexOf(member)
  if (index < 0) throw new Error(`asParsedList: the output has no member ${member}`)
  const members = (output[5] as ReadonlyArray<unknown>).map((m, i) => (i === index ? stringList : m))
  return [...operation.slice(0, 5), [3, output[1], output[2], output[3], names, members]]
}
/** The SDK's static schema of a list of strings (`64 | 0`). */
const stringList = 64

/**
 * The key of a JSON output structure schema (an array) whose answers the CLI bundle's JSON read hands,
 * as text, to the function there first (src/sdkPatches/install.ts): what it returns is the output,
 * unless undefined, when the SDK reads the text as usual.
 */
const textReaderKey = Symbol.for("aegea.sdkPatches.readText")

/** `operation` (`[9, namespace, name, traits, input, output]`) with `read` as its output's text reader. */
const withTextReader = (
  operation: ReadonlyArray<unknown>,
  read: (text: string) => object | undefined
): ReadonlyArray<unknown> => {
  const output = operation[5] as ReadonlyArray<unknown>
  return [...operation.slice(0, 5), Object.assign([...output], { [textReaderKey]: read })]
}

/** The member of FilterLogEvents' output under which the text reader gives the page's lines and text. */
const pageLinesKey = "aegeaPageLines"

/** `Logs` against CloudWatch Logs, with the region, credentials and endpoint of `AwsClients`. */
export const LogsLive: Layer.Layer<Logs, never, AwsClients> = Layer.effect(
  Logs,
  Effect.gen(function*() {
    // Only the client pieces used here (./sdk/logs.ts), not the package barrel: less to load and run.
    const sdk = yield* Effect.promise(() => import("./sdk/logs.ts"))
    const aws = yield* makeAws("CloudWatch Logs", (config) => new sdk.CloudWatchLogsClient(config))
    const env = aws.env

    /**
     * The FilterLogEvents request of one page of `q`, and the streams to keep from its answer when
     * there are more than one request may name (`wanted`; else undefined).
     */
    const filterRequest = (q: EventQuery) => {
      const { input, wanted } = map.filterInput(q)
      const command = (token: string | undefined) => new sdk.FilterLogEventsCommand({ ...input, ...next(token) })
      return { command, wanted }
    }

    const events = (q: EventQuery) => {
      const { command, wanted } = filterRequest(q)
      return paginate((token) =>
        aws.call(
          command(token),
          `read the events of log group ${q.group}`,
          idempotent
        ).pipe(
          Effect.map((r) =>
            [
              // AWS interleaves streams within a page; emulators may not: order each page by time.
              map.inTimeOrder(map.fromFilteredPage(q.group, r.events ?? [], wanted)),
              r.nextToken
            ] as const
          )
        )
      )
    }

    /**
     * FilterLogEvents read with its `events` list left as JSON.parse made it (a list whose items need
     * no transform, so the SDK, and the CLI bundle's faster read, return it as it is): `eventPages`
     * gives the records themselves, with no copy of each.
     */
    const filterAsParsed = asParsedList(sdk.FilterLogEvents$ as unknown as ReadonlyArray<unknown>, "events")

    const eventPages = (q: EventQuery, options: EventPagesOptions = {}) => {
      const { command, wanted } = filterRequest(q)
      const lineOptions = options.lines
      // Lines from the answer's text (./logText.ts), read in the CLI bundle's JSON read (src/sdkPatches/
      // install.ts; the SDK as published reads records): not for a page some of whose streams are dropped.
      const schema = lineOptions === undefined || wanted !== undefined ? filterAsParsed : withTextReader(filterAsParsed, (text) => {
        const lines = pageTextLines(q.group, text, lineOptions)
        return lines === undefined ? undefined : {
          ...(lines.nextToken !== undefined ? { nextToken: lines.nextToken } : {}),
          [pageLinesKey]: { lines, text }
        }
      })
      return paginate((token) =>
        aws.call(
          withOperationSchema(command(token), schema),
          `read the events of log group ${q.group}`,
          idempotent
        ).pipe(
          Effect.map((r) => {
            const read = (r as { readonly [pageLinesKey]?: { readonly lines: PageLines; readonly text: string } })[pageLinesKey]
            if (read !== undefined) {
              return [read.lines.count > 0 ? [map.textPage(q.group, read.lines, read.text)] : [], r.nextToken] as const
            }
            const page = map.toEventPage(q.group, (r.events ?? []) as ReadonlyArray<PageEvent>, wanted)
            return [page.events.length > 0 ? [page] : [], r.nextToken] as const
          })
        )
      )
    }

    /** Every export task of the account, page by page, as long as the consumer pulls. */
    const exportTasks = (action: string) =>
      paginate((token) =>
        aws.call(new sdk.DescribeExportTasksCommand({ ...next(token) }), action, idempotent).pipe(
          Effect.map((r) => [r.exportTasks ?? [], r.nextToken] as const)
        )
      )

    return Logs.of({
      groups: (options = {}) =>
        paginate((token) =>
          aws.call(
            new sdk.DescribeLogGroupsCommand({ ...map.groupsInput(options), ...next(token) }),
            "list log groups",
            idempotent
          ).pipe(Effect.map((r) => [(r.logGroups ?? []).map(map.toLogGroup), r.nextToken] as const))
        ),
      streams: (group, options = {}) =>
        paginate((token) =>
          aws.call(
            new sdk.DescribeLogStreamsCommand({ ...map.streamsInput(group, options), ...next(token) }),
            `list the streams of log group ${group}`,
            idempotent
          ).pipe(Effect.map((r) => [(r.logStreams ?? []).map(map.toLogStream), r.nextToken] as const))
        ),
      events,
      eventPages,
      readStream: (group, stream, options = {}) =>
        aws.call(
          new sdk.GetLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            startFromHead: true,
            ...(options.token ? { nextToken: options.token } : options.start ? { startTime: options.start.getTime() } : {})
          }),
          `read log stream ${stream} of log group ${group}`,
          idempotent
        ).pipe(
          Effect.map((r) => ({
            events: (r.events ?? []).map(map.fromOutput(group, stream, options.token)),
            nextToken: r.nextForwardToken
          }))
        ),
      around: (event, count) => {
        const read = (direction: "before" | "after") =>
          aws.call(
            new sdk.GetLogEventsCommand({
              logGroupName: event.group,
              logStreamName: event.stream,
              limit: direction === "before" ? count : count + 20,
              ...(direction === "before"
                ? { endTime: event.timestamp.getTime(), startFromHead: false }
                : { startTime: event.timestamp.getTime(), startFromHead: true })
            }),
            `read the context of an event in ${event.stream}`,
            idempotent
          ).pipe(Effect.map((r) => (r.events ?? []).map(map.fromOutput(event.group, event.stream, direction))))
        return Effect.all([read("before"), read("after")]).pipe(
          Effect.map(([before, after]) => ({ before: before.slice(-count), after: afterMatch(event, after, count) }))
        )
      },
      ensureGroup: (group, options = {}) =>
        // "Already exists" counts as done, so a second attempt after a lost answer is harmless.
        aws.call(new sdk.CreateLogGroupCommand({ logGroupName: group }), `create log group ${group}`, idempotent).pipe(
          Effect.asVoid,
          Effect.catchIf(answered("ResourceAlreadyExistsException"), () => Effect.void),
          Effect.andThen(() =>
            options.retentionDays === undefined
              ? Effect.void
              : aws.call(
                new sdk.PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: options.retentionDays }),
                `set the retention of log group ${group}`,
                idempotent
              )
          ),
          Effect.asVoid
        ),
      startQuery: (q) =>
        aws.call(
          new sdk.StartQueryCommand({
            logGroupNames: [...q.groups],
            queryString: q.query,
            startTime: seconds(q.start),
            endTime: seconds(q.end),
            ...(q.limit !== undefined ? { limit: q.limit } : {})
          }),
          `start a Logs Insights query on ${q.groups.join(", ")}`,
          // A query only reads: a second one started after a lost answer changes nothing (the first
          // runs out on its own), so a retry is safe.
          idempotent
        ).pipe(Effect.map((r) => r.queryId ?? "")),
      queryResults: (queryId) =>
        aws.call(new sdk.GetQueryResultsCommand({ queryId }), `get the results of query ${queryId}`, idempotent).pipe(Effect.map(map.toQueryResults)),
      stopQuery: (queryId) =>
        aws.call(new sdk.StopQueryCommand({ queryId }), `stop query ${queryId}`, idempotent).pipe(
          Effect.asVoid,
          // A query that already ended cannot be stopped: that is the outcome we wanted.
          Effect.catchIf(answered("InvalidParameterException"), () => Effect.void)
        ),
      createExportTask: (r) => {
        const action = `export log group ${r.group} to s3://${r.bucket}/${r.prefix}`
        // An export writes under a key prefix of its own (and a task name with the time), set in
        // this request: an export task with them is the one this request created. A second export
        // would fail anyway (one export at a time per account), so a lost answer is looked up.
        const findCreated = exportTasks(`look for the export of log group ${r.group} to s3://${r.bucket}/${r.prefix}`).pipe(
          Stream.filter((t) =>
            t.logGroupName === r.group && t.destination === r.bucket && t.destinationPrefix === r.prefix &&
            (!r.taskName || t.taskName === r.taskName)
          ),
          Stream.take(1),
          Stream.runCollect,
          Effect.map((found) =>
            Option.fromUndefinedOr(found[0]).pipe(
              Option.map((t): Sdk.CreateExportTaskCommandOutput => ({ ...(t.taskId !== undefined ? { taskId: t.taskId } : {}), $metadata: {} }))
            )
          )
        )
        return aws.call(
          new sdk.CreateExportTaskCommand({
            logGroupName: r.group,
            from: r.start.getTime(),
            to: r.end.getTime(),
            destination: r.bucket,
            destinationPrefix: r.prefix,
            ...(r.streamPrefix ? { logStreamNamePrefix: r.streamPrefix } : {}),
            ...(r.taskName ? { taskName: r.taskName } : {})
          }),
          action,
          reconciled(findCreated, (t) => `export task ${t.taskId}`)
        ).pipe(Effect.map((t) => t.taskId ?? ""))
      },
      describeExportTask: (taskId) =>
        aws.call(new sdk.DescribeExportTasksCommand({ taskId }), `describe export task ${taskId}`, idempotent).pipe(
          Effect.flatMap((r) => {
            const task = r.exportTasks?.[0]
            return task
              ? Effect.succeed(map.toExportTask(task))
              : Effect.fail(
                new AwsNotFound({
                  action: `describe export task ${taskId}`,
                  service: "CloudWatch Logs",
                  operation: "DescribeExportTasks",
                  code: "ResourceNotFoundException",
                  awsMessage: `no export task ${taskId}`,
                  region: env.region
                })
              )
          })
        )
    })
  })
)
