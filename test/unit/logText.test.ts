import { describe, expect, it } from "vitest"
import { pageTextLines } from "../../src/lib/logLines.ts"
import { answer, damagedAnswer, expectedLines, json, keys, messages } from "../support/logAnswers.ts"

const options = [{ showGroup: false, color: false }, { showGroup: false, color: true }, { showGroup: true, color: false }]

/** pageTextLines of `text` is undefined or what the records JSON.parse reads give (expectedLines: undefined for a text that is not JSON). */
const check = (text: string, opts: (typeof options)[number]) => {
  const got = pageTextLines("group", text, opts)
  if (got !== undefined) expect(got).toEqual(expectedLines(text, opts))
  return got
}

describe("pageTextLines: the lines of a FilterLogEvents answer straight from its text", () => {
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
      const damaged = damagedAnswer(seed)
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
