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

const channelOf = (output: Queue.Queue<Uint8Array, OperationFailed | Cause.Done>, written: Array<Uint8Array>): DataChannel => ({
  sessionId: "s-1",
  instanceId: "i-1",
  agentVersion: "3.3.1957.0",
  write: (bytes) => Effect.sync(() => void written.push(bytes)),
  output: Stream.fromQueue(output),
  sendSize: () => Effect.void
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
