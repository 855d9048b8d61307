/**
 * Logs for the `logs` command: listing groups and streams and reading events (DescribeLogGroups,
 * DescribeLogStreams, FilterLogEvents) by calls signed by hand (awsJson.ts, through aws.ts's retries
 * and error sorting, like every SDK call), the pages `aegea logs GROUP` prints with their lines made
 * straight from the answer's text (lib/logText.ts), so that `aegea logs`, `aegea logs GROUP` and its
 * --follow reach their first answer without loading the CloudWatch Logs SDK client, its schemas and the
 * SDK's HTTP stack (about a fifth of `logs`'s start-up); the rest (reading one stream, Logs Insights,
 * exports, creating groups) is LogsLive, loaded and built on first use. Where a signed call would not
 * reach the endpoint the SDK would (FIPS or dual-stack endpoints, a client the embedding program
 * provides, endpoints named in the shared config file), the whole service is LogsLive.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AwsClients } from "./AwsClients.ts"
import { idempotent, paginate } from "./aws.ts"
import { type JsonService, jsonTextCall, parsedJson, signedCallsFit } from "./awsJson.ts"
import { onFirstUse } from "./firstUse.ts"
import { filterInput, fromFilteredPage, groupsInput, inTimeOrder, streamsInput, textPage, toEventPage, toLogGroup, toLogStream } from "./logsMapping.ts"
import { logLinesArea, pageBytesLines } from "../lib/logBytes.ts"
import { pageTextLines } from "../lib/logLines.ts"
import { countAnswer } from "../lib/v8Optimize.ts"
import { type EventPage, Logs, type PageEvent } from "../services/Logs.ts"

/** The name `LogsLive` gives the SDK's client (AwsClients' `clients` key, and the service in messages). */
const CLIENT = "CloudWatch Logs"

/** CloudWatch Logs' JSON 1.1 service in `region` (its AWS endpoint as the SDK's rules give it for the aws and aws-cn partitions). */
export const logsJsonService = (region: string): JsonService => ({
  service: CLIENT,
  signingName: "logs",
  targetPrefix: "Logs_20140328",
  endpoint: `https://logs.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`,
  endpointEnvId: "CLOUDWATCH_LOGS",
  region
})

/**
 * One FilterLogEvents answer as `eventPages` gives it: its lines made from the text where
 * `pageTextLines` can, else the records JSON.parse reads (in time order), and the next page's token.
 */
export const filterAnswerPage = (
  service: JsonService,
  group: string,
  text: string,
  status: number,
  lines: { readonly showGroup: boolean; readonly color: boolean }
): readonly [ReadonlyArray<EventPage>, string | undefined] => {
  const read = pageTextLines(group, text, lines)
  if (read !== undefined) return [read.count > 0 ? [textPage(group, read, text)] : [], read.nextToken]
  const answer = parsedJson<{ readonly events?: ReadonlyArray<PageEvent> | null; readonly nextToken?: unknown }>(service, "FilterLogEvents", text, status)
  const page = toEventPage(group, answer.events ?? [])
  return [page.events.length > 0 ? [page] : [], typeof answer.nextToken === "string" ? answer.nextToken : undefined]
}

/**
 * One FilterLogEvents answer's page made from its bytes where `pageBytesLines` can (WebAssembly:
 * lib/logBytes.ts), else undefined (and `filterAnswerPage` reads its text). The page's records, if
 * asked for, are read from the text of those bytes.
 */
export const filterAnswerBytes = (
  group: string,
  bytes: Buffer,
  lines: { readonly showGroup: boolean; readonly color: boolean },
  kept: () => Buffer = () => bytes
): readonly [ReadonlyArray<EventPage>, string | undefined] | undefined => {
  const read = pageBytesLines(group, bytes, lines)
  if (read === undefined) return undefined
  return [read.count > 0 ? [textPage(group, read, () => kept().toString("utf8"))] : [], read.nextToken]
}

const jsonLogs = Effect.gen(function*() {
  const env = yield* AwsClients
  const service = logsJsonService(env.region)
  // the rest of the service: LogsLive (the SDK's client), made on first use in this layer's scope
  const viaSdk = yield* onFirstUse(Logs, () => import("./LogsLive.ts").then((m) => m.LogsLive), env)
  type Service = Logs["Service"]

  /** One signed JSON 1.1 call of CloudWatch Logs: its answer parsed (an error shaped as the SDK's where it is not JSON). */
  const call = <O>(operation: string, input: object, action: string) =>
    jsonTextCall<O>(env, service, operation, input, action, idempotent, (text, status) => {
      countAnswer(text.length)
      return parsedJson<O>(service, operation, text, status)
    })
  const withToken = (input: object, token: string | undefined) => (token ? { ...input, nextToken: token } : input)
  const tokenOf = (answer: { readonly nextToken?: unknown }) => (typeof answer.nextToken === "string" ? answer.nextToken : undefined)

  const groups: Service["groups"] = (options = {}) =>
    paginate((token) =>
      call<{ readonly logGroups?: ReadonlyArray<Parameters<typeof toLogGroup>[0]> | null; readonly nextToken?: unknown }>(
        "DescribeLogGroups",
        withToken(groupsInput(options), token),
        "list log groups"
      ).pipe(Effect.map((r) => [(r.logGroups ?? []).map(toLogGroup), tokenOf(r)] as const))
    )

  const streams: Service["streams"] = (group, options = {}) =>
    paginate((token) =>
      call<{ readonly logStreams?: ReadonlyArray<Parameters<typeof toLogStream>[0]> | null; readonly nextToken?: unknown }>(
        "DescribeLogStreams",
        withToken(streamsInput(group, options), token),
        `list the streams of log group ${group}`
      ).pipe(Effect.map((r) => [(r.logStreams ?? []).map(toLogStream), tokenOf(r)] as const))
    )

  const events: Service["events"] = (q) => {
    const { input, wanted } = filterInput(q)
    return paginate((token) =>
      call<{ readonly events?: ReadonlyArray<Parameters<typeof fromFilteredPage>[1][number]> | null; readonly nextToken?: unknown }>(
        "FilterLogEvents",
        withToken(input, token),
        `read the events of log group ${q.group}`
      ).pipe(
        // AWS interleaves streams within a page; emulators may not: order each page by time (as LogsLive)
        Effect.map((r) => [inTimeOrder(fromFilteredPage(q.group, r.events ?? [], wanted)), tokenOf(r)] as const)
      )
    )
  }

  const eventPages: Service["eventPages"] = (q, options = {}) => {
    const lines = options.lines
    const { input, wanted } = filterInput(q)
    // records (JSON output) and pages some of whose streams are dropped: as LogsLive gives them
    if (lines === undefined || wanted !== undefined) {
      return paginate((token) =>
        call<{ readonly events?: ReadonlyArray<PageEvent> | null; readonly nextToken?: unknown }>(
          "FilterLogEvents",
          withToken(input, token),
          `read the events of log group ${q.group}`
        ).pipe(Effect.map((r) => {
          const page = toEventPage(q.group, r.events ?? [], wanted)
          return [page.events.length > 0 ? [page] : [], tokenOf(r)] as const
        }))
      )
    }
    return paginate((token) =>
      jsonTextCall(
        env,
        service,
        "FilterLogEvents",
        withToken(input, token),
        `read the events of log group ${q.group}`,
        idempotent,
        (text, status) => {
          countAnswer(text.length)
          return filterAnswerPage(service, q.group, text, status, lines)
        },
        {
          read: (bytes, _status, kept) => {
            countAnswer(bytes.length)
            return filterAnswerBytes(q.group, bytes, lines, kept)
          },
          area: () => logLinesArea(q.group, lines)
        }
      )
    )
  }

  return Logs.of({
    groups,
    streams,
    events,
    eventPages,
    readStream: (group, stream, options) => Effect.flatMap(viaSdk, (logs) => logs.readStream(group, stream, options)),
    ensureGroup: (group, options) => Effect.flatMap(viaSdk, (logs) => logs.ensureGroup(group, options)),
    around: (event, count) => Effect.flatMap(viaSdk, (logs) => logs.around(event, count)),
    startQuery: (query) => Effect.flatMap(viaSdk, (logs) => logs.startQuery(query)),
    queryResults: (queryId) => Effect.flatMap(viaSdk, (logs) => logs.queryResults(queryId)),
    stopQuery: (queryId) => Effect.flatMap(viaSdk, (logs) => logs.stopQuery(queryId)),
    createExportTask: (request) => Effect.flatMap(viaSdk, (logs) => logs.createExportTask(request)),
    describeExportTask: (taskId) => Effect.flatMap(viaSdk, (logs) => logs.describeExportTask(taskId))
  })
})

/** Logs with groups, streams and events read by signed calls (the rest LogsLive, on first use), or LogsLive where they would not fit. */
export const LogsJsonLive: Layer.Layer<Logs, never, AwsClients> = Layer.unwrap(
  Effect.map(AwsClients, (env) =>
    signedCallsFit(env, CLIENT)
      ? Layer.effect(Logs, jsonLogs)
      : Layer.unwrap(Effect.map(Effect.promise(() => import("./LogsLive.ts")), ({ LogsLive }) => LogsLive)))
)
