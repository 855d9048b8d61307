import { describe, expect, it } from "vitest"
import type * as Sdk from "@aws-sdk/client-cloudwatch-logs"
import { fromFiltered, fromFilteredPage } from "../../src/layers/logsMapping.ts"

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
