// workflows/relay.ts: a data channel relayed to local streams (ssh's ProxyCommand stdin/stdout, a
// basic-mode tunnel connection): when the local output fails (EPIPE: ssh or the client went away
// while the remote side still sends), the relay ends quietly instead of leaving an unhandled stream
// error (which would end the process with a stack trace), and a local EOF ends it when told to.
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type * as Cause from "effect/Cause"
import { PassThrough, Writable } from "node:stream"
import type { OperationFailed } from "../../src/errors.ts"
import type { DataChannel } from "../../src/services/SsmSession.ts"
import { relay } from "../../src/workflows/relay.ts"

const channelOf = (output: Queue.Queue<Uint8Array, OperationFailed | Cause.Done>, written: Array<Uint8Array>, holds?: Array<boolean>): DataChannel => ({
  sessionId: "s-1",
  instanceId: "i-1",
  agentVersion: "3.3.1957.0",
  write: (bytes) => Effect.sync(() => void written.push(bytes)),
  output: Stream.fromQueue(output),
  sendSize: () => Effect.void,
  ...(holds !== undefined ? { holdOutput: (held: boolean) => void holds.push(held) } : {})
})

describe("relay", () => {
  it.effect("ends when the local output fails with EPIPE while the remote side still sends", () =>
    Effect.gen(function*() {
      const output = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
      let delivered = 0
      // a pipe whose reader has gone: the second write fails, as a write to a closed pipe does
      const local = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          delivered++
          if (delivered === 1) callback()
          else callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" }))
        }
      })
      const input = new PassThrough() // ssh still has its end open
      const fiber = yield* Effect.forkChild(relay(channelOf(output, []), { input, output: local, onInputEnd: "keep-reading" }))
      for (let i = 0; i < 5; i++) {
        Queue.offerUnsafe(output, Buffer.from(`chunk ${i}\n`))
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      }
      // the relay is over (it would wait for more output forever otherwise), and the late writes' errors were heard
      const exit = yield* Effect.exit(Effect.timeout(Fiber.join(fiber), "2 seconds"))
      assert.strictEqual(exit._tag, "Success")
      assert.isAtLeast(delivered, 2)
      assert.isAbove(local.listenerCount("error"), 0)
    }))

  it.effect("a local side that takes the bytes slowly holds the channel's reading past 1 MiB unwritten, and releases it once drained", () =>
    Effect.gen(function*() {
      const output = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
      const holds: Array<boolean> = []
      // a consumer that takes nothing until told, then everything
      let open: () => void = () => {}
      const opened = new Promise<void>((resolve) => (open = resolve))
      const got: Array<Buffer> = []
      const local = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _encoding, callback) {
          got.push(Buffer.from(chunk))
          void opened.then(() => callback())
        }
      })
      const chunks = Array.from({ length: 48 }, (_, i) => Buffer.alloc(64 * 1024, i))
      const fiber = yield* Effect.forkChild(relay(channelOf(output, [], holds), { input: new PassThrough(), output: local, onInputEnd: "keep-reading" }))
      // the channel's bytes come a read at a time
      for (const c of chunks.slice(0, 32)) {
        Queue.offerUnsafe(output, c)
        yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
      }
      assert.deepStrictEqual(holds, [true])
      assert.isAtMost(local.writableLength, 1024 * 1024 + 64 * 1024, "the relay stopped writing past 1 MiB")
      // what a held channel still delivers (read before the hold) waits in its queue, untaken
      for (const c of chunks.slice(32)) Queue.offerUnsafe(output, c)
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
      assert.isAtLeast(Queue.sizeUnsafe(output), 16)
      assert.isAtMost(local.writableLength, 1024 * 1024 + 64 * 1024)
      open()
      Queue.endUnsafe(output)
      yield* Effect.timeout(Fiber.join(fiber), "5 seconds")
      assert.strictEqual(holds.at(-1), false)
      assert.deepStrictEqual(Buffer.concat(got), Buffer.concat(chunks))
    }))

  it.effect("a local EOF ends a tunnel connection's relay (finish) after its bytes are written to the channel", () =>
    Effect.gen(function*() {
      const output = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
      const written: Array<Uint8Array> = []
      const input = new PassThrough()
      const local = new PassThrough()
      input.end("hello")
      yield* Effect.timeout(relay(channelOf(output, written), { input, output: local, onInputEnd: "finish" }), "2 seconds")
      assert.strictEqual(Buffer.concat(written).toString(), "hello")
    }))
})
