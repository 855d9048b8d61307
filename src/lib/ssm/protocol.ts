/**
 * The client side of the data channel as a pure state machine: sequence numbers, acknowledgements,
 * in-order delivery, the handshake and retransmission. It performs no I/O: every method returns the
 * events the caller must act on (frames to send, bytes to deliver, the channel closing).
 */
import { randomUUID } from "node:crypto"
import { ACK_FLAGS, type ClientMessage, decodeMessage, encodeMessage, MessageType, PayloadType } from "./frame.ts"
import {
  ackJson,
  channelClosedReason,
  flagPayload,
  handshakeResponseJson,
  parseAck,
  parseFlag,
  parseHandshakeComplete,
  parseHandshakeRequest,
  PORT_SESSION_TYPES,
  sizeJson
} from "./payloads.ts"

export type ChannelEvent =
  | { readonly _tag: "Send"; readonly frame: Uint8Array }
  | { readonly _tag: "Data"; readonly bytes: Uint8Array }
  | { readonly _tag: "HandshakeComplete"; readonly agentVersion: string; readonly customerMessage: string }
  | { readonly _tag: "AgentFlag"; readonly flag: number }
  | { readonly _tag: "Closed"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly reason: string }
  | { readonly _tag: "Ignored"; readonly reason: string }

/** Data messages carry at most this many bytes (the plugin's and the agent's chunk size). */
export const CHUNK_SIZE = 1024
/** Out-of-order messages kept while waiting for a gap to fill. */
const INCOMING_BUFFER_LIMIT = 1024
const INITIAL_RTT_MS = 100
const MIN_RTO_MS = 200
const MAX_RTO_MS = 1000

interface Outgoing {
  readonly frame: Uint8Array
  readonly firstSent: number
  lastSent: number
  resent: boolean
}

export interface ProtocolOptions {
  /** Milliseconds; the caller's clock. */
  readonly now: () => number
  readonly newId?: () => string
  /** Give up when a message stays unacknowledged this long (default 60 s). */
  readonly ackTimeoutMs?: number
  /** The SessionTypes accepted in the handshake (default: Port, for SSH and tunnels). */
  readonly sessionTypes?: ReadonlyArray<string>
}

export class ChannelProtocol {
  private nextOutgoing = 0n
  private expectedIncoming = 0n
  private readonly outgoing = new Map<bigint, Outgoing>()
  private readonly incoming = new Map<bigint, ClientMessage>()
  private agentVersion = ""
  private rtt = INITIAL_RTT_MS
  private rttVar = 0
  private rto = MIN_RTO_MS
  private done = false
  handshakeComplete = false

  constructor(private readonly options: ProtocolOptions) {}

  /** Messages sent and not yet acknowledged by the agent. */
  get unacknowledged(): number {
    return this.outgoing.size
  }

  get closed(): boolean {
    return this.done
  }

  private id() {
    return (this.options.newId ?? randomUUID)()
  }

  private message(messageType: string, sequenceNumber: bigint, flags: bigint, payloadType: number, payload: Uint8Array) {
    return encodeMessage({
      messageType,
      schemaVersion: 1,
      createdDate: this.options.now(),
      sequenceNumber,
      flags,
      messageId: this.id(),
      payloadType,
      payload
    })
  }

  /** A sequenced input_stream_data message, kept until acknowledged. */
  private sequenced(payloadType: number, payload: Uint8Array): ChannelEvent {
    const seq = this.nextOutgoing++
    const frame = this.message(MessageType.input, seq, 0n, payloadType, payload)
    const now = this.options.now()
    this.outgoing.set(seq, { frame, firstSent: now, lastSent: now, resent: false })
    return { _tag: "Send", frame }
  }

  private ack(m: ClientMessage): ChannelEvent {
    const payload = Buffer.from(ackJson({
      messageType: m.messageType,
      messageId: m.messageId,
      sequenceNumber: Number(m.sequenceNumber)
    }))
    return { _tag: "Send", frame: this.message(MessageType.acknowledge, 0n, ACK_FLAGS, PayloadType.none, payload) }
  }

  /** Bytes for the remote port, as data messages of at most CHUNK_SIZE bytes. */
  sendData(bytes: Uint8Array): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    const events: Array<ChannelEvent> = []
    for (let offset = 0; offset < bytes.length; offset += CHUNK_SIZE) {
      events.push(this.sequenced(PayloadType.output, bytes.subarray(offset, offset + CHUNK_SIZE)))
    }
    return events
  }

  /** A flag for the agent: 1 DisconnectToPort, 2 TerminateSession. */
  sendFlag(flag: number): ReadonlyArray<ChannelEvent> {
    return this.done ? [] : [this.sequenced(PayloadType.flag, flagPayload(flag))]
  }

  /** The terminal's size, for a shell session: sent at the start and whenever the terminal is resized. */
  sendSize(cols: number, rows: number): ReadonlyArray<ChannelEvent> {
    return this.done ? [] : [this.sequenced(PayloadType.size, Buffer.from(sizeJson(cols, rows)))]
  }

  /** Handle one binary WebSocket message from the agent. */
  receive(bytes: Uint8Array): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    const decoded = decodeMessage(bytes)
    if (decoded._tag === "Malformed") return [{ _tag: "Ignored", reason: decoded.reason }]
    const m = decoded.message
    switch (m.messageType) {
      case MessageType.acknowledge:
        return this.onAck(m)
      case MessageType.channelClosed: {
        this.done = true
        return [{ _tag: "Closed", reason: channelClosedReason(m.payload) }]
      }
      case MessageType.output:
        return this.onOutput(m)
      case MessageType.startPublication:
      case MessageType.pausePublication:
        return []
      default:
        return [{ _tag: "Ignored", reason: `unknown message type ${m.messageType}` }]
    }
  }

  private onAck(m: ClientMessage): ReadonlyArray<ChannelEvent> {
    const ack = parseAck(m.payload)
    if (ack === undefined) return [{ _tag: "Ignored", reason: "unreadable acknowledgement" }]
    const seq = BigInt(ack.sequenceNumber)
    const entry = this.outgoing.get(seq)
    if (entry === undefined) return []
    this.outgoing.delete(seq)
    if (!entry.resent) this.updateRto(this.options.now() - entry.firstSent)
    return []
  }

  /** Jacobson/Karels, as the plugin does; samples of resent messages are ambiguous and skipped. */
  private updateRto(sample: number) {
    this.rttVar = 0.75 * this.rttVar + 0.25 * Math.abs(this.rtt - sample)
    this.rtt = 0.875 * this.rtt + 0.125 * sample
    this.rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.rtt + Math.max(10, 4 * this.rttVar)))
  }

  private onOutput(m: ClientMessage): ReadonlyArray<ChannelEvent> {
    if (m.sequenceNumber < this.expectedIncoming) return [this.ack(m)] // a retransmission: re-ack, drop
    if (m.sequenceNumber > this.expectedIncoming) {
      if (this.incoming.size >= INCOMING_BUFFER_LIMIT) return [] // no ack: the agent resends it later
      this.incoming.set(m.sequenceNumber, m)
      return [this.ack(m)]
    }
    const events: Array<ChannelEvent> = [this.ack(m), ...this.handle(m)]
    this.expectedIncoming++
    for (let next = this.incoming.get(this.expectedIncoming); next !== undefined && !this.done; next = this.incoming.get(this.expectedIncoming)) {
      this.incoming.delete(this.expectedIncoming)
      events.push(...this.handle(next))
      this.expectedIncoming++
    }
    return events
  }

  private handle(m: ClientMessage): ReadonlyArray<ChannelEvent> {
    switch (m.payloadType) {
      case PayloadType.output:
        return m.payload.length > 0 ? [{ _tag: "Data", bytes: m.payload }] : []
      case PayloadType.handshakeRequest: {
        const request = parseHandshakeRequest(m.payload)
        if (request === undefined) return this.fail("the agent sent an unreadable handshake request")
        this.agentVersion = request.agentVersion
        return [this.sequenced(PayloadType.handshakeResponse, Buffer.from(handshakeResponseJson(request, this.options.sessionTypes ?? PORT_SESSION_TYPES)))]
      }
      case PayloadType.handshakeComplete: {
        this.handshakeComplete = true
        const complete = parseHandshakeComplete(m.payload)
        return [{ _tag: "HandshakeComplete", agentVersion: this.agentVersion, customerMessage: complete?.customerMessage ?? "" }]
      }
      case PayloadType.flag: {
        const flag = parseFlag(m.payload)
        return flag === undefined ? [{ _tag: "Ignored", reason: "unreadable flag" }] : [{ _tag: "AgentFlag", flag }]
      }
      case PayloadType.encChallengeRequest:
        return this.fail("the agent asked for KMS encryption, which aegea does not support")
      default:
        return [{ _tag: "Ignored", reason: `payload type ${m.payloadType} is not used by port sessions` }]
    }
  }

  private fail(reason: string): ReadonlyArray<ChannelEvent> {
    this.done = true
    return [{ _tag: "Failed", reason }]
  }

  /** Called every ~100 ms: resend what is overdue; fail when a message went unacknowledged too long. */
  tick(): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    const now = this.options.now()
    const events: Array<ChannelEvent> = []
    for (const [seq, entry] of this.outgoing) {
      if (now - entry.firstSent > (this.options.ackTimeoutMs ?? 60_000)) {
        return this.fail(`the agent did not acknowledge message ${seq} for ${Math.round((now - entry.firstSent) / 1000)} s`)
      }
      if (now - entry.lastSent >= this.rto) {
        entry.lastSent = now
        entry.resent = true
        events.push({ _tag: "Send", frame: entry.frame })
      }
    }
    return events
  }
}
