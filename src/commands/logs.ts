/**
 * `aegea logs`: list log groups, list a group's streams, print or follow events. `aegea logs export`
 * is in ./logsExport.ts.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { LogsJsonLive } from "../layers/LogsJsonLive.ts"
import { OperationFailed } from "../errors.ts"
import { parseTimeRange } from "../lib/timeExpr.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Logs } from "../services/Logs.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { describeColumns } from "../lib/table.ts"
import { awsService, BaseLayer } from "./global.ts"
import { eventTable, missingGroup, printGroupEvents, resolveGroups } from "./logGroups.ts"
import { timestamp } from "../lib/progress.ts"
import { logsExportCommand } from "./logsExport.ts"

export const LogsLayer = awsService(Logs, LogsJsonLive).pipe(Layer.provideMerge(BaseLayer))

const groupTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "storedBytes", header: "STORED", kind: "bytes" },
    { key: "retentionDays", header: "RETENTION (DAYS)", kind: "number" },
    { key: "created", kind: "time" }
  ],
  kinds: { arn: "id" }
}

const streamTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "lastEvent", header: "LAST EVENT", kind: "time" },
    { key: "firstEvent", header: "FIRST EVENT", kind: "time" },
    { key: "created", kind: "time" }
  ],
  kinds: { storedBytes: "bytes" }
}

export const startTimeFlag = (defaultText: string) =>
  Flag.String("start-time").pipe(
    Flag.withDescription(
      `Only events at or after this time (default ${defaultText}): a time such as 2h (two hours ago), 2024-05-01, now, yesterday; see "Times" in the README.`
    ),
    Flag.optional
  )
export const endTimeFlag = Flag.String("end-time").pipe(
  Flag.withDescription("Only events at or before this time (default: now), in the same forms as --start-time; 1h is one hour ago, +1h one hour ahead."),
  Flag.optional
)

const group = Argument.String("group").pipe(
  Argument.withDescription(
    "A log group name; several separated by commas, or a name prefix ending in * (quote it). Without it, list the log groups."
  ),
  Argument.optional
)
const stream = Argument.String("stream").pipe(
  Argument.withDescription("Print the events of these streams only (all streams when none is given)."),
  Argument.variadic()
)
const follow = Flag.Boolean("follow").pipe(
  Flag.withAlias("f"),
  Flag.withDefault(false),
  Flag.withDescription("Keep printing new events as they arrive, until Ctrl-C (or until --end-time passes).")
)
const filter = Flag.String("filter").pipe(
  Flag.withDescription("Only events matching this CloudWatch filter pattern, e.g. ERROR, \"exact phrase\", ?ERROR ?WARN, or { $.level = \"error\" }."),
  Flag.optional
)

export const logsFlags = { group, stream, startTime: startTimeFlag("24h ago; 1m ago with --follow"), endTime: endTimeFlag, follow, filter }

/**
 * What `aegea logs` does (and `aegea filter`, the Python aegea's spelling). `noEventsExit`: when no
 * event was printed (without --follow), fail with this exit code instead of the info line.
 */
export const logsProgram = (raw: Command.Command.Config.Infer<typeof logsFlags>, options: { readonly noEventsExit?: number } = {}) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const output = yield* Output
    const config = yield* AegeaConfig
    if (Option.isNone(raw.group)) return yield* output.table(yield* Stream.runCollect(logs.groups()), groupTable)
    const wantsEvents = raw.stream.length > 0 || raw.follow || Option.isSome(raw.startTime) || Option.isSome(raw.endTime) ||
      Option.isSome(raw.filter)
    const groupSpec = raw.group.value
    if (!wantsEvents) {
      // A prefix lists the matching groups; a single group lists its streams, newest first.
      if (groupSpec.endsWith("*") && !groupSpec.includes(",")) {
        return yield* output.table(yield* Stream.runCollect(logs.groups({ prefix: groupSpec.slice(0, -1) })), groupTable)
      }
      if (!groupSpec.includes(",")) {
        const streams = yield* Stream.runCollect(logs.streams(groupSpec)).pipe(
          Effect.catchTag("AwsNotFound", () => Effect.flatMap(missingGroup([groupSpec]), Effect.fail))
        )
        return yield* output.table(streams, streamTable)
      }
    }
    const input = withConfigDefaults(config.section("logs"), raw)
    const groups = yield* resolveGroups(groupSpec)
    const now = yield* Clock.currentTimeMillis
    const { start, end } = yield* parseTimeRange({
      start: Option.getOrElse(input.startTime, () => (input.follow ? "1m" : "24h")),
      end: Option.getOrUndefined(input.endTime)
    }, now)
    const printed = yield* printGroupEvents({
      groups,
      streams: input.stream,
      filterPattern: Option.getOrUndefined(input.filter),
      start,
      end,
      follow: input.follow
    })
    if (!input.follow && printed === 0) {
      const filtered = Option.isSome(input.filter) ? ` matching ${input.filter.value}` : ""
      const streams = input.stream.length > 0 ? ` (stream ${input.stream.join(", ")})` : ""
      const message =
        `no log events in ${groups.join(", ")}${streams}${filtered} between ${timestamp(start.getTime())} and ${timestamp((end ?? new Date(now)).getTime())}`
      if (options.noEventsExit !== undefined) return yield* new OperationFailed({ message, exitCode: options.noEventsExit })
      yield* output.info(message)
    }
  }).pipe(Effect.withSpan("logs"))

const logsBase = Command.make("logs", logsFlags, (raw) => logsProgram(raw)).pipe(
  Command.withDescription(
    "CloudWatch Logs. Without GROUP, list the log groups. With GROUP alone, list its streams, newest first (a PREFIX* " +
      "lists matching groups). With STREAMs, or any of --start-time, --end-time, --filter or --follow, print events as " +
      "'timestamp stream message' lines across streams in time order (objects with --output json; one JSON object per " +
      "line when following). Unlike the Python aegea, events are read with FilterLogEvents, never through an S3 " +
      "export: use 'aegea logs export' for bulk." +
      `\n  Log groups: ${describeColumns(groupTable)}.\n  Streams: ${describeColumns(streamTable)}.\n  Events: ${describeColumns(eventTable)}.`
  ),
  Command.withShortDescription(
    "CloudWatch Logs. Without GROUP, list the log groups. With GROUP alone, list its streams, newest first (a PREFIX* " +
      "lists matching groups). With STREAMs, or any of --start-time, --end-time, --filter or --follow, print events as " +
      "'timestamp stream message' lines across streams in time order (objects with --output json; one JSON object per " +
      "line when following). Unlike the Python aegea, events are read with FilterLogEvents, never through an S3 " +
      "export: use 'aegea logs export' for bulk."
  ),
  Command.withExamples([
    { command: "aegea logs", description: "All log groups with their size and retention" },
    { command: "aegea logs /aws/batch/job", description: "The group's streams, most recent first" },
    { command: "aegea logs /aws/batch/job --start-time 2h --filter ERROR", description: "Errors of the last two hours" },
    { command: "aegea logs /aws/batch/job my-job/default/0123 --start-time 2024-05-01", description: "One stream since a date" },
    { command: "aegea logs '/aws/lambda/*' --follow", description: "Follow every Lambda function's logs" }
  ])
)

export const logsCommand = logsBase.pipe(Command.provide(LogsLayer), Command.withSubcommands([logsExportCommand]))
