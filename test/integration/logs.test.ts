/**
 * LogsLive + S3Live against moto: the shared contract, plus what moto does differently from AWS; and
 * LogsJsonLive (`aegea logs GROUP`'s pages by signed FilterLogEvents calls, the rest LogsLive): the
 * same contract, and the same pages of lines as LogsLive.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { LogsJsonLive } from "../../src/layers/LogsJsonLive.ts"
import { LogsLive } from "../../src/layers/LogsLive.ts"
import { S3Live } from "../../src/layers/S3Live.ts"
import { pageLinesText } from "../../src/lib/logLines.ts"
import { type EventPage, Logs } from "../../src/services/Logs.ts"
import { logsContract } from "../contract/logs.ts"
import { putEvents, seedLogs } from "../support/logs.ts"
import { motoEndpoint, resetMoto, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const clients = () => AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
const liveLayer = () => Layer.mergeAll(LogsLive, S3Live).pipe(Layer.provide(clients()))
const jsonLayer = () => Layer.mergeAll(LogsJsonLive, S3Live).pipe(Layer.provide(clients()))

logsContract("live on moto", {
  make: async (seed) => {
    await resetMoto()
    await seedLogs(seed)
    return { layer: liveLayer(), put: putEvents }
  }
})

logsContract("signed FilterLogEvents (LogsJsonLive) on moto", {
  make: async (seed) => {
    await resetMoto()
    await seedLogs(seed)
    return { layer: jsonLayer(), put: putEvents }
  }
})

describe("LogsJsonLive on moto: the pages of `aegea logs GROUP`", () => {
  const lines = { showGroup: false, color: false }
  const pagesOf = (layer: ReturnType<typeof liveLayer>, query: Parameters<Logs["Service"]["eventPages"]>[0]) =>
    Effect.runPromise(Effect.flatMap(Effect.gen(function*() { return yield* Logs }), (l) => Stream.runCollect(l.eventPages(query, { lines }))).pipe(Effect.provide(layer)))
  const withLogs = <A>(layer: ReturnType<typeof liveLayer>, f: (logs: Logs["Service"]) => Stream.Stream<A, unknown>) =>
    Effect.runPromise(Effect.flatMap(Effect.gen(function*() { return yield* Logs }), (l) => Stream.runCollect(f(l))).pipe(Effect.provide(layer)))
  const recordsOf = (layer: ReturnType<typeof liveLayer>, query: Parameters<Logs["Service"]["eventPages"]>[0]) =>
    withLogs(layer, (l) => l.eventPages(query)).then((pages) => pages.map((p) => ({ group: p.group, events: p.events, lines: p.lines })))
  const eventsOf = (layer: ReturnType<typeof liveLayer>, query: Parameters<Logs["Service"]["events"]>[0]) => withLogs(layer, (l) => l.events(query))
  /** A page as the command prints it: its lines, or (where the text was left to JSON.parse) its records' lines. */
  const shown = (page: EventPage) => page.lines !== undefined ? page.lines.text : pageLinesText(page, lines)

  it("gives LogsLive's pages, lines and records, over two of moto's pages, with escapes, line breaks and characters beyond ASCII", async () => {
    await resetMoto()
    const base = Date.now() - 3_600_000
    const special = ["naïve café ☕ 🚀", "a quote \" and a backslash \\ here", "two\nlines", "a\ttab", "<b>&amp;</b>"]
    const stream = (parity: number) =>
      Array.from({ length: 5_025 }, (_, i) => {
        const n = 2 * i + parity
        return { timestamp: base + n, message: n % 1_000 === 7 ? `${special[(n / 1_000 | 0) % special.length]} #${n}` : `event ${n} level=info status=200` }
      })
    await seedLogs({ "/g": { "web-1": stream(0), "web-2": stream(1) } })
    for (const q of [{}, { streams: ["web-2"] }, { filterPattern: "café" }, { start: new Date(base + 9_000) }, { filterPattern: "nothing-matches" }]) {
      const query = { group: "/g", ...q }
      const [viaJson, viaSdk] = await Promise.all([pagesOf(jsonLayer(), query), pagesOf(liveLayer(), query)])
      assert.deepStrictEqual(viaJson.map(shown), viaSdk.map(shown), JSON.stringify(q))
      // and as records (JSON output) and events (several groups, --follow)
      const [pagesJson, pagesSdk, eventsJson, eventsSdk] = await Promise.all([
        recordsOf(jsonLayer(), query), recordsOf(liveLayer(), query), eventsOf(jsonLayer(), query), eventsOf(liveLayer(), query)
      ])
      assert.deepStrictEqual(pagesJson, pagesSdk, JSON.stringify(q))
      assert.deepStrictEqual(eventsJson, eventsSdk, JSON.stringify(q))
      // the records behind the lines too, read when asked for
      assert.deepStrictEqual(viaJson.map((p) => p.events), viaSdk.map((p) => p.events), JSON.stringify(q))
      // one stream's events come in time order: each page's lines made from its text (moto does not
      // interleave two streams by time, as AWS does: those pages are read by JSON.parse and sorted)
      if (q.streams !== undefined) assert.isTrue(viaJson.length > 0 && viaJson.every((p) => p.lines !== undefined), "lines from the text")
      if (Object.keys(q).length === 0) {
        assert.isAtLeast(viaJson.length, 2, "more than one of moto's pages")
        const text = viaJson.map(shown).join("\n")
        assert.include(text, "naïve café ☕ 🚀 #7")
        assert.strictEqual(viaJson.reduce((n, p) => n + (p.lines?.count ?? p.events.length), 0), 10_050)
      }
    }
  })

  it("lists groups (by prefix) and a group's streams (most recent first, or by prefix) as LogsLive does", async () => {
    await resetMoto()
    const now = Date.now()
    await seedLogs({
      "/svc/a": { old: [{ timestamp: now - 9_000, message: "x" }], recent: [{ timestamp: now - 1_000, message: "y" }], empty: [] },
      "/svc/b": {},
      "/other": { s: [{ timestamp: now, message: "z" }] }
    })
    const reads: ReadonlyArray<(l: Logs["Service"]) => Stream.Stream<unknown, unknown>> = [
      (l) => l.groups(),
      (l) => l.groups({ prefix: "/svc/" }),
      (l) => l.streams("/svc/a"),
      (l) => l.streams("/svc/a", { prefix: "re" })
    ]
    for (const f of reads) {
      const [viaJson, viaSdk] = await Promise.all([withLogs(jsonLayer(), f), withLogs(liveLayer(), f)])
      assert.isAbove(viaJson.length, 0)
      assert.deepStrictEqual(viaJson, viaSdk)
    }
    const missing = (layer: ReturnType<typeof liveLayer>) => Effect.runPromise(Effect.flip(Effect.flatMap(Effect.gen(function*() { return yield* Logs }), (l) => Stream.runCollect(l.streams("/nope")))).pipe(Effect.provide(layer)))
    const [a, b] = await Promise.all([missing(jsonLayer()), missing(liveLayer())])
    assert.strictEqual(a._tag, "AwsNotFound")
    assert.strictEqual(a.message, b.message)
  })

  it("an unknown group fails as LogsLive's does: AwsNotFound, the same message", async () => {
    await resetMoto()
    const flipped = (layer: ReturnType<typeof liveLayer>) =>
      Effect.runPromise(Effect.flatMap(Effect.gen(function*() { return yield* Logs }), (l) => Effect.flip(Stream.runCollect(l.eventPages({ group: "/nope" }, { lines })))).pipe(Effect.provide(layer)))
    const [viaJson, viaSdk] = await Promise.all([flipped(jsonLayer()), flipped(liveLayer())])
    assert.strictEqual(viaJson._tag, "AwsNotFound")
    assert.strictEqual(viaJson.message, viaSdk.message)
  })
})

describe("LogsLive on moto: known moto gaps", () => {
  it("moto ignores `filter` in Insights queries (aegea's matching is tested against LogsMemory)", async () => {
    await resetMoto()
    const now = Date.now()
    await seedLogs({ "/g": { s: [{ timestamp: now - 1000, message: "ERROR one" }, { timestamp: now - 500, message: "fine" }] } })
    const result = await Effect.runPromise(Effect.gen(function*() {
      const logs = yield* Logs
      const id = yield* logs.startQuery({
        groups: ["/g"],
        query: "fields @timestamp, @message | filter @message like /ERROR/",
        start: new Date(now - 60_000),
        end: new Date(now + 60_000)
      })
      return yield* logs.queryResults(id)
    }).pipe(Effect.provide(liveLayer())))
    assert.strictEqual(result.status, "Complete")
    // Real AWS would return only "ERROR one"; moto returns both.
    assert.deepStrictEqual(result.rows.map((r) => r["@message"]).sort(), ["ERROR one", "fine"])
  })

  it("StartQuery on an unknown group is AwsNotFound", async () => {
    await resetMoto()
    const error = await Effect.runPromise(Effect.gen(function*() {
      const logs = yield* Logs
      return yield* Effect.flip(logs.startQuery({ groups: ["/nope"], query: "fields @message", start: new Date(0), end: new Date() }))
    }).pipe(Effect.provide(liveLayer())))
    assert.strictEqual(error._tag, "AwsNotFound")
  })
})
