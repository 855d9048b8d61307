// smux v1 (the client side of a multiplexed port-forwarding session) against frames written by hand
// from the format (xtaci/smux frame.go as the session-manager-plugin vendors it: ver | cmd |
// length LE16 | sid LE32 | data; /work/shared/ssm-protocol.md §4 and its vectors in §5).
import { assert, describe, it } from "@effect/vitest"
import {
  compareVersions,
  encodeSmuxFrame,
  portForwardingMode,
  SMUX_MAX_FRAME_DATA,
  SmuxClient,
  SmuxCmd,
  type SmuxEvent,
  SmuxFrameReader,
  smuxKeepAliveNeeded
} from "../../src/lib/ssm/smux.ts"

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex")
const sent = (events: ReadonlyArray<SmuxEvent>) => Buffer.concat(events.flatMap((e) => (e._tag === "Send" ? [e.bytes] : [])))

describe("smux frames", () => {
  it("encodes SYN, PSH, FIN and NOP as the spec's vectors", () => {
    assert.deepStrictEqual(Buffer.from(encodeSmuxFrame(SmuxCmd.syn, 3)), hex("01 00 0000 03000000"))
    assert.deepStrictEqual(Buffer.from(encodeSmuxFrame(SmuxCmd.psh, 3, Buffer.from("hi"))), hex("01 02 0200 03000000 6869"))
    assert.deepStrictEqual(Buffer.from(encodeSmuxFrame(SmuxCmd.fin, 3)), hex("01 01 0000 03000000"))
    assert.deepStrictEqual(Buffer.from(encodeSmuxFrame(SmuxCmd.nop, 0)), hex("01 03 0000 00000000"))
    // little-endian length and stream id: 300 bytes (0x012c) on stream 0x01020305
    const big = encodeSmuxFrame(SmuxCmd.psh, 0x01020305, Buffer.alloc(300, 7))
    assert.deepStrictEqual(Buffer.from(big.subarray(0, 8)), hex("01 02 2c01 05030201"))
    assert.throws(() => encodeSmuxFrame(SmuxCmd.psh, 3, Buffer.alloc(SMUX_MAX_FRAME_DATA + 1)))
  })

  it("reassembles frames split byte by byte and frames combined in one piece", () => {
    const stream = hex("01 00 0000 05000000  01 02 0300 05000000 616263  01 03 0000 00000000  01 01 0000 05000000")
    const oneByOne = new SmuxFrameReader()
    const frames = []
    for (const byte of stream) {
      const r = oneByOne.push(Buffer.from([byte]))
      assert.strictEqual(r._tag, "Frames")
      if (r._tag === "Frames") frames.push(...r.frames)
    }
    assert.deepStrictEqual(frames.map((f) => [f.cmd, f.streamId, Buffer.from(f.data).toString()]), [
      [0, 5, ""],
      [2, 5, "abc"],
      [3, 0, ""],
      [1, 5, ""]
    ])
    assert.strictEqual(oneByOne.buffered, 0)
    const whole = new SmuxFrameReader().push(stream)
    assert.strictEqual(whole._tag === "Frames" ? whole.frames.length : -1, 4)
    // a piece ending inside a header, then inside the data
    const reader = new SmuxFrameReader()
    const a = reader.push(stream.subarray(0, 11))
    const b = reader.push(stream.subarray(11, 18))
    const c = reader.push(stream.subarray(18))
    assert.deepStrictEqual([a, b, c].map((r) => (r._tag === "Frames" ? r.frames.length : -1)), [1, 0, 3])
  })

  it("reads a full-size frame's data into the buffer `fullFrame` gives, whether it came in one piece or many; other frames into buffers of their own", () => {
    const data = Buffer.from(Array.from({ length: SMUX_MAX_FRAME_DATA }, (_, i) => (i * 31) & 0xff))
    const stream = Buffer.concat([encodeSmuxFrame(SmuxCmd.psh, 3, data), encodeSmuxFrame(SmuxCmd.psh, 3, data.subarray(0, 100)), encodeSmuxFrame(SmuxCmd.psh, 3, data)])
    const given: Array<Buffer> = []
    const fullFrame = () => {
      const b = Buffer.alloc(SMUX_MAX_FRAME_DATA, 0xee)
      given.push(b)
      return b
    }
    // in 1 KiB pieces (as the agent's payloads come), and in one piece
    for (const pieces of [Array.from({ length: Math.ceil(stream.length / 1024) }, (_, i) => stream.subarray(i * 1024, (i + 1) * 1024)), [stream]]) {
      given.length = 0
      const r = new SmuxFrameReader(fullFrame).pushAll(pieces)
      assert.strictEqual(r._tag, "Frames")
      const frames = r._tag === "Frames" ? r.frames : []
      assert.deepStrictEqual(frames.map((f) => f.data.length), [SMUX_MAX_FRAME_DATA, 100, SMUX_MAX_FRAME_DATA])
      assert.strictEqual(frames[0]!.data, given[0], "the first full frame, in the given buffer")
      assert.strictEqual(frames[2]!.data, given[1])
      assert.strictEqual(given.length, 2, "none for the short frame")
      assert.isTrue(Buffer.from(frames[0]!.data).equals(data))
      assert.isTrue(Buffer.from(frames[2]!.data).equals(data))
      assert.isTrue(Buffer.from(frames[1]!.data).equals(data.subarray(0, 100)))
      // the short frame's data is a copy too: changing the pieces leaves it as it was
      for (const p of pieces) p.fill(0)
      assert.isTrue(Buffer.from(frames[1]!.data).equals(data.subarray(0, 100)))
      stream.set(Buffer.concat([encodeSmuxFrame(SmuxCmd.psh, 3, data), encodeSmuxFrame(SmuxCmd.psh, 3, data.subarray(0, 100)), encodeSmuxFrame(SmuxCmd.psh, 3, data)]))
    }
  })

  it("a frame of another version or an unknown command breaks the session", () => {
    const reader = new SmuxFrameReader()
    assert.strictEqual(reader.push(hex("02 02 0000 03000000"))._tag, "ProtocolError")
    assert.strictEqual(reader.push(hex("01 03 0000 00000000"))._tag, "ProtocolError") // nothing after it is read
    assert.strictEqual(new SmuxFrameReader().push(hex("01 04 0800 03000000"))._tag, "ProtocolError") // v2's UPD
  })
})

describe("SmuxClient", () => {
  it("opens streams 3, 5, 7, writes PSH frames of at most 32768 bytes and closes with FIN once", () => {
    const client = new SmuxClient()
    const a = client.open()
    const b = client.open()
    const c = client.open()
    assert.deepStrictEqual([a.streamId, b.streamId, c.streamId], [3, 5, 7])
    assert.deepStrictEqual(sent(b.events), hex("01 00 0000 05000000"))
    const data = Buffer.alloc(SMUX_MAX_FRAME_DATA * 2 + 10, 0x61)
    const frames = sent(client.write(5, data))
    assert.strictEqual(frames.length, data.length + 3 * 8)
    assert.deepStrictEqual(frames.subarray(0, 8), hex("01 02 0080 05000000"))
    assert.deepStrictEqual(frames.subarray(8 + SMUX_MAX_FRAME_DATA, 16 + SMUX_MAX_FRAME_DATA), hex("01 02 0080 05000000"))
    assert.deepStrictEqual(frames.subarray(16 + 2 * SMUX_MAX_FRAME_DATA, 24 + 2 * SMUX_MAX_FRAME_DATA), hex("01 02 0a00 05000000"))
    assert.deepStrictEqual(sent(client.close(5)), hex("01 01 0000 05000000"))
    assert.deepStrictEqual(client.close(5), []) // once
    assert.deepStrictEqual(client.write(5, Buffer.from("late")), []) // nothing after our FIN
    assert.deepStrictEqual(client.write(9, Buffer.from("never opened")), [])
    assert.deepStrictEqual(sent(client.nop()), hex("01 03 0000 00000000"))
  })

  it("sorts the agent's frames by stream, across pieces, and ends a stream on the agent's FIN", () => {
    const client = new SmuxClient()
    client.open() // 3
    client.open() // 5
    const agent = Buffer.concat([
      encodeSmuxFrame(SmuxCmd.psh, 5, Buffer.from("five")),
      encodeSmuxFrame(SmuxCmd.psh, 3, Buffer.from("three")),
      encodeSmuxFrame(SmuxCmd.nop, 0),
      encodeSmuxFrame(SmuxCmd.psh, 9, Buffer.from("unknown stream")),
      encodeSmuxFrame(SmuxCmd.fin, 3),
      encodeSmuxFrame(SmuxCmd.psh, 3, Buffer.from("after FIN")),
      encodeSmuxFrame(SmuxCmd.psh, 5, Buffer.from("!"))
    ])
    const events = [...client.receive(agent.subarray(0, 13)), ...client.receive(agent.subarray(13))]
    assert.deepStrictEqual(events.map((e) => (e._tag === "Data" ? `${e.streamId}:${Buffer.from(e.bytes).toString()}` : `${e._tag}:${"streamId" in e ? e.streamId : ""}`)), [
      "5:five",
      "3:three",
      "RemoteClosed:3",
      "5:!"
    ])
    assert.strictEqual(client.isOpen(3), false)
    assert.strictEqual(client.isOpen(5), true)
    // a FIN after ours: the stream is forgotten; FIN from the agent first, then ours is not sent
    assert.strictEqual(sent(client.close(5)).length, 8)
    assert.deepStrictEqual(client.receive(encodeSmuxFrame(SmuxCmd.fin, 5)).map((e) => e._tag), ["RemoteClosed"])
    assert.strictEqual(client.openStreams, 0)
    const c = client.open()
    client.receive(encodeSmuxFrame(SmuxCmd.fin, c.streamId))
    assert.deepStrictEqual(client.close(c.streamId), [])
  })

  it("many streams interleaved, delivered in random pieces, come apart intact", () => {
    let seed = 42
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const client = new SmuxClient()
    const ids = Array.from({ length: 20 }, () => client.open().streamId)
    const expected = new Map(ids.map((id) => [id, Buffer.alloc(0)]))
    const frames: Array<Uint8Array> = []
    for (let round = 0; round < 200; round++) {
      const id = ids[Math.floor(random() * ids.length)]!
      const data = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 3000) }, () => Math.floor(random() * 256)))
      expected.set(id, Buffer.concat([expected.get(id)!, data]))
      frames.push(encodeSmuxFrame(SmuxCmd.psh, id, data))
    }
    const wire = Buffer.concat(frames)
    const got = new Map(ids.map((id) => [id, [] as Array<Uint8Array>]))
    for (let offset = 0; offset < wire.length;) {
      const size = 1 + Math.floor(random() * 1500)
      for (const e of client.receive(wire.subarray(offset, offset + size))) {
        if (e._tag === "Data") got.get(e.streamId)!.push(e.bytes)
        else assert.fail(`unexpected ${e._tag}`)
      }
      offset += size
    }
    for (const id of ids) assert.isTrue(Buffer.concat(got.get(id)!).equals(expected.get(id)!), `stream ${id}`)
  })
})

describe("the mode of a port session (§1.4)", () => {
  it("smux iff LocalPortForwarding, an agent newer than 3.0.196.0 and a client version of at least 1.1.70", () => {
    const mode = (type: string | undefined, agentVersion: string, clientVersion = "1.2.694.0") =>
      portForwardingMode({ sessionPropertiesType: type, agentVersion, clientVersion })
    assert.strictEqual(mode("LocalPortForwarding", "3.3.1957.0"), "mux")
    assert.strictEqual(mode("LocalPortForwarding", "3.0.196.1"), "mux")
    assert.strictEqual(mode("LocalPortForwarding", "3.0.196.0"), "basic")
    assert.strictEqual(mode("LocalPortForwarding", "2.3.722.0"), "basic")
    assert.strictEqual(mode("LocalPortForwarding", ""), "basic")
    assert.strictEqual(mode(undefined, "3.3.1957.0"), "basic") // AWS-StartSSHSession
    assert.strictEqual(mode("LocalPortForwarding", "3.3.1957.0", "1.1.61.0"), "basic")
    assert.strictEqual(mode("LocalPortForwarding", "3.3.1957.0", "1.1.70"), "mux")
  })

  it("NOP keep-alive only for agents up to 3.1.1511.0", () => {
    assert.isTrue(smuxKeepAliveNeeded("3.0.222.0"))
    assert.isTrue(smuxKeepAliveNeeded("3.1.1511.0"))
    assert.isFalse(smuxKeepAliveNeeded("3.1.1512.0"))
    assert.isFalse(smuxKeepAliveNeeded("3.3.1957.0"))
    assert.isTrue(compareVersions("3.10.0", "3.9.9") > 0)
    assert.strictEqual(compareVersions("1.1.70", "1.1.70.0"), 0)
  })
})
