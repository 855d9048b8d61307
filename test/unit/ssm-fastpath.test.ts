// The data channel's hot path (lib/ssm/frame.ts encodeFrame, encodeAckFrame, peekFrame;
// payloads.ts ackSequenceNumber; SsmSessionLive's own WebSocket framing) against the general
// encoder, decoder and JSON parser, and ws's own frame parser.
import { assert, describe, it } from "@effect/vitest"
import { randomUUID } from "node:crypto"
import { createRequire } from "node:module"
import {
  ACK_FLAGS,
  decodeMessage,
  encodeAckFrame,
  encodeFrame,
  encodeMessage,
  framePayload,
  framePayloadType,
  frameSequenceNumber,
  MessageType,
  messageTypeBytes,
  PayloadType,
  Peeked,
  peekFrame
} from "../../src/lib/ssm/frame.ts"
import { ackJson, ackSequenceNumber, parseAck } from "../../src/lib/ssm/payloads.ts"
import { ChannelProtocol } from "../../src/lib/ssm/protocol.ts"
import { writeWsBinaryFrames } from "../../src/layers/SsmSessionLive.ts"

const CREATED = 1503434274948
const output = (seq: number, payload: Uint8Array, type: string = MessageType.output) =>
  Buffer.from(encodeMessage({
    messageType: type,
    schemaVersion: 1,
    createdDate: CREATED,
    sequenceNumber: BigInt(seq),
    flags: 0n,
    messageId: randomUUID(),
    payloadType: PayloadType.output,
    payload
  }))

describe("encodeFrame and encodeAckFrame", () => {
  it("encodeFrame is encodeMessage byte for byte", () => {
    for (const seq of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      const id = randomUUID()
      const payload = Buffer.from(`payload ${seq}`)
      const fast = encodeFrame(messageTypeBytes(MessageType.input), CREATED, seq, 0, id, PayloadType.output, payload)
      const general = encodeMessage({ messageType: MessageType.input, schemaVersion: 1, createdDate: CREATED, sequenceNumber: BigInt(seq), flags: 0n, messageId: id, payloadType: PayloadType.output, payload })
      assert.strictEqual(Buffer.compare(fast, general), 0, `seq ${seq}`)
    }
  })

  it("a fresh id is a random version 4 UUID, different every time", () => {
    const ids = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const decoded = decodeMessage(encodeFrame(messageTypeBytes(MessageType.input), CREATED, i, 0, undefined, PayloadType.output, Buffer.from("x")))
      assert.strictEqual(decoded._tag, "Decoded")
      if (decoded._tag !== "Decoded") return
      assert.match(decoded.message.messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      ids.add(decoded.message.messageId)
    }
    assert.strictEqual(ids.size, 2000)
  })

  it("an acknowledgement is encodeMessage over ackJson, byte for byte", () => {
    for (const seq of [0, 9, 10, 99, 100, 12345, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -1]) {
      const received = output(seq, Buffer.from("data"))
      const decoded = decodeMessage(received)
      if (decoded._tag !== "Decoded") return assert.fail(decoded.reason)
      const ackId = randomUUID()
      const fast = encodeAckFrame(CREATED, MessageType.output, received, seq, ackId)
      const general = encodeMessage({
        messageType: MessageType.acknowledge,
        schemaVersion: 1,
        createdDate: CREATED,
        sequenceNumber: 0n,
        flags: ACK_FLAGS,
        messageId: ackId,
        payloadType: PayloadType.none,
        payload: Buffer.from(ackJson({ messageType: MessageType.output, messageId: decoded.message.messageId, sequenceNumber: seq }))
      })
      assert.strictEqual(fast.toString("hex"), Buffer.from(general).toString("hex"), `seq ${seq}`)
    }
  })
})

describe("peekFrame", () => {
  it("reads output and acknowledgements as decodeMessage does", () => {
    for (const [seq, type] of [[0, MessageType.output], [7, MessageType.acknowledge], [2 ** 33 + 5, MessageType.output]] as const) {
      const frame = output(seq, Buffer.from(`bytes ${seq}`), type)
      const decoded = decodeMessage(frame)
      if (decoded._tag !== "Decoded") return assert.fail(decoded.reason)
      assert.strictEqual(peekFrame(frame), type === MessageType.output ? Peeked.output : Peeked.acknowledge)
      assert.strictEqual(frameSequenceNumber(frame), Number(decoded.message.sequenceNumber))
      assert.strictEqual(framePayloadType(frame), decoded.message.payloadType)
      assert.deepStrictEqual(new Uint8Array(framePayload(frame)), new Uint8Array(decoded.message.payload))
    }
  })

  it("leaves every other frame, and any output decodeMessage rejects, to decodeMessage", () => {
    const good = output(3, Buffer.from("data"))
    const cases: Record<string, Buffer> = {
      input: output(3, Buffer.from("data"), MessageType.input),
      channelClosed: output(3, Buffer.from("{}"), MessageType.channelClosed),
      truncated: good.subarray(0, 119),
      headerLength: Buffer.concat([Buffer.from([0, 0, 0, 117]), good.subarray(4)]),
      payloadLength: Buffer.concat([good, Buffer.from("!")]),
      digest: (() => {
        const f = Buffer.from(good)
        f[121]! ^= 1
        return f
      })(),
      createdDate: (() => {
        const f = Buffer.from(good)
        f.fill(0, 40, 48)
        return f
      })(),
      negativeSequence: (() => {
        const f = Buffer.from(good)
        f.writeBigInt64BE(-1n, 48)
        return f
      })()
    }
    for (const [name, frame] of Object.entries(cases)) assert.strictEqual(peekFrame(frame), Peeked.other, name)
    for (const name of ["truncated", "headerLength", "payloadLength", "digest", "createdDate"]) {
      assert.strictEqual(decodeMessage(cases[name]!)._tag, "Malformed", name)
    }
  })
})

describe("ackSequenceNumber", () => {
  it("agrees with parseAck on the agent's acknowledgements and on anything else", () => {
    const id = randomUUID()
    const agentAck = (seq: number) => ackJson({ messageType: MessageType.input, messageId: id, sequenceNumber: seq })
    const payloads = [
      agentAck(0),
      agentAck(7),
      agentAck(1234567),
      agentAck(Number.MAX_SAFE_INTEGER),
      agentAck(7).replace("true", "false"),
      agentAck(7).replace(":7,", ": 7,"),
      agentAck(7).replace(":7,", ":07,"),
      agentAck(7).replace(":7,", ":7.5,"),
      agentAck(7).replace(":7,", ":1e3,"),
      agentAck(7).replace("}", `,"AcknowledgedMessageSequenceNumber":9}`),
      agentAck(7).replace(id, "short"),
      agentAck(7).replace("input_stream_data", "output_stream_data"),
      agentAck(7).slice(0, -1),
      agentAck(7) + " ",
      ackJson({ messageType: MessageType.input, messageId: id, sequenceNumber: 2 ** 60 }),
      `{"AcknowledgedMessageSequenceNumber":5}`,
      "not json",
      ""
    ]
    for (const text of payloads) {
      assert.strictEqual(ackSequenceNumber(Buffer.from(text)), parseAck(Buffer.from(text))?.sequenceNumber, text)
    }
    assert.strictEqual(ackSequenceNumber(Buffer.from(agentAck(42))), 42)
  })
})

describe("the channel's WebSocket framing", () => {
  // ws's own parser, as a server reads client frames
  const require = createRequire(import.meta.url)
  const Receiver = (require("ws") as { Receiver: unknown }).Receiver as new(options: { isServer: boolean; maxPayload: number }) => NodeJS.WritableStream & {
    on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): void
    on(event: "error", listener: (error: Error) => void): void
  }

  it("writes masked binary frames that ws reads back unchanged, at every length encoding", () => {
    const sizes = [1, 125, 126, 127, 1144, 65535, 65536, 70000]
    const frames = sizes.map((n, i) => Buffer.alloc(n, i + 1))
    const out = writeWsBinaryFrames(frames, Buffer.alloc(sizes.reduce((a, b) => a + b, 0) + 14 * sizes.length))
    const received: Array<Buffer> = []
    const errors: Array<Error> = []
    const receiver = new Receiver({ isServer: true, maxPayload: 0 })
    receiver.on("message", (data, isBinary) => {
      assert.isTrue(isBinary)
      received.push(Buffer.from(data))
    })
    receiver.on("error", (e) => errors.push(e))
    // in pieces that split headers and payloads
    for (let at = 0; at < out.length; at += 1000) receiver.write(out.subarray(at, at + 1000))
    assert.deepStrictEqual(errors, [])
    assert.deepStrictEqual(received.map((b) => b.length), sizes)
    for (let i = 0; i < sizes.length; i++) assert.isTrue(received[i]!.equals(frames[i]!), `frame ${i}`)
  })
})

describe("the protocol on the fast path", () => {
  const agent = (seq: number, payloadType: number, payload: Uint8Array, type: string = MessageType.output) =>
    Buffer.from(encodeMessage({ messageType: type, schemaVersion: 1, createdDate: CREATED, sequenceNumber: BigInt(seq), flags: 0n, messageId: randomUUID(), payloadType, payload }))
  const ready = () => {
    const protocol = new ChannelProtocol({ now: () => CREATED })
    protocol.receive(agent(0, PayloadType.handshakeRequest, Buffer.from(JSON.stringify({ AgentVersion: "3.3.0.0", RequestedClientActions: [] }))))
    protocol.receive(agent(1, PayloadType.handshakeComplete, Buffer.from(JSON.stringify({ HandshakeTimeToComplete: 1, CustomerMessage: "" }))))
    return protocol
  }
  const ackOf = (seq: number) =>
    agent(0, PayloadType.none, Buffer.from(ackJson({ messageType: MessageType.input, messageId: randomUUID(), sequenceNumber: seq })), MessageType.acknowledge)

  it("delivers output in order, acknowledges each as ackJson says, and takes acknowledgements", () => {
    const protocol = ready()
    // the handshake response (0) is unacknowledged, then two data messages (1, 2)
    protocol.sendData(Buffer.alloc(2048, 1))
    assert.strictEqual(protocol.unacknowledged, 3)
    for (const seq of [0, 2, 1]) protocol.receive(ackOf(seq))
    assert.strictEqual(protocol.unacknowledged, 0)
    const second = agent(3, PayloadType.output, Buffer.from("second"))
    const first = agent(2, PayloadType.output, Buffer.from("first"))
    const early = protocol.receive(second)
    assert.deepStrictEqual(early.map((e) => e._tag), ["Send"])
    const events = protocol.receive(first)
    assert.deepStrictEqual(events.map((e) => e._tag), ["Send", "Data", "Data"])
    assert.deepStrictEqual(events.filter((e) => e._tag === "Data").map((e) => Buffer.from(e._tag === "Data" ? e.bytes : []).toString()), ["first", "second"])
    const ack = events[0]!._tag === "Send" ? decodeMessage(events[0]!.frame) : undefined
    const sent = decodeMessage(first)
    if (ack?._tag !== "Decoded" || sent._tag !== "Decoded") return assert.fail("undecodable")
    assert.strictEqual(ack.message.messageType, MessageType.acknowledge)
    assert.strictEqual(Buffer.from(ack.message.payload).toString(), ackJson({ messageType: MessageType.output, messageId: sent.message.messageId, sequenceNumber: 2 }))
  })

  it("ignores output whose digest is wrong (no delivery, no acknowledgement); takes an acknowledgement regardless of its digest", () => {
    const protocol = ready()
    const bad = agent(2, PayloadType.output, Buffer.from("data"))
    bad[120]! ^= 1
    assert.deepStrictEqual(protocol.receive(bad).map((e) => e._tag), ["Ignored"])
    assert.strictEqual(protocol.expectedSequenceNumber, 2n)
    const ack = ackOf(0)
    ack[80]! ^= 1 // the digest, not the payload
    protocol.receive(ack)
    assert.strictEqual(protocol.unacknowledged, 0)
  })
})
