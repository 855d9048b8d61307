// The data channel's own WebSocket frame reader (lib/ssm/wsReader.ts) against ws's own Sender (the
// frames a server writes) and Receiver (what ws would have read): binary messages come out of the
// reader unchanged and in order at any split of the stream; every other frame reaches ws's parser
// whole, so that ws answers pings, pongs, closes and fragmented messages as it always did.
import { assert, describe, it } from "@effect/vitest"
import { createRequire } from "node:module"
import { WsFrameReader } from "../../src/lib/ssm/wsReader.ts"

const require = createRequire(import.meta.url)
const ws = require("ws") as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean; maskBuffer?: Buffer; generateMask?: (b: Buffer) => void }): Array<Buffer> }
  Receiver: new(options: { isServer: boolean; maxPayload: number; binaryType: string }) => NodeJS.WritableStream & {
    on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): void
    on(event: "ping" | "pong", listener: (data: Buffer) => void): void
    on(event: "conclude", listener: (code: number, reason: Buffer) => void): void
    on(event: "error", listener: (error: Error) => void): void
  }
}

/** A frame as a server writes it (unmasked), by ws's own Sender. */
const frame = (opcode: number, data: Buffer, fin = true, rsv1 = false) =>
  Buffer.concat(ws.Sender.frame(data, { fin, opcode, mask: false, readOnly: true, rsv1 }))

/** What ws's parser reports, in order. */
const receiver = () => {
  const events: Array<string> = []
  const errors: Array<string> = []
  const r = new ws.Receiver({ isServer: false, maxPayload: 100 * 1024 * 1024, binaryType: "nodebuffer" })
  r.on("message", (data, isBinary) => events.push(`${isBinary ? "binary" : "text"}:${data.length}:${hash(data)}`))
  r.on("ping", (data) => events.push(`ping:${data.toString()}`))
  r.on("pong", (data) => events.push(`pong:${data.toString()}`))
  r.on("conclude", (code) => events.push(`close:${code}`))
  r.on("error", (e) => errors.push(e.message))
  return { r, events, errors }
}

const hash = (b: Buffer) => {
  let h = 0
  for (const byte of b) h = (h * 31 + byte) >>> 0
  return h
}

/** The reader's output: binary messages itself, everything else through a ws Receiver; events in one list, in order. */
const throughReader = (stream: Buffer, pieceSize: number) => {
  const { r, events, errors } = receiver()
  const reader = new WsFrameReader(
    (payload) => events.push(`binary:${payload.length}:${hash(payload)}`),
    (bytes) => void r.write(Buffer.from(bytes))
  )
  for (let at = 0; at < stream.length; at += pieceSize) reader.push(stream.subarray(at, at + pieceSize))
  return { events, errors, reader }
}

/** The same stream read by ws alone. */
const throughWs = (stream: Buffer) => {
  const { r, events, errors } = receiver()
  r.write(stream)
  return { events, errors }
}

const sizes = [0, 1, 125, 126, 127, 1144, 65535, 65536, 70000]
const binary = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff))

describe("WsFrameReader", () => {
  it("reads ws's binary frames of every length encoding unchanged, at any split of the stream", () => {
    const messages = sizes.map((n, i) => binary(n, i))
    const stream = Buffer.concat(messages.map((m) => frame(2, m)))
    const expected = throughWs(stream)
    assert.deepStrictEqual(expected.errors, [])
    assert.strictEqual(expected.events.length, sizes.length)
    // byte by byte over the short frames, in larger pieces over all of them
    const short = Buffer.concat(messages.filter((m) => m.length < 2000).map((m) => frame(2, m)))
    const shortExpected = throughWs(short)
    for (const piece of [1, 2, 3, 9]) {
      const got = throughReader(short, piece)
      assert.deepStrictEqual(got.errors, [], `pieces of ${piece}`)
      assert.deepStrictEqual(got.events, shortExpected.events, `pieces of ${piece}`)
      assert.strictEqual(got.reader.buffered, 0)
    }
    for (const piece of [10, 1000, 1144, 65536, stream.length]) {
      const got = throughReader(stream, piece)
      assert.deepStrictEqual(got.errors, [], `pieces of ${piece}`)
      assert.deepStrictEqual(got.events, expected.events, `pieces of ${piece}`)
      assert.strictEqual(got.reader.buffered, 0)
      assert.isFalse(got.reader.passingThrough)
    }
  })

  it("hands pings, pongs and fragmented messages (with a ping between fragments) to ws whole, in order with the binary messages", () => {
    const stream = Buffer.concat([
      frame(2, binary(1144, 1)),
      frame(9, Buffer.from("are you there")),
      frame(2, binary(300, 2), false),
      frame(9, Buffer.from("mid-message")),
      frame(0, binary(70000, 3), false),
      frame(0, binary(5, 4), true),
      frame(10, Buffer.from("keepalive")),
      frame(2, binary(1024, 5))
    ])
    const expected = throughWs(stream)
    assert.deepStrictEqual(expected.errors, [])
    assert.deepStrictEqual(expected.events.map((e) => e.split(":")[0]), ["binary", "ping", "ping", "binary", "pong", "binary"])
    for (const piece of [7, 1000, stream.length]) {
      const got = throughReader(stream, piece)
      assert.deepStrictEqual(got.errors, [], `pieces of ${piece}`)
      assert.deepStrictEqual(got.events, expected.events, `pieces of ${piece}`)
      assert.isFalse(got.reader.passingThrough)
    }
  })

  it("after a close frame, passes every byte to ws unread", () => {
    const close = Buffer.alloc(2)
    close.writeUInt16BE(1000)
    const stream = Buffer.concat([frame(2, binary(10, 1)), frame(8, close), frame(2, binary(20, 2))])
    const got = throughReader(stream, 4)
    assert.isTrue(got.reader.passingThrough)
    // ws reports the close; what follows it is not a message of the reader's
    assert.deepStrictEqual(got.events.slice(0, 2), [`binary:10:${hash(binary(10, 1))}`, "close:1000"])
    assert.notInclude(got.events.slice(2), `binary:20:${hash(binary(20, 2))}`)
  })

  it("leaves a text frame, extension bits or a masked frame to ws, from that frame on", () => {
    const masked = Buffer.concat(ws.Sender.frame(binary(50, 9), { fin: true, opcode: 2, mask: true, readOnly: true, rsv1: false, maskBuffer: Buffer.from([1, 2, 3, 4]), generateMask: (b) => void b.set([1, 2, 3, 4]) }))
    const cases: Record<string, Buffer> = {
      text: frame(1, Buffer.from("hello")),
      rsv1: frame(2, binary(8, 1), true, true),
      masked
    }
    for (const [name, odd] of Object.entries(cases)) {
      const stream = Buffer.concat([frame(2, binary(100, 1)), odd, frame(2, binary(200, 2))])
      const passed: Array<Buffer> = []
      const payloads: Array<number> = []
      const reader = new WsFrameReader((p) => void payloads.push(p.length), (b) => void passed.push(Buffer.from(b)))
      for (let at = 0; at < stream.length; at += 3) reader.push(stream.subarray(at, at + 3))
      assert.deepStrictEqual(payloads, [100], name)
      assert.isTrue(reader.passingThrough, name)
      // ws's parser sees the stream from that frame on, byte for byte
      assert.isTrue(Buffer.concat(passed).equals(stream.subarray(frame(2, binary(100, 1)).length)), name)
    }
  })

  it("gives each binary payload as a view of the bytes read when the frame lies in one read", () => {
    const stream = Buffer.concat([frame(2, binary(1024, 1)), frame(2, binary(1024, 2))])
    const views: Array<Buffer> = []
    const reader = new WsFrameReader((p) => void views.push(p), () => assert.fail("no other frame"))
    reader.push(stream)
    assert.strictEqual(views.length, 2)
    for (const v of views) assert.strictEqual(v.buffer, stream.buffer)
  })
})
