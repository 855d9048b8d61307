// The lines of a FilterLogEvents answer made from its bytes by WebAssembly (src/lib/logBytes.ts,
// assembly/logLines.ts): undefined, or exactly what the records JSON.parse reads give (and what the
// text path, pageTextLines, gives whenever it reads the answer too); read for the answers aegea meets.
import { spawnSync } from "node:child_process"
import { describe, expect, it, onTestFinished } from "vitest"
import { bodyCollector } from "../../src/layers/awsJson.ts"
import { filterAnswerBytes } from "../../src/layers/LogsJsonLive.ts"
import { toEventPage } from "../../src/layers/logsMapping.ts"
import { logLinesArea, MIN_BYTES, pageBytesLines } from "../../src/lib/logBytes.ts"
import { pageTextLines } from "../../src/lib/logLines.ts"
import type { PageLines } from "../../src/lib/logText.ts"
import { answer, damagedAnswer, expectedLines, json, keys, messages } from "../support/logAnswers.ts"

const plain = { showGroup: false, color: false }
const options = [plain, { showGroup: false, color: true }, { showGroup: true, color: false }]

/**
 * pageBytesLines' answer as the text path's shape: its text, count and token, after checking that its
 * bytes (when there are lines) are the text's UTF-8 and one "\n".
 */
const lines = (got: PageLines | undefined) => {
  if (got === undefined) return got
  if (got.count > 0) expect(Buffer.from(got.bytes!).equals(Buffer.from(`${got.text}\n`))).toBe(true)
  else expect(got.bytes).toBeUndefined()
  return { text: got.text, count: got.count, nextToken: got.nextToken }
}

/** pageBytesLines of `text`'s UTF-8 bytes (of any size): undefined or the expected lines; the text path agrees. */
const check = (text: string | Buffer, opts: (typeof options)[number] = plain) => {
  const bytes = typeof text === "string" ? Buffer.from(text) : text
  const got = lines(pageBytesLines("group", bytes, opts, 0))
  if (got === undefined) return got
  const decoded = bytes.toString("utf8")
  expect(got).toEqual(expectedLines(decoded, opts))
  const fromText = pageTextLines("group", decoded, opts)
  if (fromText !== undefined) expect(got).toEqual(fromText)
  return got
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/**
 * Whether an answer holds what the module leaves to the text path: a lone surrogate in a string, a
 * time outside the years 0-9999, a message with a line break after a stream name that is not printable ASCII.
 */
const leftToText = (text: string): boolean => {
  const { events } = JSON.parse(text) as { events: ReadonlyArray<Record<string, unknown>> }
  return events.some((e) =>
    [e.message, e.logStreamName].some((v) => typeof v === "string" && loneSurrogate.test(v)) ||
    (typeof e.message === "string" && e.message.includes("\n") && typeof e.logStreamName === "string" && !/^[\x20-\x7e]*$/.test(e.logStreamName)) ||
    typeof e.timestamp !== "number" || e.timestamp < -62_167_219_200_000 || e.timestamp > 253_402_300_799_999
  )
}

/** A page of `n` moto-style records with `message(i)` as the messages. */
const page = (n: number, message: (i: number) => unknown, extra: object = {}) =>
  JSON.stringify({
    events: Array.from({ length: n }, (_, i) => ({
      eventId: String(i),
      ingestionTime: 1_796_084_384_482,
      message: message(i),
      timestamp: 1_796_084_284_482 + i * 7,
      logStreamName: `stream-${i % 3}`
    })),
    searchedLogStreams: [],
    ...extra
  })

describe("pageBytesLines: a FilterLogEvents answer's lines from its bytes", () => {
  it("moto's shape, large and small, plain and with the group: the same lines as the records give", () => {
    const big = page(10_000, (i) => `event ${i} level=info path=/api/v1/items/${i % 97} status=200`, { nextToken: "next@1" })
    expect(Buffer.byteLength(big)).toBeGreaterThan(MIN_BYTES)
    const got = lines(pageBytesLines("group", Buffer.from(big), plain))
    expect(got?.count).toBe(10_000)
    expect(got).toEqual(expectedLines(big, plain))
    expect(check(big, options[2])?.count).toBe(10_000)
    // memory reused: a smaller answer after a larger one, then the larger again
    expect(check(page(3, (i) => messages[i]))?.count).toBe(3)
    expect(lines(pageBytesLines("group", Buffer.from(big), plain))).toEqual(got)
    expect(check(`{"events": [], "nextToken": "t"}`)).toEqual({ text: "", count: 0, nextToken: "t" })
  })

  it("escapes, Unicode and nulls: decoded as JSON.parse decodes them", () => {
    const hard = ["quote \" backslash \\ slash /", "tab\t cr\r ff\f bs\b nul\u0000 esc\u001b[31m", "é ✓ 日本語", "😀 pair", "\u2028\u2029", null, ""]
    for (const ascii of [false, true]) {
      const text = json({ events: hard.map((m, i) => ({ logStreamName: i === 3 ? "odd \"name\" ✓" : i === 4 ? null : "s", timestamp: 1_700_000_000_000 + i, message: m, ingestionTime: 1, eventId: "e" })) }, { sep: " ", ascii })
      expect(check(text)?.count).toBe(hard.length)
    }
  })

  it("generated answers: the same lines, count and token whenever read; without colour, read whenever the text path reads them but for what it leaves", () => {
    let read = 0
    for (let seed = 1; seed <= 300; seed++) {
      const opts = options[seed % options.length]!
      const text = answer(seed, 1 + (seed % 40))
      const got = check(text, opts)
      if (got !== undefined) read++
      if (opts.color) expect(got).toBeUndefined()
      else if (pageTextLines("group", text, opts) !== undefined && !leftToText(text)) expect(got).toBeDefined()
    }
    expect(read).toBeGreaterThan(20)
  })

  it("an answer collected straight into the module's memory (logLinesArea): read in place, one at a time; its events read after the lending, from the chunks kept", () => {
    const first = Buffer.from(page(3_000, (i) => `first ${i} "quoted" é ✓ tab\there${i % 7 === 0 ? "\nsecond line" : ""}`, { nextToken: "n1" }))
    const second = Buffer.from(page(2_000, (i) => `second ${i}`))
    const expected = lines(pageBytesLines("group", first, plain))
    expect(expected?.count).toBe(3_000)
    const area = logLinesArea("group", plain)
    const other = logLinesArea("group", plain)
    expect(area.keep).toBe(true)
    expect(area.take(MIN_BYTES - 1)).toBeUndefined()
    expect(logLinesArea("group", options[1]!).take(first.length)).toBeUndefined()
    // collected as awsJson collects an answer: chunks in buffers of their own, into the lent memory
    const collect = bodyCollector(String(first.length), area.take, area.keep)
    for (let at = 0; at < first.length; at += 65536) collect.add(Buffer.from(first.subarray(at, at + 65536)))
    const body = collect.bytes()
    expect(body.buffer).not.toBe(first.buffer)
    onTestFinished(() => {
      area.release()
      other.release()
    })
    expect(other.take(first.length)).toBeUndefined()
    // while lent, another body is not copied over it: left to the text path
    expect(pageBytesLines("group", Buffer.from(second), plain)).toBeUndefined()
    const [pages, token] = filterAnswerBytes("group", body, plain, collect.kept)!
    expect(token).toBe("n1")
    expect(lines({ ...pages[0]!.lines!, nextToken: "n1" })).toEqual(expected)
    area.release()
    // the memory lent again and written over by another answer: the first page's events are still its own
    const again = bodyCollector(String(second.length), other.take, other.keep)
    again.add(second)
    expect(again.bytes().buffer).toBe(body.buffer)
    expect(pages[0]!.events).toEqual(toEventPage("group", JSON.parse(first.toString("utf8")).events).events)
    // without `keep`, the kept bytes are a copy out of the lent memory
    expect(again.kept().equals(second)).toBe(true)
    expect(again.kept().buffer).not.toBe(body.buffer)
    other.release()
    expect(lines(pageBytesLines("group", Buffer.from(second), plain))?.count).toBe(2_000)
  })

  it("damaged answers are left to the text (undefined), or read the same", () => {
    let left = 0
    for (let seed = 1; seed <= 200; seed++) {
      const damaged = damagedAnswer(seed)
      if (check(damaged) === undefined) left++
    }
    expect(left).toBeGreaterThan(100)
    // cut anywhere: never read past the end
    const whole = Buffer.from(page(20, (i) => `m ${i} \\"q\\" \u00e9`))
    for (let cut = 0; cut < whole.length; cut += 7) expect(check(whole.subarray(0, cut))).toBeUndefined()
  })

  it("messages with line breaks laid out as logLine lays them out: trailing ones dropped, CR LF as one, further lines indented", () => {
    const multi = ["START RequestId: 1 Version: $LATEST\n", "a\nb", "a\r\nb\r\n", "a\r\r\n", "a\n\r\n", "a\r\n\r", "a\rb\r\n", "\n", "\n\nx\n\n", "tab\there\n  indented\n", "é\n✓ 日本語\n😀"]
    for (const [streamName, opts] of [["s", plain], ["a/b:c stream", plain], ["s", options[2]!]] as const) {
      for (const ascii of [false, true]) {
        const text = json({ events: multi.map((m, i) => ({ logStreamName: streamName, timestamp: 1_700_000_000_000 + i, message: m, ingestionTime: 1, eventId: "e" })) }, { sep: "", ascii })
        expect(check(text, opts)?.count, JSON.stringify([streamName, opts, ascii])).toBe(multi.length)
      }
    }
    // after a stream name that is not printable ASCII (its width is not its length): left to the text path
    const wide = JSON.stringify({ events: [{ logStreamName: "流", timestamp: 1, message: "a\nb", ingestionTime: 1, eventId: "e" }] })
    expect(pageBytesLines("group", Buffer.from(wide), plain, 0)).toBeUndefined()
  })

  it("what the module leaves to the text: line breaks after a wide stream name, lone surrogates, years past 9999, invalid UTF-8, colour, duplicate keys, times out of order", () => {
    const record = (t: number, message: string, order: ReadonlyArray<string> = keys) =>
      `{${order.map((k) => `"${k}": ${k === "timestamp" ? t : k === "ingestionTime" ? 5 : k === "message" ? JSON.stringify(message) : `"${k}"`}`).join(", ")}}`
    const of = (...records: ReadonlyArray<string>) => `{"events": [${records.join(", ")}], "nextToken": null}`
    expect(check(of(record(1, "two\nlines")))?.count).toBe(1)
    expect(check(of(record(1, "lone \ud83d surrogate")))).toBeUndefined()
    expect(check(of(record(1, "lone \udc00 low")))).toBeUndefined()
    expect(check(of(record(999_999_999_999_999, "far future")))).toBeUndefined()
    expect(check(of(record(-62_198_755_200_001, "before year 0")))).toBeUndefined()
    expect(check(of(record(2, "a"), record(1, "b")))).toBeUndefined()
    expect(check(of(record(1, "a").replace("\"eventId\": \"eventId\"", "\"eventId\": \"e\", \"eventId\": \"f\"")))).toBeUndefined()
    expect(pageBytesLines("group", Buffer.from(of(record(1, "a"))), { showGroup: false, color: true }, 0)).toBeUndefined()
    const invalid = Buffer.concat([Buffer.from(of(record(1, "x")).slice(0, -30)), Buffer.from([0xff]), Buffer.from(of(record(1, "x")).slice(-30))])
    expect(pageBytesLines("group", invalid, plain, 0)).toBeUndefined()
    // what it does read: years 0-9999 either side of the epoch, another key order in one record, -0
    expect(check(of(record(-1, "a"), record(0, "b"), record(253_402_300_799_999, "c")))?.count).toBe(3)
    expect(check(of(record(-62_167_219_200_000, "year 0")))?.count).toBe(1)
    expect(check(of(record(1, "a"), record(2, "b", [...keys].reverse())))?.count).toBe(2)
    expect(check(of(record(1, "a").replace("\"timestamp\": 1", "\"timestamp\": -0")))?.count).toBe(1)
    // answers smaller than MIN_BYTES are left to the text by default
    expect(pageBytesLines("group", Buffer.from(of(record(1, "a"))), plain)).toBeUndefined()
  })

  it("src/lib/logLinesWasm.ts is what assembly/logLines.ts compiles to", () => {
    const run = spawnSync(process.execPath, ["scripts/wasm.mjs", "--check"], { encoding: "utf8", timeout: 60_000 })
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
  }, 70_000)
})
