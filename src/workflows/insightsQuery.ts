/**
 * Running a Logs Insights query to the end: the query is a scoped resource (StopQuery on
 * interruption or failure), GetQueryResults is polled on a Schedule until the status is final.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import { type AwsError, OperationFailed } from "../errors.ts"
import { queryPoll } from "../lib/schedules.ts"
import type { InsightsQuery, Logs, QueryResults, QueryRow, QueryStatus } from "../services/Logs.ts"

type QueryApi = Pick<Logs["Service"], "startQuery" | "queryResults" | "stopQuery">

const running = new Set<QueryStatus>(["Scheduled", "Running"])

/** Poll every second (as the Python aegea does); give up after 20 minutes (AWS itself stops queries at 60). */
export const queryPolling = queryPoll

export interface RunQueryOptions {
  /** Called after each poll that is still running (progress on a TTY). */
  readonly onProgress?: (results: QueryResults, polls: number) => Effect.Effect<void>
}

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
        Effect.repeat({ schedule: queryPolling, until: (r) => !running.has(r.status) })
      )
      if (running.has(results.status)) {
        return yield* new OperationFailed({
          message: `Logs Insights query ${queryId} on ${query.groups.join(", ")} was still running after 20 minutes`,
          hint: "Narrow the time range with --start-time/--end-time"
        })
      }
      if (results.status !== "Complete") {
        return yield* new OperationFailed({
          message: `Logs Insights query ${queryId} on ${query.groups.join(", ")} ended with status ${results.status}`,
          ...(results.status === "Timeout" ? { hint: "Narrow the time range with --start-time/--end-time" } : {})
        })
      }
      return results.rows
    })
  )
