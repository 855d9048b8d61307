import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { spawn } from "node:child_process"
import { EventEmitter } from "node:events"
import { Writable } from "node:stream"
import YAML from "yaml"
import { detectSettings, type OutputFlags } from "../../src/commands/global.ts"
import { backlogOf, bufferedWriter, flushPendingOutput, OutputLive, safeWriter, sinkBroken } from "../../src/layers/OutputLive.ts"
import { makeOutput, Output, type TableSpec } from "../../src/services/Output.ts"
import { defaultTestSettings, OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const spec: TableSpec = { columns: [{ key: "id", kind: "id" }, { key: "state", kind: "state" }, { key: "launched", kind: "time" }] }
const start = Date.parse("2024-06-01T00:00:00.000Z")
const rows = [
  { id: "i-1", state: "running", launched: new Date(start) },
  { id: "i-2", state: "stopped", launched: new Date(start - 86_400_000) }
]

describe("Output service (test layer)", () => {
  it.effect("renders relative times against the Clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start + 3 * 3_600_000)
      const output = yield* Output
      yield* output.table(rows, spec)
      const lines = yield* (yield* OutputCapture).stdout
      assert.strictEqual(lines.length, 3)
      assert.match(lines[1]!, /^i-1\s+running\s+3 hours ago$/)
      assert.match(lines[2]!, /^i-2\s+stopped\s+1 day ago$/)
    }).pipe(Effect.provide(OutputTest.layer())))

  it.effect("writes JSON with ISO times whatever the clock", () =>
    Effect.gen(function*() {
      yield* (yield* Output).table(rows, spec)
      const parsed = JSON.parse(yield* (yield* OutputCapture).stdoutText)
      assert.deepStrictEqual(parsed, [
        { id: "i-1", state: "running", launched: "2024-06-01T00:00:00.000Z" },
        { id: "i-2", state: "stopped", launched: "2024-05-31T00:00:00.000Z" }
      ])
    }).pipe(Effect.provide(OutputTest.layer({ format: "json" }))))

  it.effect("writes YAML, loading the yaml package lazily", () =>
    Effect.gen(function*() {
      yield* (yield* Output).table(rows, spec)
      const parsed = YAML.parse(yield* (yield* OutputCapture).stdoutText)
      assert.deepStrictEqual(parsed[1], { id: "i-2", state: "stopped", launched: "2024-05-31T00:00:00.000Z" })
    }).pipe(Effect.provide(OutputTest.layer({ format: "yaml" }))))

  it.effect("fails with a UsageError on an unknown --sort-by column and prints nothing", () =>
    Effect.gen(function*() {
      const error = yield* (yield* Output).table(rows, spec).pipe(Effect.flip)
      assert.strictEqual(error._tag, "UsageError")
      assert.include(error.hint ?? "", "id, state, launched")
      assert.deepStrictEqual(yield* (yield* OutputCapture).stdout, [])
    }).pipe(Effect.provide(OutputTest.layer({ sortBy: Option.some({ key: "zone", descending: false }) }))))

  it.effect("prints documents as YAML in table format and JSON in json format", () =>
    Effect.gen(function*() {
      const doc = { id: "i-1", launched: new Date(start), nested: { list: [1, 2] }, gone: undefined }
      const output = yield* Output
      yield* output.document(doc)
      const capture = yield* OutputCapture
      assert.deepStrictEqual(YAML.parse(yield* capture.stdoutText), { id: "i-1", launched: "2024-06-01T00:00:00.000Z", nested: { list: [1, 2] } })
    }).pipe(Effect.provide(OutputTest.layer())))

  it.effect("document in json format", () =>
    Effect.gen(function*() {
      yield* (yield* Output).document({ when: new Date(start) })
      const text = yield* (yield* OutputCapture).stdoutText
      assert.strictEqual(text, '{\n  "when": "2024-06-01T00:00:00.000Z"\n}\n')
    }).pipe(Effect.provide(OutputTest.layer({ format: "json" }))))

  it.effect("prints tables and documents through the page hook (the pager's sink), lines of text straight", () =>
    Effect.gen(function*() {
      const paged: Array<string> = []
      const written: Array<string> = []
      const output = makeOutput({ ...defaultTestSettings }, {
        stdout: (text) => void written.push(text),
        stderr: () => {},
        page: (text) => Effect.sync(() => void paged.push(text))
      })
      yield* output.table(rows, spec)
      yield* output.document({ a: 1 })
      yield* output.text("a line")
      assert.strictEqual(paged.length, 2)
      assert.match(paged[0]!, /^ID\s+STATE\s+LAUNCHED\n/)
      assert.strictEqual(paged[1], "a: 1\n")
      assert.deepStrictEqual(written, ["a line\n"])
    }))

  it.effect("keeps data on stdout and messages on stderr", () =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* output.text("a line")
      yield* output.info("launching")
      yield* output.warn("no key pair")
      const capture = yield* OutputCapture
      assert.deepStrictEqual(yield* capture.stdout, ["a line"])
      assert.deepStrictEqual(yield* capture.stderr, ["launching", "warning: no key pair"])
    }).pipe(Effect.provide(OutputTest.layer())))
})

describe("detectSettings", () => {
  const flags = (overrides: Partial<OutputFlags> = {}): OutputFlags => ({ json: false, noColor: false, ...overrides })
  const tty = { isTTY: true, columns: 120 }

  it.effect("colours and fits only on a TTY, honouring NO_COLOR and --no-color", () =>
    Effect.gen(function*() {
      const onTty = yield* detectSettings(flags(), {}, tty)
      assert.deepStrictEqual([onTty.format, onTty.color, onTty.width], ["table", true, 120])
      const piped = yield* detectSettings(flags(), {}, {})
      assert.deepStrictEqual([piped.color, piped.width], [false, undefined])
      assert.isFalse((yield* detectSettings(flags(), { NO_COLOR: "1" }, tty)).color)
      assert.isTrue((yield* detectSettings(flags(), { NO_COLOR: "" }, tty)).color)
      assert.isFalse((yield* detectSettings(flags({ noColor: true }), {}, tty)).color)
    }))

  it.effect("FORCE_COLOR colours through a pipe; --no-color, TERM=dumb, NO_COLOR and FORCE_COLOR=0 win", () =>
    Effect.gen(function*() {
      const color = (env: Record<string, string>, stdout: { isTTY?: boolean } = {}, noColor = false) =>
        detectSettings(flags({ noColor }), env, stdout).pipe(Effect.map((s) => s.color))
      assert.isTrue(yield* color({ FORCE_COLOR: "1" }))
      assert.isTrue(yield* color({ FORCE_COLOR: "true" }))
      assert.isTrue(yield* color({ FORCE_COLOR: "3" }))
      assert.isFalse(yield* color({ FORCE_COLOR: "" }))
      assert.isFalse(yield* color({ FORCE_COLOR: "0" }, tty))
      assert.isFalse(yield* color({ FORCE_COLOR: "false" }, tty))
      assert.isFalse(yield* color({ FORCE_COLOR: "1", NO_COLOR: "1" }))
      assert.isFalse(yield* color({ FORCE_COLOR: "1", TERM: "dumb" }))
      assert.isFalse(yield* color({ FORCE_COLOR: "1" }, {}, true))
      // Forced colour does not make a pipe a terminal: no fitting to a width.
      assert.isUndefined((yield* detectSettings(flags(), { FORCE_COLOR: "1" }, {})).width)
    }))

  it.effect("parses --json, --columns and --sort-by", () =>
    Effect.gen(function*() {
      const settings = yield* detectSettings(flags({ json: true, columns: "id, tags.Name,,id", sortBy: "launchTime:desc" }), {}, {})
      assert.strictEqual(settings.format, "json")
      assert.deepStrictEqual(settings.columns, Option.some(["id", "tags.Name"]))
      assert.deepStrictEqual(settings.sortBy, Option.some({ key: "launchTime", descending: true }))
      const asc = yield* detectSettings(flags({ output: "csv", sortBy: "name:ASC" }), {}, {})
      assert.deepStrictEqual([asc.format, asc.sortBy], ["csv", Option.some({ key: "name", descending: false })])
    }))

  it.effect("rejects a bad --sort-by suffix, empty --columns and --json with another --output", () =>
    Effect.gen(function*() {
      for (const bad of [flags({ sortBy: "name:down" }), flags({ sortBy: ":desc" }), flags({ columns: " , " }), flags({ json: true, output: "yaml" })]) {
        const error = yield* detectSettings(bad, {}, {}).pipe(Effect.flip)
        assert.strictEqual(error._tag, "UsageError")
      }
    }))
})

describe("safeWriter", () => {
  class FakeStream extends EventEmitter {
    readonly written: Array<string> = []
    write(chunk: string) {
      this.written.push(chunk)
      return true
    }
  }

  it("stops writing silently after EPIPE", () => {
    const stream = new FakeStream()
    const others: Array<Error> = []
    const write = safeWriter(stream, (e) => others.push(e))
    write("first\n")
    stream.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }))
    write("second\n")
    assert.deepStrictEqual(stream.written, ["first\n"])
    assert.deepStrictEqual(others, [])
    assert.strictEqual(safeWriter(stream), write)
    assert.strictEqual(stream.listenerCount("error"), 1)
  })

  it("reports other stream errors once and stops writing", () => {
    const stream = new FakeStream()
    const others: Array<string> = []
    const write = safeWriter(stream, (e) => others.push(e.message))
    stream.emit("error", Object.assign(new Error("no space"), { code: "ENOSPC" }))
    write("lost\n")
    assert.deepStrictEqual([stream.written, others], [[], ["no space"]])
  })

  it("survives a real pipe whose reader has closed it (EPIPE)", async () => {
    const child = spawn("sh", ["-c", "exec 0<&-; sleep 5"], { stdio: ["pipe", "ignore", "ignore"] })
    try {
      const codes: Array<string | undefined> = []
      child.stdin.on("error", (e: Error & { code?: string }) => codes.push(e.code))
      const others: Array<Error> = []
      const write = safeWriter(child.stdin, (e) => others.push(e))
      assert.isFalse(sinkBroken(child.stdin))
      await new Promise((resolve) => setTimeout(resolve, 200))
      for (let i = 0; i < 20; i++) write("x".repeat(65_536) + "\n")
      await new Promise((resolve) => setTimeout(resolve, 100))
      write("after\n")
      assert.deepStrictEqual([codes, others], [["EPIPE"], []])
      // what Output.readerGone tells a command reading page after page
      assert.isTrue(sinkBroken(child.stdin))
    } finally {
      child.kill()
    }
  })
})

describe("bufferedWriter", () => {
  it("gathers writes into one until the event loop turns, in order", async () => {
    const written: Array<string> = []
    const writer = bufferedWriter((t) => written.push(t as string))
    for (let i = 0; i < 1000; i++) writer.write(`line ${i}\n`)
    assert.deepStrictEqual(written, [])
    await new Promise((resolve) => setImmediate(resolve))
    assert.strictEqual(written.length, 1)
    assert.strictEqual(written[0], Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(""))
  })

  it("writes out at the size limit and on flush, and flushPendingOutput reaches every pending writer", () => {
    const written: Array<string> = []
    const writer = bufferedWriter((t) => written.push(t as string), 10)
    writer.write("12345")
    writer.write("67890")
    assert.deepStrictEqual(written, ["1234567890"])
    writer.write("a")
    writer.flush()
    writer.flush()
    assert.deepStrictEqual(written, ["1234567890", "a"])
    const other: Array<string> = []
    const second = bufferedWriter((t) => other.push(t as string))
    second.write("pending")
    writer.write("b")
    flushPendingOutput()
    assert.deepStrictEqual([written, other], [["1234567890", "a", "b"], ["pending"]])
  })

  it("a text of the size limit or more goes out on its own, after what is pending, not joined to it", () => {
    const written: Array<string> = []
    const writer = bufferedWriter((t) => written.push(t as string), 10)
    writer.write("ab")
    writer.write("0123456789")
    assert.deepStrictEqual(written, ["ab", "0123456789"])
    writer.write("0123456789abc")
    writer.write("\n")
    assert.deepStrictEqual(written, ["ab", "0123456789", "0123456789abc"])
    writer.flush()
    assert.deepStrictEqual(written.join(""), "ab01234567890123456789abc\n")
  })

  it.effect("Output.text writes a long text and its line break as two writes unless stderr is a terminal", () =>
    Effect.gen(function*() {
      const long = "x".repeat(65536)
      for (const stderrIsTTY of [false, true]) {
        const written: Array<string> = []
        const output = makeOutput({ ...defaultTestSettings }, { stdout: (text) => void written.push(text), stderr: () => {}, stderrIsTTY })
        yield* output.text("short")
        yield* output.text(long)
        assert.deepStrictEqual(written, stderrIsTTY ? ["short\n", `${long}\n`] : ["short\n", long, "\n"])
      }
    }))

  it.effect("Output.textBytes: the bytes as they are where the streams take bytes, else their text; a status line erased first", () =>
    Effect.gen(function*() {
      const lines = Buffer.from("2024 s one é\n2024 s two\n")
      const text: Array<string> = []
      yield* makeOutput({ ...defaultTestSettings }, { stdout: (t) => void text.push(t), stderr: () => {} }).textBytes(lines)
      assert.deepStrictEqual(text, [lines.toString("utf8")])
      const written: Array<string | Uint8Array> = []
      const output = makeOutput({ ...defaultTestSettings }, {
        stdout: (t) => void written.push(t),
        stdoutBytes: (b) => void written.push(b),
        stderr: (t) => void written.push(`err:${t}`),
        stderrIsTTY: true
      })
      yield* output.textBytes(lines)
      assert.strictEqual(written[0], lines)
      // with a status line on the terminal: erased before the bytes, drawn again after
      yield* output.status("waiting")
      written.length = 0
      yield* output.textBytes(lines)
      assert.strictEqual(written.length, 3)
      assert.match(String(written[0]), /^err:/)
      assert.strictEqual(written[1], lines)
      assert.include(String(written[2]), "waiting")
      yield* output.statusDone
    }))

  it("backlogOf: no wait under the limit; over it, a wait until the stream drains (or closes), left without a listener", async () => {
    const pending: Array<() => void> = []
    const sink = new Writable({ highWaterMark: 4, write: (_chunk, _encoding, done) => void pending.push(done) })
    const backlog = backlogOf(sink, 10)
    sink.write("12345")
    assert.isUndefined(backlog())
    sink.write("678901")
    const wait = backlog()
    assert.isDefined(wait)
    let over = false
    const waiting = Effect.runPromise(wait!).then(() => (over = true))
    await new Promise((resolve) => setImmediate(resolve))
    assert.isFalse(over)
    while (pending.length > 0) pending.shift()!()
    await waiting
    assert.strictEqual(sink.listenerCount("drain") + sink.listenerCount("close"), 0)
    // a stream that closes while waited for: the wait ends
    sink.write("x".repeat(20))
    const closing = Effect.runPromise(backlog()!)
    sink.destroy()
    await closing
    assert.isUndefined(backlog())
  })

  it.effect("Output.listing: parts printed as they come are the text table prints for all the rows, in every machine format", () =>
    Effect.gen(function*() {
      const spec: TableSpec = {
        columns: [{ key: "timestamp", kind: "time" }, { key: "name", kind: "name" }, { key: "message", kind: "text" }, { key: "size", kind: "number" }],
        kinds: { id: "id" }
      }
      const values = ["plain", "a,b", "quote \"q\"", "line\nbreak", "tab\there", "é ✓ 😀", "", "- dash", "key: value", "null", "#hash", "  spaced  "]
      const row = (i: number) => ({
        timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1_000),
        name: values[i % values.length],
        message: i % 7 === 0 ? undefined : `${values[(i * 5) % values.length]} ${i}`,
        size: i % 5 === 0 ? null : i * 1.5,
        id: `e-${i}`
      })
      for (const format of ["json", "yaml", "csv", "tsv"] as const) {
        for (const [n, cuts] of [[0, []], [1, []], [40, [0, 13, 13, 39]], [25, [1, 2, 3, 24]]] as const) {
          const rows = Array.from({ length: n }, (_, i) => row(i))
          const whole: Array<string> = []
          yield* makeOutput({ ...defaultTestSettings, format }, { stdout: (t) => void whole.push(t), stderr: () => {} }).table(rows, spec)
          const parts: Array<string> = []
          const listing = yield* makeOutput({ ...defaultTestSettings, format }, { stdout: (t) => void parts.push(t), stderr: () => {} }).listing(spec)
          let at = 0
          for (const cut of [...cuts, n]) {
            yield* listing.rows(rows.slice(at, cut))
            at = cut
          }
          // printed as they came, not at the end
          assert.strictEqual(parts.length, new Set([...cuts, n].filter((c, i, all) => c > (i === 0 ? 0 : all[i - 1]!))).size)
          yield* listing.end
          assert.strictEqual(parts.join(""), whole.join(""), `${format} ${n}`)
        }
      }
      // --sort-by (or --columns, --query, table format, a pager): gathered, and printed by table at the end
      const sorted: Array<string> = []
      const gathered = yield* makeOutput({ ...defaultTestSettings, format: "json", sortBy: Option.some({ key: "name", descending: false }) }, {
        stdout: (t) => void sorted.push(t),
        stderr: () => {}
      }).listing(spec)
      yield* gathered.rows([row(2)])
      yield* gathered.rows([row(1)])
      assert.deepStrictEqual(sorted, [])
      yield* gathered.end
      assert.deepStrictEqual(JSON.parse(sorted.join("")).map((r: { name: string }) => r.name), [values[1], values[2]])
    }))

  it("bufferedWriter.writeBytes: a large piece as it is after what is pending, a small one as text among the rest", () => {
    const written: Array<string | Uint8Array> = []
    const writer = bufferedWriter((t) => written.push(t), 10)
    writer.write("ab")
    writer.writeBytes(Buffer.from("é\n"))
    const large = Buffer.from("0123456789é\n")
    writer.writeBytes(large)
    writer.write("c")
    writer.flush()
    assert.deepStrictEqual(written, ["abé\n", large, "c"])
  })

  it("stderr lines of the live layer write out the pending stdout first; the layer's end writes the rest", async () => {
    const seen: Array<string> = []
    const out = process.stdout.write
    const err = process.stderr.write
    process.stdout.write = ((chunk: string) => seen.push(`out:${chunk}`) > 0) as typeof process.stdout.write
    process.stderr.write = ((chunk: string) => seen.push(`err:${chunk}`) > 0) as typeof process.stderr.write
    try {
      await Effect.runPromise(Effect.gen(function*() {
        const o = yield* Output
        yield* o.text("one")
        yield* o.text("two")
        yield* o.info("three")
        yield* o.text("four")
      }).pipe(Effect.provide(OutputLive(defaultTestSettings))))
    } finally {
      process.stdout.write = out
      process.stderr.write = err
    }
    assert.deepStrictEqual(seen, ["out:one\ntwo\n", "err:three\n", "out:four\n"])
  })
})
