/**
 * A page of `logs` lines as one text: what `events.map((e) => eventLineText(e, options)).join("\n")`
 * returns, built with less work per event, for `aegea logs GROUP` printing thousands of events at a time.
 *
 * `eventLineText` builds, for every event, the ISO time from numbers, the prefix, then the line, each a
 * new string, and the page's join copies them all once more: about 300 bytes of short-lived strings per
 * event, most of the garbage collector's work after the events themselves. Here a line is four ready
 * pieces added together: the time up to the second (made once per second by `isoString`, so identical
 * to it), its milliseconds from a table, " stream " (made once per stream) and the message. (The four
 * pieces of every event in one array joined once allocate less but measured slower.) Events whose
 * message has a line break, or whose time is not a valid date, go through `eventLineText` itself.
 * test/unit/logLines.test.ts compares the two on generated pages.
 */
import { isoString } from "./isoTime.ts"
import { filterPageLines, type PageLines } from "./logText.ts"
import { dim, eventLineText, streamColor } from "./progress.ts"

/** `dim(text, true)` is dimStart + text + dimEnd. */
const [dimStart, dimEnd] = dim("\u0000", true).split("\u0000") as [string, string]

/** "000Z" ... "999Z": the milliseconds of an ISO time and its zone letter. */
let millisTable: ReadonlyArray<string> | undefined
const millisOf = (): ReadonlyArray<string> =>
  (millisTable ??= Array.from({ length: 1000 }, (_, n) => `${n < 10 ? "00" : n < 100 ? "0" : ""}${n}Z`))

/** "2026-11-30T16:23:05." for the second starting at `second` ms (isoString's own text, without "000Z"), dimmed when colour is on. */
const secondText = (second: number, color: boolean): string => {
  const iso = isoString(new Date(second))
  return color ? `${dimStart}${iso.slice(0, -4)}` : iso.slice(0, -4)
}

/** " [group:]stream " after the time (ending the time's dimming and coloured when colour is on). */
const separatorText = (group: string | undefined, stream: string, color: boolean): string => {
  const name = streamColor(`${group !== undefined ? `${group}:` : ""}${stream}`, color)
  return color ? `${dimEnd} ${name} ` : ` ${name} `
}

/** What eventLinesText reads of an event (a `LogEvent`). */
export interface LineEvent {
  readonly timestamp: Date
  readonly group: string
  readonly stream: string
  readonly message: string
}

/** The lines of `events` as `eventLineText` writes each, joined by "\n" (no line break after the last). */
export const eventLinesText = (
  events: ReadonlyArray<LineEvent>,
  options: { readonly showGroup: boolean; readonly color: boolean }
): string => {
  const { color, showGroup } = options
  const millis = millisOf()
  // " [group:]stream " after the time, by group and stream (coloured when colour is on).
  const separators = new Map<string, Map<string, string>>()
  let lastGroup: string | undefined
  let lastStream: string | undefined
  let lastSeparator = ""
  let secondStart = Number.NaN
  let secondPrefix = ""
  const lines = new Array<string>(events.length)
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const message = e.message
    const ms = e.timestamp.getTime()
    if (!Number.isFinite(ms) || message.indexOf("\n") >= 0) {
      lines[i] = eventLineText(e, options)
      continue
    }
    const rest = ((ms % 1000) + 1000) % 1000
    const second = ms - rest
    if (second !== secondStart) {
      secondPrefix = secondText(second, color)
      secondStart = second
    }
    if (e.stream !== lastStream || e.group !== lastGroup) {
      let byStream = separators.get(e.group)
      if (byStream === undefined) separators.set(e.group, byStream = new Map())
      let separator = byStream.get(e.stream)
      if (separator === undefined) {
        separator = separatorText(showGroup ? e.group : undefined, e.stream, color)
        byStream.set(e.stream, separator)
      }
      lastGroup = e.group
      lastStream = e.stream
      lastSeparator = separator
    }
    lines[i] = secondPrefix + millis[rest]! + lastSeparator + message
  }
  return lines.join("\n")
}

/** What pageLinesText reads of a page (an `EventPage` of the Logs service). */
export interface LinePage {
  readonly group: string
  readonly events: ReadonlyArray<{
    readonly logStreamName?: string | null | undefined
    readonly timestamp?: number | null | undefined
    readonly message?: string | null | undefined
  }>
}

/**
 * The lines of a page of events as the API sent them (`Logs.eventPages`), joined by "\n": what
 * `eventLinesText(logEventsOf(page), options)` returns, formatted from the records' numbers and strings
 * with no `LogEvent` and no Date per event. Records whose message has a line break, or whose time is
 * not a valid date, go through `eventLineText` as their `LogEvent`.
 */
export const pageLinesText = (page: LinePage, options: { readonly showGroup: boolean; readonly color: boolean }): string => {
  const { color, showGroup } = options
  const group = page.group
  const events = page.events
  const millis = millisOf()
  // " [group:]stream " after the time, by stream (coloured when colour is on).
  const separators = new Map<string, string>()
  let lastStream: string | undefined
  let lastSeparator = ""
  let secondStart = Number.NaN
  let secondPrefix = ""
  const lines = new Array<string>(events.length)
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!
    const message = e.message ?? ""
    const stream = e.logStreamName ?? ""
    const t = e.timestamp
    const ms = typeof t === "number" && t >= -8.64e15 && t <= 8.64e15 ? Math.trunc(t) : Number.NaN
    if (ms !== ms || message.indexOf("\n") >= 0) {
      lines[i] = eventLineText({ timestamp: new Date(t ?? 0), group, stream, message }, options)
      continue
    }
    const rest = ((ms % 1000) + 1000) % 1000
    const second = ms - rest
    if (second !== secondStart) {
      secondPrefix = secondText(second, color)
      secondStart = second
    }
    if (stream !== lastStream) {
      let separator = separators.get(stream)
      if (separator === undefined) {
        separator = separatorText(showGroup ? group : undefined, stream, color)
        separators.set(stream, separator)
      }
      lastStream = stream
      lastSeparator = separator
    }
    lines[i] = secondPrefix + millis[rest]! + lastSeparator + message
  }
  return lines.join("\n")
}

/**
 * The lines of a FilterLogEvents answer's text (`filterPageLines`, ./logText.ts): what `pageLinesText`
 * makes of the page JSON.parse reads from it, and no record per event; undefined where the text must be
 * read by JSON.parse. Each line is two pieces added to its message: "\n" and the time up to the second
 * (made once per second), and the milliseconds with " stream " (made once per stream and millisecond).
 */
export const pageTextLines = (
  group: string,
  text: string,
  options: { readonly showGroup: boolean; readonly color: boolean }
): PageLines | undefined => {
  const { color, showGroup } = options
  const millis = millisOf()
  // By stream: its "123Z stream " pieces, by millisecond.
  const pieces = new Map<string, { readonly separator: string; readonly byMillis: Array<string | undefined> }>()
  let lastStream: string | undefined
  let lastPieces: { readonly separator: string; readonly byMillis: Array<string | undefined> } | undefined
  let secondStart = Number.NaN
  let secondPrefix = ""
  // Times are integers of at most 15 digits: valid dates, so only a line break leaves the fast way.
  return filterPageLines(text, (stream, ms, message) => {
    if (message.indexOf("\n") >= 0) return `\n${eventLineText({ timestamp: new Date(ms), group, stream, message }, options)}`
    const rest = ((ms % 1000) + 1000) % 1000
    const second = ms - rest
    if (second !== secondStart) {
      secondPrefix = `\n${secondText(second, color)}`
      secondStart = second
    }
    if (stream !== lastStream || lastPieces === undefined) {
      lastPieces = pieces.get(stream)
      if (lastPieces === undefined) {
        lastPieces = { separator: separatorText(showGroup ? group : undefined, stream, color), byMillis: new Array(1000) }
        pieces.set(stream, lastPieces)
      }
      lastStream = stream
    }
    const piece = lastPieces.byMillis[rest] ??= millis[rest]! + lastPieces.separator
    return secondPrefix + piece + message
  })
}
