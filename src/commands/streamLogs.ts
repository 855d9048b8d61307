/**
 * What `batch logs` and `ecs logs` share: read one log stream from its start (GetLogEvents pages),
 * keep --head or --tail lines, and print them: the program's lines as it printed them (on a terminal,
 * after a dim time, further lines of a message indented), objects like `logs --json` in machine
 * formats, and a stderr line when there are none.
 */
import * as Effect from "effect/Effect"
import { programLine } from "../lib/progress.ts"
import { type LogEvent, Logs } from "../services/Logs.ts"
import { Output } from "../services/Output.ts"
import { eventTable } from "./logGroups.ts"

/** At most this many pages are read (GetLogEvents returns up to 10,000 events or 1 MB a page). */
const maxPages = 10_000

export const printStreamEvents = (
  where: { readonly group: string; readonly stream: string },
  options: {
    readonly head: number | undefined
    readonly tail: number | undefined
    /** Said after an empty stream, e.g. "job 1234 (name) is RUNNING". */
    readonly whose: string
  }
) =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const output = yield* Output
    const events: Array<LogEvent> = []
    let token: string | undefined
    for (let page = 0; page < maxPages; page++) {
      const result = yield* logs.readStream(where.group, where.stream, { token }).pipe(
        Effect.catchTag("AwsNotFound", () => Effect.succeed({ events: [], nextToken: token }))
      )
      events.push(...result.events)
      if (result.events.length === 0 || result.nextToken === token || (options.head !== undefined && events.length >= options.head)) break
      token = result.nextToken
    }
    const shown = options.head !== undefined
      ? events.slice(0, options.head)
      : options.tail !== undefined
      ? events.slice(Math.max(0, events.length - options.tail))
      : events
    if (output.settings.format === "table") {
      for (const event of shown) yield* output.text(programLine(event, output.settings.color))
    } else {
      yield* output.table(shown, eventTable, { empty: null })
    }
    if (shown.length === 0) yield* output.info(`no log events in ${where.group} (stream ${where.stream}); ${options.whose}`)
  })
