/**
 * Following a unit of work (a Batch job, an ECS task) as a Stream of typed events: each poll's status,
 * its log lines, hints and the end. `Batch.watchJobEvents` and `Ecs.watchTaskEvents` are built on
 * `watchEvents`; filter the log lines with `isLogLine`.
 */
export { isLogLine, type Snapshot, type WatchEvent, watchEvents, type WatchOptions } from "../workflows/watchLoop.ts"
export { defaultPacing, type WatchPacing } from "../lib/schedules.ts"
