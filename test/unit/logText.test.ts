import { describe, expect, it } from "vitest"
import { pageLinesText, pageTextLines } from "../../src/lib/logLines.ts"
import { toEventPage } from "../../src/layers/logsMapping.ts"
import type { PageEvent } from "../../src/services/Logs.ts"
import { plainMessages, random } from "../support/generated.ts"

const messages = [
  ...plainMessages,
  "quote \" and backslash \\ and slash /",
  "unicode ✓ 日本語 😀 and a lone \ud83d surrogate, \udc00 the other half",
  "line separators \u2028 and \u2029",
  "tab\tand \u001b[31mcolour codes\u001b[39m and \u0000 nul",
  "braces } ] { [ , : in a message",
  "\"events\": [], \"nextToken\": \"x\"}",
  "x".repeat(20_000)
]
const streams = ["stream-0", "stream-1", "s", "", "odd \"name\" ✓", "a/b:c"]
const keys = ["logStreamName", "timestamp", "message", "ingestionTime", "eventId"] as const

/** JSON text of `value`, members in the order given, with `sep` after commas and colons; non-ASCII escaped as Python's json.dumps does when `ascii`. */
const json = (value: unknown, style: { readonly sep: string; readonly ascii: boolean }): string => {
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
const raw = new Map<number, string>()

/** A FilterLogEvents answer of `n` events: keys in one order (sometimes not), values of every kind. */
const answer = (seed: number, n: number): string => {
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

const options = [{ showGroup: false, color: false }, { showGroup: false, color: true }, { showGroup: true, color: false }]

/**
 * pageTextLines of `text` is undefined or what the records JSON.parse reads give: the lines of
 * `pageLinesText` (of the page `eventPages` makes of them), their count and the next token.
 */
const check = (text: string, opts: (typeof options)[number]) => {
  const got = pageTextLines("group", text, opts)
  let parsed: { events?: ReadonlyArray<PageEvent>; nextToken?: unknown }
  try {
    parsed = JSON.parse(text)
  } catch {
    expect(got).toBeUndefined()
    return got
  }
  if (got === undefined) return got
  const page = toEventPage("group", parsed.events ?? [])
  expect(got.count).toBe(page.events.length)
  expect(got.text).toBe(page.events.length > 0 ? pageLinesText(page, opts) : "")
  expect(got.nextToken).toBe(typeof parsed.nextToken === "string" ? parsed.nextToken : undefined)
  return got
}

describe("pageTextLines: the lines of a FilterLogEvents answer straight from its text", () => {
  raw.set(1e16, "10000000000000000")
  raw.set(1.5, "1.5")

  it("moto's and AWS's shapes are read from the text, the same lines as JSON.parse's records give", () => {
    const motoStyle = {
      events: Array.from({ length: 50 }, (_, i) => ({
        logStreamName: `stream-${i % 3}`,
        timestamp: 1_796_084_284_482 + i * 7,
        message: messages[i % messages.length],
        ingestionTime: 1_796_084_384_482,
        eventId: String(i)
      })),
      nextToken: null,
      searchedLogStreams: [{ logStreamName: "stream-0", searchedCompletely: true }]
    }
    for (const style of [{ sep: " ", ascii: true }, { sep: "", ascii: false }]) {
      for (const opts of options) {
        const got = check(json(motoStyle, style), opts)
        expect(got?.count).toBe(50)
      }
    }
    expect(check(`{"events": [], "nextToken": "t", "searchedLogStreams": []}`, options[0]!)).toEqual({ text: "", count: 0, nextToken: "t" })
  })

  it("generated answers: the same lines, count and token whenever read (and most are)", () => {
    let read = 0
    for (let seed = 1; seed <= 300; seed++) {
      const got = check(answer(seed, 1 + (seed % 40)), options[seed % options.length]!)
      if (got !== undefined) read++
    }
    expect(read).toBeGreaterThan(120)
  })

  it("damaged answers are left to JSON.parse (undefined), or read the same", () => {
    let left = 0
    for (let seed = 1; seed <= 200; seed++) {
      const pick = random(seed * 7919)
      const text = answer(seed, 5 + (seed % 10))
      const at = pick(text.length)
      const damaged = [
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
      if (check(damaged, options[0]!) === undefined) left++
    }
    expect(left).toBeGreaterThan(100)
  })

  it("records out of time order, or in another key order, are left to JSON.parse", () => {
    const record = (t: number, order: ReadonlyArray<string>) =>
      `{${order.map((k) => `"${k}": ${k === "timestamp" ? t : k === "ingestionTime" ? 5 : `"${k}-${t}"`}`).join(", ")}}`
    const page = (recs: ReadonlyArray<string>) => `{"events": [${recs.join(", ")}], "nextToken": null}`
    expect(check(page([record(2, keys), record(1, keys)]), options[0]!)).toBeUndefined()
    expect(check(page([record(1, keys), record(2, [...keys].reverse())]), options[0]!)).toBeUndefined()
    expect(check(page([record(1, keys), record(1, keys), record(2, keys)]), options[0]!)?.count).toBe(3)
  })
})
