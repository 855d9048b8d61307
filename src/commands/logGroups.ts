/** What `aegea logs`, `aegea grep` and `aegea flow-logs get` share: naming log groups, unknown-group errors, event lines and printing. */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ResourceNotFound } from "../errors.ts"
import { type LogEvent, Logs } from "../services/Logs.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { eventLinesText, pageLinesText } from "../lib/logLines.ts"
import { eventLineText } from "../lib/progress.ts"
import { followEvents } from "../workflows/followEvents.ts"

export const unknownGroupHint = "Run 'aegea logs' to list the log groups (or 'aegea logs PREFIX*' to list some)"

/** `a,b` names several groups; `prefix*` names every group whose name starts with prefix. */
export const resolveGroups = (spec: string) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const names = spec.split(",").map((s) => s.trim()).filter((s) => s !== "")
    const resolved: Array<string> = []
    for (const name of names) {
      if (!name.endsWith("*")) {
        resolved.push(name)
        continue
      }
      const found = yield* Stream.runCollect(logs.groups({ prefix: name.slice(0, -1) }))
      if (found.length === 0) return yield* new ResourceNotFound({ kind: "log group", name, hint: unknownGroupHint })
      resolved.push(...found.map((g) => g.name))
    }
    if (resolved.length === 0) return yield* new ResourceNotFound({ kind: "log group", name: spec, hint: unknownGroupHint })
    return resolved
  })

/** After AWS said "not found": name the first of `groups` that does not exist. */
export const missingGroup = (groups: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    for (const name of groups) {
      const found = yield* Stream.runCollect(logs.groups({ prefix: name }))
      if (!found.some((g) => g.name === name)) return new ResourceNotFound({ kind: "log group", name, hint: unknownGroupHint })
    }
    return new ResourceNotFound({ kind: "log group or stream", name: groups.join(", "), hint: unknownGroupHint })
  })

/** `timestamp stream message`; the group is prefixed to the stream when several groups are shown. */
export const eventLine = (e: LogEvent, showGroup: boolean) =>
  `${e.timestamp.toISOString()} ${showGroup ? `${e.group}:` : ""}${e.stream} ${e.message.replace(/\r?\n$/, "")}`

export const eventTable: TableSpec = {
  columns: [
    { key: "timestamp", kind: "time" },
    { key: "group", kind: "name" },
    { key: "stream", kind: "name" },
    { key: "message", kind: "text" }
  ],
  kinds: { id: "id", ingested: "time" }
}

/**
 * Print the events of `groups` (what `aegea logs GROUP ...` and `aegea flow-logs get` do): lines in
 * time order across groups on a table, a table of objects in machine formats, or with `follow`, new
 * events as they arrive (one JSON object per line in machine formats). Returns how many were printed
 * (0 when following). An unknown group fails naming it.
 */
export const printGroupEvents = (options: {
  readonly groups: ReadonlyArray<string>
  readonly streams?: ReadonlyArray<string> | undefined
  readonly filterPattern?: string | undefined
  readonly start: Date
  readonly end?: Date | undefined
  readonly follow: boolean
}) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const output = yield* Output
    const { end, groups, start } = options
    const query = (group: string, from: Date) => ({
      group,
      ...(options.streams !== undefined && options.streams.length > 0 ? { streams: options.streams } : {}),
      start: from,
      ...(end ? { end } : {}),
      ...(options.filterPattern !== undefined ? { filterPattern: options.filterPattern } : {})
    })
    const readAll = (from: Date) =>
      groups.length === 1
        ? logs.events(query(groups[0]!, from))
        : Stream.fromIterableEffect(
          Stream.runCollect(Stream.mergeAll(groups.map((g) => logs.events(query(g, from))), { concurrency: 4 })).pipe(
            Effect.map((all) => [...all].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime()))
          )
        )
    const showGroup = groups.length > 1
    const table = output.settings.format === "table"
    const line = (e: LogEvent) => eventLineText(e, { showGroup, color: output.settings.color })
    let printed = 0
    // After each print: whether to read on (not once stdout's reader has gone: `aegea logs GROUP | head`
    // asks for no further page, and ends successfully)
    const readOn = Effect.sync(() => !output.readerGone())
    const print = options.follow
      ? followEvents(readAll, { start, end }).pipe(
        Stream.runForEachWhile((e) => Effect.andThen(output.text(table ? line(e) : JSON.stringify(e)), readOn))
      )
      : table && groups.length === 1
      // A page at a time as the API sent it (no LogEvent or Date per event): one write of its lines (the
      // same text as a write per line), not an effect per event.
      ? logs.eventPages(query(groups[0]!, start), { lines: { showGroup, color: output.settings.color } }).pipe(
        Stream.runForEachWhile((page) => {
          // The lines the layer made from the answer's text, when it did (the same text).
          if (page.lines !== undefined) {
            printed += page.lines.count
            // made from the answer's bytes: written as they are, no string of them made
            return Effect.andThen(page.lines.bytes !== undefined ? output.textBytes(page.lines.bytes) : output.text(page.lines.text), readOn)
          }
          printed += page.events.length
          return Effect.andThen(output.text(pageLinesText(page, { showGroup, color: output.settings.color })), readOn)
        })
      )
      : table
      ? readAll(start).pipe(Stream.runForEachArray((events) => {
        printed += events.length
        return output.text(eventLinesText(events, { showGroup, color: output.settings.color }))
      }))
      // Machine formats: printed a page at a time as the events come where the format allows it (the
      // same text as the whole listing; Output.listing), else gathered and printed at the end.
      : Effect.gen(function*() {
        const listing = yield* output.listing(eventTable, { empty: null })
        yield* readAll(start).pipe(
          Stream.chunks,
          Stream.runForEachWhile((events) => {
            printed += events.length
            return Effect.andThen(listing.rows(events), readOn)
          })
        )
        yield* listing.end
      })
    yield* print.pipe(Effect.catchTag("AwsNotFound", () => Effect.flatMap(missingGroup(groups), Effect.fail)))
    return printed
  })
