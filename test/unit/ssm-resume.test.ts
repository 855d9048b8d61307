// The pure parts of sessions that outlive their WebSocket (src/lib/ssm): what is sent again after a
// reconnection (every unacknowledged message, unchanged, in order), duplicates from the agent dropped
// by sequence number, nothing but the handshake before HandshakeComplete, and the keep-alive and
// resumption settings.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { decodeMessage, encodeMessage, MessageType, PayloadType } from "../../src/lib/ssm/frame.ts"
import { ackJson } from "../../src/lib/ssm/payloads.ts"
import { type ChannelEvent, ChannelProtocol } from "../../src/lib/ssm/protocol.ts"
import { defaultSessionTimings, resumedNotice, resumeSchedule, sessionTimingsFromEnv } from "../../src/lib/ssm/resume.ts"
import { ticketProxyAws } from "../../src/proxyRelay.ts"

let ids = 0
const agent = (seq: number, payloadType: number, payload: string, messageType: string = MessageType.output) =>
  encodeMessage({
    messageType,
    schemaVersion: 1,
    createdDate: 1_000,
    sequenceNumber: BigInt(seq),
    flags: 0n,
    messageId: `00000000-0000-4000-8000-${(++ids).toString().padStart(12, "0")}`,
    payloadType,
    payload: Buffer.from(payload)
  })

const sent = (events: ReadonlyArray<ChannelEvent>) =>
  events.flatMap((e) => {
    if (e._tag !== "Send") return []
    const d = decodeMessage(e.frame)
    return d._tag === "Decoded" ? [d.message] : []
  })
const data = (events: ReadonlyArray<ChannelEvent>) => events.flatMap((e) => (e._tag === "Data" ? [Buffer.from(e.bytes).toString()] : [])).join("")

const handshakeRequest = JSON.stringify({
  AgentVersion: "3.3.2.0",
  RequestedClientActions: [{ ActionType: "SessionType", ActionParameters: { SessionType: "Port", Properties: { portNumber: "22" } } }]
})

const ack = (protocol: ChannelProtocol, messageId: string, seq: bigint) =>
  protocol.receive(agent(0, 0, ackJson({ messageType: MessageType.input, messageId, sequenceNumber: Number(seq) }), MessageType.acknowledge))

/** A protocol past the handshake (its response acknowledged). */
const ready = () => {
  let now = 1_000
  const protocol = new ChannelProtocol({ now: () => now })
  const response = sent(protocol.receive(agent(0, PayloadType.handshakeRequest, handshakeRequest))).find((m) => m.payloadType === PayloadType.handshakeResponse)!
  protocol.receive(agent(1, PayloadType.handshakeComplete, "{}"))
  ack(protocol, response.messageId, 0n)
  return { protocol, advance: (ms: number) => (now += ms) }
}

describe("the resend buffer across a reconnection", () => {
  it("sends again exactly the unacknowledged messages, byte for byte, in sequence order", () => {
    const { protocol } = ready()
    const out = sent(protocol.sendData(Buffer.from("a".repeat(1024) + "b".repeat(1024) + "c".repeat(1024) + "d")))
    assert.deepStrictEqual(out.map((m) => m.sequenceNumber), [1n, 2n, 3n, 4n])
    ack(protocol, out[1]!.messageId, 2n)
    ack(protocol, out[3]!.messageId, 4n)
    const again = protocol.resendUnacknowledged()
    const frames = again.flatMap((e) => (e._tag === "Send" ? [Buffer.from(e.frame)] : []))
    assert.strictEqual(frames.length, 2)
    assert.deepStrictEqual(sent(again).map((m) => [m.sequenceNumber, m.messageId]), [[1n, out[0]!.messageId], [3n, out[2]!.messageId]])
    // unchanged frames: the agent de-duplicates them by sequence number
    const original = protocol.sendData(Buffer.from("e"))
    assert.strictEqual(sent(original)[0]!.sequenceNumber, 5n, "numbering continues after a resend")
    assert.strictEqual(protocol.nextSequenceNumber, 6n)
    assert.strictEqual(protocol.unacknowledged, 3)
  })

  it("restarts the ack timeout at the reconnection: the time without a connection does not count", () => {
    const { advance, protocol } = ready()
    protocol.sendData(Buffer.from("x"))
    advance(50_000)
    protocol.resendUnacknowledged()
    advance(20_000)
    assert.isFalse(protocol.tick().some((e) => e._tag === "Failed"))
    advance(41_000)
    assert.isTrue(protocol.tick().some((e) => e._tag === "Failed"))
  })

  it("keeps the expected incoming number: what the agent sends again is acknowledged and dropped, the rest delivered once", () => {
    const { protocol } = ready()
    assert.strictEqual(data(protocol.receive(agent(2, PayloadType.output, "one"))), "one")
    assert.strictEqual(data(protocol.receive(agent(3, PayloadType.output, "two"))), "two")
    assert.strictEqual(protocol.expectedSequenceNumber, 4n)
    protocol.resendUnacknowledged()
    // the agent resends 2 and 3 (their acks were lost with the connection), then goes on with 4
    for (const [seq, text] of [[2, "one"], [3, "two"]] as const) {
      const events = protocol.receive(agent(seq, PayloadType.output, text))
      assert.strictEqual(data(events), "")
      assert.deepStrictEqual(sent(events).map((m) => [m.messageType, JSON.parse(Buffer.from(m.payload).toString()).AcknowledgedMessageSequenceNumber]), [["acknowledge", seq]])
    }
    assert.strictEqual(data(protocol.receive(agent(4, PayloadType.output, "three"))), "three")
    assert.strictEqual(protocol.expectedSequenceNumber, 5n)
  })
})

describe("nothing but the handshake before HandshakeComplete", () => {
  it("holds data, sizes and flags given early and sends them, in order, right after HandshakeComplete", () => {
    const protocol = new ChannelProtocol({ now: () => 1_000 })
    assert.deepStrictEqual(protocol.sendData(Buffer.from("early")), [])
    assert.deepStrictEqual(protocol.sendFlag(1), [])
    const handshake = sent(protocol.receive(agent(0, PayloadType.handshakeRequest, handshakeRequest)))
    assert.deepStrictEqual(handshake.map((m) => [m.messageType, m.payloadType]), [["acknowledge", 0], ["input_stream_data", PayloadType.handshakeResponse]])
    assert.deepStrictEqual(protocol.sendData(Buffer.from("still early")), [])
    assert.strictEqual(protocol.unacknowledged, 1, "only the handshake response is out")
    const complete = protocol.receive(agent(1, PayloadType.handshakeComplete, "{}"))
    const order = complete.map((e) => (e._tag === "Send" ? `send:${sent([e])[0]!.messageType}:${sent([e])[0]!.payloadType}` : e._tag))
    assert.deepStrictEqual(order, ["send:acknowledge:0", "HandshakeComplete", "send:input_stream_data:1", "send:input_stream_data:10", "send:input_stream_data:1"])
    assert.deepStrictEqual(sent(complete).slice(1).map((m) => [m.sequenceNumber, Buffer.from(m.payload).toString("hex")]), [
      [1n, Buffer.from("early").toString("hex")],
      [2n, "00000001"],
      [3n, Buffer.from("still early").toString("hex")]
    ])
  })
})

describe("keep-alive and resumption settings", () => {
  it("reads the environment's overrides and ignores values that are not positive numbers", () => {
    assert.deepStrictEqual(sessionTimingsFromEnv({}), defaultSessionTimings)
    const t = sessionTimingsFromEnv({ AEGEA_SESSION_PING_INTERVAL: "0.2", AEGEA_SESSION_PONG_TIMEOUT: "0.3", AEGEA_SESSION_RESUME_ATTEMPTS: "2" })
    assert.deepStrictEqual([Duration.toMillis(t.pingInterval), Duration.toMillis(t.pongTimeout), t.resumeAttempts], [200, 300, 2])
    const bad = sessionTimingsFromEnv({ AEGEA_SESSION_PING_INTERVAL: "-1", AEGEA_SESSION_PONG_TIMEOUT: "soon", AEGEA_SESSION_RESUME_ATTEMPTS: "0" })
    assert.deepStrictEqual(bad, defaultSessionTimings)
    assert.strictEqual(resumedNotice("sess-1", 2), "connection to session sess-1 lost; resumed (attempt 2)")
  })

  it.effect("the resumption schedule makes at most the configured attempts, with growing waits", () =>
    Effect.gen(function*() {
      const attempts = yield* Ref.make<Array<number>>([])
      const fiber = yield* Effect.forkChild(
        Effect.gen(function*() {
          const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
          yield* Ref.update(attempts, (a) => [...a, now])
          return yield* Effect.fail("down")
        }).pipe(Effect.retry(resumeSchedule(defaultSessionTimings)), Effect.flip)
      )
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), "down")
      const times = yield* Ref.get(attempts)
      assert.strictEqual(times.length, 5)
      const waits = times.slice(1).map((t, i) => t - times[i]!)
      assert.isTrue(waits.every((w, i) => i === 0 || w > waits[i - 1]!), `growing waits: ${waits.join(", ")}`)
      assert.isTrue(waits[0]! >= 400 && waits.every((w) => w <= 9_600), `bounded waits: ${waits.join(", ")}`)
    }))
})

describe("the lean ProxyCommand's ResumeSession", () => {
  it("calls AWS where the command line says: its --region, --profile and --endpoint-url", () => {
    assert.deepStrictEqual(ticketProxyAws(["ssm-proxy", "i-0abc", "22", "--region", "eu-west-1", "--ticket-directory", "/t"]), {
      region: "eu-west-1",
      profile: undefined,
      endpointUrl: undefined
    })
    assert.deepStrictEqual(ticketProxyAws(["ssm-proxy", "i-0abc", "22", "--region", "r", "--profile", "p", "--endpoint-url", "http://127.0.0.1:1", "--ticket-directory", "/t"]), {
      region: "r",
      profile: "p",
      endpointUrl: "http://127.0.0.1:1"
    })
    // a value that looks like a flag is a value, not a flag
    assert.strictEqual(ticketProxyAws(["ssm-proxy", "i-0abc", "22", "--ticket-directory", "--region", "--region", "x"]).region, "x")
  })
})
