import { describe, expect, it } from "vitest"
import { eventLinesText, type LineEvent, pageLinesText } from "../../src/lib/logLines.ts"
import { eventLineText } from "../../src/lib/progress.ts"
import { type EventPage, logEventsOf, type PageEvent } from "../../src/services/Logs.ts"
import { plainMessages, random } from "../support/generated.ts"

const messages = [
  ...plainMessages,
  "breaks\n\n\n",
  "\n",
  "unicode ✓ 日本語 😀 and a lone \ud83d surrogate",
  "tab\tand \u001b[31mcolour codes\u001b[39m",
  "x".repeat(70_000)
]
const times = [
  Date.UTC(2026, 10, 30, 23, 59, 59, 999),
  Date.UTC(2026, 10, 30, 23, 59, 59, 0),
  0,
  -1,
  -999,
  -1000,
  -60_001,
  -62_135_596_800_001,
  253_402_300_799_999,
  253_402_300_800_000,
  8.64e15,
  -8.64e15
]

/** A page of `n` events: mostly ascending times 0-1500 ms apart, sometimes a time from the edges above. */
const page = (seed: number, n: number, groups: ReadonlyArray<string>): Array<LineEvent> => {
  const pick = random(seed)
  let t = Date.UTC(2026, 10, 30, 23, 58, 0, 0) + pick(100_000)
  return Array.from({ length: n }, () => {
    t += pick(1500)
    const at = pick(20) === 0 ? times[pick(times.length)]! : t
    return {
      timestamp: new Date(at),
      group: groups[pick(groups.length)]!,
      stream: `stream-${pick(4)}`,
      message: pick(4) === 0 ? messages[pick(messages.length)]! : `event ${pick(1_000_000)} level=info`
    }
  })
}

const expected = (events: ReadonlyArray<LineEvent>, options: { showGroup: boolean; color: boolean }) =>
  events.map((e) => eventLineText(e, options)).join("\n")

describe("eventLinesText", () => {
  it("is eventLineText's lines joined by line breaks, plain and coloured, with and without the group", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const events = page(seed, 500, seed % 2 === 0 ? ["/aws/one"] : ["/aws/one", "/aws/two", "g:with:colons"])
      for (const showGroup of [false, true]) {
        for (const color of [false, true]) {
          const got = eventLinesText(events, { showGroup, color })
          const want = expected(events, { showGroup, color })
          if (got !== want) expect({ seed, showGroup, color, got }).toEqual({ seed, showGroup, color, got: want })
        }
      }
    }
  })

  it("prints nothing for no events, and one line without a break for one", () => {
    expect(eventLinesText([], { showGroup: false, color: false })).toBe("")
    const one = { timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), group: "g", stream: "s", message: "hello" }
    expect(eventLinesText([one], { showGroup: false, color: false })).toBe("2026-01-02T03:04:05.006Z s hello")
    expect(eventLinesText([one], { showGroup: true, color: false })).toBe("2026-01-02T03:04:05.006Z g:s hello")
  })

  it("throws as eventLineText does on an invalid date", () => {
    const bad = { timestamp: new Date(Number.NaN), group: "g", stream: "s", message: "m" }
    expect(() => eventLineText(bad, { showGroup: false, color: false })).toThrow(RangeError)
    expect(() => eventLinesText([bad], { showGroup: false, color: false })).toThrow(RangeError)
  })
})

/** `events` of one group as FilterLogEvents' records, some members absent or null, some times fractional. */
const records = (seed: number, events: ReadonlyArray<LineEvent>): Array<PageEvent> => {
  const pick = random(seed)
  return events.map((e, i): PageEvent => {
    const t = e.timestamp.getTime()
    const record: Record<string, unknown> = {
      logStreamName: e.stream,
      timestamp: pick(10) === 0 ? t + [0.5, 0.999, -0.5][pick(3)]! : t,
      message: e.message,
      ingestionTime: t + 7,
      eventId: `id-${i}`
    }
    if (pick(25) === 0) record[["logStreamName", "timestamp", "message", "ingestionTime", "eventId"][pick(5)]!] = pick(2) === 0 ? null : undefined
    return record as PageEvent
  }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as PageEvent)
}

describe("pageLinesText", () => {
  it("is eventLinesText of the page's LogEvents (logEventsOf), plain and coloured, with and without the group", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const group = seed % 3 === 0 ? "g:with:colons" : "/aws/one"
      const page: EventPage = { group, events: records(seed, page0(seed)) }
      for (const showGroup of [false, true]) {
        for (const color of [false, true]) {
          const got = pageLinesText(page, { showGroup, color })
          const want = expected(logEventsOf(page), { showGroup, color })
          if (got !== want) expect({ seed, showGroup, color, got }).toEqual({ seed, showGroup, color, got: want })
        }
      }
    }
  })

  it("prints nothing for no events; a record without members is time 0, stream and message empty", () => {
    expect(pageLinesText({ group: "g", events: [] }, { showGroup: false, color: false })).toBe("")
    expect(pageLinesText({ group: "g", events: [{}] }, { showGroup: true, color: false })).toBe("1970-01-01T00:00:00.000Z g: ")
    expect(pageLinesText({ group: "g", events: [{ timestamp: -0.5, logStreamName: "s", message: "m" }] }, { showGroup: false, color: false }))
      .toBe("1970-01-01T00:00:00.000Z s m")
  })

  it("throws as eventLineText does on a time that is not a valid date", () => {
    for (const timestamp of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1, -8.64e15 - 1]) {
      expect(() => pageLinesText({ group: "g", events: [{ timestamp, logStreamName: "s", message: "m" }] }, { showGroup: false, color: false }))
        .toThrow(RangeError)
    }
  })
})

/** A page of one group's events for pageLinesText (the group is the page's). */
const page0 = (seed: number) => page(seed, 400, ["unused"])
