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
  /** The events' lines, joined by "\n", without a line break after the last. */
  readonly text: string
  /**
   * The same lines as UTF-8 bytes with a "\n" after the last, when they were made from the answer's
   * bytes (lib/logBytes.ts): `text` is then decoded from them when first read.
   */
  readonly bytes?: Uint8Array | undefined
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

/**
 * The lines `line` makes of the events of a FilterLogEvents answer's text, or undefined where the
 * answer must be read by JSON.parse (see above). Never throws (but what `line` throws).
 */
export const filterPageLines = (text: string, line: LineMaker): PageLines | undefined => {
  const h = head.exec(text)
  if (h === null) return undefined
  const start = h[0].length
  let end = start
  let lines = ""
  let count = 0
  if (text.charCodeAt(start) !== 93) {
    const t = templateAt(text, start)
    if (t === undefined) return undefined
    const { message: im, stream: is, time: it } = t
    let inOrder = true
    let lastTime = -Infinity
    const records = text.slice(start)
    let consumed = 0
    t.record.lastIndex = 0
    let replaced: string
    try {
      replaced = records.replace(
        t.record,
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
      if (e instanceof RangeError) return undefined
      throw e
    }
    end = start + consumed
    // Every record matched (the list ends where the matches end) and in time order.
    listEnd.lastIndex = end
    if (!inOrder || count === 0 || !listEnd.test(text)) return undefined
    // The lines are the replacement of the records; what follows them is the rest of the text.
    lines = replaced.slice(1, replaced.length - (text.length - end))
  }
  let rest: { events?: unknown; nextToken?: unknown }
  try {
    rest = JSON.parse(`{"events":[${text.slice(end)}`) as typeof rest
  } catch {
    return undefined
  }
  const token = rest.nextToken
  if (!Array.isArray(rest.events) || rest.events.length !== 0) return undefined
  if (token !== undefined && token !== null && typeof token !== "string") return undefined
  return { text: lines, count, nextToken: token ?? undefined }
}
