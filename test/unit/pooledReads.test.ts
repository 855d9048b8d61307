// Socket reads into reused buffers (src/lib/pooledReads.ts), on real loopback sockets: the bytes arrive
// whole and in order, what Node had buffered before comes first, pause() and resume() still stop and
// start reading, 'end' still comes, and a handful of buffers carry megabytes.
import { createHash } from "node:crypto"
import { connect, createServer, type Server, Socket } from "node:net"
import { assert, describe, it } from "vitest"
import { POOLED_READ_SIZE, readIntoPool, ReadPool } from "../../src/lib/pooledReads.ts"

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const payloadOf = (size: number) => Buffer.from(Array.from({ length: size }, (_, j) => (j * 13 + (j >> 12)) & 0xff))

/** A server on loopback; `accepted` resolves with its first connection. */
const serve = async () => {
  let accept!: (s: Socket) => void
  const accepted = new Promise<Socket>((r) => (accept = r))
  const server = createServer((s) => accept(s))
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  return { server, port: (server.address() as { port: number }).port, accepted }
}
const closeServer = (server: Server) => new Promise<void>((r) => server.close(() => r()))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `test` with a client connected to a loopback server and the server's side of it; both closed after. */
const connected = async (test: (socket: Socket, client: Socket) => Promise<void>) => {
  const { server, port, accepted } = await serve()
  const client = connect({ host: "127.0.0.1", port })
  client.on("error", () => {})
  try {
    await test(await accepted, client)
  } finally {
    client.destroy()
    await closeServer(server)
  }
}

describe("readIntoPool", () => {
  it("carries 8 MB from a client intact through a few reused buffers, and 'end' still comes", () =>
    connected(async (socket, client) => {
      const pool = new ReadPool()
      const got: Array<Buffer> = []
      let fromPool = 0
      assert.isTrue(readIntoPool(socket, pool, (bytes, buffer) => {
        got.push(Buffer.from(bytes)) // a copy: the buffer goes back at once
        if (buffer !== undefined) {
          fromPool++
          assert.strictEqual(bytes.buffer, buffer.buffer, "the bytes are a view of the pool's buffer")
          pool.release(buffer)
        }
    }))
    socket.resume()
    const ended = new Promise<void>((r) => socket.once("end", () => r()))
    const payload = payloadOf(8 * 1024 * 1024)
    client.end(payload)
    await ended
    assert.strictEqual(sha(Buffer.concat(got)), sha(payload))
    assert.isAbove(fromPool, 8 * 1024 * 1024 / POOLED_READ_SIZE / 2, "most reads went into the pool's buffers")
    assert.isAtMost(pool.made, 3, "a buffer given back is read into again")
    assert.strictEqual(socket.listenerCount("data"), 0)
    }))

  it("hands over first what Node had already read, then reads into the pool; buffers kept by the reader are not read into again", () =>
    connected(async (socket, client) => {
      const early = payloadOf(10_000)
      client.write(early)
      // Node reads it into the socket's stream before anyone asks
      for (let i = 0; i < 200 && socket.readableLength < early.length; i++) await sleep(5)
      assert.strictEqual(socket.readableLength, early.length)
      const pool = new ReadPool()
      const kept: Array<{ bytes: Buffer; copy: Buffer }> = []
      const order: Array<"node" | "pool"> = []
      assert.isTrue(readIntoPool(socket, pool, (bytes, buffer) => {
        order.push(buffer === undefined ? "node" : "pool")
        // kept, not released: the pool must never read into these again
        kept.push({ bytes, copy: Buffer.from(bytes) })
    }))
    assert.deepStrictEqual(order, ["node"], "the bytes Node had buffered, at once")
    socket.resume()
    const ended = new Promise<void>((r) => socket.once("end", () => r()))
    const rest = payloadOf(1024 * 1024)
    client.end(rest)
    await ended
    assert.strictEqual(sha(Buffer.concat(kept.map((k) => k.bytes))), sha(Buffer.concat([early, rest])), "no view was overwritten by a later read")
    for (const k of kept) assert.isTrue(k.bytes.equals(k.copy))
    assert.isAbove(order.filter((o) => o === "pool").length, 0)
    assert.strictEqual(pool.made, order.filter((o) => o === "pool").length + 1, "a new buffer for each read (and the next)")
    }))

  it("a client that sent its bytes and its FIN before the switch: the bytes, then 'end', and no error", () =>
    connected(async (socket, client) => {
      const errors: Array<Error> = []
      socket.on("error", (e) => void errors.push(e))
      const early = payloadOf(3000)
      client.end(early)
      let sawEnd = false
      socket.once("end", () => (sawEnd = true))
      // Node has read the bytes and the FIN (its stream ended) before anyone reads them
      for (let i = 0; i < 200 && socket.readableLength < early.length; i++) await sleep(5)
      await sleep(20)
      assert.isFalse(sawEnd)
      const pool = new ReadPool()
      const got: Array<Buffer> = []
      assert.isTrue(readIntoPool(socket, pool, (bytes) => void got.push(Buffer.from(bytes))))
      socket.resume()
      for (let i = 0; i < 200 && !sawEnd; i++) await sleep(5)
      assert.isTrue(sawEnd, "'end' came")
      assert.strictEqual(sha(Buffer.concat(got)), sha(early))
      assert.deepStrictEqual(errors, [])
    }))

  it("pause() stops the reads and resume() starts them again", () =>
    connected(async (socket, client) => {
      const pool = new ReadPool()
      let reads = 0
      let bytesRead = 0
      assert.isTrue(readIntoPool(socket, pool, (bytes, buffer) => {
        reads++
        bytesRead += bytes.length
        if (buffer !== undefined) pool.release(buffer)
        socket.pause()
    }))
    socket.resume()
    const total = 4 * 1024 * 1024
    const ended = new Promise<void>((r) => socket.once("end", () => r()))
    client.end(payloadOf(total))
    for (let i = 0; i < 200 && reads === 0; i++) await sleep(5)
    assert.strictEqual(reads, 1)
    await sleep(100)
    assert.strictEqual(reads, 1, "no read while paused")
    assert.isBelow(bytesRead, total)
    // resume after every read: the rest comes
    socket.pause = (() => socket) as typeof socket.pause
    socket.resume()
    await ended
    assert.strictEqual(bytesRead, total)
    }))

  it("changes nothing (false) for a socket that is read by 'data' events, or has no handle yet", () =>
    connected(async (socket, client) => {
      const onData = () => {}
      socket.on("data", onData)
      assert.isFalse(readIntoPool(socket, new ReadPool(), () => assert.fail("no reads")))
      socket.off("data", onData)
      assert.isFalse(readIntoPool(new Socket(), new ReadPool(), () => assert.fail("no reads")))
    }))
})
