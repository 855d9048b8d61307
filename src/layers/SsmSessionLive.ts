/**
 * The live data channel: a WebSocket (the `ws` package, imported lazily) to the session's StreamUrl,
 * driven by the pure protocol of src/lib/ssm. No ResumeSession: a lost connection ends the session.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import type WebSocketType from "ws"
import { type ChannelEvent, ChannelProtocol } from "../lib/ssm/protocol.ts"
import { Flag, openDataChannelJson, PORT_SESSION_TYPES, SHELL_SESSION_TYPES } from "../lib/ssm/payloads.ts"
import { OperationFailed } from "../errors.ts"
import { Ssm, type SessionTicket } from "../services/Ssm.ts"
import { type ChannelKind, type DataChannel, SsmSession } from "../services/SsmSession.ts"

/** Unacknowledged messages (of ≤1 KiB) allowed in flight before `write` waits. */
const SEND_WINDOW = 128
const HANDSHAKE_TIMEOUT_MS = 30_000
const CLOSE_GRACE_MS = 1_000

type Output = Queue.Queue<Uint8Array, OperationFailed | Cause.Done>

/** One open WebSocket and its protocol state; callbacks only, wrapped in Effect by `attach`. */
class Connection {
  readonly protocol: ChannelProtocol
  agentVersion = ""
  private finished = false
  private readonly ticker: ReturnType<typeof setInterval>
  private readonly pinger: ReturnType<typeof setInterval>
  private waiters: Array<() => void> = []

  constructor(
    readonly ws: WebSocketType,
    private readonly output: Output,
    private readonly describe: string,
    private readonly onReady: (error: OperationFailed | undefined) => void,
    kind: ChannelKind = "port"
  ) {
    this.protocol = new ChannelProtocol({ now: Date.now, sessionTypes: kind === "shell" ? SHELL_SESSION_TYPES : PORT_SESSION_TYPES })
    ws.binaryType = "nodebuffer"
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.handle(this.protocol.receive(data))
    })
    ws.on("error", (cause) => this.fail(`the Session Manager connection for ${describe} failed: ${cause.message}`, cause))
    ws.on("close", (code, reason) =>
      this.fail(`the Session Manager connection for ${describe} closed unexpectedly (${code}${reason.length > 0 ? ` ${reason.toString()}` : ""})`))
    this.ticker = setInterval(() => this.handle(this.protocol.tick()), 100)
    this.pinger = setInterval(() => ws.readyState === ws.OPEN && ws.ping("keepalive"), 5 * 60_000)
    this.ticker.unref()
    this.pinger.unref()
  }

  /**
   * Frames sent in one turn of the event loop leave in one socket write: the WebSocket's socket is
   * corked at the first and uncorked on the next tick (no added latency: a keystroke still goes out
   * as soon as the code that sent it is done). 64 KiB read from a tunnel's client is 64 frames.
   */
  private corked = false

  private transmit(frame: Uint8Array) {
    if (this.ws.readyState !== this.ws.OPEN) return
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket
    if (!this.corked && socket !== undefined) {
      this.corked = true
      socket.cork()
      process.nextTick(() => {
        this.corked = false
        socket.uncork()
      })
    }
    this.ws.send(frame)
  }

  private handle(events: ReadonlyArray<ChannelEvent>) {
    for (const event of events) {
      switch (event._tag) {
        case "Send":
          this.transmit(event.frame)
          break
        case "Data":
          Queue.offerUnsafe(this.output, event.bytes)
          break
        case "HandshakeComplete":
          this.agentVersion = event.agentVersion
          this.onReady(undefined)
          break
        case "AgentFlag":
          if (event.flag === Flag.connectToPortError) this.fail(`the SSM agent could not connect to the remote port for ${this.describe}`)
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
    if (this.protocol.unacknowledged < SEND_WINDOW) this.wake()
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
    this.wake()
    return true
  }

  fail(message: string, cause?: unknown) {
    if (!this.finish()) return
    const error = new OperationFailed({ message, ...(cause !== undefined ? { cause } : {}) })
    this.onReady(error)
    Queue.failCauseUnsafe(this.output, Cause.fail(error))
    this.ws.terminate()
  }

  get isFinished() {
    return this.finished
  }

  async write(bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.length && !this.finished; offset += 1024) {
      for (let i = 0; i < 10_000 && !this.finished && this.protocol.unacknowledged >= SEND_WINDOW; i++) {
        await new Promise<void>((resolve) => this.waiters.push(resolve))
      }
      this.handle(this.protocol.sendData(bytes.subarray(offset, offset + 1024)))
    }
    if (this.finished) throw new Error("session closed")
  }

  sendSize(cols: number, rows: number) {
    if (!this.finished) this.handle(this.protocol.sendSize(cols, rows))
  }

  /** Ask the agent to end the session, give it a moment to acknowledge, then close the socket. */
  async close(): Promise<void> {
    if (!this.finished && this.protocol.handshakeComplete) {
      this.handle(this.protocol.sendFlag(Flag.terminateSession))
      const deadline = Date.now() + CLOSE_GRACE_MS
      while (!this.finished && this.protocol.unacknowledged > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    this.finish()
    Queue.endUnsafe(this.output)
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000)
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

const connect = (instanceId: string, ticket: SessionTicket, output: Output, kind: ChannelKind) =>
  Effect.tryPromise({
    try: () => import("ws"),
    catch: (cause) => new OperationFailed({ message: "could not load the WebSocket client (the ws package)", cause })
  }).pipe(
    Effect.flatMap(({ default: WebSocket }) =>
      Effect.callback<Connection, OperationFailed>((resume) => {
        const describe = `${instanceId} (session ${ticket.sessionId})`
        let settled = false
        const generateMask = maskFor(ticket.streamUrl)
        const ws = new WebSocket(ticket.streamUrl, generateMask !== undefined ? { generateMask } : {})
        const connection = new Connection(ws, output, describe, (error) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(error === undefined ? Effect.succeed(connection) : Effect.fail(error))
        }, kind)
        const timer = setTimeout(() => connection.fail(`the SSM agent on ${describe} did not complete the handshake within 30 s`), HANDSHAKE_TIMEOUT_MS)
        ws.on("open", () => ws.send(openDataChannelJson(Redacted.value(ticket.token), randomUUID(), randomUUID())))
        return Effect.sync(() => {
          clearTimeout(timer)
          if (!settled) connection.fail(`opening the session for ${describe} was interrupted`)
        })
      })
    )
  )


/**
 * The data channel of a session already started (its ticket), open until the scope closes; ending
 * the session with TerminateSession is the caller's (SsmSessionLive's attach, or `aegea ssh`, which
 * started it for its ProxyCommand). Needs no AWS client: the lean ProxyCommand path uses it alone.
 */
export const attachTicket = (instanceId: string, ticket: SessionTicket, kind: ChannelKind = "port") =>
  Effect.gen(function*() {
    const output = yield* Queue.unbounded<Uint8Array, OperationFailed | Cause.Done>()
    const connection = yield* Effect.acquireRelease(
      connect(instanceId, ticket, output, kind),
      (c) => Effect.promise(() => c.close())
    )
    const channel: DataChannel = {
      sessionId: ticket.sessionId,
      instanceId,
      agentVersion: connection.agentVersion,
      write: (bytes) =>
        Effect.tryPromise({
          try: () => connection.write(bytes),
          catch: (cause) => new OperationFailed({ message: `could not send to the session on ${instanceId}: it is closed`, cause })
        }),
      output: Stream.fromQueue(output),
      sendSize: (cols, rows) => Effect.sync(() => connection.sendSize(cols, rows))
    }
    return channel
  })

export const SsmSessionLive: Layer.Layer<SsmSession, never, Ssm> = Layer.effect(
  SsmSession,
  Effect.gen(function*() {
    const ssm = yield* Ssm

    const attach = (instanceId: string, ticket: SessionTicket, kind: ChannelKind = "port") =>
      Effect.gen(function*() {
        // registered first, so it runs last: after the WebSocket is closed
        yield* Effect.addFinalizer(() => ssm.terminateSession(ticket.sessionId).pipe(Effect.ignore))
        return yield* attachTicket(instanceId, ticket, kind)
      })

    return SsmSession.of({
      attach,
      open: (instanceId, document) => Effect.flatMap(ssm.startSession(instanceId, document), (ticket) => attach(instanceId, ticket, document.kind === "shell" ? "shell" : "port"))
    })
  })
)
