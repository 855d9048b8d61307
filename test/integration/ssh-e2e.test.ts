// The live data channel (SsmSessionLive over `ws`) against the local SSM stand-in, which relays to a
// TCP echo server on 127.0.0.1: bytes round-trip, closing the scope ends the session both ways.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { createServer, type AddressInfo, type Server } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { SsmLive } from "../../src/layers/SsmLive.ts"
import { SsmSessionLive } from "../../src/layers/SsmSessionLive.ts"
import { SsmSession } from "../../src/services/SsmSession.ts"
import { motoEndpoint } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const INSTANCE = "i-0123456789abcdef0"
let standIn: SsmStandIn
let echo: Server
let echoPort = 0

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on("error", () => {})
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  echoPort = (echo.address() as AddressInfo).port
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [INSTANCE], portMap: { 7: echoPort } })
})
afterAll(async () => {
  await standIn.close()
  await new Promise<void>((resolve) => echo.close(() => resolve()))
})

const layer = () =>
  SsmSessionLive.pipe(
    Layer.provide(SsmLive),
    Layer.provide(AwsClients.layerStatic({ region: "us-east-1", profile: undefined, endpointUrl: standIn.endpoint, maxAttempts: 1 }))
  )

// The raw byte pipe of the SSH document (a port-forwarding document's stream is smux with current agents).
describe("SsmSessionLive", () => {
  it.live("carries bytes both ways through the data channel, in order, across many 1 KiB messages", () =>
    Effect.gen(function*() {
      const session = yield* SsmSession
      const channel = yield* session.open(INSTANCE, { kind: "ssh", port: 7 })
      const payload = Buffer.alloc(200_000)
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251
      yield* channel.write(payload)
      const received = yield* channel.output.pipe(
        Stream.scan(() => Buffer.alloc(0), (acc, chunk) => Buffer.concat([acc, chunk])),
        Stream.takeUntil((acc) => acc.length >= payload.length),
        Stream.runLast
      )
      assert.isTrue(received._tag === "Some" && received.value.equals(payload))
      assert.strictEqual(channel.agentVersion, "3.3.1957.0")
    }).pipe(Effect.scoped, Effect.provide(layer()), Effect.timeout("20 seconds")))

  it.live("closing the scope sends TerminateSession, closes the agent's connection and calls TerminateSession", () =>
    Effect.gen(function*() {
      const before = standIn.sessions.length
      yield* Effect.scoped(Effect.gen(function*() {
        const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 7 })
        yield* channel.write(Buffer.from("ping"))
        yield* channel.output.pipe(Stream.take(1), Stream.runDrain)
      }))
      const session = standIn.sessions[before]!
      assert.strictEqual(session.documentName, "AWS-StartSSHSession")
      assert.isTrue(session.terminatedByFlag)
      assert.isTrue(session.terminatedByApi)
      yield* Effect.sleep("100 millis")
      assert.strictEqual(session.openSockets, 0)
    }).pipe(Effect.provide(layer()), Effect.timeout("20 seconds")))

  it.live("a refused destination port fails the channel with a clear error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.scoped(Effect.gen(function*() {
        const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 1 })
        return yield* channel.output.pipe(Stream.runDrain)
      })).pipe(Effect.flip)
      assert.match(error.message, /could not connect to the remote port|closed/)
    }).pipe(Effect.provide(layer()), Effect.timeout("20 seconds")))
})
