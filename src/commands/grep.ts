/**
 * `aegea grep PATTERN GROUP...`: search log groups with CloudWatch Logs Insights. Exit 0 with
 * matches, 1 without (like grep).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { contextBlock, mergeContext, runInsightsQuery } from "../workflows/insightsQuery.ts"
import { parseTimeRange } from "../lib/timeExpr.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { OperationFailed, UsageError } from "../errors.ts"
import { type LogEvent, Logs, type QueryRow } from "../services/Logs.ts"
import { Output } from "../services/Output.ts"
import { eventLine, eventTable, missingGroup, resolveGroups } from "./logGroups.ts"
import { endTimeFlag, LogsLayer, startTimeFlag } from "./logs.ts"

/** The most rows a Logs Insights query returns. */
const maxQueryLimit = 10_000

/** Escape text for an Insights /regex/ literal. */
export const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")

/** The Insights query for a plain-text pattern: newest `limit` matching events. */
export const patternQuery = (pattern: string, options: { readonly ignoreCase: boolean; readonly limit: number }) =>
  `fields @timestamp, @log, @logStream, @message | filter @message like /${options.ignoreCase ? "(?i)" : ""}${
    escapeRegex(pattern)
  }/ | sort @timestamp desc | limit ${options.limit}`

/**
 * "2024-05-01 12:00:00.000" (Insights, UTC) -> Date. Epoch milliseconds (as moto returns them) and
 * ISO strings are accepted too; anything unreadable becomes the epoch rather than an invalid date.
 */
export const insightsDate = (text: string | undefined): Date => {
  if (text === undefined || text === "") return new Date(0)
  const date = /^\d+$/.test(text)
    ? new Date(Number(text))
    : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`)
  return Number.isNaN(date.getTime()) ? new Date(0) : date
}

/** What `grep --query` prints for rows with no field to show (only @ptr). */
export const noFieldsMessage = (count: number) =>
  `${count} record${count === 1 ? "" : "s"}, no fields to show (add \`| fields @timestamp, @message\` to the query)`

/** A result row as an event, when it has the fields to be one. */
export const rowEvent = (row: QueryRow, groups: ReadonlyArray<string>): LogEvent | undefined => {
  if (row["@message"] === undefined) return undefined
  const log = row["@log"]
  const group = log !== undefined && log.includes(":") ? log.slice(log.indexOf(":") + 1) : groups[0] ?? ""
  return {
    id: row["@ptr"] ?? "",
    group,
    stream: row["@logStream"] ?? "",
    timestamp: insightsDate(row["@timestamp"]),
    message: row["@message"]
  }
}

const words = Argument.String("pattern-and-groups").pipe(
  Argument.withDescription(
    "The text to search for, then one or more log groups (a,b or PREFIX* also work); with --query, only the groups."
  ),
  Argument.variadic({ min: 1 })
)
const query = Flag.String("query").pipe(
  Flag.withDescription("Run this Logs Insights query as it is instead of searching for a pattern, e.g. 'filter @message like /ERROR/ | stats count() by bin(1h)'."),
  Flag.optional
)
const ignoreCase = Flag.Boolean("ignore-case").pipe(Flag.withAlias("i"), Flag.withDefault(false), Flag.withDescription("Match the pattern regardless of case."))
const limit = Flag.Int("limit").pipe(
  Flag.withDescription("Show at most this many matches, the newest (default 1000; at most 10000); a warning says when results stopped there."),
  Flag.optional
)
const contextFlag = (name: string, alias: string, what: string) =>
  Flag.Int(name).pipe(Flag.withAlias(alias), Flag.withDescription(`Also print this many events ${what} each match, from its stream; overlapping context is merged and groups are separated by --, as in GNU grep.`), Flag.optional)

export const grepCommand = Command.make(
  "grep",
  {
    words,
    query,
    ignoreCase,
    limit,
    startTime: startTimeFlag("7d ago"),
    endTime: endTimeFlag,
    context: contextFlag("context", "C", "before and after"),
    before: contextFlag("before-context", "B", "before"),
    after: contextFlag("after-context", "A", "after")
  },
  Effect.fn("grep")(function*(raw) {
    const logs = yield* Logs
    const output = yield* Output
    const input = withConfigDefaults((yield* AegeaConfig).section("grep"), raw)
    const pattern = Option.isSome(input.query) ? undefined : input.words[0]
    const groupSpecs: ReadonlyArray<string> = Option.isSome(input.query) ? input.words : input.words.slice(1)
    if (groupSpecs.length === 0) {
      return yield* new UsageError({ message: "no log group given", hint: "Usage: aegea grep PATTERN GROUP..., e.g. aegea grep ERROR /aws/batch/job" })
    }
    const max = Option.getOrElse(input.limit, () => 1000)
    if (!Number.isInteger(max) || max < 1 || max > 10000) {
      return yield* new UsageError({ message: `invalid value for --limit: ${max}`, hint: "Use a whole number from 1 to 10000" })
    }
    const before = Option.getOrElse(input.before, () => Option.getOrElse(input.context, () => 0))
    const after = Option.getOrElse(input.after, () => Option.getOrElse(input.context, () => 0))
    if (before < 0 || after < 0) {
      return yield* new UsageError({ message: `invalid context: ${Math.min(before, after)} events`, hint: "Use -A/-B/-C with 0 or more events" })
    }
    const now = yield* Clock.currentTimeMillis
    const range = yield* parseTimeRange({ start: Option.getOrElse(input.startTime, () => "7d"), end: Option.getOrUndefined(input.endTime) }, now)
    const start = range.start
    const end = range.end ?? new Date(now)
    const groups = (yield* Effect.forEach(groupSpecs, (spec) => resolveGroups(spec))).flat()
    // One row more than shown (within AWS's 10000) tells whether the results stopped at --limit.
    const queryLimit = Math.min(max + 1, maxQueryLimit)
    const queryText = Option.isSome(input.query) ? input.query.value : patternQuery(pattern!, { ignoreCase: input.ignoreCase, limit: queryLimit })
    const interactive = output.settings.width !== undefined
    const found = yield* runInsightsQuery(logs, { groups, query: queryText, start, end, limit: queryLimit }, {
      onProgress: (r, polls) => (interactive && polls % 5 === 0 ? output.info(`query ${r.status}: ${r.rows.length} matches so far`) : Effect.void)
    }).pipe(Effect.catchTag("AwsNotFound", () => Effect.flatMap(missingGroup(groups), Effect.fail)))
    const rows = found.slice(0, max)
    if (rows.length === 0) {
      return yield* new OperationFailed({
        message: `no matches in ${groups.join(", ")} between ${start.toISOString()} and ${end.toISOString()}`,
        exitCode: 1
      })
    }
    const limitReached = found.length > max || found.length === maxQueryLimit
      ? output.warn(`stopped at --limit ${max} ${Option.isSome(input.query) ? "rows" : "matches"}; raise --limit to see more`)
      : Effect.void
    const events = rows.map((row) => rowEvent(row, groups))
    const table = output.settings.format === "table"
    if (events.some((e) => e === undefined)) {
      // A raw query that does not return @message (e.g. stats): print its rows as they are.
      const fields = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((k) => k !== "@ptr")
      if (fields.length === 0) {
        // Nothing but @ptr (e.g. a query without `fields`): say so rather than print blank rows.
        if (table) yield* output.text(noFieldsMessage(rows.length))
        else yield* output.table(rows, { columns: [{ key: "@ptr", kind: "id" }] })
        return yield* limitReached
      }
      yield* output.table(rows, { columns: fields.map((key) => ({ key })) })
      return yield* limitReached
    }
    const matches = (events as ReadonlyArray<LogEvent>).toSorted((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
    const showGroup = groups.length > 1
    if (!table) {
      yield* output.table(matches, eventTable)
      return yield* limitReached
    }
    if (before === 0 && after === 0) {
      for (const match of matches) yield* output.text(eventLine(match, showGroup))
      return yield* limitReached
    }
    // Like GNU grep: each event once, overlapping or adjacent context merged, `--` between groups.
    const blocks = yield* Effect.forEach(matches, (match) => contextBlock(logs, match, before, after), { concurrency: 2 })
    for (const [index, group] of mergeContext(blocks).entries()) {
      if (index > 0) yield* output.text("--")
      for (const e of group) yield* output.text(eventLine(e, showGroup))
    }
    yield* limitReached
  })
).pipe(
  Command.withDescription(
    "Search log groups with CloudWatch Logs Insights and print the matching events as 'timestamp stream message' lines, " +
      "oldest first (objects with --output json). PATTERN is plain text matched anywhere in the message (-i ignores " +
      "case); --query runs any Insights query instead. Exits 0 when something matched and 1 when nothing did, like grep. " +
      "Ctrl-C stops the running query."
  ),
  Command.withExamples([
    { command: "aegea grep ERROR /aws/batch/job", description: "Errors of the last 7 days" },
    { command: "aegea grep -i 'timed out' /aws/lambda/api --start-time 2h -C 3", description: "With 3 events of context" },
    { command: "aegea grep --query 'filter @message like /5\\d\\d/ | stats count() by bin(1h)' web", description: "A raw Insights query" },
    { command: "aegea grep OOM '/aws/batch/*' --output json", description: "Several groups, as JSON" }
  ]),
  Command.provide(LogsLayer)
)

