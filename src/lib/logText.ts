/**
 * FilterLogEvents' answer read for its lines alone: each event's stream, time and message found in the
 * JSON text by one regular expression, the line made from them at once, with no object per event
 * (what `aegea logs GROUP` prints; `pageLinesText` in ./logLines.ts makes the same lines from records).
 *
 * JSON.parse builds records faster than JavaScript can build anything of its own from the text (see
 * docs/performance.md), so nothing is built: `String#replace` with a sticky expression of one record
 * hands the line maker the captured stream, time and message, and the replacement is the line, so the
 * page's lines come out of V8's native replace as one string.
 *
 * Recognized is only the shape CloudWatch Logs (and moto) sends: an object whose first member is
 * `events`, a list of records of exactly `logStreamName`, `timestamp`, `message`, `ingestionTime` and
 * `eventId` (in the order of the page's first record; strings or null, a time an integer of at most 15
 * digits in time order, JSON's whitespace anywhere), then `nextToken` and any other members, which
 * JSON.parse reads (from the end of the list on). A string with escapes is decoded by JSON.parse of its
 * own text. Anything else gives `undefined`, and the caller reads the page with JSON.parse as before.
 * test/unit/logText.test.ts compares the lines with `pageLinesText` of JSON.parse's records.
 */

/** The lines of a FilterLogEvents answer, how many, and its next token. */
export interface PageLines {
  /**
   * The events' lines in pieces of whole lines, each joined by "\n" without a line break after its
   * last: the page's lines are the pieces joined by "\n". (A piece for every few tens of kilobytes of
   * the answer, so that no string is large: see `filterPageLines`.)
   */
  readonly texts: ReadonlyArray<string>
  readonly count: number
  readonly nextToken: string | undefined
}

/** Makes one event's line, after a "\n" (the page's lines are the lines so made, without the first "\n"). */
export type LineMaker = (stream: string, time: number, message: string) => string

const WS = "[ \\t\\n\\r]*"
/** A JSON string (no control character unescaped, escapes as JSON has them), its content captured. */
const CHARS = "[^\"\\\\\\u0000-\\u001f]*"
const ESCAPE = "\\\\(?:[\"\\\\/bfnrt]|u[0-9a-fA-F]{4})"
/** (Characters, then escapes each followed by characters: "unrolled", so that V8's irregexp runs a tight loop over the characters.) */
const STRING = `"(${CHARS}(?:${ESCAPE}${CHARS})*)"`
const STRING_UNCAPTURED = `"${CHARS}(?:${ESCAPE}${CHARS})*"`
const NUMBER = "-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?"
/** Each member's value: the three the line needs captured. */
const memberValue: Record<string, string> = {
  logStreamName: `(?:${STRING}|null)`,
  timestamp: `(-?(?:0|[1-9]\\d{0,14}))`,
  message: `(?:${STRING}|null)`,
  ingestionTime: `(?:${NUMBER}|null)`,
  eventId: `(?:${STRING_UNCAPTURED}|null)`
}
/** One member of a record, any of the five: its name and what follows its value ("," or "}"). */
const anyMember = new RegExp(
  `${WS}"(logStreamName|timestamp|message|ingestionTime|eventId)"${WS}:${WS}(?:${STRING_UNCAPTURED}|${NUMBER}|null)${WS}([,}])`,
  "y"
)
/** The text before the first record: `{"events": [`. */
const head = new RegExp(`^${WS}\\{${WS}"events"${WS}:${WS}\\[${WS}`)
/** The end of the list, at the end of the records. */
const listEnd = new RegExp(`${WS}\\]`, "y")

interface Template {
  /** A record, with the comma after it when another record follows (else the list's end must). */
  readonly record: RegExp
  /** The capture group (0-2) of the stream, the time and the message. */
  readonly stream: number
  readonly time: number
  readonly message: number
}
/** The record expression by key order ("logStreamName,timestamp,..."). */
const templates = new Map<string, Template>()

/** The record expression for the key order of the record at `from` (its "{"), or undefined. */
const templateAt = (text: string, from: number): Template | undefined => {
  if (text.charCodeAt(from) !== 123) return undefined
  const keys: Array<string> = []
  anyMember.lastIndex = from + 1
  for (;;) {
    const m = anyMember.exec(text)
    if (m === null || keys.length === 5) return undefined
    keys.push(m[1]!)
    if (m[2] === "}") break
  }
  if (keys.length !== 5 || new Set(keys).size !== 5) return undefined
  const id = keys.join(",")
  let template = templates.get(id)
  if (template === undefined) {
    const members = keys.map((k) => `${WS}"${k}"${WS}:${WS}${memberValue[k]}${WS}`).join(",")
    const captured = keys.filter((k) => k === "logStreamName" || k === "timestamp" || k === "message")
    template = {
      record: new RegExp(`\\{${members}\\}${WS}(?:,${WS}(?=\\{)|(?=\\]))`, "gy"),
      stream: captured.indexOf("logStreamName"),
      time: captured.indexOf("timestamp"),
      message: captured.indexOf("message")
    }
    templates.set(id, template)
  }
  return template
}

/** A captured string's value: its text, or JSON.parse's decoding when it has escapes; "" for null. */
const decoded = (s: string | undefined): string =>
  s === undefined ? "" : s.indexOf("\\") < 0 ? s : (JSON.parse(`"${s}"`) as string)

/** How much text waits before the record expression runs over it (then twice what waited, while nothing is read). */
const PIECE = 32 * 1024

/**
 * The lines `line` makes of the events of a FilterLogEvents answer's text, given in pieces (the answer
 * as its chunks came, decoded one by one; or `[text]`), or undefined where the answer must be read by
 * JSON.parse (see above). Never throws (but what `line` throws).
 *
 * The records are matched in the text that has come so far, a few tens of kilobytes at a time, the
 * end of one piece carried into the next: so no string is larger than that. (V8 puts every string
 * over 128 KiB in a fresh mapping of its own, and the text and the lines of a 10,000-event page, 1.9
 * and 1 MB, cost thousands of page faults each.) A record matches in part of the text only as it does
 * in the whole: JSON has one reading, and what the expression reads of a record ends with the `,{` or
 * `]` after it; a record cut by the end of a piece waits for the rest.
 */
export const filterPageLines = (pieces: Iterable<string>, line: LineMaker): PageLines | undefined => {
  /** The text not yet read (from the first record not yet matched, once the head is read). */
  let pending = ""
  let headRead = false
  let template: Template | undefined
  let inOrder = true
  let lastTime = -Infinity
  let count = 0
  const texts: Array<string> = []
  /** Reads what it can of `pending`; false when the answer is not one this reads (or `final` and incomplete). */
  const read = (final: boolean): boolean => {
    if (!headRead) {
      const h = head.exec(pending)
      // (the head's whitespace read to its end: what follows it has come)
      if (h === null || (!final && h[0].length === pending.length)) return !final
      pending = pending.slice(h[0].length)
      headRead = true
    }
    if (template === undefined) {
      // an empty list: the rest is read at the end
      if (pending.charCodeAt(0) === 93) return true
      template = templateAt(pending, 0)
      if (template === undefined) return !final
    }
    const { message: im, record, stream: is, time: it } = template
    let consumed = 0
    record.lastIndex = 0
    let replaced: string
    try {
      replaced = pending.replace(
        record,
        (m: string, a: string | undefined, b: string | undefined, c: string | undefined, offset: number) => {
          const time = +(it === 0 ? a : it === 1 ? b : c)!
          if (time < lastTime) inOrder = false
          lastTime = time
          consumed = offset + m.length
          count++
          return line(decoded(is === 0 ? a : is === 1 ? b : c), time, decoded(im === 0 ? a : im === 1 ? b : c))
        }
      )
    } catch (e) {
      // the expression's backtracking stack exhausted (a RangeError), say: JSON.parse reads the text
      if (e instanceof RangeError) return false
      throw e
    }
    if (!inOrder) return false
    if (consumed > 0) {
      // The lines are the replacement of the records read (without the first's "\n"); what follows them waits.
      texts.push(replaced.slice(1, replaced.length - (pending.length - consumed)))
      pending = pending.slice(consumed)
    }
    return true
  }
  let next = PIECE
  for (const piece of pieces) {
    pending = pending === "" ? piece : pending + piece
    if (pending.length >= next) {
      const before = pending.length
      if (!read(false)) return undefined
      // nothing read (a record longer than what has come, or text this does not read): wait for twice as much
      next = pending.length === before ? Math.max(PIECE, 2 * before) : PIECE
    }
  }
  if (!read(true)) return undefined
  // Every record matched (the list ends where the matches end) and in time order.
  if (template !== undefined) {
    listEnd.lastIndex = 0
    if (count === 0 || !listEnd.test(pending)) return undefined
  }
  let rest: { events?: unknown; nextToken?: unknown }
  try {
    rest = JSON.parse(`{"events":[${pending}`) as typeof rest
  } catch {
    return undefined
  }
  const token = rest.nextToken
  if (!Array.isArray(rest.events) || rest.events.length !== 0) return undefined
  if (token !== undefined && token !== null && typeof token !== "string") return undefined
  return { texts, count, nextToken: token ?? undefined }
}
