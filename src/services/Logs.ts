/**
 * CloudWatch Logs as aegea sees it: groups, streams, events (read, filter, follow), Logs Insights
 * queries and S3 exports. Shared by `aegea logs`/`grep` and by `batch`/`ecs` watch (job logs).
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

const optionalString = Schema.optional(Schema.String)

/** A CloudWatch Logs group: its size, retention and creation time. */
export const LogGroup = Schema.Struct({
  name: Schema.String,
  storedBytes: Schema.Number,
  retentionDays: Schema.optional(Schema.Number),
  created: Schema.optional(Schema.Date),
  arn: optionalString
})
/** A CloudWatch Logs group: its size, retention and creation time. */
export type LogGroup = typeof LogGroup.Type

/** A stream of a log group, with its first and last event times. */
export const LogStream = Schema.Struct({
  name: Schema.String,
  created: Schema.optional(Schema.Date),
  firstEvent: Schema.optional(Schema.Date),
  lastEvent: Schema.optional(Schema.Date),
  storedBytes: Schema.optional(Schema.Number)
})
/** A stream of a log group, with its first and last event times. */
export type LogStream = typeof LogStream.Type

/** One log event: its id, group, stream, timestamp and message. */
export const LogEvent = Schema.Struct({
  /** Unique per event (FilterLogEvents eventId; for GetLogEvents a synthetic stream/timestamp/index id). */
  id: Schema.String,
  group: Schema.String,
  stream: Schema.String,
  timestamp: Schema.Date,
  ingested: Schema.optional(Schema.Date),
  message: Schema.String
})
/** One log event: its id, group, stream, timestamp and message. */
export type LogEvent = typeof LogEvent.Type

/**
 * One event of an `EventPage`: FilterLogEvents' record as CloudWatch Logs sent it, read-only, with no
 * copy (members may be absent or null; `LogEvent` is what it means: `logEventsOf`).
 */
export interface PageEvent {
  readonly eventId?: string | null | undefined
  readonly logStreamName?: string | null | undefined
  /** Milliseconds since the epoch. */
  readonly timestamp?: number | null | undefined
  /** Milliseconds since the epoch. */
  readonly ingestionTime?: number | null | undefined
  readonly message?: string | null | undefined
}

/**
 * A page of a group's events (one FilterLogEvents answer, in time order, never empty) as the API sent
 * them: what `Logs.eventPages` yields for a reader that goes through events by the hundred thousand
 * (`aegea logs GROUP`) and needs no `LogEvent`, with its Date, for each.
 */
export interface EventPage {
  readonly group: string
  readonly events: ReadonlyArray<PageEvent>
  /**
   * The page's lines, when `eventPages` was asked for them (`EventPagesOptions.lines`) and the layer
   * made them as it read the answer: what `pageLinesText(page, options.lines)` (src/lib/logLines.ts)
   * returns, and how many events they are. Without them, format `events`.
   */
  readonly lines?: EventPageLines | undefined
}

/** The lines of an `EventPage` as the layer made them from the answer (`EventPage.lines`): their text, count and, made from bytes, UTF-8 bytes. */
export interface EventPageLines {
  /** The lines, joined by "\n", without a line break after the last. */
  readonly text: string
  /**
   * The same lines as UTF-8 bytes with a "\n" after the last, when the layer made them from the
   * answer's bytes (then `text` is decoded from them when first read): for `Output.textBytes`.
   */
  readonly bytes?: Uint8Array | undefined
  readonly count: number
}

/** How `Logs.eventPages` reads its pages. */
export interface EventPagesOptions {
  /**
   * The line options of a reader that prints the pages with `pageLinesText`: the live layer may then
   * make each page's lines (`EventPage.lines`) straight from the answer's JSON text, with no record per
   * event, and read `events` from that text only when they are asked for.
   */
  readonly lines?: { readonly showGroup: boolean; readonly color: boolean } | undefined
}

/** The milliseconds `new Date(timestamp ?? 0)` holds (NaN for an invalid date), without making the Date. */
export const pageEventTime = (timestamp: PageEvent["timestamp"]): number =>
  typeof timestamp === "number"
    ? (Number.isFinite(timestamp) && Math.abs(timestamp) <= 8.64e15 ? Math.trunc(timestamp) + 0 : Number.NaN)
    : new Date(timestamp ?? 0).getTime()

/** The `LogEvent`s of a page: what `Logs.events` yields for the same events. */
export const logEventsOf = (page: EventPage): Array<LogEvent> =>
  page.events.map((e) => {
    const stream = e.logStreamName ?? ""
    const id = e.eventId ?? `${stream}/${e.timestamp ?? 0}/${e.ingestionTime ?? 0}`
    const timestamp = new Date(e.timestamp ?? 0)
    const message = e.message ?? ""
    return e.ingestionTime === undefined || e.ingestionTime === null
      ? { id, group: page.group, stream, timestamp, message }
      : { id, group: page.group, stream, timestamp, ingested: new Date(e.ingestionTime), message }
  })

/** What `Logs.events` reads: a group, streams, a time range and a filter pattern. */
export interface EventQuery {
  readonly group: string
  /** Exact stream names; all streams when empty. */
  readonly streams?: ReadonlyArray<string>
  readonly streamPrefix?: string
  readonly start?: Date
  readonly end?: Date
  /** CloudWatch filter pattern syntax. */
  readonly filterPattern?: string
}

/** The status of a Logs Insights query. */
export type QueryStatus = "Scheduled" | "Running" | "Complete" | "Failed" | "Cancelled" | "Timeout" | "Unknown"

/** A Logs Insights query: the groups, the query text and a time range. */
export interface InsightsQuery {
  readonly groups: ReadonlyArray<string>
  /** Logs Insights query language, e.g. `fields @timestamp, @message | filter @message like /ERROR/`. */
  readonly query: string
  readonly start: Date
  readonly end: Date
  readonly limit?: number
}

/** One result row: field name -> value, as Insights returns them (e.g. "@timestamp", "@logStream", "@message", "@ptr"). */
export type QueryRow = Readonly<Record<string, string>>

/** A Logs Insights query's status, rows and statistics so far. */
export interface QueryResults {
  readonly status: QueryStatus
  readonly rows: ReadonlyArray<QueryRow>
}

/** The status of a CloudWatch Logs export task. */
export type ExportStatus = "PENDING" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED" | "PENDING_CANCEL"

/** What `Logs.createExportTask` exports: a group's events in a time range, to an S3 bucket and prefix. */
export interface ExportRequest {
  readonly group: string
  readonly start: Date
  readonly end: Date
  readonly bucket: string
  /** Key prefix; AWS writes objects under `<prefix>/<taskId>/<stream>/NNNNNN.gz`. */
  readonly prefix: string
  readonly streamPrefix?: string
  readonly taskName?: string
}

/** A CloudWatch Logs export task: its group, destination and status. */
export interface ExportTask {
  readonly id: string
  readonly group: string
  readonly status: ExportStatus
  /** Why the task is in its status (set for FAILED/CANCELLED). */
  readonly statusMessage: string | undefined
  readonly bucket: string
  readonly prefix: string
}

/** The events before and after a matching event in its stream (for `grep -C`). */
export interface EventContext {
  readonly before: ReadonlyArray<LogEvent>
  readonly after: ReadonlyArray<LogEvent>
}

/** One page of a single stream read forward with GetLogEvents; pass `nextToken` back to continue. */
export interface StreamPage {
  readonly events: ReadonlyArray<LogEvent>
  readonly nextToken: string | undefined
}

/**
 * CloudWatch Logs: groups, streams, events (filtered or read forward), Insights queries, export tasks. Live:
 * `LogsLive`; in memory: `LogsMemory`.
 */
export class Logs extends Context.Service<Logs, {
  readonly groups: (options?: { readonly prefix?: string }) => Stream.Stream<LogGroup, AwsError>
  /** Streams of a group, most recent event first. */
  readonly streams: (group: string, options?: { readonly prefix?: string }) => Stream.Stream<LogStream, AwsError>
  /** Events across streams (FilterLogEvents), all pages, in time order. */
  readonly events: (query: EventQuery) => Stream.Stream<LogEvent, AwsError>
  /**
   * The same events as `events`, a page at a time as the API sent them (`EventPage`: no `LogEvent` and
   * no Date per event; empty pages left out), for readers of many events that format them directly.
   */
  readonly eventPages: (query: EventQuery, options?: EventPagesOptions) => Stream.Stream<EventPage, AwsError>
  /**
   * Read one stream forward from `token` (or from the head / `start` when undefined). Re-reading with
   * the returned token yields only new events; AWS returns the same token when there are none.
   */
  readonly readStream: (
    group: string,
    stream: string,
    options?: { readonly token?: string | undefined; readonly start?: Date }
  ) => Effect.Effect<StreamPage, AwsError>
  /** Create the group if it does not exist (idempotent); optional retention in days. */
  readonly ensureGroup: (group: string, options?: { readonly retentionDays?: number }) => Effect.Effect<void, AwsError>
  /** Up to `count` events of a stream just before and just after an event (for `grep -C`). */
  readonly around: (event: LogEvent, count: number) => Effect.Effect<EventContext, AwsError>
  /** Start a Logs Insights query; returns its id. Malformed queries fail with AwsInvalidRequest. */
  readonly startQuery: (query: InsightsQuery) => Effect.Effect<string, AwsError>
  /** The query's status and the rows found so far. */
  readonly queryResults: (queryId: string) => Effect.Effect<QueryResults, AwsError>
  /** Stop a running query (no error if it already finished). */
  readonly stopQuery: (queryId: string) => Effect.Effect<void, AwsError>
  /** CreateExportTask: copy a group's events in a time range to S3; returns the task id. */
  readonly createExportTask: (request: ExportRequest) => Effect.Effect<string, AwsError>
  readonly describeExportTask: (taskId: string) => Effect.Effect<ExportTask, AwsError>
}>()("aegea/Logs") {}

/**
 * The `count` events after `event`, given the events of its stream read forward from its timestamp:
 * skips events up to and including the match itself (same timestamp and message).
 */
export const afterMatch = (event: LogEvent, fromTimestamp: ReadonlyArray<LogEvent>, count: number): ReadonlyArray<LogEvent> => {
  const index = fromTimestamp.findIndex((e) => e.timestamp.getTime() === event.timestamp.getTime() && e.message === event.message)
  return fromTimestamp.slice(index + 1).slice(0, count)
}
