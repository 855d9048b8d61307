/**
 * Socket reads into buffers of our own, reused, instead of a fresh 64 KiB buffer from Node per read.
 *
 * Node reads a socket into a new buffer each time (malloc'd, freed only when V8's collector finds it
 * dead), so a transfer at tens of MB/s keeps 10-20 MB of dead read buffers waiting for the next
 * scavenge, and the process's memory grows to hold them: first touches of fresh memory, a large part
 * of what the first transfer of a tunnel pays once (docs/performance.md). Node's documented `onread` option (a
 * buffer, or a function giving the buffer for the next read, and a callback) exists only for sockets
 * Node makes with it; `readIntoPool` gives the same to a socket that already exists (one a server
 * accepted), through the handle's `useUserBuffer` and the socket's three `onread` slots, found by
 * their symbols' descriptions. Where they are not there (another runtime, a Node that changed them)
 * it changes nothing and says so: the caller reads 'data' events as before.
 *
 * The pool's buffers come back when their bytes have been used (`ReadPool.release`): a caller that
 * cannot say when (its bytes go somewhere that keeps them) must not use it.
 */
import type { Socket } from "node:net"

/** Node's read size for a stream handle (uv's suggested size): a buffer of this size is always filled in one read at most. */
export const POOLED_READ_SIZE = 64 * 1024

/** Spare buffers kept for reuse, at most (2 MiB): more than the reads in flight in a tunnel's write queue. */
const MAX_SPARES = 32

/** Buffers of one size (by default for socket reads), reused once released. */
export class ReadPool {
  private readonly spares: Array<Buffer> = []
  /** Buffers made so far (for tests). */
  made = 0

  constructor(
    readonly size: number = POOLED_READ_SIZE,
    private readonly maxSpares: number = MAX_SPARES
  ) {}

  /** A buffer for the next read: a spare, else a new one. */
  readonly take = (): Buffer => {
    const spare = this.spares.pop()
    if (spare !== undefined) return spare
    this.made++
    return Buffer.allocUnsafeSlow(this.size)
  }

  /**
   * `buffer`'s bytes are no longer used by anyone: it may be read into again. A whole buffer of the
   * pool's size with nothing else in its memory (any such buffer: one the pool did not make joins it).
   */
  release(buffer: Uint8Array): void {
    if (this.spares.length >= this.maxSpares || buffer.length !== this.size || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== this.size) return
    this.spares.push(Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, 0, this.size))
  }
}

interface StreamHandle {
  useUserBuffer?: (buffer: Uint8Array) => void
}

/** The socket's `onread` slots (net.Socket's kBuffer, kBufferCb, kBufferGen), when it has all three. */
const onreadSlots = (socket: Socket): { buffer: symbol; callback: symbol; next: symbol } | undefined => {
  let buffer: symbol | undefined
  let callback: symbol | undefined
  let next: symbol | undefined
  for (const s of Object.getOwnPropertySymbols(socket)) {
    if (s.description === "kBuffer") buffer = s
    else if (s.description === "kBufferCb") callback = s
    else if (s.description === "kBufferGen") next = s
  }
  return buffer !== undefined && callback !== undefined && next !== undefined ? { buffer, callback, next } : undefined
}

/**
 * From now on, `socket`'s reads go into buffers from `pool`, each handed to `onRead(bytes, buffer)`
 * (`bytes` a view of `buffer`); what the socket had already read and buffered comes first, through
 * `onRead` with `buffer` undefined (Node's own buffer, not the pool's). The socket stays a stream for
 * everything else: pause() and resume() stop and start reading, and 'end', 'error' and 'close' come
 * as before, but no 'data' events. `onRead` must be done with `bytes` or give `buffer` back to the
 * pool later (`release`); each read gets a buffer the pool has not given to anyone else. False (and
 * nothing changed) where the socket cannot read into buffers of ours: read 'data' events instead.
 */
export const readIntoPool = (socket: Socket, pool: ReadPool, onRead: (bytes: Buffer, buffer: Buffer | undefined) => void): boolean => {
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== "function") return false
  if (socket.destroyed || socket.connecting || socket.listenerCount("data") > 0) return false
  const slots = onreadSlots(socket)
  if (slots === undefined) return false
  const record = socket as unknown as Record<symbol, unknown>
  if (record[slots.buffer] !== null && record[slots.buffer] !== undefined) return false
  // what Node has already read for the socket's stream, before it reads into ours
  for (let chunk = socket.read() as Buffer | string | null; chunk !== null; chunk = socket.read() as Buffer | string | null) {
    onRead(typeof chunk === "string" ? Buffer.from(chunk) : chunk, undefined)
  }
  const first = pool.take()
  record[slots.buffer] = first
  record[slots.next] = pool.take
  record[slots.callback] = (nread: number, buffer: Buffer) => {
    onRead(buffer.subarray(0, nread), buffer)
  }
  handle.useUserBuffer(first)
  return true
}
