/**
 * CloudWatch Logs: groups, streams, events, Insights queries and exports (the `Logs` service and its
 * live layer), following a query's new events (`followEvents`) and running an Insights query to its
 * results (`runInsightsQuery`).
 */
export { LogsLive as layer } from "../layers/LogsLive.ts"
export {
  type EventContext,
  type EventPage,
  type EventPageLines,
  type EventQuery,
  type ExportRequest,
  type ExportStatus,
  type ExportTask,
  type InsightsQuery,
  LogEvent,
  logEventsOf,
  LogGroup,
  Logs,
  LogStream,
  type PageEvent,
  type QueryResults,
  type QueryRow,
  type QueryStatus,
  type StreamPage
} from "../services/Logs.ts"
export { type FollowOptions, followEvents } from "../workflows/followEvents.ts"
export { runInsightsQuery, type RunQueryOptions } from "../workflows/insightsQuery.ts"
