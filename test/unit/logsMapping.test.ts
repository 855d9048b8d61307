import { describe, expect, it } from "vitest"
import type * as Sdk from "@aws-sdk/client-cloudwatch-logs"
import { fromFiltered, fromFilteredPage, toEventPage } from "../../src/layers/logsMapping.ts"
import { logEventsOf, type PageEvent } from "../../src/services/Logs.ts"

const events: Array<Sdk.FilteredLogEvent> = [
  { logStreamName: "a", timestamp: 1000, message: "one", ingestionTime: 5000, eventId: "1" },
  { logStreamName: "b", timestamp: 1001, message: "two", ingestionTime: 5000, eventId: "2" },
  { logStreamName: "a", timestamp: 1002, message: "three", ingestionTime: 6000, eventId: "3" },
  { logStreamName: "a", timestamp: 1003, message: "four", eventId: "4" },
  { logStreamName: "b", timestamp: 1004, message: "five", ingestionTime: 6000 },
  { timestamp: 1005, ingestionTime: 6000 },
  {},
  { logStreamName: "a", timestamp: 1006, message: "six", ingestionTime: 6000, eventId: "6" }
]

describe("fromFilteredPage", () => {
  it("maps a page as fromFiltered maps each event", () => {
    expect(fromFilteredPage("g", events)).toStrictEqual(events.map(fromFiltered("g")))
  })

  it("keeps only the wanted streams, in order", () => {
    const wanted = new Set(["b"])
    expect(fromFilteredPage("g", events, wanted)).toStrictEqual(events.map(fromFiltered("g")).filter((e) => wanted.has(e.stream)))
  })

  it("shares the ingestion Date of neighbours ingested at the same time, and only theirs", () => {
    const page = fromFilteredPage("g", events)
    expect(page[1]!.ingested).toBe(page[0]!.ingested)
    expect(page[2]!.ingested).not.toBe(page[1]!.ingested)
    expect(page[2]!.ingested!.getTime()).toBe(6000)
    expect(page[3]!.ingested).toBeUndefined()
    expect(page[4]!.ingested!.getTime()).toBe(6000)
    expect(page[0]!.timestamp).not.toBe(page[1]!.timestamp)
  })
})

/** LogsLive's `events` page: fromFilteredPage, then a stable sort by time when out of order. */
const eventsPage = (group: string, records: ReadonlyArray<Sdk.FilteredLogEvent>, wanted?: ReadonlySet<string>) => {
  const page = fromFilteredPage(group, records, wanted)
  for (let i = 1; i < page.length; i++) {
    if (page[i - 1]!.timestamp.getTime() > page[i]!.timestamp.getTime()) {
      return page.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
    }
  }
  return page
}

describe("toEventPage", () => {
  it("holds the events of LogsLive's events page, in the same order: records kept as they are", () => {
    const odd = [Number.NaN, 8.64e15 + 1, 1003.5, -0.5, 1003]
    for (let seed = 1; seed <= 30; seed++) {
      let x = seed
      const next = (n: number) => (x = (x * 1103515245 + 12345) % 2147483648) % n
      const records: Array<PageEvent> = Array.from({ length: 50 + next(50) }, (_, i) => ({
        logStreamName: `s${next(3)}`,
        // In order, or shuffled, or with an odd time now and then (seed picks which).
        timestamp: seed % 3 === 0 ? 1000 + i : seed % 3 === 1 ? 1000 + next(40) : next(10) === 0 ? odd[next(odd.length)]! : 1000 + i,
        message: `m${i}`,
        ingestionTime: 5000 + next(2),
        eventId: `e${i}`
      }))
      for (const wanted of [undefined, new Set(["s1", "s2"])]) {
        const page = toEventPage("g", records, wanted)
        expect(page.group).toBe("g")
        expect(logEventsOf(page)).toStrictEqual(eventsPage("g", records as Array<Sdk.FilteredLogEvent>, wanted))
        const given = new Set(records)
        expect(page.events.every((e) => given.has(e))).toBe(true)
      }
      // The records themselves, not copies, and the given array when it is in order.
      if (seed % 3 === 0) expect(toEventPage("g", records).events).toBe(records)
    }
  })
})
