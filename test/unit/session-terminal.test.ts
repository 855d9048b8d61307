// `interactive` (src/commands/session.ts): the local terminal wired to a shell channel. Raw mode on
// for the session and off again on every way out (the remote side closing, the connection failing,
// interruption: Ctrl-C is a byte in raw mode, so interruption means SIGTERM); the size at the start;
// keystrokes, Ctrl-C included, to the remote side.
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { PassThrough } from "node:stream"
import { interactive } from "../../src/commands/session.ts"
import { OperationFailed } from "../../src/errors.ts"
import type { DataChannel } from "../../src/services/SsmSession.ts"

const setup = Effect.gen(function*() {
  const modes: Array<boolean> = []
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => (modes.push(on), input) }) as unknown as NodeJS.ReadStream
  const output = Object.assign(new PassThrough(), { columns: 100, rows: 30 }) as unknown as NodeJS.WriteStream
  const remote = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
  const written: Array<number> = []
  const sizes: Array<[number, number]> = []
  const channel: DataChannel = {
    sessionId: "s-1",
    instanceId: "i-1",
    agentVersion: "3.3.0.0",
    write: (bytes) => Effect.sync(() => void written.push(...bytes)),
    output: Stream.fromQueue(remote),
    sendSize: (cols, rows) => Effect.sync(() => void sizes.push([cols, rows]))
  }
  return { modes, input, output, remote, written, sizes, channel }
})

describe("interactive shell at the terminal", () => {
  it.effect("raw mode for the session, the size first, Ctrl-C as a byte; raw mode off when the remote side closes", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const fiber = yield* Effect.forkChild(interactive(t.channel, { input: t.input, output: t.output }))
      yield* Effect.yieldNow
      assert.deepStrictEqual(t.modes, [true])
      assert.deepStrictEqual(t.sizes, [[100, 30]])
      ;(t.input as unknown as PassThrough).write(Buffer.from([3]))
      for (let i = 0; i < 20 && t.written.length === 0; i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
      assert.deepStrictEqual(t.written, [3])
      Queue.endUnsafe(t.remote)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(t.modes, [true, false])
    }))

  it.effect("raw mode off when the connection fails, and the failure goes on", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const fiber = yield* Effect.forkChild(interactive(t.channel, { input: t.input, output: t.output }))
      yield* Effect.yieldNow
      Queue.failCauseUnsafe(t.remote, Cause.fail(new OperationFailed({ message: "dropped" })))
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(t.modes, [true, false])
    }))

  it.effect("raw mode off when interrupted (SIGTERM)", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const fiber = yield* Effect.forkChild(interactive(t.channel, { input: t.input, output: t.output }))
      yield* Effect.yieldNow
      assert.deepStrictEqual(t.modes, [true])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(t.modes, [true, false])
    }))
})
