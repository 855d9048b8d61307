/**
 * Reading the data channel's socket less often during bulk transfers. The agent acknowledges every
 * 1 KiB message by itself (one WebSocket frame each), and sends its output as 1 KiB messages, so a
 * channel that reads as soon as bytes arrive wakes for every few messages: a read, Node's stream
 * machinery and the kernel's work each time, which cost aegea more than the messages did. After a
 * socket read that was part of a bulk transfer (`bulkTraffic`: a write waiting for room in a window
 * more than half full, or a read that brought several full-size data messages), the channel stops
 * reading and reads again `READ_DEFER_MS` later, when what came meanwhile arrives in one read. Bounded
 * so: the remote side's bytes wait at most that long, and only during a bulk transfer; interactive
 * traffic (a window nearly empty, short messages) is never paced. `ReadPacer` is pure (the socket and
 * the timer are given); `pausableReads` reaches under Node's socket.
 */

/** How long the socket stays unread after a read, at most (milliseconds). */
export const READ_DEFER_MS = 1

/** A socket whose reading can stop and start again. */
export interface PausableReads {
  /** Stop reading; false when the socket is not reading (closed, or stopped by someone else): nothing was done. */
  readonly stop: () => boolean
  /** Read again (nothing when the socket is gone). */
  readonly start: () => void
}

export interface PacerTimers {
  readonly set: (f: () => void, ms: number) => unknown
  readonly clear: (timer: unknown) => void
}

const nodeTimers: PacerTimers = {
  set: (f, ms) => setTimeout(f, ms),
  clear: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>)
}

/**
 * A bulk upload waits: a write waits for room (`waiting`) and more than `resumeAt` messages are still
 * unacknowledged (the write would not go on yet anyway, whatever the next read brings).
 */
export const bulkUploadWaiting = (waiting: boolean, unacknowledged: number, resumeAt: number): boolean =>
  waiting && unacknowledged > resumeAt

/**
 * A socket read that delivered at least this many full-size (1 KiB) data messages is part of a bulk
 * download. The agent cuts what it sends into 1 KiB pieces, so interactive output (an echo, a prompt)
 * comes as short messages, and a read of them is never followed by a pause.
 */
export const BULK_READ_MESSAGES = 4

/** Whether the socket read just handled was part of a bulk transfer, either way (see the module's comment). */
export const bulkTraffic = (read: {
  /** Data messages of the full 1 KiB the read delivered. */
  readonly fullDataMessages: number
  /** A write waits for room in the send window. */
  readonly writeWaiting: boolean
  readonly unacknowledged: number
  /** The waiting write goes on once this few are unacknowledged. */
  readonly resumeAt: number
}): boolean => read.fullDataMessages >= BULK_READ_MESSAGES || bulkUploadWaiting(read.writeWaiting, read.unacknowledged, read.resumeAt)

export class ReadPacer {
  private timer: unknown = undefined
  private closed = false
  /** Times the socket was left unread (for tests and profiles). */
  deferrals = 0

  constructor(
    private readonly socket: PausableReads,
    private readonly timers: PacerTimers = nodeTimers,
    private readonly delayMs: number = READ_DEFER_MS
  ) {}

  /** Whether the socket is unread now, waiting for the timer. */
  get deferred(): boolean {
    return this.timer !== undefined
  }

  /** After one socket read: when `bulk`, leave the socket unread for `delayMs`. */
  afterRead(bulk: boolean): void {
    if (!bulk || this.closed || this.timer !== undefined) return
    if (!this.socket.stop()) return
    this.deferrals++
    this.timer = this.timers.set(this.resume, this.delayMs)
  }

  /** Read again now (the timer, or anything that must not wait). */
  readonly resume = (): void => {
    const timer = this.timer
    if (timer === undefined) return
    this.timer = undefined
    this.timers.clear(timer)
    if (!this.closed) this.socket.start()
  }

  /** No more pacing (the channel is closing: its close frame must be read): read again now if unread. */
  close(): void {
    this.resume()
    this.closed = true
  }
}

/** The part of a net.Socket's (or TLSSocket's) libuv handle that stops and starts reading. */
interface ReadingHandle {
  reading?: boolean
  readStop?: () => number
  readStart?: () => number
}

/**
 * Stopping and starting the reads of a WebSocket's socket underneath Node's stream (for ReadPacer):
 * `readStop` on its handle (a TCP handle, or the TLS wrap, which passes it to the TCP handle under it:
 * bytes wait in the kernel), leaving the handle marked as reading, so that Node's
 * stream, which starts reading whenever its buffer is below its mark, does not start it again; the
 * pacer's timer does, with `readStart`. Nothing when the handle is not reading (Node stopped it for
 * backpressure, or the socket closed).
 */
export const pausableReads = (socket: object): PausableReads | undefined => {
  const s = socket as unknown as { _handle?: ReadingHandle | null; destroyed?: boolean }
  const handle = s._handle
  if (handle == null || typeof handle.readStop !== "function" || typeof handle.readStart !== "function") return undefined
  let stopped = false
  return {
    stop: () => {
      if (stopped || s._handle !== handle || s.destroyed === true || handle.reading !== true) return false
      stopped = handle.readStop!() === 0
      return stopped
    },
    start: () => {
      if (!stopped) return
      stopped = false
      if (s._handle === handle && s.destroyed !== true && handle.reading === true) handle.readStart!()
    }
  }
}
