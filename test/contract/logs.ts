/**
 * The CloudWatch Logs (+ S3 for exports) contract: the same scenarios against LogsMemory/S3Memory
 * (test/unit) and LogsLive/S3Live on moto (test/integration), so the two cannot drift. Only what
 * moto does faithfully is here; Insights filtering (which moto ignores) is covered in grep.test.ts.
 */
import { gunzipSync } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { logEventsOf, Logs } from "../../src/services/Logs.ts"
import { S3 } from "../../src/services/S3.ts"

export interface SeedEvents {
  readonly [group: string]: { readonly [stream: string]: ReadonlyArray<{ readonly timestamp: number; readonly message: string }> }
}

export interface LogsHarness {
  /** A fresh layer holding exactly these groups, streams and events. */
  readonly make: (seed: SeedEvents) => Promise<{
    readonly layer: Layer.Layer<Logs | S3>
    /** Append events to a stream (it exists already). */
    readonly put: (group: string, stream: string, events: ReadonlyArray<{ timestamp: number; message: string }>) => Promise<void>
  }>
}

const run = <A, E>(layer: Layer.Layer<Logs | S3>, effect: Effect.Effect<A, E, Logs | S3>) =>
  Effect.runPromise(effect.pipe(Effect.provide(layer)) as Effect.Effect<A, E>)
const logs = Effect.gen(function*() {
  return yield* Logs
})

const base = Date.now() - 60 * 60_000
const seed: SeedEvents = {
  "/aegea/app": {
    "web-1": [{ timestamp: base, message: "GET / 200" }, { timestamp: base + 2_000, message: "ERROR boom" }],
    "web-2": [{ timestamp: base + 1_000, message: "GET /health 200" }, { timestamp: base + 5_000, message: "late" }]
  },
  "/aegea/empty": {}
}

export const logsContract = (label: string, harness: LogsHarness) =>
  describe(`Logs contract (${label})`, () => {
    it("lists groups by prefix, and a group's streams most recent first", async () => {
      const { layer } = await harness.make(seed)
      const groups = await run(layer, Effect.flatMap(logs, (l) => Stream.runCollect(l.groups({ prefix: "/aegea/" }))))
      assert.deepStrictEqual(groups.map((g) => g.name), ["/aegea/app", "/aegea/empty"])
      assert.isAtLeast(groups[0]!.storedBytes, 0)
      const streams = await run(layer, Effect.flatMap(logs, (l) => Stream.runCollect(l.streams("/aegea/app"))))
      assert.deepStrictEqual(streams.map((s) => s.name), ["web-2", "web-1"])
      assert.strictEqual(streams[0]!.lastEvent?.getTime(), base + 5_000)
    })

    it("reads events across streams in time order, filtered by pattern, time and stream", async () => {
      const { layer } = await harness.make(seed)
      const read = (q: Omit<Parameters<Logs["Service"]["events"]>[0], "group">) =>
        run(layer, Effect.flatMap(logs, (l) => Stream.runCollect(l.events({ group: "/aegea/app", ...q })))).then((es) =>
          es.map((e) => `${e.stream} ${e.message}`)
        )
      assert.deepStrictEqual(await read({}), ["web-1 GET / 200", "web-2 GET /health 200", "web-1 ERROR boom", "web-2 late"])
      assert.deepStrictEqual(await read({ filterPattern: "ERROR" }), ["web-1 ERROR boom"])
      assert.deepStrictEqual(await read({ start: new Date(base + 1_500) }), ["web-1 ERROR boom", "web-2 late"])
      assert.deepStrictEqual(await read({ streams: ["web-2"] }), ["web-2 GET /health 200", "web-2 late"])
    })

    it("eventPages holds the events of `events`, page by page, as the API's records", async () => {
      const { layer } = await harness.make(seed)
      for (const q of [{}, { filterPattern: "ERROR" }, { start: new Date(base + 1_500) }, { streams: ["web-2"] }, { filterPattern: "nothing-matches" }]) {
        const query = { group: "/aegea/app", ...q }
        const [events, pages] = await run(layer, Effect.flatMap(logs, (l) =>
          Effect.all([Stream.runCollect(l.events(query)), Stream.runCollect(l.eventPages(query))])))
        for (const page of pages) {
          assert.strictEqual(page.group, "/aegea/app")
          assert.isAbove(page.events.length, 0)
          for (const e of page.events) {
            assert.isString(e.eventId)
            assert.isNumber(e.timestamp)
            assert.isNumber(e.ingestionTime)
          }
        }
        assert.deepStrictEqual(pages.flatMap(logEventsOf), [...events], JSON.stringify(q))
      }
      const missing = await run(layer, Effect.flatMap(logs, (l) => Effect.flip(Stream.runCollect(l.eventPages({ group: "/nope" })))))
      assert.strictEqual(missing._tag, "AwsNotFound")
    })

    it("readStream continues from its token and sees only new events", async () => {
      const { layer, put } = await harness.make(seed)
      /** Read pages until one comes back empty (AWS then returns the same token). */
      const drain = (token: string | undefined) =>
        run(layer, Effect.gen(function*() {
          const l = yield* logs
          const messages: Array<string> = []
          let next = token
          for (let page = 0; page < 20; page++) {
            const r = yield* l.readStream("/aegea/app", "web-1", { token: next })
            next = r.nextToken
            if (r.events.length === 0) break
            messages.push(...r.events.map((e) => e.message))
          }
          return { messages, next }
        }))
      const first = await drain(undefined)
      assert.deepStrictEqual(first.messages, ["GET / 200", "ERROR boom"])
      const again = await drain(first.next)
      assert.deepStrictEqual(again.messages, [])
      await put("/aegea/app", "web-1", [{ timestamp: base + 9_000, message: "new" }])
      const next = await drain(again.next)
      assert.deepStrictEqual(next.messages, ["new"])
    })

    it("ensureGroup is idempotent and sets retention", async () => {
      const { layer } = await harness.make(seed)
      await run(layer, Effect.flatMap(logs, (l) => Effect.andThen(l.ensureGroup("/aegea/new"), l.ensureGroup("/aegea/new", { retentionDays: 7 }))))
      const groups = await run(layer, Effect.flatMap(logs, (l) => Stream.runCollect(l.groups({ prefix: "/aegea/new" }))))
      assert.deepStrictEqual(groups.map((g) => [g.name, g.retentionDays]), [["/aegea/new", 7]])
    })

    it("an unknown group is AwsNotFound", async () => {
      const { layer } = await harness.make(seed)
      const streams = await run(layer, Effect.flatMap(logs, (l) => Effect.flip(Stream.runCollect(l.streams("/nope")))))
      assert.strictEqual(streams._tag, "AwsNotFound")
      const events = await run(layer, Effect.flatMap(logs, (l) => Effect.flip(Stream.runCollect(l.events({ group: "/nope" })))))
      assert.strictEqual(events._tag, "AwsNotFound")
    })

    it("an Insights query completes with @timestamp/@message rows (sort and limit honoured)", async () => {
      const { layer } = await harness.make(seed)
      const result = await run(layer, Effect.gen(function*() {
        const l = yield* logs
        const id = yield* l.startQuery({
          groups: ["/aegea/app"],
          query: "fields @timestamp, @message | sort @timestamp desc | limit 3",
          start: new Date(base - 60_000),
          end: new Date(base + 60_000)
        })
        let r = yield* l.queryResults(id)
        for (let i = 0; i < 20 && (r.status === "Running" || r.status === "Scheduled"); i++) r = yield* l.queryResults(id)
        return r
      }))
      assert.strictEqual(result.status, "Complete")
      assert.strictEqual(result.rows.length, 3)
      assert.deepStrictEqual(result.rows.map((r) => r["@message"]), ["late", "ERROR boom", "GET /health 200"])
      assert.isString(result.rows[0]!["@timestamp"])
    })

    it("exports a group to S3 as gzipped objects per stream", async () => {
      const { layer } = await harness.make(seed)
      const files = await run(layer, Effect.gen(function*() {
        const l = yield* logs
        const s3 = yield* S3
        const bucket = `aegea-logs-${yield* s3.accountId}-${s3.region}`
        yield* s3.ensureLogExportBucket(bucket)
        yield* s3.ensureLogExportBucket(bucket)
        const id = yield* l.createExportTask({ group: "/aegea/app", start: new Date(base - 1), end: new Date(base + 60_000), bucket, prefix: "exp" })
        const task = yield* l.describeExportTask(id)
        // AWS writes under exp/<taskId>/; moto under exp/<another uuid>/: aegea relies only on the prefix.
        const objects = (yield* Stream.runCollect(s3.objects(bucket, "exp/"))).filter((o) => o.key.endsWith(".gz"))
        const out: Record<string, string> = {}
        for (const o of objects) {
          out[o.key.split("/").slice(2).join("/")] = gunzipSync(yield* s3.getObject(bucket, o.key)).toString("utf8")
        }
        return { task, out }
      }))
      assert.strictEqual(files.task.status, "COMPLETED")
      assert.deepStrictEqual(Object.keys(files.out).sort(), ["web-1/000000.gz", "web-2/000000.gz"])
      assert.include(files.out["web-1/000000.gz"], "ERROR boom")
      assert.include(files.out["web-2/000000.gz"], "late")
    })
  })
