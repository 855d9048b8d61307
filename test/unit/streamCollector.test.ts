// src/sdkPatches/streamCollector.ts replaces the SDK's `streamCollector` in the CLI bundle (every
// response body of every client goes through it): it must give the same bytes, in the same kind of
// array, or the same failure. Here both collect the same HTTP responses from a server on 127.0.0.1
// (with and without content-length, chunked, multi-byte characters split across chunks, empty, gzip
// bytes, a body longer than its content-length, a response cut short) and the same plain streams.
import { streamCollector as sdkStreamCollector } from "@smithy/node-http-handler"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { PassThrough, Readable } from "node:stream"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fastStreamCollector } from "../../src/sdkPatches/streamCollector.ts"

const sdk = sdkStreamCollector as (stream: unknown) => Promise<Uint8Array>
const fast = fastStreamCollector(sdk)

/** What a response is sent as: its chunks (written one by one) and its headers. */
interface Answer {
  readonly chunks: ReadonlyArray<Uint8Array>
  readonly length?: "exact" | "none" | number
  readonly cut?: boolean
}

const text = "événement 😀 ".repeat(5000)
const utf8 = Buffer.from(text, "utf8")
// Split inside multi-byte characters: every 7 bytes.
const split = Array.from({ length: Math.ceil(utf8.length / 7) }, (_, i) => utf8.subarray(i * 7, i * 7 + 7))
const ascii = Buffer.from(JSON.stringify({ events: Array.from({ length: 3000 }, (_, i) => ({ eventId: `${i}`, message: `m ${i}` })) }))

const answers: Record<string, Answer> = {
  "content-length, one chunk": { chunks: [ascii] },
  "content-length, many chunks": { chunks: Array.from({ length: 40 }, (_, i) => ascii.subarray(i * 3000, i * 3000 + 3000)).filter((c) => c.length > 0) },
  "content-length, multi-byte characters split across chunks": { chunks: split },
  "chunked (no content-length)": { chunks: split, length: "none" },
  "empty, content-length 0": { chunks: [] },
  "empty, chunked": { chunks: [], length: "none" },
  "gzip bytes": { chunks: [gzipSync(utf8)] },
  "a small body (Node's buffer pool size)": { chunks: [Buffer.from("{}")] }
}

let server: http.Server
let port = 0
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const answer = answers[decodeURIComponent(req.url!.slice(1))]!
    const total = answer.chunks.reduce((n, c) => n + c.length, 0)
    const length = answer.length ?? "exact"
    if (answer.cut) {
      // Says more than it sends, then drops the connection.
      res.writeHead(200, { "content-length": String(total + 100) })
      for (const c of answer.chunks) res.write(c)
      setImmediate(() => res.socket?.destroy())
      return
    }
    res.writeHead(200, length === "none" ? {} : { "content-length": String(length === "exact" ? total : length) })
    for (const c of answer.chunks) res.write(c)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const agent = new http.Agent({ keepAlive: false })
const response = (name: string) =>
  new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: `/${encodeURIComponent(name)}`, agent }, resolve).on("error", reject)
  })

const outcome = async (collect: (stream: unknown) => Promise<Uint8Array>, stream: unknown) => {
  try {
    const bytes = await collect(stream)
    return {
      ok: true,
      kind: Object.getPrototypeOf(bytes) === Uint8Array.prototype ? "Uint8Array" : String(bytes.constructor?.name),
      ownBuffer: bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength,
      hex: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")
    }
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  }
}

describe("fastStreamCollector: the SDK's streamCollector's bytes, faster", () => {
  for (const name of Object.keys(answers)) {
    it(`HTTP response: ${name}`, async () => {
      const mine = await outcome(fast, await response(name))
      const theirs = await outcome(sdk, await response(name))
      expect(mine).toEqual(theirs)
      expect(mine.ok).toBe(true)
    })
  }

  it("a response cut short rejects as the SDK's does", async () => {
    answers["cut"] = { chunks: [ascii.subarray(0, 5000)], cut: true }
    const mine = await outcome(fast, await response("cut"))
    const theirs = await outcome(sdk, await response("cut"))
    expect(mine.ok).toBe(false)
    expect(mine).toEqual(theirs)
  })

  it("a declared length shorter or longer than the body (a stream that says so): the bytes that came", async () => {
    for (const declared of [0, 10, utf8.length - 1, utf8.length + 1, utf8.length * 2]) {
      const stream = (): Readable => Object.assign(Readable.from(split, { objectMode: false }), { headers: { "content-length": String(declared) } })
      expect(await outcome(fast, stream())).toEqual(await outcome(sdk, stream()))
    }
  })

  it("plain streams, object-mode streams and an encoding set go the same way", async () => {
    const makers: ReadonlyArray<() => Readable> = [
      () => Readable.from(split, { objectMode: false }),
      () => Readable.from([], { objectMode: false }),
      () => Readable.from(["a string chunk", "é"], { objectMode: false }),
      () => Readable.from(split).setEncoding("utf8"),
      () => {
        const p = new PassThrough()
        p.end(utf8)
        return p
      }
    ]
    for (const make of makers) expect(await outcome(fast, make())).toEqual(await outcome(sdk, make()))
  })

  it("a stream that fails rejects with its error", async () => {
    const failing = () =>
      new Readable({
        read() {
          this.destroy(new Error("socket hang up"))
        }
      })
    expect(await outcome(fast, failing())).toEqual({ ok: false, error: "socket hang up" })
    expect(await outcome(sdk, failing())).toEqual({ ok: false, error: "socket hang up" })
  })

  it("what is not a Node stream goes to the SDK's own", async () => {
    const blob = new Blob([utf8])
    expect(await outcome(fast, blob)).toEqual(await outcome(sdk, blob))
    const web = () => new Blob([ascii]).stream()
    expect(await outcome(fast, web())).toEqual(await outcome(sdk, web()))
  })
})
