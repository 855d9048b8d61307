/** SDK shapes -> aegea's CloudWatch Logs domain types. The only place that knows the SDK's optional-everything shapes. */
import type * as Sdk from "@aws-sdk/client-cloudwatch-logs"
import type { PageLines } from "../lib/logText.ts"
import {
  type EventPage,
  type EventQuery,
  type ExportStatus,
  type ExportTask,
  type LogEvent,
  type LogGroup,
  type LogStream,
  type PageEvent,
  pageEventTime,
  type QueryResults,
  type QueryStatus
} from "../services/Logs.ts"

const date = (ms: number | undefined): { created?: Date } | Record<never, never> => (ms === undefined ? {} : { created: new Date(ms) })
const opt = <K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } =>
  (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V }

export const toLogGroup = (g: Sdk.LogGroup): LogGroup => ({
  name: g.logGroupName ?? "",
  storedBytes: g.storedBytes ?? 0,
  ...opt("retentionDays", g.retentionInDays),
  ...date(g.creationTime),
  ...opt("arn", g.arn)
})

export const toLogStream = (s: Sdk.LogStream): LogStream => ({
  name: s.logStreamName ?? "",
  ...date(s.creationTime),
  ...opt("firstEvent", s.firstEventTimestamp === undefined ? undefined : new Date(s.firstEventTimestamp)),
  ...opt("lastEvent", s.lastEventTimestamp === undefined ? undefined : new Date(s.lastEventTimestamp)),
  ...opt("storedBytes", s.storedBytes)
})

export const fromFiltered = (group: string) => (e: Sdk.FilteredLogEvent): LogEvent => {
  // One object literal per case (no spreads: this runs once per event, 100k times for a big read).
  const id = e.eventId ?? `${e.logStreamName ?? ""}/${e.timestamp ?? 0}/${e.ingestionTime ?? 0}`
  const stream = e.logStreamName ?? ""
  const timestamp = new Date(e.timestamp ?? 0)
  const message = e.message ?? ""
  return e.ingestionTime === undefined || e.ingestionTime === null
    ? { id, group, stream, timestamp, message }
    : { id, group, stream, timestamp, ingested: new Date(e.ingestionTime), message }
}

/**
 * A FilterLogEvents page as `fromFiltered` maps each event (only those of `wanted` streams, when
 * given), except that events with the ingestion time of the event before them share its `ingested`
 * Date: AWS ingests events in batches, so most of a page's events have the ingestion time of their
 * neighbours, and a Date is 128 bytes, a third of what mapping an event allocates (domain values are
 * never changed in place).
 */
export const fromFilteredPage = (
  group: string,
  events: ReadonlyArray<Sdk.FilteredLogEvent>,
  wanted?: ReadonlySet<string>
): Array<LogEvent> => {
  const out: Array<LogEvent> = []
  let lastIngestion: number | undefined
  let lastIngested: Date | undefined
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const stream = e.logStreamName ?? ""
    if (wanted !== undefined && !wanted.has(stream)) continue
    const id = e.eventId ?? `${stream}/${e.timestamp ?? 0}/${e.ingestionTime ?? 0}`
    const timestamp = new Date(e.timestamp ?? 0)
    const message = e.message ?? ""
    const ingestion = e.ingestionTime
    if (ingestion === undefined || ingestion === null) {
      out.push({ id, group, stream, timestamp, message })
      continue
    }
    if (ingestion !== lastIngestion || lastIngested === undefined) {
      lastIngestion = ingestion
      lastIngested = new Date(ingestion)
    }
    out.push({ id, group, stream, timestamp, ingested: lastIngested, message })
  }
  return out
}

/**
 * A FilterLogEvents page as `Logs.eventPages` yields it: the records as parsed (only those of `wanted`
 * streams, when given), in time order (`fromFilteredPage` then LogsLive's sort: the same order).
 */
export const toEventPage = (group: string, records: ReadonlyArray<PageEvent>, wanted?: ReadonlySet<string>): EventPage => {
  const events = wanted === undefined ? records : records.filter((e) => wanted.has(e.logStreamName ?? ""))
  for (let i = 1; i < events.length; i++) {
    const before = events[i - 1]!.timestamp, after = events[i]!.timestamp
    // Numbers in order are Dates in order (NaN is never in order here, and goes to pageEventTime).
    if (typeof before === "number" && typeof after === "number" && before <= after) continue
    if (pageEventTime(before) > pageEventTime(after)) {
      return { group, events: [...events].sort((a, b) => pageEventTime(a.timestamp) - pageEventTime(b.timestamp)) }
    }
  }
  return { group, events }
}

/** GetLogEvents has no event ids: a stream/timestamp/ingestion/position id is unique within a stream read. */
export const fromOutput = (group: string, stream: string, token: string | undefined) =>
(e: Sdk.OutputLogEvent, index: number): LogEvent => ({
  id: `${stream}/${e.timestamp ?? 0}/${e.ingestionTime ?? 0}/${token ?? "head"}/${index}`,
  group,
  stream,
  timestamp: new Date(e.timestamp ?? 0),
  ...opt("ingested", e.ingestionTime === undefined ? undefined : new Date(e.ingestionTime)),
  message: e.message ?? ""
})

const queryStatuses = new Set<QueryStatus>(["Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout", "Unknown"])

export const toQueryResults = (r: Sdk.GetQueryResultsResponse): QueryResults => ({
  status: queryStatuses.has(r.status as QueryStatus) ? (r.status as QueryStatus) : "Unknown",
  rows: (r.results ?? []).map((fields) => {
    const row: Record<string, string> = {}
    for (const f of fields) if (f.field !== undefined) row[f.field] = f.value ?? ""
    return row
  })
})

export const toExportTask = (t: Sdk.ExportTask): ExportTask => ({
  id: t.taskId ?? "",
  group: t.logGroupName ?? "",
  status: (t.status?.code ?? "PENDING") as ExportStatus,
  statusMessage: t.status?.message,
  bucket: t.destination ?? "",
  prefix: t.destinationPrefix ?? ""
})

/** FilterLogEvents accepts at most 100 stream names per call. */
export const maxStreamNames = 100

/**
 * The input of FilterLogEvents for `q` without its page token (what the SDK's command and the signed
 * JSON call both send), and the streams to keep from each answer when there are more than one request
 * may name (`wanted`; else undefined).
 */
export const filterInput = (q: EventQuery) => {
  const streams = q.streams ?? []
  const wanted = streams.length > maxStreamNames ? new Set(streams) : undefined
  const input = {
    logGroupName: q.group,
    ...(streams.length > 0 && streams.length <= maxStreamNames ? { logStreamNames: [...streams] } : {}),
    ...(streams.length === 0 && q.streamPrefix ? { logStreamNamePrefix: q.streamPrefix } : {}),
    ...(q.start ? { startTime: q.start.getTime() } : {}),
    ...(q.end ? { endTime: q.end.getTime() } : {}),
    ...(q.filterPattern ? { filterPattern: q.filterPattern } : {})
  }
  return { input, wanted }
}

/**
 * A page whose lines were made from the answer's text (or its bytes): its `events` are the records
 * JSON.parse reads from that text (as `eventPages` gives them otherwise), read only when asked for.
 */
export const textPage = (group: string, lines: PageLines, text: string | (() => string)): EventPage => {
  let events: ReadonlyArray<PageEvent> | undefined
  return {
    group,
    // the text of lines made from bytes is decoded only if read
    lines: lines.bytes === undefined ? { text: lines.text, count: lines.count } : {
      get text() {
        return lines.text
      },
      bytes: lines.bytes,
      count: lines.count
    },
    get events() {
      const json = typeof text === "string" ? text : text()
      return events ??= toEventPage(group, (JSON.parse(json) as { events: ReadonlyArray<PageEvent> }).events).events
    }
  }
}

/** Events ordered by time; a page that already is (most are) is returned as it is, without a sort. */
export const inTimeOrder = (events: Array<LogEvent>): Array<LogEvent> => {
  for (let i = 1; i < events.length; i++) {
    if (events[i - 1]!.timestamp.getTime() > events[i]!.timestamp.getTime()) {
      return events.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
    }
  }
  return events
}

/** DescribeLogGroups' input without its page token. */
export const groupsInput = (options: { readonly prefix?: string }) => (options.prefix ? { logGroupNamePrefix: options.prefix } : {})

/** DescribeLogStreams' input without its page token: most recent event first, or by prefix (AWS cannot order by event time and filter by prefix at once). */
export const streamsInput = (group: string, options: { readonly prefix?: string }) => ({
  logGroupName: group,
  ...(options.prefix ? { logStreamNamePrefix: options.prefix } : { orderBy: "LastEventTime" as const, descending: true })
})
