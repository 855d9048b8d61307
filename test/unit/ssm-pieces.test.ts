// The upload's pieces (lib/ssm/smux.ts writePieces, lib/ssm/protocol.ts chunkPieces and sendChunks):
// the same messages as joining the pieces and cutting them with sendData, at every kind of boundary.
import { assert, describe, it } from "@effect/vitest"
import { decodeMessage } from "../../src/lib/ssm/frame.ts"
import { type ChannelEvent, ChannelProtocol, CHUNK_SIZE, chunkPieces } from "../../src/lib/ssm/protocol.ts"
import { SmuxClient } from "../../src/lib/ssm/smux.ts"

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff))

describe("chunkPieces", () => {
  it("cuts pieces as their concatenation would be cut, whatever their lengths", () => {
    const lengths = [0, 1, 8, 1023, 1024, 1025, 2048, 3000, 32768, 7]
    for (let a = 0; a < lengths.length; a++) {
      for (let b = 0; b < lengths.length; b++) {
        const pieces = [bytes(lengths[a]!, a), bytes(lengths[b]!, b), bytes(lengths[(a + b) % lengths.length]!, a + b)]
        const joined = Buffer.concat(pieces)
        const chunks = chunkPieces(pieces)
        const expected: Array<Buffer> = []
        for (let at = 0; at < joined.length; at += CHUNK_SIZE) expected.push(joined.subarray(at, at + CHUNK_SIZE))
        assert.deepStrictEqual(chunks.map((c) => Buffer.from(c).toString("hex")), expected.map((c) => c.toString("hex")))
      }
    }
  })

  it("smux frames as pieces carry the bytes write makes, and the protocol sends the same messages", () => {
    const data = bytes(70_000, 3)
    const client = new SmuxClient()
    const { streamId } = client.open()
    const joined = client.write(streamId, data)
    const pieces = client.writePieces(streamId, data)
    assert.strictEqual(joined.length, 1)
    const whole = joined[0]!._tag === "Send" ? Buffer.from(joined[0]!.bytes) : Buffer.alloc(0)
    assert.deepStrictEqual(Buffer.concat(pieces), whole)

    const sent = (send: (p: ChannelProtocol) => ReadonlyArray<ChannelEvent>) => {
      const p = new ChannelProtocol({ now: () => 1_700_000_000_000, newId: () => "dd01e56b-ff48-483e-a508-b5f073f31b16" })
      ;(p as unknown as { handshakeComplete: boolean }).handshakeComplete = true
      return send(p).map((e) => {
        assert.strictEqual(e._tag, "Send")
        const frame = e._tag === "Send" ? e.frame : new Uint8Array(0)
        const decoded = decodeMessage(frame)
        assert.strictEqual(decoded._tag, "Decoded")
        return Buffer.from(frame).toString("hex")
      })
    }
    const viaData = sent((p) => p.sendData(whole))
    const chunks = chunkPieces(pieces)
    const viaChunks = sent((p) => [...p.sendChunks(chunks, 0, 10), ...p.sendChunks(chunks, 10, chunks.length)])
    assert.strictEqual(viaData.length, Math.ceil(whole.length / CHUNK_SIZE))
    assert.deepStrictEqual(viaChunks, viaData)
  })

  it("before the handshake, what sendData and sendChunks hold is a copy: the caller may reuse its memory once the write is done", () => {
    const p = new ChannelProtocol({ now: () => 1_700_000_000_000, newId: () => "dd01e56b-ff48-483e-a508-b5f073f31b16" })
    const data = bytes(3000, 5)
    const original = Buffer.from(data)
    const chunks = chunkPieces([data.subarray(0, 1500), data.subarray(1500)])
    assert.deepStrictEqual(p.sendData(data.subarray(0, 1024)), [])
    assert.deepStrictEqual(p.sendChunks(chunks, 1, chunks.length), [])
    data.fill(0)
    const held = (p as unknown as { held: Array<{ payload: Uint8Array }> }).held
    assert.strictEqual(Buffer.concat(held.map((h) => h.payload)).toString("hex"), original.toString("hex"))
  })

  it("writePieces sends nothing for an empty write or a stream we closed", () => {
    const client = new SmuxClient()
    const { streamId } = client.open()
    assert.deepStrictEqual(client.writePieces(streamId, new Uint8Array(0)), [])
    client.close(streamId)
    assert.deepStrictEqual(client.writePieces(streamId, bytes(10, 1)), [])
    assert.deepStrictEqual(client.writePieces(99, bytes(10, 1)), [])
  })
})
