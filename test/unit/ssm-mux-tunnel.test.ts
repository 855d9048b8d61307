// workflows/muxTunnel.ts: many local TCP connections over one data channel as smux streams, against
// the stand-in's smux server (test/support/ssmStandInMux.ts) and a TCP echo server, both on
// 127.0.0.1. The fake channel cuts the byte stream into 1 KiB pieces both ways (as data-channel
// messages are), so frames arrive split and combined.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import type * as Cause from "effect/Cause"
import { createHash } from "node:crypto"
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net"
import { SmuxCmd, SmuxFrameReader } from "../../src/lib/ssm/smux.ts"
import type { DataChannel, OutputSink } from "../../src/services/SsmSession.ts"
import { muxTunnel } from "../../src/workflows/muxTunnel.ts"
import { HOLD_BYTES } from "../../src/workflows/relay.ts"
import type { OperationFailed } from "../../src/errors.ts"
import { type AgentMux, agentMux } from "../support/ssmStandInMux.ts"

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return (server.address() as AddressInfo).port
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))
/** The end of a test: the tunnel's fiber interrupted, the agent closed, then the servers. */
const stopAll = async (runner: Fiber.Fiber<unknown, unknown>, agent: AgentMux, ...servers: Array<Server>) => {
  await Effect.runPromise(Fiber.interrupt(runner))
  agent.close()
  for (const server of servers) await close(server)
}
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const pieces = (bytes: Uint8Array) => Array.from({ length: Math.ceil(bytes.length / 1024) }, (_, i) => bytes.subarray(i * 1024, (i + 1) * 1024))

/**
 * A data channel whose far end is the stand-in's smux server connecting to `port`. `diverted`: the
 * channel offers `divertOutput` (as the live one does) and hands each send's payloads to the sink.
 */
const fakeChannel = Effect.fnUntraced(function*(port: number, flags: Array<number>, diverted = false) {
  const output = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
  let sink: OutputSink | undefined
  const holds: Array<boolean> = []
  let agent: AgentMux | undefined = undefined
  agent = agentMux({
    host: "127.0.0.1",
    port,
    send: (bytes) => {
      const payloads = pieces(bytes).map((p) => Buffer.from(p))
      if (sink === undefined) return void payloads.forEach((p) => Queue.offerUnsafe(output, p))
      payloads.forEach((p) => sink!.data(p))
      sink.flush()
    },
    flag: (flag) => void flags.push(flag)
  })
  const channel: DataChannel = {
    sessionId: "s-1",
    instanceId: "i-1",
    agentVersion: "3.3.1957.0",
    write: (bytes) => Effect.sync(() => pieces(bytes).forEach((p) => agent.receive(Buffer.from(p)))),
    output: Stream.fromQueue(output),
    sendSize: () => Effect.void,
    ...(diverted ? { divertOutput: (s: OutputSink) => ((sink = s), true) } : {}),
    holdOutput: (held) => {
      holds.push(held)
      agent.hold(held)
    }
  }
  return { channel, agent, output, holds, isDiverted: () => sink !== undefined }
})

/** Connect, send `payload`, collect the echo until it is complete, close; the echo's checksum. */
const echoOnce = (port: number, payload: Buffer) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let got = 0
    const s: Socket = connect({ host: "127.0.0.1", port }, () => {
      for (let i = 0; i < payload.length; i += 7000) s.write(payload.subarray(i, i + 7000))
    })
    s.on("data", (d: Buffer) => {
      chunks.push(d)
      got += d.length
      if (got >= payload.length) {
        s.end()
        resolve(sha(Buffer.concat(chunks)))
      }
    })
    s.on("error", reject)
    s.on("close", () => got < payload.length && reject(new Error(`closed after ${got} of ${payload.length} bytes`)))
  })

/** Connect, wait for the first bytes, close: whether any came. */
const echoOnceThroughSource = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: "127.0.0.1", port })
    s.once("data", () => {
      s.destroy()
      resolve(true)
    })
    s.on("error", () => resolve(false))
    s.on("close", () => resolve(false))
  })

describe("muxTunnel", () => {
  it.each([["through output", false], ["handed over by the channel (divertOutput)", true]] as const)("carries 20 concurrent connections over one channel, each echoed intact, and closes every stream: %s", async (_, diverted) => {
    const echo = createServer((s) => {
      s.on("error", () => {})
      s.pipe(s)
    })
    const echoPort = await listen(echo)
    const flags: Array<number> = []
    const { agent, channel, isDiverted } = await Effect.runPromise(fakeChannel(echoPort, flags, diverted))
    const mux = await Effect.runPromise(muxTunnel(channel, { keepAlive: false }))
    assert.strictEqual(isDiverted(), diverted)
    const runner = Effect.runFork(mux.run)
    const local = createServer((socket) => void Effect.runFork(mux.serve(socket)))
    const localPort = await listen(local)
    try {
      const payloads = Array.from({ length: 20 }, (_, i) => Buffer.from(Array.from({ length: 16_000 + i * 997 }, (_, j) => (j * (i + 3)) & 0xff)))
      const sums = await Promise.all(payloads.map((p) => echoOnce(localPort, p)))
      assert.deepStrictEqual(sums, payloads.map(sha))
      assert.strictEqual(agent.streamsOpened, 20)
      assert.isAbove(agent.maxOpen, 1, "the connections overlapped")
      assert.strictEqual(agent.error, undefined)
      for (let i = 0; i < 500 && mux.openStreams() > 0; i++) await new Promise((r) => setTimeout(r, 10))
      assert.strictEqual(mux.openStreams(), 0, "every stream closed on both sides")
      assert.deepStrictEqual(flags, [])
    } finally {
      await stopAll(runner, agent, local, echo)
    }
  })

  it("reads local connections into reused buffers where the channel takes pieces, each given back only once sent: 8 connections intact behind a slow channel", async () => {
    const echo = createServer((s) => {
      s.on("error", () => {})
      s.pipe(s)
    })
    const echoPort = await listen(echo)
    const flags: Array<number> = []
    const { agent, channel: plain } = await Effect.runPromise(fakeChannel(echoPort, flags, true))
    // as the live channel: pieces copied into messages when sent, which is later here (every send
    // waits 2 ms): a buffer read into again before its pieces were sent would change what arrives
    let pieceWrites = 0
    const channel: DataChannel = {
      ...plain,
      writePieces: (ps) =>
        Effect.andThen(
          Effect.promise(() => new Promise((r) => setTimeout(r, 2))),
          Effect.sync(() => {
            pieceWrites++
            pieces(Buffer.concat(ps)).forEach((p) => agent.receive(Buffer.from(p)))
          })
        )
    }
    const mux = await Effect.runPromise(muxTunnel(channel, { keepAlive: false }))
    const runner = Effect.runFork(mux.run)
    const local = createServer((socket) => void Effect.runFork(mux.serve(socket)))
    const localPort = await listen(local)
    try {
      const payloads = Array.from({ length: 8 }, (_, i) => Buffer.from(Array.from({ length: 1_000_000 + i * 4099 }, (_, j) => (j * (i + 5) + (j >> 11)) & 0xff)))
      const sums = await Promise.all(payloads.map((p) => echoOnce(localPort, p)))
      assert.deepStrictEqual(sums, payloads.map(sha))
      assert.isAbove(pieceWrites, 0)
      assert.isAbove(mux.readBuffersMade(), 0, "the local connections were read into the pool's buffers")
      // 8 MB in 64 KiB reads is over 120 reads: buffers came back and were read into again
      assert.isBelow(mux.readBuffersMade(), 100)
      // and 8 MB back in 32 KiB frames (over 250): their buffers too, once written to the connection
      assert.isAbove(mux.frameBuffersMade(), 0, "the agent's frames were read into the pool's buffers")
      assert.isBelow(mux.frameBuffersMade(), 200)
      assert.strictEqual(agent.error, undefined)
      assert.deepStrictEqual(flags, [])
    } finally {
      await stopAll(runner, agent, local, echo)
    }
  })

  it("a slow channel pauses the local connection, and its FIN still follows its last byte", async () => {
    // the destination's checksum of what it got, once the agent has closed its stream (the FIN)
    let received: (sum: string) => void = () => {}
    const receivedSum = new Promise<string>((resolve) => (received = resolve))
    const sink = createServer((s) => {
      const got: Array<Buffer> = []
      s.on("data", (d: Buffer) => void got.push(d))
      s.on("end", () => received(sha(Buffer.concat(got))))
      s.on("error", () => {})
    })
    const sinkPort = await listen(sink)
    const flags: Array<number> = []
    const { agent, channel: fast } = await Effect.runPromise(fakeChannel(sinkPort, flags))
    // every write to the channel takes 50 ms: the writer falls behind a loopback client
    const channel: DataChannel = { ...fast, write: (bytes) => Effect.andThen(Effect.promise(() => new Promise((r) => setTimeout(r, 50))), fast.write(bytes)) }
    const mux = await Effect.runPromise(muxTunnel(channel, { keepAlive: false }))
    const runner = Effect.runFork(mux.run)
    let pauses = 0
    const local = createServer((socket) => {
      const pause = socket.pause.bind(socket)
      socket.pause = () => {
        pauses++
        return pause()
      }
      void Effect.runFork(mux.serve(socket))
    })
    const localPort = await listen(local)
    try {
      const payload = Buffer.from(Array.from({ length: 6 * 1024 * 1024 }, (_, j) => (j * 7 + (j >> 10)) & 0xff))
      const s = connect({ host: "127.0.0.1", port: localPort }, () => s.end(payload))
      s.on("error", () => {})
      assert.strictEqual(await receivedSum, sha(payload))
      s.destroy()
      assert.isAbove(pauses, 0, "the local connection was paused while the writer was behind")
      assert.strictEqual(agent.error, undefined)
    } finally {
      await stopAll(runner, agent, local, sink)
    }
  })

  it("a client that half-closes while the destination still sends, or whose socket fails after its FIN: its connection ends, the tunnel goes on", async () => {
    // the destination streams to each connection until it closes; a local client sends one byte and
    // its FIN (as `echo x | nc -N` does): Node ends the local socket after the client's FIN, and the
    // destination's bytes still in flight, or a reset, must not become an unhandled socket error
    const streaming = new Set<Socket>()
    const source = createServer((s) => {
      streaming.add(s)
      s.on("data", () => {}) // reads, so it sees the FIN the agent passes on, and closes
      s.on("error", () => {})
      s.on("close", () => streaming.delete(s))
      const block = Buffer.alloc(16 * 1024, 7)
      const pump = () => {
        for (let i = 0; i < 1000 && !s.destroyed && s.write(block); i++);
        if (!s.destroyed) s.once("drain", pump)
      }
      pump()
    })
    const sourcePort = await listen(source)
    const flags: Array<number> = []
    const { agent, channel } = await Effect.runPromise(fakeChannel(sourcePort, flags, true))
    const mux = await Effect.runPromise(muxTunnel(channel, { keepAlive: false }))
    const runner = Effect.runFork(mux.run)
    let resets = 0
    const local = createServer((socket) => {
      // half the connections: right after the client's FIN, a write fails (as Node's write after the
      // other party's FIN does, before the socket has closed), when the relay has stopped reading
      if (resets < 5) {
        socket.once("end", () =>
          process.nextTick(() => {
            resets++
            socket.destroy(Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" }))
          }))
      }
      void Effect.runFork(mux.serve(socket))
    })
    const localPort = await listen(local)
    try {
      for (let round = 0; round < 10; round++) {
        const closed = await new Promise<boolean>((resolve) => {
          const s = connect({ host: "127.0.0.1", port: localPort })
          // once the destination's bytes flow, the FIN
          s.once("data", () => s.end("x"))
          s.on("data", () => {})
          s.on("error", () => {})
          s.on("close", () => resolve(true))
        })
        assert.isTrue(closed)
      }
      for (let i = 0; i < 500 && mux.openStreams() > 0; i++) await new Promise((r) => setTimeout(r, 10))
      assert.strictEqual(resets, 5)
      assert.strictEqual(mux.openStreams(), 0, "every stream closed")
      assert.strictEqual(runner.pollUnsafe(), undefined, "the session goes on")
      assert.strictEqual(await echoOnceThroughSource(localPort), true, "a new connection still gets the destination's bytes")
    } finally {
      await Effect.runPromise(Fiber.interrupt(runner))
      agent.close()
      for (const s of streaming) s.destroy()
      await close(local)
      await close(source)
    }
  })

  it.each([["through output", false], ["handed over by the channel (divertOutput)", true]] as const)("a client that stops reading holds the channel's reading, so the remote side's bytes wait there, not in aegea's memory: %s", async (_, diverted) => {
    const total = 24 * 1024 * 1024
    const payload = Buffer.concat(Array.from({ length: total / 4096 }, (_, i) => Buffer.alloc(4096, i & 0xff)))
    const source = createServer((s) => {
      s.on("error", () => {})
      s.end(payload)
    })
    const sourcePort = await listen(source)
    const { agent, channel, holds } = await Effect.runPromise(fakeChannel(sourcePort, [], diverted))
    const mux = await Effect.runPromise(muxTunnel(channel, { keepAlive: false }))
    const runner = Effect.runFork(mux.run)
    let served: Socket | undefined
    const local = createServer((socket) => {
      served = socket
      void Effect.runFork(mux.serve(socket))
    })
    const localPort = await listen(local)
    const client = connect({ host: "127.0.0.1", port: localPort })
    client.pause() // reads nothing for a while
    client.on("error", () => {})
    try {
      let most = 0
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 20))
        most = Math.max(most, served?.writableLength ?? 0)
      }
      assert.isTrue(holds.includes(true), "the channel's reading was held")
      assert.isBelow(most, 2 * HOLD_BYTES + 1024 * 1024, "what waits in aegea for the client stays bounded")
      // then it reads everything: complete and in order, and the hold is released
      const chunks: Array<Buffer> = []
      const done = new Promise<void>((resolve) => client.on("end", () => resolve()))
      client.on("data", (d: Buffer) => void chunks.push(d))
      client.resume()
      await done
      assert.strictEqual(sha(Buffer.concat(chunks)), sha(payload))
      assert.isAbove(mux.frameBuffersMade(), 0)
      assert.strictEqual(holds.at(-1), false)
    } finally {
      client.destroy()
      await stopAll(runner, agent, local, source)
    }
  }, 30_000)

  it("a destination the agent cannot reach: the flag, a FIN, and the local connection closes; others go on", async () => {
    const gone = createServer()
    const deadPort = await listen(gone)
    await close(gone)
    const flags: Array<number> = []
    const { agent, channel } = await Effect.runPromise(fakeChannel(deadPort, flags))
    const mux = await Effect.runPromise(muxTunnel(channel, { keepAlive: false }))
    const runner = Effect.runFork(mux.run)
    const local = createServer((socket) => void Effect.runFork(mux.serve(socket)))
    const localPort = await listen(local)
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const s = connect({ host: "127.0.0.1", port: localPort }, () => s.write("hello"))
        s.on("error", () => {})
        s.on("close", () => resolve(true))
      })
      assert.isTrue(closed)
      assert.deepStrictEqual(flags, [3])
      assert.strictEqual(runner.pollUnsafe(), undefined, "the session goes on")
    } finally {
      await stopAll(runner, agent, local)
    }
  })

  it.effect("sends a NOP every 10 s to agents that need it, and none otherwise", () =>
    Effect.gen(function*() {
      const written = (keepAlive: boolean) =>
        Effect.gen(function*() {
          const frames: Array<number> = []
          const reader = new SmuxFrameReader()
          const channel: DataChannel = {
            sessionId: "s",
            instanceId: "i",
            agentVersion: "3.0.222.0",
            write: (bytes) =>
              Effect.sync(() => {
                const r = reader.push(bytes)
                if (r._tag === "Frames") frames.push(...r.frames.map((f) => f.cmd))
              }),
            output: Stream.never,
            sendSize: () => Effect.void
          }
          const mux = yield* muxTunnel(channel, { keepAlive })
          const fiber = yield* Effect.forkChild(mux.run)
          yield* TestClock.adjust("25 seconds")
          yield* Fiber.interrupt(fiber)
          return frames
        })
      assert.deepStrictEqual(yield* written(true), [SmuxCmd.nop, SmuxCmd.nop])
      assert.deepStrictEqual(yield* written(false), [])
    }))

  it.effect("fails when the byte stream is not smux, and when the agent ends the session", () =>
    Effect.gen(function*() {
      const run = (bytes: Array<Uint8Array>) =>
        Effect.gen(function*() {
          const channel: DataChannel = {
            sessionId: "s-9",
            instanceId: "i-9",
            agentVersion: "3.3.1957.0",
            write: () => Effect.void,
            output: Stream.fromIterable(bytes),
            sendSize: () => Effect.void
          }
          const mux = yield* muxTunnel(channel, { keepAlive: false })
          return yield* Effect.flip(mux.run)
        })
      assert.match((yield* run([Buffer.from("SSH-2.0-OpenSSH_9.6\r\n")])).message, /not smux: smux frame of version 83/)
      assert.match((yield* run([])).message, /closed the session s-9 on i-9/)
    }))
})
