// The Session Manager data channel framing against byte-level vectors derived from the protocol
// definition (see /work/shared/ssm-protocol.md §2 and §5), plus a seeded fuzz of malformed frames.
import { assert, describe, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import {
  type ClientMessage,
  decodeMessage,
  encodeMessage,
  HEADER_LENGTH,
  MessageType,
  PayloadType,
  uuidFromWire,
  uuidToWire
} from "../../src/lib/ssm/frame.ts"
import {
  ackJson,
  CLIENT_VERSION,
  channelClosedReason,
  flagPayload,
  handshakeResponseJson,
  openDataChannelJson,
  parseAck,
  parseHandshakeRequest
} from "../../src/lib/ssm/payloads.ts"
import { type ChannelEvent, ChannelProtocol } from "../../src/lib/ssm/protocol.ts"

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex")
const TEST_ID = "dd01e56b-ff48-483e-a508-b5f073f31b16"
const CREATED = 1503434274948

const message = (overrides: Partial<ClientMessage>): ClientMessage => ({
  messageType: MessageType.input,
  schemaVersion: 1,
  createdDate: CREATED,
  sequenceNumber: 0n,
  flags: 0n,
  messageId: TEST_ID,
  payloadType: PayloadType.none,
  payload: new Uint8Array(),
  ...overrides
})

const V1 = hex(`
00000074
696e7075745f73747265616d5f64617461202020202020202020202020202020
00000001 0000015e0baa7884 0000000000000001 0000000000000002
a508b5f073f31b16dd01e56bff48483e
239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5
00000000 00000007 7061796c6f6164`)

const V2 = hex(`
00000074 696e7075745f73747265616d5f64617461202020202020202020202020202020
00000001 0000015e0baa7884 0000000000000000 0000000000000000
a508b5f073f31b16dd01e56bff48483e
2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
00000001 00000005 68656c6c6f`)

const V4 = hex(`
00000074 696e7075745f73747265616d5f64617461202020202020202020202020202020
00000001 0000015e0baa7884 0000000000000005 0000000000000000
a508b5f073f31b16dd01e56bff48483e
433ebf5bc03dffa38536673207a21281612cef5faa9bc7a4d5b9be2fdb12cf1a
0000000a 00000004 00000002`)

describe("message header", () => {
  it("encodes the plugin's test message byte for byte (V1: 127 bytes, big-endian, swapped UUID halves)", () => {
    const bytes = encodeMessage(message({ sequenceNumber: 1n, flags: 2n, payload: Buffer.from("payload") }))
    assert.strictEqual(bytes.length, 127)
    assert.strictEqual(Buffer.from(bytes).toString("hex"), V1.toString("hex"))
  })

  it("encodes a data message (V2) and a TerminateSession flag (V4)", () => {
    assert.strictEqual(
      Buffer.from(encodeMessage(message({ payloadType: PayloadType.output, payload: Buffer.from("hello") }))).toString("hex"),
      V2.toString("hex")
    )
    assert.strictEqual(
      Buffer.from(encodeMessage(message({ sequenceNumber: 5n, payloadType: PayloadType.flag, payload: flagPayload(2) }))).toString("hex"),
      V4.toString("hex")
    )
  })

  it("decodes V1 back into its fields with a valid digest", () => {
    const decoded = decodeMessage(V1)
    assert.strictEqual(decoded._tag, "Decoded")
    if (decoded._tag !== "Decoded") return
    assert.strictEqual(decoded.message.messageType, "input_stream_data")
    assert.strictEqual(decoded.message.sequenceNumber, 1n)
    assert.strictEqual(decoded.message.flags, 2n)
    assert.strictEqual(decoded.message.schemaVersion, 1)
    assert.strictEqual(decoded.message.createdDate, CREATED)
    assert.strictEqual(decoded.message.messageId, TEST_ID)
    assert.strictEqual(Buffer.from(decoded.message.payload).toString(), "payload")
  })

  it("places each field at its offset", () => {
    const bytes = Buffer.from(encodeMessage(message({ sequenceNumber: 5747283n, payloadType: 50, payload: Buffer.from("x") })))
    assert.strictEqual(bytes.readUInt32BE(0), HEADER_LENGTH)
    assert.strictEqual(bytes.subarray(48, 56).toString("hex"), "000000000057b253")
    assert.strictEqual(bytes.subarray(112, 116).toString("hex"), "00000032")
    assert.strictEqual(bytes.subarray(116, 120).toString("hex"), "00000001")
    assert.strictEqual(bytes.subarray(80, 112).toString("hex"), createHash("sha256").update("x").digest("hex"))
  })

  it("swaps the UUID halves on the wire and back", () => {
    assert.strictEqual(Buffer.from(uuidToWire(TEST_ID)).toString("hex"), "a508b5f073f31b16dd01e56bff48483e")
    assert.strictEqual(uuidFromWire(uuidToWire(TEST_ID)), TEST_ID)
  })

  it("accepts NUL-padded message types, as the plugin's reader does", () => {
    const bytes = Buffer.from(V2)
    bytes.fill(0, 4 + "input_stream_data".length, 36)
    const decoded = decodeMessage(bytes)
    assert.strictEqual(decoded._tag === "Decoded" && decoded.message.messageType, "input_stream_data")
  })
})

describe("payloads", () => {
  it("acknowledges with the plugin's JSON (V3 payload, 176 bytes) in a seq-0, flags-3 message", () => {
    const json = ackJson({ messageType: "output_stream_data", messageId: TEST_ID, sequenceNumber: 2 })
    assert.strictEqual(
      json,
      `{"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"${TEST_ID}","AcknowledgedMessageSequenceNumber":2,"IsSequentialMessage":true}`
    )
    assert.strictEqual(json.length, 176)
    const frame = Buffer.from(encodeMessage(message({ messageType: MessageType.acknowledge, flags: 3n, payload: Buffer.from(json) })))
    assert.strictEqual(frame.length, 296)
    assert.strictEqual(frame.subarray(80, 112).toString("hex"), "826149d35e09fb655b0de7148dac393b940c08944aeccbefab44cbd86c9be050")
    assert.deepStrictEqual(parseAck(Buffer.from(json)), { messageType: "output_stream_data", messageId: TEST_ID, sequenceNumber: 2 })
  })

  it("answers a Port handshake with success and declines KMS encryption", () => {
    const request = parseHandshakeRequest(Buffer.from(JSON.stringify({
      AgentVersion: "3.3.1.0",
      RequestedClientActions: [
        { ActionType: "SessionType", ActionParameters: { SessionType: "Port", Properties: { portNumber: "22" } } },
        { ActionType: "KMSEncryption", ActionParameters: { KMSKeyId: "arn:aws:kms:us-east-1:1:key/x" } }
      ]
    })))
    assert.isDefined(request)
    const response = JSON.parse(handshakeResponseJson(request!))
    assert.strictEqual(response.ClientVersion, CLIENT_VERSION)
    assert.deepStrictEqual(response.ProcessedClientActions[0], { ActionType: "SessionType", ActionStatus: 1, ActionResult: null, Error: "" })
    assert.strictEqual(response.ProcessedClientActions[1].ActionType, "KMSEncryption")
    assert.strictEqual(response.ProcessedClientActions[1].ActionStatus, 3)
    assert.strictEqual(response.Errors.length, 1)
  })

  it("builds the OpenDataChannel frame with the token and reads channel_closed reasons", () => {
    const open = JSON.parse(openDataChannelJson("tok", "r-1", "c-1"))
    assert.deepStrictEqual(open, { MessageSchemaVersion: "1.0", RequestId: "r-1", TokenValue: "tok", ClientId: "c-1", ClientVersion: CLIENT_VERSION })
    assert.strictEqual(channelClosedReason(Buffer.from(`{"Output":"bye","SessionId":"s"}`)), "bye")
    assert.strictEqual(channelClosedReason(Buffer.from("not json")), "")
  })
})

/** An agent-side message for the protocol tests. */
const agent = (seq: number, payloadType: number, payload: string | Uint8Array, messageType: string = MessageType.output) =>
  encodeMessage(message({
    messageType,
    sequenceNumber: BigInt(seq),
    payloadType,
    payload: typeof payload === "string" ? Buffer.from(payload) : payload,
    messageId: `00000000-0000-4000-8000-${seq.toString().padStart(12, "0")}`
  }))

const sent = (events: ReadonlyArray<ChannelEvent>) =>
  events.flatMap((e) => {
    if (e._tag !== "Send") return []
    const d = decodeMessage(e.frame)
    return d._tag === "Decoded" ? [d.message] : []
  })
const data = (events: ReadonlyArray<ChannelEvent>) =>
  events.flatMap((e) => (e._tag === "Data" ? [Buffer.from(e.bytes).toString()] : [])).join("")

const handshakeRequest = JSON.stringify({
  AgentVersion: "3.3.2.0",
  RequestedClientActions: [{ ActionType: "SessionType", ActionParameters: { SessionType: "Port", Properties: { portNumber: "22" } } }]
})

describe("sequencing and acknowledgements", () => {
  const fresh = () => {
    let now = 1_000
    const protocol = new ChannelProtocol({ now: () => now })
    return { protocol, advance: (ms: number) => (now += ms) }
  }

  it("acks the handshake request, answers as input seq 0, and numbers data from 1", () => {
    const { protocol } = fresh()
    const first = sent(protocol.receive(agent(0, PayloadType.handshakeRequest, handshakeRequest)))
    assert.deepStrictEqual(first.map((m) => [m.messageType, m.sequenceNumber, m.payloadType]), [
      ["acknowledge", 0n, 0],
      ["input_stream_data", 0n, PayloadType.handshakeResponse]
    ])
    assert.strictEqual(first[0]!.flags, 3n)
    assert.strictEqual(JSON.parse(Buffer.from(first[0]!.payload).toString()).AcknowledgedMessageSequenceNumber, 0)
    const complete = protocol.receive(agent(1, PayloadType.handshakeComplete, `{"HandshakeTimeToComplete":5,"CustomerMessage":"hi"}`))
    assert.deepStrictEqual(complete.find((e) => e._tag === "HandshakeComplete"), { _tag: "HandshakeComplete", agentVersion: "3.3.2.0", customerMessage: "hi" })
    const out = sent(protocol.sendData(Buffer.alloc(2500, 1)))
    assert.deepStrictEqual(out.map((m) => [m.sequenceNumber, m.payload.length]), [[1n, 1024], [2n, 1024], [3n, 452]])
    assert.strictEqual(protocol.unacknowledged, 4)
  })

  it("delivers out-of-order data in sequence and re-acks duplicates without delivering them twice", () => {
    const { protocol } = fresh()
    protocol.receive(agent(0, PayloadType.handshakeRequest, handshakeRequest))
    protocol.receive(agent(1, PayloadType.handshakeComplete, "{}"))
    const early = protocol.receive(agent(3, PayloadType.output, "c"))
    assert.strictEqual(data(early), "")
    assert.strictEqual(sent(early)[0]!.messageType, "acknowledge")
    assert.strictEqual(data(protocol.receive(agent(2, PayloadType.output, "ab"))), "abc")
    const duplicate = protocol.receive(agent(2, PayloadType.output, "ab"))
    assert.strictEqual(data(duplicate), "")
    assert.strictEqual(sent(duplicate).length, 1)
  })

  it("drops acknowledged messages and resends unacknowledged ones after the timeout, then gives up", () => {
    const { protocol, advance } = fresh()
    const response = sent(protocol.receive(agent(0, PayloadType.handshakeRequest, handshakeRequest)))[1]!
    protocol.receive(agent(1, PayloadType.handshakeComplete, "{}"))
    protocol.receive(agent(0, PayloadType.none, ackJson({ messageType: "input_stream_data", messageId: response.messageId, sequenceNumber: 0 }), MessageType.acknowledge))
    const out = sent(protocol.sendData(Buffer.from("x")))
    assert.strictEqual(protocol.tick().length, 0)
    advance(250)
    assert.strictEqual(sent(protocol.tick())[0]!.sequenceNumber, out[0]!.sequenceNumber)
    const ack = ackJson({ messageType: "input_stream_data", messageId: out[0]!.messageId, sequenceNumber: 1 })
    protocol.receive(agent(0, PayloadType.none, ack, MessageType.acknowledge))
    assert.strictEqual(protocol.unacknowledged, 0)
    protocol.sendData(Buffer.from("y"))
    advance(61_000)
    assert.strictEqual(protocol.tick()[0]!._tag, "Failed")
  })

  it("after a hold of the channel's reading, every unacknowledged message's timeout and resend count from then (restartAckClock)", () => {
    const { protocol, advance } = fresh()
    protocol.receive(agent(0, PayloadType.handshakeRequest, handshakeRequest))
    protocol.receive(agent(1, PayloadType.handshakeComplete, "{}"))
    protocol.sendData(Buffer.from("y"))
    advance(59_000) // held: nothing read, nothing ticked
    protocol.restartAckClock()
    assert.deepStrictEqual(protocol.tick(), [], "no resend at once, no timeout")
    advance(59_000)
    assert.isFalse(protocol.tick().some((e) => e._tag === "Failed"), "59 s after the hold, not 118 s after the send")
    advance(2_000)
    assert.strictEqual(protocol.tick().at(-1)!._tag, "Failed")
  })

  it("reports channel_closed with the agent's reason and agent flags", () => {
    const { protocol } = fresh()
    assert.deepStrictEqual(protocol.receive(agent(0, PayloadType.flag, flagPayload(3))).filter((e) => e._tag === "AgentFlag"), [
      { _tag: "AgentFlag", flag: 3 }
    ])
    assert.deepStrictEqual(protocol.receive(agent(0, 0, `{"Output":"gone"}`, MessageType.channelClosed)), [{ _tag: "Closed", reason: "gone" }])
    assert.isTrue(protocol.closed)
  })

  it("fails cleanly when the agent asks for KMS encryption's challenge", () => {
    const { protocol } = fresh()
    assert.strictEqual(protocol.receive(agent(0, PayloadType.encChallengeRequest, "{}")).at(-1)!._tag, "Failed")
  })
})

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("malformed frames (seeded fuzz)", () => {
  const random = prng(20240601)
  const int = (n: number) => Math.floor(random() * n)
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
  const valid = () => Buffer.from(encodeMessage(message({ payloadType: 1, sequenceNumber: BigInt(int(5)), payload: bytes(1 + int(64)) })))

  const mutations: Record<string, () => Uint8Array> = {
    "random bytes": () => bytes(int(300)),
    "truncated header": () => valid().subarray(0, int(120)),
    "wrong header length": () => {
      const f = valid()
      f.writeUInt32BE(int(1000) + 117, 0)
      return f
    },
    "wrong payload length": () => {
      const f = valid()
      f.writeUInt32BE(f.readUInt32BE(116) + 1 + int(100), 116)
      return f
    },
    "bad digest": () => {
      const f = valid()
      f[80 + int(32)]! ^= 1 + int(255)
      return f
    },
    "flipped payload byte": () => {
      const f = valid()
      f[120 + int(f.length - 120)]! ^= 1 + int(255)
      return f
    },
    "empty message type": () => {
      const f = valid()
      f.fill(0x20, 4, 36)
      return f
    }
  }

  for (const [name, mutate] of Object.entries(mutations)) {
    it(`${name}: a typed Malformed result and no event but Ignored, 300 cases`, () => {
      for (let i = 0; i < 300; i++) {
        const frame = mutate()
        const decoded = decodeMessage(frame)
        if (name !== "random bytes") assert.strictEqual(decoded._tag, "Malformed", `case ${i}`)
        if (decoded._tag === "Malformed") assert.isTrue(decoded.reason.length > 0)
        const protocol = new ChannelProtocol({ now: () => 1 })
        const events = protocol.receive(frame)
        assert.isTrue(events.every((e) => e._tag === "Ignored" || e._tag === "Send" || e._tag === "Data" || e._tag === "Closed"))
      }
    })
  }

  it("random well-formed messages of random types never throw", () => {
    const types = [...Object.values(MessageType), "bogus"]
    for (let i = 0; i < 500; i++) {
      const protocol = new ChannelProtocol({ now: () => 1 })
      const frame = encodeMessage(message({
        messageType: types[int(types.length)]!,
        sequenceNumber: BigInt(int(4)),
        payloadType: int(14),
        payload: bytes(1 + int(40))
      }))
      assert.isArray(protocol.receive(frame))
    }
  })
})
