/**
 * Running a Logs Insights query to the end: the query is a scoped resource (StopQuery on
 * interruption or failure), GetQueryResults is polled on a Schedule until the status is final.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import { type AwsError, OperationFailed } from "../errors.ts"
import type { InsightsQuery, LogEvent, Logs, QueryResults, QueryRow, QueryStatus } from "../services/Logs.ts"
import { pollUntil } from "../services/Polling.ts"

type QueryApi = Pick<Logs["Service"], "startQuery" | "queryResults" | "stopQuery">

const running = new Set<QueryStatus>(["Scheduled", "Running"])

/** How `runInsightsQuery` reports a query still running (`onProgress`, after each poll). */
export interface RunQueryOptions {
  /** Called after each poll that is still running (progress on a TTY). */
  readonly onProgress?: (results: QueryResults, polls: number) => Effect.Effect<void>
}

/**
 * Run a CloudWatch Logs Insights query to its results, polling until it completes (stopped if
 * interrupted or failed).
 */
export const runInsightsQuery = (
  logs: QueryApi,
  query: InsightsQuery,
  options: RunQueryOptions = {}
): Effect.Effect<ReadonlyArray<QueryRow>, AwsError | OperationFailed> =>
  Effect.scoped(
    Effect.gen(function*() {
      const queryId = yield* Effect.acquireRelease(
        logs.startQuery(query),
        (id, exit) => (Exit.isSuccess(exit) ? Effect.void : Effect.ignore(logs.stopQuery(id)))
      )
      let polls = 0
      const results = yield* logs.queryResults(queryId).pipe(
        Effect.tap((r) => {
          polls++
          return running.has(r.status) && options.onProgress ? options.onProgress(r, polls) : Effect.void
        }),
        (e) => pollUntil(e, "query", (r) => !running.has(r.status))
      )
      if (running.has(results.status)) {
        return yield* new OperationFailed({
          message: `Logs Insights query ${queryId} on ${query.groups.join(", ")} was still running after 20 minutes`,
          hint: "Narrow the query's time range",
          remedy: "time-range"
        })
      }
      if (results.status !== "Complete") {
        return yield* new OperationFailed({
          message: `Logs Insights query ${queryId} on ${query.groups.join(", ")} ended with status ${results.status}`,
          ...(results.status === "Timeout" ? { hint: "Narrow the query's time range", remedy: "time-range" as const } : {})
        })
      }
      return results.rows
    })
  )

/**
 * A match with its context: consecutive events of one stream (`before` events, the match, `after`
 * events), and the stream's events just outside that run when known (to tell adjacent runs apart
 * from separate ones, as GNU grep does with line numbers).
 */
export interface ContextBlock {
  readonly events: ReadonlyArray<LogEvent>
  readonly previous?: LogEvent | undefined
  readonly next?: LogEvent | undefined
}

/**
 * The identity of an event across reads: group, stream, timestamp and message (Insights' @ptr and
 * GetLogEvents' synthetic ids differ for the same event). Two identical lines logged in the same
 * millisecond of one stream count as one.
 */
export const eventKey = (e: LogEvent): string => JSON.stringify([e.group, e.stream, e.timestamp.getTime(), e.message])

const sameStream = (a: ContextBlock, b: ContextBlock) =>
  a.events[0]!.group === b.events[0]!.group && a.events[0]!.stream === b.events[0]!.stream

const is = (e: LogEvent | undefined, other: LogEvent | undefined) =>
  e !== undefined && other !== undefined && eventKey(e) === eventKey(other)

/** `b` continues `a`: it starts inside `a` or right after `a`'s last event. */
const continues = (a: ContextBlock, b: ContextBlock): boolean => {
  const last = a.events[a.events.length - 1]
  const first = b.events[0]
  return a.events.some((e) => is(e, first)) || is(a.next, first) || is(last, b.previous)
}

/** The union of two runs of one stream where `b` continues `a`. */
const join = (a: ContextBlock, b: ContextBlock): ContextBlock => {
  const last = a.events[a.events.length - 1]!
  const index = b.events.findIndex((e) => is(e, last))
  if (index >= 0) return { events: [...a.events, ...b.events.slice(index + 1)], previous: a.previous, next: b.next }
  if (a.events.some((e) => is(e, b.events[0]))) return a // b lies within a
  return { events: [...a.events, ...b.events], previous: a.previous, next: b.next }
}

/** The union of two runs of one stream when they overlap or are adjacent; undefined otherwise. */
const merge = (a: ContextBlock, b: ContextBlock): ContextBlock | undefined =>
  !sameStream(a, b) ? undefined : continues(a, b) ? join(a, b) : continues(b, a) ? join(b, a) : undefined

/**
 * GNU grep's context groups: every event once, runs of one stream that overlap or touch merged into
 * one group, groups in the order of their first match (print them separated by `--`). Runs of
 * different streams are never merged.
 */
export const mergeContext = (blocks: ReadonlyArray<ContextBlock>): ReadonlyArray<ReadonlyArray<LogEvent>> => {
  const groups: Array<ContextBlock> = []
  for (const block of blocks) {
    if (block.events.length === 0) continue
    let current = block
    let at = -1
    // A block may bridge several earlier groups: merge until none touches it (bounded by the group count).
    for (let i = 0; i < groups.length;) {
      const merged = merge(groups[i]!, current)
      if (merged === undefined) {
        i++
        continue
      }
      current = merged
      if (at === -1) {
        at = i
        i++
      } else {
        groups.splice(i, 1)
      }
      groups[at] = current
    }
    if (at === -1) groups.push(current)
  }
  return groups.map((g) => g.events)
}

/**
 * A match and up to `before`/`after` events of its stream around it, with one more event each side
 * (when there is one) as `previous`/`next`. The match itself is dropped from what `around` read
 * (moto's GetLogEvents, unlike AWS, includes events at its endTime).
 */
export const contextBlock = (
  logs: Pick<Logs["Service"], "around">,
  match: LogEvent,
  before: number,
  after: number
): Effect.Effect<ContextBlock, AwsError> =>
  logs.around(match, Math.max(before, after) + 2).pipe(
    Effect.map((around) => {
      const key = eventKey(match)
      const earlier = around.before.filter((e) => eventKey(e) !== key)
      const later = around.after.filter((e) => eventKey(e) !== key)
      const shownBefore = before > 0 ? earlier.slice(-before) : []
      return {
        events: [...shownBefore, match, ...later.slice(0, after)],
        previous: earlier[earlier.length - shownBefore.length - 1],
        next: later[after]
      }
    })
  )
