/**
 * The live data channel: a WebSocket (the `ws` package, imported lazily) to the session's StreamUrl,
 * driven by the pure protocol of src/lib/ssm. The channel outlives its WebSocket: a ping every 30 s
 * with a 10 s pong timeout notices a stalled connection, and a connection that is lost or stalls is
 * resumed (ResumeSession, the same stream with the new token, every unacknowledged message sent
 * again) on a bounded backoff (lib/ssm/resume.ts), with a one-line notice on stderr. A session the
 * agent asks to encrypt gets its data key from `generateDataKey` (KMS, lib/ssm/kmsEncryption.ts); a
 * port-forwarding session with a current agent is an smux session (the channel says so, and the
 * caller, workflows/muxTunnel.ts, speaks it).
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import type WebSocketType from "ws"
import { type ChannelEvent, ChannelProtocol, CHUNK_SIZE, chunkPieces } from "../lib/ssm/protocol.ts"
import { CLIENT_VERSION, Flag, openDataChannelJson, PORT_SESSION_TYPES, SHELL_SESSION_TYPES } from "../lib/ssm/payloads.ts"
import { generateDataKeyInput } from "../lib/ssm/kmsEncryption.ts"
import { portForwardingMode, type PortForwardingMode } from "../lib/ssm/smux.ts"
import { WsFrameReader } from "../lib/ssm/wsReader.ts"
import { bulkTraffic, pausableReads, ReadPacer } from "../lib/ssm/readPacer.ts"
import { tuneGcForStreaming, turnOptimizerOn } from "../lib/v8Optimize.ts"
import { AwsClients, type AwsEnvironment } from "./AwsClients.ts"
import type { GenerateDataKey } from "./kmsDataKey.ts"
import { takeWarm } from "./warmConnections.ts"
import { resumedNotice, resumeSchedule, type SessionTimings, sessionTimingsFromEnv } from "../lib/ssm/resume.ts"
import { type AegeaError, OperationFailed } from "../errors.ts"
import { Ssm, type SessionTicket } from "../services/Ssm.ts"
import { type ChannelKind, type DataChannel, type OutputSink, SsmSession } from "../services/SsmSession.ts"

/** Unacknowledged messages (of ≤1 KiB) allowed in flight before `write` waits (the plugin allows 10,000). */
const SEND_WINDOW = 128
/**
 * With the window full, a waiting `write` goes on once this many messages have been acknowledged, so
 * that bulk traffic leaves in batches of at least 64 KiB: every socket write wakes the receiving end,
 * which costs aegea more than the bytes do (measured: batches of the 1-8 messages that one read of
 * acknowledgements frees cost 51-52 ms of aegea's CPU per MB uploading, batches of 64 45-46, the same
 * with 128, 256 or 512 messages in flight; more in flight only lengthens the round trip, and a loaded
 * machine then resent messages; the stand-in, receiving bursts, spends 5-15 % more). Interactive
 * traffic never fills the window, so it never waits.
 */
const SEND_BATCH = 64
const SEND_RESUME = SEND_WINDOW - SEND_BATCH
/**
 * The launcher (src/main.ts) starts with V8's optimizing compiler off for a second (most commands end
 * before optimized code pays back its compile time). A channel that has carried this many bytes of
 * data (a transfer through a tunnel, scp through `aegea ssh`) turns it on at once: the per-message
 * code runs several times faster optimized (a tunnel's first second otherwise runs at 4-5 times the
 * CPU per message). `aegea ssh box -- true` and other short sessions carry far less.
 */
const OPTIMIZE_AFTER_BYTES = 2 * 1024 * 1024
let optimizing = false
/** Counts `n` bytes carried; turns the optimizing compiler on, and incremental marking off, once (lib/v8Optimize.ts). */
const carried = (n: number) => {
  carriedBytes += n
  if (carriedBytes < OPTIMIZE_AFTER_BYTES || optimizing) return
  optimizing = true
  turnOptimizerOn()
  tuneGcForStreaming()
}
let carriedBytes = 0
/** Frames gathered in one turn of the event loop are written out at once when they reach this many bytes. */
const FLUSH_BYTES = 256 * 1024
const HANDSHAKE_TIMEOUT_MS = 30_000
const CLOSE_GRACE_MS = 1_000
/** Opening the WebSocket of a resumed session (the upgrade and the token frame). */
const RECONNECT_TIMEOUT = Duration.seconds(15)

type Output = Queue.Queue<Uint8Array, OperationFailed | Cause.Done>

/** How a channel resumes its session after a lost connection. */
export interface ResumeOptions {
  /**
   * ResumeSession: a new ticket for the session, or none when Session Manager gave no token (the
   * session has ended). Without it a lost connection ends the channel.
   */
  readonly resume?: ((sessionId: string) => Effect.Effect<Option.Option<SessionTicket>, AegeaError>) | undefined
  /** Keep-alive and resumption timings (default: lib/ssm/resume.ts, with the environment's overrides). */
  readonly timings?: SessionTimings | undefined
  /** Where the one-line notice of a resumption goes (default: stderr). */
  readonly notice?: ((line: string) => void) | undefined
  /**
   * kms:GenerateDataKey, for sessions the agent asks to encrypt (Session Manager preferences with a
   * KMS key). Without it such a session fails with one line.
   */
  readonly generateDataKey?: GenerateDataKey | undefined
  /**
   * How the session ends (TerminateSession), run as the channel closes: it starts once the terminate
   * flag has been sent, while the channel waits for the agent to acknowledge what it sent, rather than
   * after (a round trip less at the end of every session). The channel is closed and this done when
   * the channel's scope has closed.
   */
  readonly endSession?: Effect.Effect<void> | undefined
}

/** What a channel needs to answer the agent's KMSEncryption action. */
interface Encryption {
  readonly sessionId: string
  /** The session's target, for the encryption context (the instance id). */
  readonly targetId: string
  readonly generateDataKey: GenerateDataKey | undefined
}

/** The notice on stderr; on a terminal in raw mode (`aegea session`) a line needs its carriage return. */
const stderrNotice = (line: string) => {
  const raw = process.stdin.isTTY === true && (process.stdin as { isRaw?: boolean }).isRaw === true
  process.stderr.write(`aegea: ${line}${raw ? "\r\n" : "\n"}`)
}

/**
 * One data channel and its protocol state, over one WebSocket at a time (callbacks only, wrapped in
 * Effect by `attachTicket`): the first, then each one a resumption opens.
 */
class Connection {
  readonly protocol: ChannelProtocol
  agentVersion = ""
  /** Port sessions: whether the byte stream is smux (then a ConnectToPortError flag ends one stream, not the channel). */
  mode: PortForwardingMode = "basic"
  private finished = false
  private ws: WebSocketType | undefined
  private readonly ticker: ReturnType<typeof setInterval>
  private pinger: ReturnType<typeof setInterval> | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined
  private waiters: Array<() => void> = []
  /** close() has begun: a lost connection now only ends the wait for acknowledgements (no resumption). */
  private closing = false
  /** Whether frames may be framed here and written to the socket in one piece (see `transmit`). */
  private rawFraming = false
  /** Whether anything (a message, a pong) arrived on the current WebSocket. */
  heardFrom = false
  /**
   * The time read once for all the messages of one socket read or one `write` (a clock read costs as
   * much as a tenth of a message here), else 0: the protocol's clock (`clock`).
   */
  private batchTime = 0
  /** Inside one socket read's messages (the sink is flushed once, after them). */
  private reading = false
  /** Full-size data messages (CHUNK_SIZE) the current socket read delivered: a bulk download (see `use`). */
  private readFull = 0
  /** Where the remote side's bytes go instead of `output` (`divert`), whether any went to `output`, and whether the sink has bytes not flushed. */
  private sink: OutputSink | undefined
  private queuedAny = false
  private sinkPending = false
  private readonly clock = () => (this.batchTime !== 0 ? this.batchTime : Date.now())

  constructor(
    private readonly output: Output,
    readonly describe: string,
    private readonly onReady: (error: OperationFailed | undefined) => void,
    kind: ChannelKind,
    private readonly timings: SessionTimings,
    /** A lost or stalled connection after the handshake: resume (when the session can be resumed). */
    private readonly onLost: ((reason: string) => void) | undefined,
    private readonly encryption: Encryption
  ) {
    this.protocol = new ChannelProtocol({ now: this.clock, sessionTypes: kind === "shell" ? SHELL_SESSION_TYPES : PORT_SESSION_TYPES })
    this.ticker = setInterval(() => {
      if (this.isOpen && !this.held) this.handle(this.protocol.tick())
    }, 100)
    this.ticker.unref()
  }

  private get isOpen() {
    return this.ws !== undefined && this.ws.readyState === this.ws.OPEN
  }

  /** Speak through this WebSocket from now on. */
  use(ws: WebSocketType) {
    this.ws = ws
    this.heardFrom = false
    this.pending = []
    this.pendingBytes = 0
    this.rawFraming = rawFramingFor.has(ws)
    ws.binaryType = "nodebuffer"
    // a pong, or anything else that arrives after the ping, shows the connection is alive
    const onBinary = (data: Buffer) => {
      if (this.ws !== ws) return
      this.alive()
      this.handle(this.protocol.receive(data))
    }
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) onBinary(data)
      else if (this.ws === ws) this.alive()
    })
    // the channel's own reader (`takeOverReading`) hands it binary messages directly
    const batch = (start: boolean) => {
      this.batchTime = start ? Date.now() : 0
      this.reading = start
      if (start) {
        this.readFull = 0
        return
      }
      if (this.sinkPending) this.flushSink()
      // a bulk upload waiting for acknowledgements, or a bulk download: read the next messages
      // together, a moment later (lib/ssm/readPacer.ts); interactive traffic is read at once
      const bulk = bulkTraffic({ fullDataMessages: this.readFull, writeWaiting: this.waiters.length > 0, unacknowledged: this.protocol.unacknowledged, resumeAt: SEND_RESUME })
      if (this.ws === ws) rawReaders.get(ws)?.pacer?.afterRead(bulk)
    }
    const reader = rawReaders.get(ws)
    if (reader !== undefined) {
      reader.onBinary = onBinary
      reader.onRead = batch
    } else if (ws.readyState === ws.CONNECTING) {
      ws.once("open", () => {
        const r = rawReaders.get(ws)
        if (r === undefined) return
        r.onBinary = onBinary
        r.onRead = batch
      })
    }
    ws.on("pong", () => {
      if (this.ws === ws) this.alive()
    })
    ws.on("error", (cause) => this.lose(ws, `the Session Manager connection for ${this.describe} failed: ${cause.message}`, cause))
    ws.on("close", (code, reason) =>
      this.lose(ws, `the Session Manager connection for ${this.describe} closed unexpectedly (${code}${reason.length > 0 ? ` ${reason.toString()}` : ""})`))
    clearInterval(this.pinger)
    this.pinger = setInterval(() => this.ping(), Duration.toMillis(this.timings.pingInterval))
    this.pinger.unref()
    if (this.held) socketOf(ws)?.pause()
  }

  /** From now on the remote side's bytes go to `sink` (DataChannel.divertOutput); false when some already went to `output`. */
  divert(sink: OutputSink): boolean {
    if (this.queuedAny || this.finished) return false
    this.sink = sink
    return true
  }

  private flushSink() {
    this.sinkPending = false
    this.sink?.flush()
  }

  private alive() {
    this.heardFrom = true
    clearTimeout(this.pongTimer)
    this.pongTimer = undefined
  }

  /**
   * Backpressure (DataChannel.holdOutput): while held, the WebSocket's socket is paused (Node reads
   * at most its buffer's worth more, then stops; the agent's messages wait unacknowledged at the
   * agent), and neither a ping's answer nor an acknowledgement is awaited: they are in the unread
   * bytes. Holding again re-pauses (ws resumes its socket when its own parser drains).
   */
  private held = false
  hold(held: boolean) {
    if (this.finished || (!held && !this.held)) return
    const socket = socketOf(this.ws)
    if (held) {
      this.held = true
      clearTimeout(this.pongTimer)
      this.pongTimer = undefined
      socket?.pause()
      return
    }
    this.held = false
    this.protocol.restartAckClock()
    socket?.resume()
  }

  /** Ping (unless a ping is still unanswered, or reading is held); nothing back within the timeout: the connection stalled. */
  ping() {
    const ws = this.ws
    if (ws === undefined || ws.readyState !== ws.OPEN || this.pongTimer !== undefined || this.held) return
    ws.ping("keepalive")
    const timeout = Duration.toMillis(this.timings.pongTimeout)
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined
      this.lose(ws, `the Session Manager connection for ${this.describe} stalled (no answer to a ping within ${timeout / 1000} s)`)
    }, timeout)
    this.pongTimer.unref()
  }

  /** The WebSocket `ws` is gone (closed, failed or stalled): resume, or end the channel. */
  private lose(ws: WebSocketType, message: string, cause?: unknown) {
    if (this.ws !== ws || this.finished) return
    this.detach()
    ws.terminate()
    // closing (TerminateSession may end the connection first): nothing to resume, close() goes on
    if (this.closing) return this.wake()
    if (this.onLost !== undefined && this.protocol.handshakeComplete) this.onLost(message)
    else this.fail(message, cause)
  }

  private detach() {
    this.ws = undefined
    this.pending = []
    this.pendingBytes = 0
    clearInterval(this.pinger)
    clearTimeout(this.pongTimer)
    this.pinger = undefined
    this.pongTimer = undefined
  }

  /** A resumption opened a WebSocket: speak through it and send again what the agent has not acknowledged. */
  resumed({ early, handOver, ws }: Reopened) {
    handOver()
    if (this.finished) {
      ws.terminate()
      return
    }
    this.use(ws)
    if (ws.readyState !== ws.OPEN) {
      this.lose(ws, `the Session Manager connection for ${this.describe} closed unexpectedly while resuming`)
      return
    }
    this.handle(this.protocol.resendUnacknowledged())
    for (const data of early) {
      this.alive()
      this.handle(this.protocol.receive(data))
    }
    this.ping() // its pong proves the new connection at once
  }

  /**
   * Frames sent in one turn of the event loop leave in one socket write, on the next tick (no added
   * latency: a keystroke still goes out as soon as the code that sent it is done), or at once when
   * they reach FLUSH_BYTES. With a zero masking key (`maskFor`) and no extension, each is framed here
   * as one binary WebSocket frame (RFC 6455 §5.2: FIN and opcode 2, the masked length, the zero key,
   * the payload unchanged) into one buffer; else each goes through `ws.send` with the socket corked.
   * Without an open WebSocket (a resumption under way) nothing is sent: what is unacknowledged is
   * sent again on the next one (and an acknowledgement lost so is asked for again by the agent's resend).
   */
  private pending: Array<Uint8Array> = []
  /** Bytes of the pending frames, counting the longest header each (see FLUSH_BYTES). */
  private pendingBytes = 0
  /** Buffers for batches, reused once the socket has written them, and how many were made. */
  private spares: Array<Buffer> = []
  private sparesMade = 0
  private flushScheduled = false
  private readonly flushOnTick = () => {
    this.flushScheduled = false
    this.flush()
  }

  private transmit(frame: Uint8Array) {
    const ws = this.ws
    if (ws === undefined || ws.readyState !== ws.OPEN) return
    this.pending.push(frame)
    this.pendingBytes += frame.length + WS_HEADER_MAX
    if (this.pendingBytes >= FLUSH_BYTES) this.flush()
    else if (!this.flushScheduled) {
      this.flushScheduled = true
      process.nextTick(this.flushOnTick)
    }
  }

  private flush() {
    const frames = this.pending
    if (frames.length === 0) return
    this.pending = []
    this.pendingBytes = 0
    const ws = this.ws
    if (ws === undefined || ws.readyState !== ws.OPEN) return
    const socket = socketOf(ws)
    if (socket === undefined) return
    if (this.rawFraming && (ws as unknown as { _sender?: { _queue?: Array<unknown> } })._sender?._queue?.length === 0) {
      // a large batch goes into a spare buffer (at most MAX_SPARES per channel, each given back once the
      // socket has written it); a small one, or one when every spare is still being written, into its own
      const size = wsBinaryFramesSize(frames)
      let spare: Buffer | undefined
      if (size >= SPARE_MIN_BATCH && size <= SPARE_BUFFER_SIZE) {
        spare = this.spares.pop()
        if (spare === undefined && this.sparesMade < MAX_SPARES) {
          this.sparesMade++
          spare = Buffer.allocUnsafeSlow(SPARE_BUFFER_SIZE)
        }
      }
      const out = writeWsBinaryFrames(frames, spare ?? Buffer.allocUnsafe(size))
      if (spare === undefined) socket.write(out)
      else {
        socket.write(out, () => void this.spares.push(spare))
      }
      return
    }
    socket.cork()
    // a zero masking key makes ws write the frame itself, later if the socket is busy: a copy, as the
    // protocol reuses a frame's buffer once the agent has acknowledged it
    for (const frame of frames) ws.send(this.rawFraming ? Buffer.from(frame) : frame)
    socket.uncork()
  }

  private handle(events: ReadonlyArray<ChannelEvent>) {
    for (const event of events) {
      switch (event._tag) {
        case "Send":
          this.transmit(event.frame)
          break
        case "Data":
          if (event.bytes.length === CHUNK_SIZE) this.readFull++
          if (!optimizing) carried(event.bytes.length)
          if (this.sink !== undefined) {
            this.sink.data(event.bytes)
            this.sinkPending = true
          } else {
            this.queuedAny = true
            Queue.offerUnsafe(this.output, event.bytes)
          }
          break
        case "HandshakeComplete":
          this.agentVersion = event.agentVersion
          this.mode = portForwardingMode({ sessionPropertiesType: this.protocol.sessionPropertiesType, agentVersion: event.agentVersion, clientVersion: CLIENT_VERSION })
          this.onReady(undefined)
          break
        case "AgentFlag":
          // smux: the agent closes that one stream (FIN); the session goes on
          if (event.flag === Flag.connectToPortError && this.mode !== "mux") this.fail(`the SSM agent could not connect to the remote port for ${this.describe}`)
          break
        case "KmsKeyNeeded":
          this.generateDataKey(event.request)
          break
        case "Closed":
          this.finish()
          if (!this.protocol.handshakeComplete) {
            this.onReady(new OperationFailed({ message: `the SSM agent closed the session for ${this.describe}${event.reason ? `: ${event.reason}` : ""}` }))
          }
          Queue.endUnsafe(this.output)
          break
        case "Failed":
          this.fail(`the Session Manager session for ${this.describe} failed: ${event.reason}`)
          break
        case "Ignored":
          break
      }
    }
    if (this.sinkPending && !this.reading) this.flushSink()
    if (this.waiters.length > 0 && this.protocol.unacknowledged <= SEND_RESUME) this.wake()
  }

  /** The agent asks for KMS encryption: GenerateDataKey, then the handshake goes on (or the channel fails). */
  private generateDataKey(request: Parameters<typeof generateDataKeyInput>[0]) {
    const generate = this.encryption.generateDataKey
    if (generate === undefined) {
      this.failAfterSending(this.protocol.kmsKeyFailed("aegea cannot call KMS here"))
      return
    }
    void Effect.runPromiseExit(generate(generateDataKeyInput(request, this.encryption.sessionId, this.encryption.targetId))).then((exit) => {
      if (this.finished) return
      if (Exit.isSuccess(exit)) return this.handle(this.protocol.kmsKeyReady(exit.value))
      const error = Cause.findErrorOption(exit.cause)
      const reason = Option.isSome(error) ? oneLine(error.value.summary) : "GenerateDataKey failed"
      this.failAfterSending(this.protocol.kmsKeyFailed(`could not get a data key from KMS: ${reason}`))
    })
  }

  /** Send what `events` send (telling the agent why), then, once it has left (at most 1 s), fail. */
  private failAfterSending(events: ReadonlyArray<ChannelEvent>) {
    this.handle(events.filter((e) => e._tag !== "Failed"))
    const failed = events.filter((e) => e._tag === "Failed")
    const deadline = Date.now() + CLOSE_GRACE_MS
    const later = () => {
      const ws = this.ws
      if (this.finished || ws === undefined || ws.bufferedAmount === 0 || Date.now() >= deadline) this.handle(failed)
      else setTimeout(later, 10)
    }
    setImmediate(later)
  }

  private wake() {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private finish() {
    if (this.finished) return false
    this.finished = true
    clearInterval(this.ticker)
    clearInterval(this.pinger)
    clearTimeout(this.pongTimer)
    this.wake()
    return true
  }

  fail(message: string, cause?: unknown) {
    if (!this.finish()) return
    const error = new OperationFailed({ message, ...(cause !== undefined ? { cause } : {}) })
    this.onReady(error)
    Queue.failCauseUnsafe(this.output, Cause.fail(error))
    this.ws?.terminate()
    this.ws = undefined
  }

  get isFinished() {
    return this.finished
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!optimizing) carried(bytes.length)
    // as many 1 KiB messages as the window has room for, in one go (at least one)
    return this.sendWindowed(bytes.length, (offset, room) => {
      const end = Math.min(bytes.length, offset + room * CHUNK_SIZE)
      this.handle(this.protocol.sendData(bytes.subarray(offset, end)))
      return end
    })
  }

  /** `write` of the pieces' concatenation, each message cut from them (`chunkPieces`), in the same window steps. */
  async writePieces(pieces: ReadonlyArray<Uint8Array>): Promise<void> {
    const chunks = chunkPieces(pieces)
    if (!optimizing) for (const piece of pieces) carried(piece.length)
    return this.sendWindowed(chunks.length, (next, room) => {
      const end = Math.min(chunks.length, next + room)
      this.handle(this.protocol.sendChunks(chunks, next, end))
      return end
    })
  }

  /**
   * Sends `count` units (bytes or messages) in steps as large as the window allows, waiting for
   * acknowledgements while it is full: `send(from, room)` sends from `from` with room for `room`
   * messages (at least one) and returns where it stopped.
   */
  private async sendWindowed(count: number, send: (from: number, room: number) => number): Promise<void> {
    let next = 0
    while (next < count && !this.finished) {
      for (let i = 0; i < 10_000 && !this.finished && this.protocol.unacknowledged > SEND_RESUME; i++) {
        await new Promise<void>((resolve) => this.waiters.push(resolve))
      }
      if (this.finished) break
      const room = Math.max(1, SEND_WINDOW - this.protocol.unacknowledged)
      this.batchTime = Date.now()
      try {
        next = send(next, room)
      } finally {
        this.batchTime = 0
      }
    }
    if (this.finished) throw new Error("session closed")
  }

  sendSize(cols: number, rows: number) {
    if (!this.finished) this.handle(this.protocol.sendSize(cols, rows))
  }

  /** Ask the agent to end the session, give it a moment to acknowledge, then close the socket. */
  async close(): Promise<void> {
    this.closing = true
    // reading again, whatever a slow local side wanted: the acknowledgement of TerminateSession must be heard
    this.hold(false)
    if (!this.finished && this.protocol.handshakeComplete && this.isOpen) {
      this.handle(this.protocol.sendFlag(Flag.terminateSession))
      const deadline = Date.now() + CLOSE_GRACE_MS
      // woken by the acknowledgement itself (`handle` wakes waiters once few are unacknowledged), so
      // ssh's exit is not held up to a polling interval; the timer only bounds each wait
      while (!this.finished && this.ws !== undefined && this.protocol.unacknowledged > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 20)
          this.waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    }
    this.finish()
    Queue.endUnsafe(this.output)
    this.flush() // what is gathered goes before the close frame
    const ws = this.ws
    this.detach()
    if (ws !== undefined && (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)) ws.close(1000)
  }
}

/**
 * The WebSocket masking key of client frames. RFC 6455 masks client frames so that a plaintext
 * intermediary cannot be fooled by crafted bytes into caching them; through TLS (the service's wss://
 * stream URL) and on loopback (the project's stand-in) there is no such intermediary, and a zero key
 * lets `ws` skip XOR-ing every byte (a fifth of a tunnel's CPU). Elsewhere: ws's random keys.
 */
export const maskFor = (url: string): ((mask: Buffer) => void) | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  const loopback = parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost" || parsed.hostname === "[::1]"
  return parsed.protocol === "wss:" || loopback ? (mask) => void mask.fill(0) : undefined
}

/** The part of the WebSocket's net.Socket the channel writes to. */
interface WebSocketSocket {
  cork(): void
  uncork(): void
  write(bytes: Uint8Array, done?: () => void): boolean
  pause(): void
  resume(): void
}

/** The TCP (or TLS) socket under a ws WebSocket, once it has one. */
const socketOf = (ws: WebSocketType | undefined): WebSocketSocket | undefined => (ws as unknown as { _socket?: WebSocketSocket } | undefined)?._socket

/** WebSockets made with a zero masking key: the channel frames what it sends to them itself. */
const rawFramingFor = new WeakSet<WebSocketType>()
/**
 * The channel's reader of a WebSocket, what it calls before (true) and after (false) each socket read,
 * and what leaves the socket unread for a moment (lib/ssm/readPacer.ts; none where the socket's reading
 * cannot be stopped as this code knows how).
 */
type RawReader = WsFrameReader & { onRead: ((start: boolean) => void) | undefined; pacer: ReadPacer | undefined }
/** WebSockets whose frames the channel reads itself (`takeOverReading`). */
const rawReaders = new WeakMap<WebSocketType, RawReader>()

/**
 * Once `ws` is open, read its socket with the channel's own frame reader (lib/ssm/wsReader.ts) instead
 * of ws's: the binary messages of one socket read are handled in one pass, without ws's stream
 * machinery per message; every other frame (ping, pong, close, fragments) still goes to ws's parser,
 * whole, and so does everything after a frame the reader does not expect. Done only where ws's own
 * reading is as this code knows it (one 'data' listener, a receiver, no extension); else ws reads.
 */
const takeOverReading = (ws: WebSocketType) => {
  const internals = ws as unknown as { _socket?: NodeJS.EventEmitter; _receiver?: { write(bytes: Buffer): boolean } }
  const socket = internals._socket
  const receiver = internals._receiver
  if (socket === undefined || receiver === undefined || ws.extensions !== "") return
  const listeners = socket.listeners("data")
  if (listeners.length !== 1) return
  const reads = pausableReads(socket)
  const reader: RawReader = Object.assign(
    new WsFrameReader((payload) => void ws.emit("message", payload, true), (bytes) => void receiver.write(bytes)),
    { onRead: undefined, pacer: reads === undefined ? undefined : new ReadPacer(reads) }
  )
  // once closed, no timer is left behind
  ws.once("close", () => reader.pacer?.close())
  socket.removeListener("data", listeners[0] as (chunk: Buffer) => void)
  socket.on("data", (chunk: Buffer) => {
    const onRead = reader.onRead
    if (onRead === undefined) return reader.push(chunk)
    onRead(true)
    try {
      reader.push(chunk)
    } finally {
      onRead(false)
    }
  })
  rawReaders.set(ws, reader)
}

/** The longest header of a client WebSocket frame: 2 bytes, 8 of extended length, 4 of masking key. */
const WS_HEADER_MAX = 14
/** A batch's buffer (reused): the frames that reach FLUSH_BYTES and one more of up to 64 KiB. */
const SPARE_BUFFER_SIZE = FLUSH_BYTES + 64 * 1024
const MAX_SPARES = 4
/** Smaller batches (an acknowledgement or a keystroke) take a buffer of their own, from Node's pool. */
const SPARE_MIN_BATCH = 16 * 1024

/** The size of `frames` as client WebSocket frames. */
const wsBinaryFramesSize = (frames: ReadonlyArray<Uint8Array>): number => {
  let size = 0
  for (const frame of frames) size += frame.length + (frame.length < 126 ? 6 : frame.length < 65536 ? 8 : 14)
  return size
}

/**
 * Client-to-server binary WebSocket frames (RFC 6455 §5.2) of `frames` written at the start of `out`
 * (at least `wsBinaryFramesSize` long): FIN with opcode 2, the mask bit with the payload length (7 bits,
 * or 126 and 16 bits, or 127 and 64 bits), a zero masking key, the payload unchanged (XOR with zeros).
 * Returns the part of `out` written.
 */
export const writeWsBinaryFrames = (frames: ReadonlyArray<Uint8Array>, out: Buffer): Buffer => {
  let at = 0
  for (const frame of frames) {
    const n = frame.length
    out[at++] = 0x82
    if (n < 126) out[at++] = 0x80 | n
    else if (n < 65536) {
      out[at++] = 0x80 | 126
      out[at++] = n >>> 8
      out[at++] = n & 0xff
    } else {
      out[at++] = 0x80 | 127
      out.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at)
      out.writeUInt32BE(n >>> 0, at + 4)
      at += 8
    }
    out[at++] = 0
    out[at++] = 0
    out[at++] = 0
    out[at++] = 0
    out.set(frame, at)
    at += n
  }
  return out.subarray(0, at)
}

const loadWs = Effect.tryPromise({
  try: () => import("ws"),
  catch: (cause) => new OperationFailed({ message: "could not load the WebSocket client (the ws package)", cause })
})

/**
 * A new WebSocket to `streamUrl`, with the masking key `maskFor` chooses, and no permessage-deflate
 * (the service does not offer it; ws would ask for it).
 */
const newSocket = (WebSocket: typeof WebSocketType, streamUrl: string): WebSocketType => {
  const generateMask = maskFor(streamUrl)
  // a connection opened ahead to the stream's host (warmConnections.ts), else ws connects itself
  const warm = takeWarm(new URL(streamUrl))
  const ws = new WebSocket(streamUrl, {
    perMessageDeflate: false,
    ...(generateMask !== undefined ? { generateMask } : {}),
    ...(warm !== undefined ? { createConnection: () => warm } : {})
  })
  if (generateMask !== undefined) rawFramingFor.add(ws)
  ws.once("open", () => takeOverReading(ws))
  return ws
}

const connect = (
  WebSocket: typeof WebSocketType,
  instanceId: string,
  ticket: SessionTicket,
  clientId: string,
  output: Output,
  kind: ChannelKind,
  timings: SessionTimings,
  onLost: ((reason: string) => void) | undefined,
  generateDataKey: GenerateDataKey | undefined
) =>
  Effect.callback<Connection, OperationFailed>((resume) => {
    const describe = `${instanceId} (session ${ticket.sessionId})`
    let settled = false
    const connection = new Connection(output, describe, (error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(error === undefined ? Effect.succeed(connection) : Effect.fail(error))
    }, kind, timings, onLost, { sessionId: ticket.sessionId, targetId: instanceId, generateDataKey })
    const ws = newSocket(WebSocket, ticket.streamUrl)
    connection.use(ws)
    const timer = setTimeout(() => connection.fail(`the SSM agent on ${describe} did not complete the handshake within 30 s`), HANDSHAKE_TIMEOUT_MS)
    ws.on("open", () => ws.send(openDataChannelJson(Redacted.value(ticket.token), randomUUID(), clientId)))
    return Effect.sync(() => {
      clearTimeout(timer)
      if (!settled) connection.fail(`opening the session for ${describe} was interrupted`)
    })
  })

/** A resumed session's new WebSocket, and what arrived on it before the channel took it over. */
interface Reopened {
  readonly ws: WebSocketType
  readonly early: Array<Buffer>
  /** Stops collecting `early` (the channel listens from now on). */
  readonly handOver: () => void
}

/** The WebSocket of a resumed session, open and given its new token (OpenDataChannel again). */
const reopen = (WebSocket: typeof WebSocketType, streamUrl: string, token: string, clientId: string) =>
  Effect.callback<Reopened, OperationFailed>((resume) => {
    const ws = newSocket(WebSocket, streamUrl)
    let settled = false
    const onError = (cause: Error) => fail(new OperationFailed({ message: `could not reconnect: ${cause.message}`, cause }))
    const onClose = (code: number) => fail(new OperationFailed({ message: `could not reconnect: the connection closed (${code})` }))
    const abandon = () => {
      settled = true
      ws.off("error", onError)
      ws.off("close", onClose)
      ws.on("error", () => {})
      ws.terminate()
    }
    const fail = (error: OperationFailed) => {
      if (settled) return
      abandon()
      resume(Effect.fail(error))
    }
    ws.on("error", onError)
    ws.on("close", onClose)
    ws.once("open", () => {
      if (settled) return
      settled = true
      ws.off("error", onError)
      ws.off("close", onClose)
      ws.send(openDataChannelJson(token, randomUUID(), clientId))
      // the agent may answer before the channel takes the socket over: keep what comes meanwhile
      const early: Array<Buffer> = []
      const collect = (data: Buffer, isBinary: boolean) => void (isBinary && early.push(data))
      const ignore = () => {}
      ws.on("message", collect)
      ws.on("error", ignore)
      resume(Effect.succeed({
        ws,
        early,
        handOver: () => {
          ws.off("message", collect)
          ws.off("error", ignore)
        }
      }))
    })
    return Effect.sync(() => {
      if (!settled) abandon()
    })
  })

/** Why one resumption attempt failed, and whether another may help. */
interface ResumeFailure {
  readonly message: string
  /** Session Manager gave no token: the session has ended. */
  readonly ended: boolean
  readonly retry: boolean
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, "; ")

/**
 * Resume the session after each loss the connection reports on `losses`: ResumeSession, reopen,
 * resend, on `resumeSchedule`. Attempts count across losses until the new connection is heard from
 * (a connection refused again at once does not start a fresh budget). Runs until interrupted.
 */
const resumeLoop = (
  WebSocket: typeof WebSocketType,
  connection: Connection,
  ticket: SessionTicket,
  clientId: string,
  losses: Queue.Queue<string>,
  resume: (sessionId: string) => Effect.Effect<Option.Option<SessionTicket>, AegeaError>,
  timings: SessionTimings,
  notice: (line: string) => void
) =>
  Effect.gen(function*() {
    let streamUrl = ticket.streamUrl
    let used = 0
    while (!connection.isFinished) {
      const lost = yield* Queue.take(losses)
      if (connection.heardFrom) used = 0
      if (connection.isFinished) return
      const budget = timings.resumeAttempts - used
      const attempt = Effect.gen(function*() {
        used++
        const resumed = yield* resume(ticket.sessionId).pipe(
          Effect.mapError((e): ResumeFailure => ({
            message: oneLine(e.summary),
            ended: false,
            retry: e._tag === "AwsUnavailable" || e._tag === "AwsThrottled"
          }))
        )
        if (Option.isNone(resumed)) {
          return yield* Effect.fail<ResumeFailure>({ message: "Session Manager ended the session (ResumeSession gave no token)", ended: true, retry: false })
        }
        if (resumed.value.streamUrl !== "") streamUrl = resumed.value.streamUrl
        return yield* reopen(WebSocket, streamUrl, Redacted.value(resumed.value.token), clientId).pipe(
          Effect.timeoutOrElse({
            duration: RECONNECT_TIMEOUT,
            orElse: () => Effect.fail(new OperationFailed({ message: "could not reconnect: no answer within 15 s" }))
          }),
          Effect.mapError((e): ResumeFailure => ({ message: e.message, ended: false, retry: true }))
        )
      })
      const outcome = yield* Effect.result(
        budget <= 0
          ? Effect.fail<ResumeFailure>({ message: `gave up after ${timings.resumeAttempts} attempts`, ended: false, retry: false })
          : attempt.pipe(
            Effect.retry(
              resumeSchedule({ ...timings, resumeAttempts: budget }).pipe(
                Schedule.setInputType<ResumeFailure>(),
                Schedule.while(({ input }) => input.retry)
              )
            )
          )
      )
      if (outcome._tag === "Success") {
        connection.resumed(outcome.success)
        if (!connection.isFinished) notice(resumedNotice(ticket.sessionId, used))
      } else {
        const failure = outcome.failure
        connection.fail(
          failure.ended
            ? `${lost}, and ${failure.message}`
            : `${lost}, and could not resume the session (attempt ${used} of ${timings.resumeAttempts}): ${failure.message}`
        )
      }
    }
  })

/**
 * The data channel of a session already started (its ticket), open until the scope closes; ending
 * the session with TerminateSession is the caller's (SsmSessionLive's attach, or `aegea ssh`, which
 * started it for its ProxyCommand). Needs no AWS client: the lean ProxyCommand path uses it alone,
 * and passes its own `resume`.
 */
export const attachTicket = (instanceId: string, ticket: SessionTicket, kind: ChannelKind = "port", options: ResumeOptions = {}) =>
  Effect.gen(function*() {
    const { default: WebSocket } = yield* loadWs
    const timings = options.timings ?? sessionTimingsFromEnv()
    const output = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
    const losses = yield* Queue.unbounded<string>()
    const clientId = randomUUID()
    const resume = options.resume
    const connection = yield* Effect.acquireRelease(
      connect(
        WebSocket,
        instanceId,
        ticket,
        clientId,
        output,
        kind,
        timings,
        resume === undefined ? undefined : (reason) => Queue.offerUnsafe(losses, reason),
        options.generateDataKey
      ),
      (c) =>
        options.endSession === undefined
          ? Effect.promise(() => c.close())
          // in this order: close() sends the terminate flag before TerminateSession is made
          : Effect.asVoid(Effect.all([Effect.promise(() => c.close()), options.endSession], { concurrency: 2 }))
    )
    if (resume !== undefined) {
      yield* Effect.forkScoped(resumeLoop(WebSocket, connection, ticket, clientId, losses, resume, timings, options.notice ?? stderrNotice))
    }
    const channel: DataChannel = {
      sessionId: ticket.sessionId,
      instanceId,
      agentVersion: connection.agentVersion,
      write: (bytes) =>
        Effect.tryPromise({
          try: () => connection.write(bytes),
          catch: (cause) => new OperationFailed({ message: `could not send to the session on ${instanceId}: it is closed`, cause })
        }),
      writePieces: (pieces) =>
        Effect.tryPromise({
          try: () => connection.writePieces(pieces),
          catch: (cause) => new OperationFailed({ message: `could not send to the session on ${instanceId}: it is closed`, cause })
        }),
      output: Stream.fromQueue(output),
      sendSize: (cols, rows) => Effect.sync(() => connection.sendSize(cols, rows)),
      portForwardingMode: connection.mode,
      encrypted: connection.protocol.encrypted,
      divertOutput: (sink) => connection.divert(sink),
      holdOutput: (held) => connection.hold(held)
    }
    return channel
  })

/** GenerateDataKey in `env`, its code loaded on first use. */
const lazyGenerateDataKey = (env: AwsEnvironment): GenerateDataKey => (input) =>
  Effect.flatMap(Effect.promise(() => import("./kmsDataKey.ts")), (m) => m.generateDataKeyWith(env)(input))

/**
 * The SsmSession layer over an Ssm layer: channels resume their session with Ssm.resumeSession.
 * `options` sets the keep-alive and resumption timings and where the notice goes (tests).
 */
export const ssmSessionLayer = (options: Omit<ResumeOptions, "resume"> = {}): Layer.Layer<SsmSession, never, Ssm> => Layer.effect(
  SsmSession,
  Effect.gen(function*() {
    const ssm = yield* Ssm
    // KMS-encrypted sessions call KMS in the command's AWS environment (loaded only when an agent asks)
    const aws = yield* Effect.serviceOption(AwsClients)
    const generateDataKey = options.generateDataKey ?? (Option.isSome(aws) ? lazyGenerateDataKey(aws.value) : undefined)

    const attach = (instanceId: string, ticket: SessionTicket, kind: ChannelKind = "port") =>
      Effect.gen(function*() {
        let ended = false
        const endSession = Effect.suspend(() => {
          if (ended) return Effect.void
          ended = true
          return ssm.terminateSession(ticket.sessionId).pipe(Effect.ignore)
        })
        // as the channel closes, beside its terminate flag (ResumeOptions.endSession); registered
        // first, so it runs last: when the channel never opened
        yield* Effect.addFinalizer(() => endSession)
        return yield* attachTicket(instanceId, ticket, kind, { ...options, resume: ssm.resumeSession, generateDataKey, endSession })
      })

    return SsmSession.of({
      attach,
      open: (instanceId, document) => Effect.flatMap(ssm.startSession(instanceId, document), (ticket) => attach(instanceId, ticket, document.kind === "shell" ? "shell" : "port"))
    })
  })
)

/** `SsmSession` over Session Manager's WebSocket data channel, its sessions started through `Ssm`. */
export const SsmSessionLive: Layer.Layer<SsmSession, never, Ssm> = ssmSessionLayer()
