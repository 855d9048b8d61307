/**
 * An in-memory CloudWatch Logs for tests: seedable groups/streams/events, small pages on request,
 * events that "arrive" later (`LogsMemoryState.putEvents`), Insights queries that run for a while on
 * Effect's Clock (TestClock in tests), and export tasks that write gzipped objects into S3Memory when
 * it is provided underneath (`LogsMemory.layer(seed).pipe(Layer.provideMerge(S3Memory.layer()))`).
 */
import { gzipSync } from "node:zlib"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest, AwsNotFound, AwsThrottled } from "../errors.ts"
import {
  afterMatch,
  type EventQuery,
  type ExportStatus,
  type ExportTask,
  type LogEvent,
  Logs,
  type PageEvent,
  type QueryRow,
  type QueryStatus
} from "../services/Logs.ts"
import { S3MemoryState } from "./S3Memory.ts"
import { matchesFilterPattern, parseInsightsQuery, runInsightsQuery } from "./logsMemoryQuery.ts"

/** A log event that exists from the start: its time and message. */
export interface SeedEvent {
  readonly timestamp: Date | number
  readonly message: string
}

/**
 * What `LogsMemory` starts with and how it behaves: groups, streams and events, retention, paging, how Insights
 * queries and exports end, deterministic ids.
 */
export interface LogsSeed {
  readonly region?: string
  readonly accountId?: string
  /** group -> stream -> events (in arrival order). */
  readonly groups?: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<SeedEvent>>>>>
  readonly retentionDays?: Readonly<Record<string, number>>
  /** Page size of every listing and read (default 50; 2 exercises pagination). */
  readonly pageSize?: number
  /** How long an Insights query runs before it ends (default 0: done at the first poll). */
  readonly queryDuration?: Duration.Input
  /** How queries end (default "Complete"). */
  readonly queryOutcome?: Extract<QueryStatus, "Complete" | "Failed" | "Cancelled" | "Timeout">
  /** How long an export task runs (default 0). */
  readonly exportDuration?: Duration.Input
  /** Make export tasks end FAILED or CANCELLED with this message. */
  readonly exportOutcome?: { readonly status: Extract<ExportStatus, "FAILED" | "CANCELLED">; readonly message: string }
  /**
   * Generated ids (events, queries, export tasks) count from this number in this layer (default 0),
   * so they do not depend on other layers or on test order.
   */
  readonly idSeed?: number
}

/** A Logs Insights query `LogsMemory` was asked to run, and whether it was stopped. */
export interface MemoryQuery {
  readonly id: string
  readonly query: string
  readonly groups: ReadonlyArray<string>
  readonly stopped: boolean
}

/** Inspect and change the in-memory state from a test. */
export class LogsMemoryState extends Context.Service<LogsMemoryState, {
  /** Append events to a stream (creating the group and stream if needed), ingested now on the Clock. */
  readonly putEvents: (group: string, stream: string, events: ReadonlyArray<SeedEvent>) => Effect.Effect<void>
  /** Every API-like call made, e.g. "FilterLogEvents", "StopQuery". */
  readonly calls: Effect.Effect<ReadonlyArray<string>>
  readonly queries: Effect.Effect<ReadonlyArray<MemoryQuery>>
  /** The next `times` FilterLogEvents/GetLogEvents calls fail with ThrottlingException. */
  readonly throttle: (times: number) => Effect.Effect<void>
}>()("aegea/testing/LogsMemoryState") {}

interface StoredEvent {
  readonly id: string
  readonly timestamp: number
  readonly ingested: number
  readonly message: string
}
interface StoredStream {
  readonly created: number
  readonly events: ReadonlyArray<StoredEvent>
}
interface StoredGroup {
  readonly created: number
  readonly retentionDays: number | undefined
  readonly streams: ReadonlyMap<string, StoredStream>
}
interface StoredQuery extends MemoryQuery {
  readonly endsAt: number
  readonly rows: ReadonlyArray<QueryRow>
}
interface StoredExport extends ExportTask {
  readonly endsAt: number
}

const toMs = (t: Date | number) => (typeof t === "number" ? t : t.getTime())
const millis = (d: Duration.Input | undefined) => Duration.toMillis(Duration.fromInputUnsafe(d ?? 0))
const iso = (ms: number) => new Date(ms).toISOString()

/** `Logs` in memory, with `LogsMemoryState`: filter patterns and a Logs Insights subset are understood. */
export const LogsMemory = {
  layer: (seed: LogsSeed = {}): Layer.Layer<Logs | LogsMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const accountId = seed.accountId ?? "123456789012"
        const pageSize = seed.pageSize ?? 50
        let counter = seed.idSeed ?? 0
        const s3 = yield* Effect.serviceOption(S3MemoryState)
        const now = Clock.currentTimeMillis
        const t0 = yield* now
        const stored = (ingested: number, e: SeedEvent): StoredEvent => ({
          id: `event-${++counter}`,
          timestamp: toMs(e.timestamp),
          ingested,
          message: e.message
        })
        const initial = new Map<string, StoredGroup>()
        for (const [group, streams] of Object.entries(seed.groups ?? {})) {
          initial.set(group, {
            created: t0,
            retentionDays: seed.retentionDays?.[group],
            streams: new Map(Object.entries(streams).map(([name, events]) => [name, { created: t0, events: events.map((e) => stored(t0, e)) }]))
          })
        }
        const store = yield* Ref.make<ReadonlyMap<string, StoredGroup>>(initial)
        const queries = yield* Ref.make<ReadonlyArray<StoredQuery>>([])
        const exports = yield* Ref.make<ReadonlyArray<StoredExport>>([])
        const calls = yield* Ref.make<ReadonlyArray<string>>([])
        const throttled = yield* Ref.make(0)
        const record = (op: string) => Ref.update(calls, (c) => [...c, op])
        const fields = (operation: string, action: string) => ({ action, service: "CloudWatch Logs", operation, region })

        const notFound = (operation: string, action: string, what: string) =>
          new AwsNotFound({ ...fields(operation, action), code: "ResourceNotFoundException", awsMessage: `The specified ${what} does not exist.` })
        const invalid = (operation: string, action: string, code: string, awsMessage: string) =>
          new AwsInvalidRequest({ ...fields(operation, action), code, awsMessage })
        const maybeThrottle = (operation: string, action: string) =>
          Effect.flatMap(Ref.getAndUpdate(throttled, (n) => Math.max(0, n - 1)), (n) =>
            n > 0
              ? Effect.fail(new AwsThrottled({ ...fields(operation, action), code: "ThrottlingException", awsMessage: "Rate exceeded" }))
              : Effect.void)
        const group = (name: string, operation: string, action: string) =>
          Effect.flatMap(Ref.get(store), (all) => {
            const g = all.get(name)
            return g ? Effect.succeed(g) : Effect.fail(notFound(operation, action, "log group"))
          })
        const toEvent = (groupName: string, stream: string) => (e: StoredEvent): LogEvent => ({
          id: e.id,
          group: groupName,
          stream,
          timestamp: new Date(e.timestamp),
          ingested: new Date(e.ingested),
          message: e.message
        })
        /** Pages of a list computed afresh for every page (as AWS does), offset tokens. */
        const pages = <A, E>(op: string, items: Effect.Effect<ReadonlyArray<A>, E>) =>
          Stream.paginate(0, (offset: number) =>
            record(op).pipe(
              Effect.andThen(items),
              Effect.map((all) => [
                all.slice(offset, offset + pageSize),
                offset + pageSize < all.length ? Option.some(offset + pageSize) : Option.none()
              ] as const)
            ))

        const putEvents = (groupName: string, stream: string, events: ReadonlyArray<SeedEvent>) =>
          Effect.flatMap(now, (ingested) =>
            Ref.update(store, (all) => {
              const g = all.get(groupName) ?? { created: ingested, retentionDays: undefined, streams: new Map() }
              const s = g.streams.get(stream) ?? { created: ingested, events: [] }
              const streams = new Map(g.streams).set(stream, { ...s, events: [...s.events, ...events.map((e) => stored(ingested, e))] })
              return new Map(all).set(groupName, { ...g, streams })
            }))

        const allEvents = (groupName: string, operation: string, action: string) =>
          Effect.map(group(groupName, operation, action), (g) =>
            [...g.streams.entries()].flatMap(([stream, s]) => s.events.map(toEvent(groupName, stream))))

        /** The events FilterLogEvents finds for `q`, in time order (computed afresh for every page, as AWS does). */
        const filtered = (q: EventQuery) => {
          const action = `read the events of log group ${q.group}`
          return maybeThrottle("FilterLogEvents", action).pipe(
            Effect.andThen(allEvents(q.group, "FilterLogEvents", action)),
            Effect.map((events) =>
              events
                .filter((e) =>
                  (q.streams === undefined || q.streams.length === 0 || q.streams.includes(e.stream)) &&
                  e.stream.startsWith(q.streamPrefix ?? "") &&
                  (q.start === undefined || e.timestamp >= q.start) &&
                  (q.end === undefined || e.timestamp <= q.end) &&
                  matchesFilterPattern(q.filterPattern, e.message)
                )
                .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
            )
          )
        }

        const logs = Logs.of({
          groups: (options = {}) =>
            pages(
              "DescribeLogGroups",
              Effect.map(Ref.get(store), (all) =>
                [...all.entries()]
                  .filter(([name]) => name.startsWith(options.prefix ?? ""))
                  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                  .map(([name, g]) => ({
                    name,
                    storedBytes: [...g.streams.values()].reduce(
                      (sum, s) => sum + s.events.reduce((n, e) => n + Buffer.byteLength(e.message), 0),
                      0
                    ),
                    ...(g.retentionDays !== undefined ? { retentionDays: g.retentionDays } : {}),
                    created: new Date(g.created),
                    arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`
                  })))
            ),
          streams: (groupName, options = {}) =>
            pages(
              "DescribeLogStreams",
              Effect.map(group(groupName, "DescribeLogStreams", `list the streams of log group ${groupName}`), (g) => {
                const all = [...g.streams.entries()].map(([name, s]) => {
                  const times = s.events.map((e) => e.timestamp)
                  return {
                    name,
                    created: new Date(s.created),
                    ...(times.length > 0 ? { firstEvent: new Date(Math.min(...times)), lastEvent: new Date(Math.max(...times)) } : {}),
                    storedBytes: s.events.reduce((n, e) => n + Buffer.byteLength(e.message), 0)
                  }
                })
                return options.prefix !== undefined
                  ? all.filter((s) => s.name.startsWith(options.prefix!)).sort((a, b) => (a.name < b.name ? -1 : 1))
                  : all.sort((a, b) => (b.lastEvent?.getTime() ?? 0) - (a.lastEvent?.getTime() ?? 0))
              })
            ),
          events: (q) => pages("FilterLogEvents", filtered(q)),
          eventPages: (q) =>
            // The pages `events` reads, each as the API's records (one element per non-empty page).
            Stream.paginate(0, (offset: number) =>
              record("FilterLogEvents").pipe(
                Effect.andThen(filtered(q)),
                Effect.map((all) => {
                  const events = all.slice(offset, offset + pageSize).map((e): PageEvent => ({
                    logStreamName: e.stream,
                    timestamp: e.timestamp.getTime(),
                    message: e.message,
                    ...(e.ingested !== undefined ? { ingestionTime: e.ingested.getTime() } : {}),
                    eventId: e.id
                  }))
                  return [
                    events.length > 0 ? [{ group: q.group, events }] : [],
                    offset + pageSize < all.length ? Option.some(offset + pageSize) : Option.none()
                  ] as const
                })
              )),
          readStream: (groupName, stream, options = {}) =>
            Effect.gen(function*() {
              const action = `read log stream ${stream} of log group ${groupName}`
              yield* record("GetLogEvents")
              yield* maybeThrottle("GetLogEvents", action)
              const s = (yield* group(groupName, "GetLogEvents", action)).streams.get(stream)
              if (!s) return yield* notFound("GetLogEvents", action, "log stream")
              const from = options.token !== undefined ? Number(options.token.slice(2)) : 0
              const slice = s.events.slice(from, from + pageSize)
              const start = options.token === undefined ? options.start?.getTime() : undefined
              return {
                events: slice.filter((e) => start === undefined || e.timestamp >= start).map(toEvent(groupName, stream)),
                nextToken: `f/${from + slice.length}`
              }
            }),
          around: (event, count) =>
            Effect.gen(function*() {
              yield* record("GetLogEvents")
              const s = (yield* group(event.group, "GetLogEvents", `read the context of an event`)).streams.get(event.stream)
              const sorted = [...(s?.events ?? [])].sort((a, b) => a.timestamp - b.timestamp).map(toEvent(event.group, event.stream))
              const t = event.timestamp.getTime()
              return {
                before: sorted.filter((e) => e.timestamp.getTime() < t).slice(-count),
                after: afterMatch(event, sorted.filter((e) => e.timestamp.getTime() >= t), count)
              }
            }),
          ensureGroup: (groupName, options = {}) =>
            Effect.gen(function*() {
              yield* record("CreateLogGroup")
              const created = yield* now
              yield* Ref.update(store, (all) => {
                const g = all.get(groupName) ?? { created, retentionDays: undefined, streams: new Map() }
                return new Map(all).set(groupName, { ...g, retentionDays: options.retentionDays ?? g.retentionDays })
              })
            }),
          startQuery: (q) =>
            Effect.gen(function*() {
              const action = `start a Logs Insights query on ${q.groups.join(", ")}`
              yield* record("StartQuery")
              const parsed = parseInsightsQuery(q.query)
              if (typeof parsed === "string") return yield* invalid("StartQuery", action, "MalformedQueryException", parsed)
              const events: Array<LogEvent> = []
              for (const g of q.groups) events.push(...(yield* allEvents(g, "StartQuery", action)))
              const inRange = events.filter((e) => e.timestamp >= q.start && e.timestamp <= q.end)
              const id = `query-${++counter}`
              const started = yield* now
              yield* Ref.update(queries, (all) => [...all, {
                id,
                query: q.query,
                groups: q.groups,
                stopped: false,
                endsAt: started + millis(seed.queryDuration),
                rows: runInsightsQuery(parsed, inRange, accountId, q.limit)
              }])
              return id
            }),
          queryResults: (queryId) =>
            Effect.gen(function*() {
              yield* record("GetQueryResults")
              const q = (yield* Ref.get(queries)).find((x) => x.id === queryId)
              if (!q) return yield* invalid("GetQueryResults", `get the results of query ${queryId}`, "InvalidParameterException", "unknown query id")
              const t = yield* now
              const status: QueryStatus = q.stopped ? "Cancelled" : t < q.endsAt ? "Running" : seed.queryOutcome ?? "Complete"
              return { status, rows: status === "Complete" || status === "Running" ? q.rows : [] }
            }),
          stopQuery: (queryId) =>
            Effect.gen(function*() {
              yield* record("StopQuery")
              yield* Ref.update(queries, (all) => all.map((q) => (q.id === queryId ? { ...q, stopped: true } : q)))
            }),
          createExportTask: (r) =>
            Effect.gen(function*() {
              const action = `export log group ${r.group} to s3://${r.bucket}/${r.prefix}`
              yield* record("CreateExportTask")
              const events = (yield* allEvents(r.group, "CreateExportTask", action)).filter((e) =>
                e.timestamp >= r.start && e.timestamp <= r.end && e.stream.startsWith(r.streamPrefix ?? "")
              )
              const id = `export-${++counter}`
              if (Option.isSome(s3)) {
                if (Option.isNone(yield* s3.value.bucket(r.bucket))) {
                  return yield* invalid("CreateExportTask", action, "InvalidParameterException", "The given bucket does not exist.")
                }
                yield* s3.value.putObject(r.bucket, `${r.prefix}/aws-logs-write-test`, new TextEncoder().encode("Permission Check Successful"))
                const streams = [...new Set(events.map((e) => e.stream))]
                for (const stream of streams) {
                  const lines = events.filter((e) => e.stream === stream).sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
                    .map((e) => `${iso(e.timestamp.getTime())} ${e.message}\n`).join("")
                  yield* s3.value.putObject(r.bucket, `${r.prefix}/${id}/${stream}/000000.gz`, gzipSync(lines))
                }
              }
              const endsAt = (yield* now) + millis(seed.exportDuration)
              yield* Ref.update(exports, (all) => [...all, {
                id,
                group: r.group,
                status: "PENDING" as const,
                statusMessage: undefined,
                bucket: r.bucket,
                prefix: r.prefix,
                endsAt
              }])
              return id
            }),
          describeExportTask: (taskId) =>
            Effect.gen(function*() {
              yield* record("DescribeExportTasks")
              const task = (yield* Ref.get(exports)).find((t) => t.id === taskId)
              if (!task) return yield* notFound("DescribeExportTasks", `describe export task ${taskId}`, "export task")
              const t = yield* now
              const { endsAt, ...rest } = task
              if (t < endsAt) return { ...rest, status: "RUNNING" as const, statusMessage: "Export task is running" }
              return seed.exportOutcome
                ? { ...rest, status: seed.exportOutcome.status, statusMessage: seed.exportOutcome.message }
                : { ...rest, status: "COMPLETED" as const, statusMessage: "Completed successfully" }
            })
        })
        const state = LogsMemoryState.of({
          putEvents,
          calls: Ref.get(calls),
          queries: Effect.map(Ref.get(queries), (all) => all.map(({ id, query, groups, stopped }) => ({ id, query, groups, stopped }))),
          throttle: (times) => Ref.set(throttled, times)
        })
        return Context.make(Logs, logs).pipe(Context.add(LogsMemoryState, state))
      })
    )
}
