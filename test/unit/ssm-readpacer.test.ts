// lib/ssm/readPacer.ts: the channel leaves its socket unread for a moment only while a bulk upload
// waits for acknowledgements, reads again when the timer fires (or when it is closed), and never
// holds back interactive traffic. A controlled timer: every assertion is on the order of events.
import { assert, describe, it } from "@effect/vitest"
import {
  BULK_READ_MESSAGES,
  bulkTraffic,
  bulkUploadWaiting,
  type PacerTimers,
  type PausableReads,
  READ_DEFER_MS,
  ReadPacer
} from "../../src/lib/ssm/readPacer.ts"

/** A socket that records stops and starts, and timers that fire only when the test says so. */
const harness = (options: { stoppable?: boolean } = {}) => {
  const events: Array<string> = []
  let reading = true
  const socket: PausableReads = {
    stop: () => {
      if (!reading || options.stoppable === false) return false
      reading = false
      events.push("stop")
      return true
    },
    start: () => {
      reading = true
      events.push("start")
    }
  }
  const pending = new Map<number, () => void>()
  let next = 0
  const timers: PacerTimers = {
    set: (f, ms) => {
      events.push(`timer ${ms}`)
      pending.set(++next, f)
      return next
    },
    clear: (t) => void pending.delete(t as number)
  }
  const fire = () => {
    const due = [...pending.values()]
    pending.clear()
    for (const f of due) f()
  }
  return { events, socket, timers, fire, pending, isReading: () => reading }
}

describe("bulkUploadWaiting", () => {
  it("is true only while a write waits and more than the resume mark are unacknowledged", () => {
    assert.isTrue(bulkUploadWaiting(true, 65, 64))
    assert.isTrue(bulkUploadWaiting(true, 128, 64))
    assert.isFalse(bulkUploadWaiting(true, 64, 64)) // the write goes on now: read at once
    assert.isFalse(bulkUploadWaiting(false, 128, 64)) // nobody waits: nothing to gain
    assert.isFalse(bulkUploadWaiting(false, 1, 64)) // interactive: a keystroke in flight
  })
})

describe("bulkTraffic", () => {
  const read = (fullDataMessages: number, writeWaiting = false, unacknowledged = 0) => bulkTraffic({ fullDataMessages, writeWaiting, unacknowledged, resumeAt: 64 })
  it("a read of several full 1 KiB data messages is a bulk download; short or few messages are interactive", () => {
    assert.isTrue(read(BULK_READ_MESSAGES))
    assert.isTrue(read(23))
    assert.isFalse(read(BULK_READ_MESSAGES - 1))
    assert.isFalse(read(0)) // an echo, a prompt: short messages are not counted
  })
  it("a bulk upload waiting for acknowledgements paces even without data; a keystroke in flight never does", () => {
    assert.isTrue(read(0, true, 100))
    assert.isFalse(read(0, false, 1))
    assert.isFalse(read(1, true, 64))
  })
  it("the pacer follows it: an interactive read never stops the socket, a bulk one does", () => {
    const h = harness()
    const pacer = new ReadPacer(h.socket, h.timers)
    pacer.afterRead(read(1))
    pacer.afterRead(read(0, false, 3))
    assert.deepStrictEqual(h.events, [])
    pacer.afterRead(read(BULK_READ_MESSAGES))
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`])
  })
})

describe("ReadPacer", () => {
  it("never stops reading for interactive traffic (the window nearly empty)", () => {
    const h = harness()
    const pacer = new ReadPacer(h.socket, h.timers)
    for (let unacked = 0; unacked <= 64; unacked++) pacer.afterRead(bulkUploadWaiting(unacked > 0, unacked, 64))
    for (let i = 0; i < 10; i++) pacer.afterRead(bulkUploadWaiting(false, 0, 64))
    assert.deepStrictEqual(h.events, [])
    assert.isFalse(pacer.deferred)
    assert.isTrue(h.isReading())
    assert.strictEqual(pacer.deferrals, 0)
  })

  it("during a bulk upload stops reading after a read and starts again when its one timer fires", () => {
    const h = harness()
    const pacer = new ReadPacer(h.socket, h.timers)
    pacer.afterRead(true)
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`])
    assert.isTrue(pacer.deferred)
    assert.isFalse(h.isReading())
    // a second decision while unread changes nothing: one timer, one stop
    pacer.afterRead(true)
    assert.strictEqual(h.pending.size, 1)
    h.fire()
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`, "start"])
    assert.isFalse(pacer.deferred)
    assert.isTrue(h.isReading())
    // the next read of the same upload defers again; one that frees the window does not
    pacer.afterRead(true)
    h.fire()
    pacer.afterRead(false)
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`, "start", "stop", `timer ${READ_DEFER_MS}`, "start"])
    assert.strictEqual(pacer.deferrals, 2)
  })

  it("resume reads at once and drops the timer; a late timer does nothing", () => {
    const h = harness()
    const pacer = new ReadPacer(h.socket, h.timers)
    pacer.afterRead(true)
    pacer.resume()
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`, "start"])
    assert.strictEqual(h.pending.size, 0)
    pacer.resume()
    h.fire()
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`, "start"])
  })

  it("close reads again at once (a close frame must not wait) and paces no more", () => {
    const h = harness()
    const pacer = new ReadPacer(h.socket, h.timers)
    pacer.afterRead(true)
    pacer.close()
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`, "start"])
    assert.isTrue(h.isReading())
    pacer.afterRead(true)
    h.fire()
    assert.deepStrictEqual(h.events, ["stop", `timer ${READ_DEFER_MS}`, "start"])
  })

  it("sets no timer when the socket cannot stop reading", () => {
    const h = harness({ stoppable: false })
    const pacer = new ReadPacer(h.socket, h.timers)
    pacer.afterRead(true)
    assert.deepStrictEqual(h.events, [])
    assert.isFalse(pacer.deferred)
  })
})

describe("pausableReads on a real socket", () => {
  it("stops Node's reads until start (Node's stream does not start them again), then the bytes arrive", async () => {
    const { createServer, connect } = await import("node:net")
    const { pausableReads } = await import("../../src/lib/ssm/readPacer.ts")
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const peerP = new Promise<import("node:net").Socket>((r) => server.once("connection", r))
    const socket = connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port })
    const peer = await peerP
    await new Promise<void>((r) => (socket.readyState === "open" ? r() : socket.once("connect", () => r())))
    try {
      const reads = pausableReads(socket)
      assert.isDefined(reads)
      const handle = (socket as unknown as { _handle: { readStart: () => number } })._handle
      const realStart = handle.readStart.bind(handle)
      let starts = 0
      handle.readStart = () => (starts++, realStart())
      const got: Array<string> = []
      const first = new Promise<void>((r) =>
        socket.on("data", (d: Buffer) => {
          got.push(d.toString())
          // stopped inside a read, as the channel does: Node's stream then tries to read on (maybeReadMore)
          if (got.length === 1) assert.isTrue(reads!.stop())
          r()
        })
      )
      peer.write("a")
      await first
      await new Promise<void>((r) => peer.write("b", () => r()))
      // turns of the event loop (bounded) in which a reading socket would see "b"
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
      assert.deepStrictEqual(got, ["a"])
      assert.strictEqual(starts, 0, "Node's stream started reading again")
      assert.isFalse(reads!.stop(), "already stopped: the handle is not asked twice")
      const second = new Promise<void>((r) => socket.once("data", () => r()))
      reads!.start()
      await second
      assert.deepStrictEqual(got, ["a", "b"])
      assert.strictEqual(starts, 1)
    } finally {
      socket.destroy()
      peer.destroy()
      await new Promise((r) => server.close(r))
    }
  })
})
