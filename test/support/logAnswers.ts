// FilterLogEvents answers made up for the tests of the lines made from them (logText.test.ts, logBytes.test.ts):
// every kind of value, key order and spacing, as moto's json.dumps and AWS write them.
import { pageLinesText } from "../../src/lib/logLines.ts"
import type { PageLines } from "../../src/lib/logText.ts"
import { toEventPage } from "../../src/layers/logsMapping.ts"
import type { PageEvent } from "../../src/services/Logs.ts"
import { plainMessages, random } from "./generated.ts"

export const messages = [
  ...plainMessages,
  "quote \" and backslash \\ and slash /",
  "unicode ✓ 日本語 😀 and a lone \ud83d surrogate, \udc00 the other half",
  "line separators \u2028 and \u2029",
  "tab\tand \u001b[31mcolour codes\u001b[39m and \u0000 nul",
  "braces } ] { [ , : in a message",
  "\"events\": [], \"nextToken\": \"x\"}",
  "x".repeat(20_000)
]
export const streams = ["stream-0", "stream-1", "s", "", "odd \"name\" ✓", "a/b:c"]
export const keys = ["logStreamName", "timestamp", "message", "ingestionTime", "eventId"] as const

/** JSON text of `value`, members in the order given, with `sep` after commas and colons; non-ASCII escaped as Python's json.dumps does when `ascii`. */
export const json = (value: unknown, style: { readonly sep: string; readonly ascii: boolean }): string => {
  if (typeof value === "string") {
    const s = JSON.stringify(value)
    return style.ascii ? s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : s
  }
  if (Array.isArray(value)) return `[${value.map((v) => json(v, style)).join(`,${style.sep}`)}]`
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `"${k}":${style.sep}${json(v, style)}`).join(`,${style.sep}`)}}`
  }
  return value === undefined ? "null" : typeof value === "number" && raw.has(value) ? raw.get(value)! : JSON.stringify(value)
}
/** Numbers written as a text of their own (fractions, exponents, more digits than a double holds). */
export const raw = new Map<number, string>()

/** A FilterLogEvents answer of `n` events: keys in one order (sometimes not), values of every kind. */
export const answer = (seed: number, n: number): string => {
  const pick = random(seed)
  const order = [...keys].sort(() => pick(3) - 1)
  const style = { sep: [" ", "", "\n\t "][pick(3)]!, ascii: pick(2) === 0 }
  let t = 1_796_000_000_000 + pick(100_000)
  const events = Array.from({ length: n }, () => {
    t += seed % 2 === 0 && pick(20) === 0 ? -pick(1500) : pick(1500)
    const record: Record<string, unknown> = {
      logStreamName: pick(30) === 0 ? null : streams[pick(streams.length)],
      timestamp: seed % 3 === 0 && pick(40) === 0 ? [0, -1, -999, -1000, 999_999_999_999_999, -999_999_999_999_999, 1e16, 1.5][pick(8)] : t,
      message: pick(30) === 0 ? null : pick(3) === 0 ? messages[pick(messages.length)] : `event ${pick(1_000_000)} level=info`,
      ingestionTime: pick(30) === 0 ? null : t + pick(3000),
      eventId: pick(30) === 0 ? null : String(pick(1_000_000_000))
    }
    const keyOrder = seed % 5 === 0 && pick(50) === 0 ? [...keys].reverse() : order
    const out: Record<string, unknown> = {}
    for (const k of keyOrder) if (seed % 7 !== 0 || pick(100) !== 0) out[k] = record[k]
    if (seed % 11 === 0 && pick(100) === 0) out.extra = 1
    return out
  })
  const token = [undefined, null, `many@stream-0@${pick(1000)}`, "", "with \"escape\" ✓"][pick(5)]
  const searched = [{ logStreamName: "stream-0", searchedCompletely: true }]
  const body: Record<string, unknown> = pick(8) === 0
    ? { searchedLogStreams: searched, events, nextToken: token }
    : pick(2) === 0
    ? { events, nextToken: token, searchedLogStreams: searched }
    : { events, searchedLogStreams: searched, ...(token === undefined ? {} : { nextToken: token }) }
  return json(body, style)
}

raw.set(1e16, "10000000000000000")
raw.set(1.5, "1.5")

/**
 * The lines, count and next token of a FilterLogEvents answer as the records JSON.parse reads make
 * them (`pageLinesText` of the page `eventPages` makes), undefined when the text is not JSON.
 */
export const expectedLines = (text: string, opts: { readonly showGroup: boolean; readonly color: boolean }): PageLines | undefined => {
  let parsed: { events?: ReadonlyArray<PageEvent>; nextToken?: unknown }
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    return undefined
  }
  const page = toEventPage("group", parsed.events ?? [])
  return {
    text: page.events.length > 0 ? pageLinesText(page, opts) : "",
    count: page.events.length,
    nextToken: typeof parsed.nextToken === "string" ? parsed.nextToken : undefined
  }
}

/** A generated answer damaged one of ten ways (cut, a character added, a value or the list end broken, a second list, trailing text). */
export const damagedAnswer = (seed: number): string => {
  const pick = random(seed * 7919)
  const text = answer(seed, 5 + (seed % 10))
  const at = pick(text.length)
  return [
    text.slice(0, at),
    `${text.slice(0, at)},${text.slice(at)}`,
    `${text.slice(0, at)}\u0001${text.slice(at)}`,
    `${text.slice(0, at)}\\${text.slice(at)}`,
    text.replace(/\}\s*\]/, "},]"),
    text.replace(/"timestamp":\s*(\d+)/, "\"timestamp\": $1.0"),
    text.replace(/"timestamp":\s*(\d+)/, "\"timestamp\": 0$1"),
    text.replace(/"message":\s*"/, "\"message\": 7, \"x\": \""),
    `${text.slice(0, -1)}, "events": [{"logStreamName": "s", "timestamp": 1, "message": "m", "ingestionTime": 1, "eventId": "e"}]}`,
    `${text} x`
  ][seed % 10]!
}
