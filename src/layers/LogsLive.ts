/** The live CloudWatch Logs layer: the SDK client is imported lazily, so only commands that need Logs load it. */
import { Effect, Layer } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import * as map from "./logsMapping.ts"
import { AwsNotFound } from "../errors.ts"
import { afterMatch, type EventQuery, Logs } from "../services/Logs.ts"

const seconds = (d: Date) => Math.floor(d.getTime() / 1000)
const next = (token: string | undefined) => (token ? { nextToken: token } : {})
/** FilterLogEvents accepts at most 100 stream names per call. */
const maxStreamNames = 100

export const LogsLive: Layer.Layer<Logs, never, AwsClients> = Layer.effect(
  Logs,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-cloudwatch-logs"))
    const logs = yield* client(() => new sdk.CloudWatchLogsClient(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "CloudWatch Logs", operation, action }, run)
    /** Run `request`, treating the AWS error `ignored` as success (undefined). */
    const ignoring = async <A>(ignored: string, request: Promise<A>): Promise<A | undefined> => {
      try {
        return await request
      } catch (e) {
        if ((e as { name?: string }).name === ignored) return undefined
        throw e
      }
    }

    const events = (q: EventQuery) => {
      const streams = q.streams ?? []
      const names = streams.length > 0 && streams.length <= maxStreamNames ? { logStreamNames: [...streams] } : {}
      const wanted = streams.length > maxStreamNames ? new Set(streams) : undefined
      return paginate((token) =>
        send("FilterLogEvents", `read the events of log group ${q.group}`, (abortSignal) =>
          logs.send(
            new sdk.FilterLogEventsCommand({
              logGroupName: q.group,
              ...names,
              ...(streams.length === 0 && q.streamPrefix ? { logStreamNamePrefix: q.streamPrefix } : {}),
              ...(q.start ? { startTime: q.start.getTime() } : {}),
              ...(q.end ? { endTime: q.end.getTime() } : {}),
              ...(q.filterPattern ? { filterPattern: q.filterPattern } : {}),
              ...next(token)
            }),
            { abortSignal }
          )).pipe(
            Effect.map((r) =>
              [
                // AWS interleaves streams within a page; emulators may not: order each page by time.
                (r.events ?? []).map(map.fromFiltered(q.group)).filter((e) => wanted === undefined || wanted.has(e.stream))
                  .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime()),
                r.nextToken
              ] as const
            )
          )
      )
    }

    return Logs.of({
      groups: (options = {}) =>
        paginate((token) =>
          send("DescribeLogGroups", "list log groups", (abortSignal) =>
            logs.send(
              new sdk.DescribeLogGroupsCommand({
                ...(options.prefix ? { logGroupNamePrefix: options.prefix } : {}),
                ...next(token)
              }),
              { abortSignal }
            )).pipe(Effect.map((r) => [(r.logGroups ?? []).map(map.toLogGroup), r.nextToken] as const))
        ),
      streams: (group, options = {}) =>
        paginate((token) =>
          send("DescribeLogStreams", `list the streams of log group ${group}`, (abortSignal) =>
            logs.send(
              new sdk.DescribeLogStreamsCommand({
                logGroupName: group,
                // AWS cannot order by event time and filter by prefix at once.
                ...(options.prefix
                  ? { logStreamNamePrefix: options.prefix }
                  : { orderBy: "LastEventTime", descending: true }),
                ...next(token)
              }),
              { abortSignal }
            )).pipe(Effect.map((r) => [(r.logStreams ?? []).map(map.toLogStream), r.nextToken] as const))
        ),
      events,
      readStream: (group, stream, options = {}) =>
        send("GetLogEvents", `read log stream ${stream} of log group ${group}`, (abortSignal) =>
          logs.send(
            new sdk.GetLogEventsCommand({
              logGroupName: group,
              logStreamName: stream,
              startFromHead: true,
              ...(options.token ? { nextToken: options.token } : options.start ? { startTime: options.start.getTime() } : {})
            }),
            { abortSignal }
          )).pipe(
            Effect.map((r) => ({
              events: (r.events ?? []).map(map.fromOutput(group, stream, options.token)),
              nextToken: r.nextForwardToken
            }))
          ),
      around: (event, count) => {
        const read = (direction: "before" | "after") =>
          send("GetLogEvents", `read the context of an event in ${event.stream}`, (abortSignal) =>
            logs.send(
              new sdk.GetLogEventsCommand({
                logGroupName: event.group,
                logStreamName: event.stream,
                limit: direction === "before" ? count : count + 20,
                ...(direction === "before"
                  ? { endTime: event.timestamp.getTime(), startFromHead: false }
                  : { startTime: event.timestamp.getTime(), startFromHead: true })
              }),
              { abortSignal }
            )).pipe(Effect.map((r) => (r.events ?? []).map(map.fromOutput(event.group, event.stream, direction))))
        return Effect.all([read("before"), read("after")]).pipe(
          Effect.map(([before, after]) => ({ before: before.slice(-count), after: afterMatch(event, after, count) }))
        )
      },
      ensureGroup: (group, options = {}) =>
        send("CreateLogGroup", `create log group ${group}`, (abortSignal) =>
          ignoring(
            "ResourceAlreadyExistsException",
            logs.send(new sdk.CreateLogGroupCommand({ logGroupName: group }), { abortSignal })
          )).pipe(
            Effect.andThen(() =>
              options.retentionDays === undefined
                ? Effect.void
                : send("PutRetentionPolicy", `set the retention of log group ${group}`, (abortSignal) =>
                  logs.send(
                    new sdk.PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: options.retentionDays! }),
                    { abortSignal }
                  ))
            ),
            Effect.asVoid
          ),
      startQuery: (q) =>
        send("StartQuery", `start a Logs Insights query on ${q.groups.join(", ")}`, (abortSignal) =>
          logs.send(
            new sdk.StartQueryCommand({
              logGroupNames: [...q.groups],
              queryString: q.query,
              startTime: seconds(q.start),
              endTime: seconds(q.end),
              ...(q.limit !== undefined ? { limit: q.limit } : {})
            }),
            { abortSignal }
          )).pipe(Effect.map((r) => r.queryId ?? "")),
      queryResults: (queryId) =>
        send("GetQueryResults", `get the results of query ${queryId}`, (abortSignal) =>
          logs.send(new sdk.GetQueryResultsCommand({ queryId }), { abortSignal })).pipe(Effect.map(map.toQueryResults)),
      stopQuery: (queryId) =>
        send("StopQuery", `stop query ${queryId}`, (abortSignal) =>
          // A query that already ended cannot be stopped: that is the outcome we wanted.
          ignoring("InvalidParameterException", logs.send(new sdk.StopQueryCommand({ queryId }), { abortSignal }))).pipe(
            Effect.asVoid
          ),
      createExportTask: (r) =>
        send("CreateExportTask", `export log group ${r.group} to s3://${r.bucket}/${r.prefix}`, (abortSignal) =>
          logs.send(
            new sdk.CreateExportTaskCommand({
              logGroupName: r.group,
              from: r.start.getTime(),
              to: r.end.getTime(),
              destination: r.bucket,
              destinationPrefix: r.prefix,
              ...(r.streamPrefix ? { logStreamNamePrefix: r.streamPrefix } : {}),
              ...(r.taskName ? { taskName: r.taskName } : {})
            }),
            { abortSignal }
          )).pipe(Effect.map((t) => t.taskId ?? "")),
      describeExportTask: (taskId) =>
        send("DescribeExportTasks", `describe export task ${taskId}`, (abortSignal) =>
          logs.send(new sdk.DescribeExportTasksCommand({ taskId }), { abortSignal })).pipe(
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
