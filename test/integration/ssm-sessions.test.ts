// Sessions that outlive their WebSocket, in process: the Ssm sessions contract on SsmLive against the
// SSM stand-in (moto has no sessions), and the live data channel (ssmSessionLayer with short
// keep-alive timings) through drops, a stall and an ended session, checked by checksums and by the
// order in which the stand-in's agent handled the messages.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Redacted, Stream } from "effect"
import { createHash } from "node:crypto"
import { createServer, type AddressInfo, type Server } from "node:net"
import { afterAll, beforeAll } from "vitest"
import WebSocket from "ws"
import { decodeMessage, MessageType } from "../../src/lib/ssm/frame.ts"
import { openDataChannelJson } from "../../src/lib/ssm/payloads.ts"
import { ChannelProtocol } from "../../src/lib/ssm/protocol.ts"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { SsmLive } from "../../src/layers/SsmLive.ts"
import { ssmSessionLayer } from "../../src/layers/SsmSessionLive.ts"
import { Ssm } from "../../src/services/Ssm.ts"
import { SsmSession } from "../../src/services/SsmSession.ts"
import { ssmSessionsContract } from "../contract/ssmSessions.ts"
import { motoEndpoint } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const INSTANCE = "i-0123456789abcdef0"
let standIn: SsmStandIn
let echo: Server

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on("error", () => {})
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [INSTANCE], portMap: { 7: (echo.address() as AddressInfo).port } })
})
afterAll(async () => {
  await standIn?.close()
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
})

const ssmLayer = () =>
  SsmLive.pipe(Layer.provide(AwsClients.layerStatic({ region: "us-east-1", profile: undefined, endpointUrl: standIn.endpoint, maxAttempts: 1 })))

ssmSessionsContract("live on the SSM stand-in", { make: async () => ssmLayer(), instanceId: () => INSTANCE, offlineInstanceId: () => "i-0fffffffffffffff0" })

const notices: Array<string> = []
const layer = () =>
  ssmSessionLayer({
    timings: { pingInterval: Duration.millis(200), pongTimeout: Duration.millis(1000), resumeAttempts: 3, resumeDelay: Duration.millis(50) },
    notice: (line) => void notices.push(line)
  }).pipe(Layer.provide(ssmLayer()))

const pattern = (n: number, seed: number) => {
  const bytes = Buffer.alloc(n)
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + seed) % 251
  return bytes
}
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")

/** Open a tunnel-like channel to the echo server; `during(received, sessionId)` runs as bytes come back. */
const roundTrip = (size: number, during: (received: number, sessionId: string) => void) =>
  Effect.gen(function*() {
    const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 7 })
    const payload = pattern(size, 7)
    const chunks: Array<Uint8Array> = []
    let received = 0
    const reader = channel.output.pipe(
      Stream.takeUntil((chunk) => {
        chunks.push(chunk)
        received += chunk.length
        during(received, channel.sessionId)
        return received >= size
      }),
      Stream.runDrain
    )
    const writer = Effect.forEach(Array.from({ length: Math.ceil(size / 8192) }, (_, i) => i), (i) =>
      Effect.andThen(channel.write(payload.subarray(i * 8192, (i + 1) * 8192)), Effect.sleep("5 millis")), { discard: true })
    yield* Effect.all([reader, writer], { concurrency: 2 })
    return { sent: sha(payload), got: sha(Buffer.concat(chunks)), length: received, sessionId: channel.sessionId }
  }).pipe(Effect.scoped)

describe("a session that outlives its WebSocket", () => {
  it.live("keeps echoing checksummed bytes through two drops mid-stream, each resumed with a new token", () =>
    Effect.gen(function*() {
      notices.length = 0
      const drops = [60_000, 160_000]
      const r = yield* roundTrip(240_000, (received, sessionId) => {
        // the next drop once the previous one was resumed (with no connection to drop, try again later)
        if (drops.length > 0 && received >= drops[0]! && standIn.drop(sessionId)) drops.shift()
      })
      assert.deepStrictEqual(drops, [], "both drops happened before the last byte came back")
      assert.strictEqual(r.length, 240_000)
      assert.strictEqual(r.got, r.sent)
      const session = standIn.sessions.find((s) => s.sessionId === r.sessionId)!
      assert.strictEqual(session.resumes, 2)
      assert.strictEqual(session.channels, 3)
      assert.deepStrictEqual(notices, [`connection to session ${r.sessionId} lost; resumed (attempt 1)`, `connection to session ${r.sessionId} lost; resumed (attempt 1)`])
      // no data before the agent's HandshakeComplete
      assert.deepStrictEqual(session.log.slice(0, 4), ["connection", "agent:HandshakeRequest", "client:HandshakeResponse", "agent:HandshakeComplete"])
      assert.isTrue(session.log.includes("client:Output"))
      assert.isTrue(session.terminatedByApi)
    }).pipe(Effect.provide(layer()), Effect.timeout("30 seconds")))

  it.live("notices a stalled connection by its pong timeout and resumes it", () =>
    Effect.gen(function*() {
      notices.length = 0
      let stalled = false
      const r = yield* roundTrip(80_000, (received, sessionId) => {
        if (!stalled && received >= 20_000) stalled = standIn.stall(sessionId)
      })
      assert.isTrue(stalled)
      assert.strictEqual(r.got, r.sent)
      assert.strictEqual(standIn.sessions.find((s) => s.sessionId === r.sessionId)!.resumes, 1)
      assert.deepStrictEqual(notices, [`connection to session ${r.sessionId} lost; resumed (attempt 1)`])
    }).pipe(Effect.provide(layer()), Effect.timeout("30 seconds")))

  it.live("an ended session (ResumeSession gives no token) fails the channel with one clear line", () =>
    Effect.gen(function*() {
      standIn.endOnResume = true
      const error = yield* Effect.gen(function*() {
        const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 7 })
        yield* channel.write(Buffer.from("hello"))
        yield* channel.output.pipe(Stream.take(1), Stream.runDrain)
        standIn.drop(channel.sessionId)
        return yield* channel.output.pipe(Stream.runDrain)
      }).pipe(Effect.scoped, Effect.flip, Effect.ensuring(Effect.sync(() => (standIn.endOnResume = false))))
      assert.strictEqual(error._tag, "OperationFailed")
      assert.match(error.message, /^the Session Manager connection for i-\w+ \(session [^)]+\) closed unexpectedly \(1006\), and Session Manager ended the session \(ResumeSession gave no token\)$/)
    }).pipe(Effect.provide(layer()), Effect.timeout("30 seconds")))
})

describe("backpressure across a resumption", () => {
  it.live("a held channel stays held on the connection a resumption opens: the agent's bytes wait there until released", () =>
    Effect.gen(function*() {
      notices.length = 0
      const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 7 })
      const hold = channel.holdOutput!
      const chunks: Array<Uint8Array> = []
      let received = 0
      yield* channel.output.pipe(
        Stream.runForEach((chunk) => Effect.sync(() => {
          chunks.push(chunk)
          received += chunk.length
        })),
        Effect.forkScoped
      )
      const first = pattern(4096, 1)
      yield* channel.write(first)
      for (let i = 0; i < 200 && received < first.length; i++) yield* Effect.sleep("10 millis")
      assert.strictEqual(received, first.length, "the first bytes came back before the hold")
      hold(true)
      assert.isTrue(standIn.drop(channel.sessionId))
      // (a held socket is not read, so the drop shows on the next write; then the channel resumes)
      const session = standIn.sessions.find((s) => s.sessionId === channel.sessionId)! as unknown as { resumes: number; agent: { unacked: Map<bigint, Uint8Array> } }
      for (let i = 0; i < 300 && session.resumes === 0; i++) {
        yield* channel.write(Buffer.from("x"))
        yield* Effect.sleep("10 millis")
      }
      assert.strictEqual(session.resumes, 1, "resumed while held")
      const second = pattern(64 * 1024, 2)
      yield* channel.write(second)
      // the agent echoes the bytes, and they wait at the agent, unacknowledged, not in aegea
      for (let i = 0; i < 300 && session.agent.unacked.size < 32; i++) yield* Effect.sleep("10 millis")
      yield* Effect.sleep("200 millis")
      assert.isAtLeast(session.agent.unacked.size, 32, "the agent's messages wait unacknowledged while held")
      assert.strictEqual(received, first.length, "nothing read while held")
      hold(false)
      for (let i = 0; i < 500 && received < first.length + second.length; i++) yield* Effect.sleep("10 millis")
      const all = Buffer.concat(chunks)
      // every byte in order: the first bytes, the x's written to notice the drop, then the second
      assert.strictEqual(sha(all.subarray(0, first.length)), sha(first))
      assert.strictEqual(sha(all.subarray(all.length - second.length)), sha(second))
      assert.match(all.subarray(first.length, all.length - second.length).toString(), /^x+$/)
      assert.deepStrictEqual(notices, [`connection to session ${channel.sessionId} lost; resumed (attempt 1)`])
    }).pipe(Effect.scoped, Effect.provide(layer()), Effect.timeout("30 seconds")))
})

describe("resumption retries", () => {
  /** Open a channel, drop its connection once bytes flow, and read on: the output's end or failure. */
  const dropOnce = Effect.gen(function*() {
    const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 7 })
    yield* channel.write(Buffer.from("before"))
    yield* channel.output.pipe(Stream.take(1), Stream.runDrain)
    assert.isTrue(standIn.drop(channel.sessionId))
    yield* channel.write(Buffer.from("after"))
    const echoed = yield* channel.output.pipe(Stream.take(1), Stream.runCollect)
    return { sessionId: channel.sessionId, echoed: Buffer.concat([...echoed]).toString() }
  }).pipe(Effect.scoped)

  it.live("a failed ResumeSession is tried again after a wait, and the notice says which attempt worked", () =>
    Effect.gen(function*() {
      notices.length = 0
      standIn.failResumes = 1
      const r = yield* dropOnce
      assert.strictEqual(r.echoed, "after")
      assert.deepStrictEqual(notices, [`connection to session ${r.sessionId} lost; resumed (attempt 2)`])
    }).pipe(Effect.provide(layer()), Effect.ensuring(Effect.sync(() => (standIn.failResumes = 0))), Effect.timeout("30 seconds")))

  it.live("when every attempt fails, the channel fails with one line naming the attempts and the last error", () =>
    Effect.gen(function*() {
      notices.length = 0
      standIn.failResumes = 3
      const error = yield* Effect.flip(dropOnce)
      assert.strictEqual(standIn.failResumes, 0, "three attempts (resumeAttempts: 3), no more")
      assert.match(error.message, /^the Session Manager connection for i-\w+ \(session [^)]+\) closed unexpectedly \(1006\), and could not resume the session \(attempt 3 of 3\): could not resume the Session Manager session \S+/)
      assert.notInclude(error.message, "\n")
      assert.deepStrictEqual(notices, [])
    }).pipe(Effect.provide(layer()), Effect.ensuring(Effect.sync(() => (standIn.failResumes = 0))), Effect.timeout("30 seconds")))
})

describe("the stand-in's agent", () => {
  it.live("acknowledges a message sent again and drops it by its sequence number, and holds one that comes early", () =>
    Effect.gen(function*() {
      const ticket = yield* Effect.gen(function*() {
        return yield* (yield* Ssm).startSession(INSTANCE, { kind: "ssh", port: 7 })
      }).pipe(Effect.provide(ssmLayer()))
      const result = yield* Effect.promise(() => rawExchange(ticket.streamUrl, Redacted.value(ticket.token)))
      const session = standIn.sessions.find((s) => s.sessionId === ticket.sessionId)!
      assert.strictEqual(result.echoed, "abcd")
      assert.strictEqual(session.duplicates, 2)
      assert.deepStrictEqual(result.acked, [0, 1, 1, 3, 2, 3])
    }).pipe(Effect.timeout("20 seconds")))
})

/**
 * A bare client on the data channel: the handshake, then data seq 1 ("ab") twice, seq 3 ("d") before
 * seq 2 ("c"), then seq 3 again. Returns what came back and the sequence numbers acknowledged.
 */
const rawExchange = (streamUrl: string, token: string) =>
  new Promise<{ echoed: string; acked: Array<number> }>((resolve, reject) => {
    const protocol = new ChannelProtocol({ now: Date.now })
    const ws = new WebSocket(streamUrl)
    const acked: Array<number> = []
    let echoed = ""
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`no echo: ${echoed}`))
    }, 10_000)
    ws.on("open", () => ws.send(openDataChannelJson(token, "request", "client")))
    ws.on("message", (data: Buffer) => {
      const decoded = decodeMessage(data)
      if (decoded._tag === "Decoded" && decoded.message.messageType === MessageType.acknowledge) {
        acked.push(JSON.parse(Buffer.from(decoded.message.payload).toString()).AcknowledgedMessageSequenceNumber as number)
      }
      for (const event of protocol.receive(data)) {
        if (event._tag === "Send") ws.send(event.frame)
        if (event._tag === "Data") echoed += Buffer.from(event.bytes).toString()
        if (event._tag === "HandshakeComplete") {
          const frames = [...protocol.sendData(Buffer.from("ab")), ...protocol.sendData(Buffer.from("c")), ...protocol.sendData(Buffer.from("d"))]
            .flatMap((e) => (e._tag === "Send" ? [e.frame] : []))
          for (const f of [frames[0]!, frames[0]!, frames[2]!, frames[1]!, frames[2]!]) ws.send(f)
        }
      }
      if (echoed === "abcd") {
        clearTimeout(timer)
        ws.close(1000)
        resolve({ echoed, acked })
      }
    })
    ws.on("error", reject)
  })
