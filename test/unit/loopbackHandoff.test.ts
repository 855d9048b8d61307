// The loopback port `aegea ssh` hands its session over on: one connection, only from a child process
// of this one run by the same user (Linux /proc); anything else that connects is dropped.
import { spawn } from "node:child_process"
import { connect } from "node:net"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { describe, expect, it } from "vitest"
import { findConnection, listenOnce, loopbackHandoffSupported } from "../../src/layers/loopbackHandoff.ts"

const table = [
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 0100007F:A1B2 0100007F:0016 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1",
  "   1: 0100007F:0016 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 20 4 30 10 -1"
].join("\n")

describe("the loopback handoff", () => {
  it("finds a connection's owner and socket in /proc/net/tcp by its two ports", () => {
    expect(findConnection(table, 0xa1b2, 22)).toEqual({ uid: 1000, inode: "4242" })
    expect(findConnection(table, 22, 0xa1b2)).toEqual({ uid: 0, inode: "4343" })
    expect(findConnection(table, 0xa1b2, 23)).toBeUndefined()
  })

  it.runIf(loopbackHandoffSupported())("takes the first connection from a child process, after dropping one from elsewhere, then stops listening", async () => {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const listener = yield* listenOnce()
      const waiting = yield* Effect.forkScoped(listener.accepted)
      // this process is not its own child: dropped
      const stranger = connect({ host: "127.0.0.1", port: listener.port })
      const strangerClosed = yield* Effect.promise(() => new Promise<boolean>((resolve) => {
        stranger.on("error", () => {})
        stranger.on("close", () => resolve(true))
      }))
      expect(strangerClosed).toBe(true)
      // a child process: accepted, and its bytes arrive
      const child = spawn(process.execPath, ["-e", `const s = require("node:net").connect(${listener.port}, "127.0.0.1", () => s.write("from the child")); s.on("close", () => process.exit(0))`], { stdio: "ignore" })
      const socket = yield* Fiber.join(waiting)
      const text = yield* Effect.promise(() => new Promise<string>((resolve) => socket.once("data", (d: Buffer) => resolve(d.toString()))))
      expect(text).toBe("from the child")
      // nobody else gets in now
      const late = connect({ host: "127.0.0.1", port: listener.port })
      const refused = yield* Effect.promise(() => new Promise<string>((resolve) => late.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")).on("connect", () => resolve("connected"))))
      expect(refused).toBe("ECONNREFUSED")
      socket.destroy()
      yield* Effect.promise(() => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve))))
    })))
  })
})
