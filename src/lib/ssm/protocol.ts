/**
 * The client side of the data channel as a pure state machine: sequence numbers, acknowledgements,
 * in-order delivery, the handshake and retransmission. It performs no I/O: every method returns the
 * events the caller must act on (frames to send, bytes to deliver, the channel closing).
 *
 * The state outlives one WebSocket: after a reconnection (ResumeSession) the caller calls
 * `resendUnacknowledged()`, which sends again every message the agent has not acknowledged, with its
 * sequence number and message id unchanged; the next incoming sequence number is kept, so messages
 * the agent sends again are acknowledged and dropped, never delivered twice.
 *
 * Nothing but the handshake response leaves before the agent's HandshakeComplete: data, sizes and
 * flags given earlier wait, in order, and are sent right after it.
 *
 * KMS encryption (lib/ssm/kmsEncryption.ts): when the agent asks for it, the handshake response waits
 * for the caller's GenerateDataKey (the `KmsKeyNeeded` event, answered with `kmsKeyReady` or
 * `kmsKeyFailed`); from then on Output payloads are AES-GCM both ways (and the agent's StdErr and
 * ExitCode), and the agent's encryption challenge is answered before HandshakeComplete.
 */
import {
  decodeMessage,
  encodeAckFrame,
  encodeFrame,
  framePayload,
  framePayloadType,
  frameSequenceNumber,
  MessageType,
  messageTypeBytes,
  MIN_FRAME_LENGTH,
  PayloadType,
  Peeked,
  peekFrame
} from "./frame.ts"
import {
  ackSequenceNumber,
  channelClosedReason,
  flagPayload,
  handshakeResponseJson,
  parseFlag,
  parseHandshakeComplete,
  parseHandshakeRequest,
  PORT_SESSION_TYPES,
  requestedPropertiesType,
  sizeJson,
  type HandshakeRequest,
  type KmsOutcome
} from "./payloads.ts"
import {
  type DataKey,
  ENCRYPTED_INPUT_TYPES,
  ENCRYPTED_OUTPUT_TYPES,
  kmsActionResult,
  type KmsEncryptionRequest,
  parseKmsEncryptionRequest,
  SessionCipher
} from "./kmsEncryption.ts"

export type ChannelEvent =
  | { readonly _tag: "Send"; readonly frame: Uint8Array }
  | { readonly _tag: "Data"; readonly bytes: Uint8Array }
  | { readonly _tag: "HandshakeComplete"; readonly agentVersion: string; readonly customerMessage: string }
  | { readonly _tag: "AgentFlag"; readonly flag: number }
  | { readonly _tag: "Closed"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly reason: string }
  | { readonly _tag: "Ignored"; readonly reason: string }
  /** The agent asks for KMS encryption: call GenerateDataKey, then `kmsKeyReady` (or `kmsKeyFailed`). */
  | { readonly _tag: "KmsKeyNeeded"; readonly request: KmsEncryptionRequest }

/** What most acknowledgements cause: nothing (one shared array, not a new one per message). */
const NO_EVENTS: ReadonlyArray<ChannelEvent> = Object.freeze([])

/** Data messages carry at most this many bytes (the plugin's and the agent's chunk size). */
export const CHUNK_SIZE = 1024
/** Outgoing frames built in one ring (see `ChannelProtocol.slot`): this many, each of a data message's size at most. */
const FRAME_SLOTS = 1024
const FRAME_SLOT_SIZE = MIN_FRAME_LENGTH + CHUNK_SIZE
const INPUT_TYPE = messageTypeBytes(MessageType.input)
/** Out-of-order messages kept while waiting for a gap to fill. */
const INCOMING_BUFFER_LIMIT = 1024
const INITIAL_RTT_MS = 100
const MIN_RTO_MS = 200
const MAX_RTO_MS = 1000

/**
 * The data messages (at most CHUNK_SIZE bytes each) that `pieces`, one after another, make, cut as
 * their concatenation would be: a view where a message lies within one piece, a copy where it spans
 * pieces. (The pieces of a local connection's smux frames: headers and views of what was read.)
 */
export const chunkPieces = (pieces: ReadonlyArray<Uint8Array>): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  let partial: Uint8Array | undefined
  let filled = 0
  for (const piece of pieces) {
    let at = 0
    if (partial !== undefined) {
      const n = Math.min(CHUNK_SIZE - filled, piece.length)
      partial.set(piece.subarray(0, n), filled)
      filled += n
      at = n
      if (filled < CHUNK_SIZE) continue
      chunks.push(partial)
      partial = undefined
    }
    for (; at + CHUNK_SIZE <= piece.length; at += CHUNK_SIZE) chunks.push(piece.subarray(at, at + CHUNK_SIZE))
    if (at < piece.length) {
      partial = new Uint8Array(CHUNK_SIZE)
      partial.set(piece.subarray(at), 0)
      filled = piece.length - at
    }
  }
  if (partial !== undefined) chunks.push(partial.subarray(0, filled))
  return chunks
}

/** A received output message's payload, as the protocol handles it. */
interface Received {
  readonly payloadType: number
  readonly payload: Uint8Array
}

interface Outgoing {
  readonly frame: Uint8Array
  firstSent: number
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
  // sequence numbers as numbers: exact below 2^53, far beyond any session
  private nextOutgoing = 0
  private expectedIncoming = 0
  private readonly outgoing = new Map<number, Outgoing>()
  private readonly incoming = new Map<number, Received>()
  /** The ring of outgoing frames (see `slot`), made on first use. */
  private slab: Buffer | undefined
  private readonly slotViews: Array<Buffer | undefined> = []
  private agentVersion = ""
  private rtt = INITIAL_RTT_MS
  private rttVar = 0
  private rto = MIN_RTO_MS
  private done = false
  /** Messages (data, sizes, flags) given before HandshakeComplete, sent in order right after it. */
  private held: Array<{ readonly payloadType: number; readonly payload: Uint8Array }> = []
  handshakeComplete = false
  /** The `type` of the agent's session properties ("LocalPortForwarding" for port forwarding). */
  sessionPropertiesType: string | undefined = undefined
  /** Set once KMS encryption is agreed: encrypts what goes, decrypts what comes. */
  private cipher: SessionCipher | undefined
  /** A handshake request whose response waits for the KMS data key. */
  private pendingHandshake: { readonly request: HandshakeRequest; readonly kms: KmsEncryptionRequest } | undefined

  constructor(private readonly options: ProtocolOptions) {}

  /** Messages sent and not yet acknowledged by the agent. */
  get unacknowledged(): number {
    return this.outgoing.size
  }

  get closed(): boolean {
    return this.done
  }

  /** The sequence number the next input_stream_data message will carry. */
  get nextSequenceNumber(): bigint {
    return BigInt(this.nextOutgoing)
  }

  /** The sequence number of the next output_stream_data message to deliver. */
  get expectedSequenceNumber(): bigint {
    return BigInt(this.expectedIncoming)
  }

  /**
   * After a reconnection: every unacknowledged message again, in sequence order, unchanged (same
   * sequence number, same message id). Their ack timeout starts again from now: the time without a
   * connection does not count against the agent.
   */
  resendUnacknowledged(): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    const now = this.options.now()
    return [...this.outgoing.entries()].sort(([a], [b]) => a - b).map(([, entry]) => {
      entry.firstSent = now
      entry.lastSent = now
      entry.resent = true
      return { _tag: "Send", frame: entry.frame } as const
    })
  }

  /** The id of the next message: the caller's `newId`, or undefined for a random one written straight into the frame. */
  private id(): string | undefined {
    return this.options.newId?.()
  }


  /**
   * Where to build outgoing message `seq` of `length` bytes: its slot in one ring of FRAME_SLOTS
   * frames (no buffer of its own per message, less for the garbage collector), when it fits and the
   * slot's previous message (`seq - FRAME_SLOTS`) has been acknowledged; else undefined (a new buffer).
   * A frame is kept until acknowledged, so a slot is never reused while its frame may be sent again;
   * the channel copies every frame it writes (one buffer per batch) or hands ws a copy.
   */
  private slot(seq: number, length: number): Buffer | undefined {
    if (length > FRAME_SLOT_SIZE || (seq >= FRAME_SLOTS && this.outgoing.has(seq - FRAME_SLOTS))) return undefined
    this.slab ??= Buffer.allocUnsafeSlow(FRAME_SLOTS * FRAME_SLOT_SIZE)
    const index = seq % FRAME_SLOTS
    const at = index * FRAME_SLOT_SIZE
    if (length !== FRAME_SLOT_SIZE) return this.slab.subarray(at, at + length)
    // a full data message: the slot's view, made once
    return (this.slotViews[index] ??= this.slab.subarray(at, at + length))
  }

  /** A message that must wait for HandshakeComplete: held until then, else sent now. */
  private afterHandshake(payloadType: number, payload: Uint8Array): ReadonlyArray<ChannelEvent> {
    if (!this.handshakeComplete) {
      this.held.push({ payloadType, payload })
      return []
    }
    return [this.sequenced(payloadType, payload)]
  }

  /** Whether the session's payloads are KMS-encrypted. */
  get encrypted(): boolean {
    return this.cipher !== undefined
  }

  /** A sequenced input_stream_data message, kept until acknowledged (encrypted when the session is). */
  private sequenced(payloadType: number, payload: Uint8Array): ChannelEvent {
    const seq = this.nextOutgoing++
    const body = this.cipher !== undefined && ENCRYPTED_INPUT_TYPES.has(payloadType) ? this.cipher.encrypt(payload) : payload
    const now = this.options.now()
    const frame = encodeFrame(INPUT_TYPE, now, seq, 0, this.id(), payloadType, body, this.slot(seq, MIN_FRAME_LENGTH + body.length))
    this.outgoing.set(seq, { frame, firstSent: now, lastSent: now, resent: false })
    return { _tag: "Send", frame }
  }

  /** The acknowledgement of output message `seq`, whose id is at offset 64 of `frame` (as `ackJson` makes it). */
  private ack(seq: number, frame: Uint8Array): ChannelEvent {
    return { _tag: "Send", frame: encodeAckFrame(this.options.now(), MessageType.output, frame, seq, this.id()) }
  }

  /** Bytes for the remote port, as data messages of at most CHUNK_SIZE bytes. */
  sendData(bytes: Uint8Array): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    const events: Array<ChannelEvent> = []
    for (let offset = 0; offset < bytes.length; offset += CHUNK_SIZE) {
      const chunk = bytes.subarray(offset, offset + CHUNK_SIZE)
      if (this.handshakeComplete) events.push(this.sequenced(PayloadType.output, chunk))
      // a copy (not Buffer#slice, a view): the caller may reuse its memory once the write is done (DataChannel.writePieces)
      else this.held.push({ payloadType: PayloadType.output, payload: Uint8Array.prototype.slice.call(chunk) as Uint8Array })
    }
    return events
  }

  /** `sendData` of messages already cut (`chunkPieces`): `chunks[start..end]`, each one message. */
  sendChunks(chunks: ReadonlyArray<Uint8Array>, start: number, end: number): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    const events: Array<ChannelEvent> = []
    for (let i = start; i < end; i++) {
      const chunk = chunks[i]!
      if (chunk.length === 0) continue
      if (this.handshakeComplete) events.push(this.sequenced(PayloadType.output, chunk))
      // a copy (not Buffer#slice, a view): the caller may reuse its memory once the write is done (DataChannel.writePieces)
      else this.held.push({ payloadType: PayloadType.output, payload: Uint8Array.prototype.slice.call(chunk) as Uint8Array })
    }
    return events
  }

  /** A flag for the agent: 1 DisconnectToPort, 2 TerminateSession. */
  sendFlag(flag: number): ReadonlyArray<ChannelEvent> {
    return this.done ? [] : this.afterHandshake(PayloadType.flag, flagPayload(flag))
  }

  /** The terminal's size, for a shell session: sent at the start and whenever the terminal is resized. */
  sendSize(cols: number, rows: number): ReadonlyArray<ChannelEvent> {
    return this.done ? [] : this.afterHandshake(PayloadType.size, Buffer.from(sizeJson(cols, rows)))
  }

  /** Handle one binary WebSocket message from the agent. */
  receive(bytes: Uint8Array): ReadonlyArray<ChannelEvent> {
    if (this.done) return []
    // bulk traffic (data and acknowledgements) is read in place; anything else is decoded in full
    const frame = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    const peeked = peekFrame(frame)
    if (peeked === Peeked.output) return this.onOutput(frameSequenceNumber(frame), { payloadType: framePayloadType(frame), payload: framePayload(frame) }, frame)
    if (peeked === Peeked.acknowledge) return this.onAck(frame, MIN_FRAME_LENGTH)
    const decoded = decodeMessage(frame)
    if (decoded._tag === "Malformed") return [{ _tag: "Ignored", reason: decoded.reason }]
    const m = decoded.message
    switch (m.messageType) {
      case MessageType.acknowledge:
        return this.onAck(m.payload)
      case MessageType.channelClosed: {
        this.done = true
        return [{ _tag: "Closed", reason: channelClosedReason(m.payload) }]
      }
      case MessageType.output:
        return this.onOutput(Number(m.sequenceNumber), m, frame)
      case MessageType.startPublication:
      case MessageType.pausePublication:
        return []
      default:
        return [{ _tag: "Ignored", reason: `unknown message type ${m.messageType}` }]
    }
  }

  /** An acknowledgement whose payload is `bytes[offset..]`. */
  private onAck(bytes: Uint8Array, offset = 0): ReadonlyArray<ChannelEvent> {
    const seq = ackSequenceNumber(bytes, offset)
    if (seq === undefined) return [{ _tag: "Ignored", reason: "unreadable acknowledgement" }]
    const entry = this.outgoing.get(seq)
    if (entry === undefined) return NO_EVENTS
    this.outgoing.delete(seq)
    if (!entry.resent) this.updateRto(this.options.now() - entry.firstSent)
    return NO_EVENTS
  }

  /** Jacobson/Karels, as the plugin does; samples of resent messages are ambiguous and skipped. */
  private updateRto(sample: number) {
    this.rttVar = 0.75 * this.rttVar + 0.25 * Math.abs(this.rtt - sample)
    this.rtt = 0.875 * this.rtt + 0.125 * sample
    this.rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.rtt + Math.max(10, 4 * this.rttVar)))
  }

  /** Output message `seq` (its frame, for the acknowledgement). */
  private onOutput(seq: number, m: Received, frame: Uint8Array): ReadonlyArray<ChannelEvent> {
    if (seq < this.expectedIncoming) return [this.ack(seq, frame)] // a retransmission: re-ack, drop
    if (seq > this.expectedIncoming) {
      if (this.incoming.size >= INCOMING_BUFFER_LIMIT) return [] // no ack: the agent resends it later
      this.incoming.set(seq, m)
      return [this.ack(seq, frame)]
    }
    const handled = this.handle(m)
    const events: Array<ChannelEvent> = handled.length === 1 ? [this.ack(seq, frame), handled[0]!] : [this.ack(seq, frame), ...handled]
    this.expectedIncoming++
    for (let next = this.incoming.get(this.expectedIncoming); next !== undefined && !this.done; next = this.incoming.get(this.expectedIncoming)) {
      this.incoming.delete(this.expectedIncoming)
      events.push(...this.handle(next))
      this.expectedIncoming++
    }
    return events
  }

  private handle(received: Received): ReadonlyArray<ChannelEvent> {
    let m = received
    if (this.cipher !== undefined && ENCRYPTED_OUTPUT_TYPES.has(m.payloadType)) {
      const plain = this.cipher.decrypt(m.payload)
      if (plain === undefined) return this.fail("a message from the agent does not decrypt with the session's KMS data key")
      m = { ...m, payload: plain }
    }
    switch (m.payloadType) {
      case PayloadType.output:
        return m.payload.length > 0 ? [{ _tag: "Data", bytes: m.payload }] : []
      case PayloadType.handshakeRequest: {
        const request = parseHandshakeRequest(m.payload)
        if (request === undefined) return this.fail("the agent sent an unreadable handshake request")
        this.agentVersion = request.agentVersion
        this.sessionPropertiesType = requestedPropertiesType(request)
        const kmsAction = request.actions.find((a) => a.actionType === "KMSEncryption")
        if (kmsAction !== undefined) {
          const kms = parseKmsEncryptionRequest(kmsAction.parameters)
          if (kms === undefined) return this.respond(request, { error: "the agent named no KMS key" })
          this.pendingHandshake = { request, kms }
          return [{ _tag: "KmsKeyNeeded", request: kms }]
        }
        return this.respond(request)
      }
      case PayloadType.handshakeComplete: {
        this.handshakeComplete = true
        const complete = parseHandshakeComplete(m.payload)
        const held = this.held
        this.held = []
        return [
          { _tag: "HandshakeComplete", agentVersion: this.agentVersion, customerMessage: complete?.customerMessage ?? "" },
          ...held.map((h) => this.sequenced(h.payloadType, h.payload))
        ]
      }
      case PayloadType.flag: {
        const flag = parseFlag(m.payload)
        return flag === undefined ? [{ _tag: "Ignored", reason: "unreadable flag" }] : [{ _tag: "AgentFlag", flag }]
      }
      case PayloadType.encChallengeRequest: {
        if (this.cipher === undefined) return this.fail("the agent sent an encryption challenge, but the session is not encrypted")
        const answer = this.cipher.answerChallenge(m.payload)
        if (answer === undefined) return this.fail("could not answer the agent's encryption challenge with the session's KMS data key")
        return [this.sequenced(PayloadType.encChallengeResponse, answer)]
      }
      default:
        return [{ _tag: "Ignored", reason: `payload type ${m.payloadType} is not used by port sessions` }]
    }
  }

  private respond(request: HandshakeRequest, kms?: KmsOutcome): ReadonlyArray<ChannelEvent> {
    const response = handshakeResponseJson(request, this.options.sessionTypes ?? PORT_SESSION_TYPES, kms)
    return [this.sequenced(PayloadType.handshakeResponse, Buffer.from(response))]
  }

  /** GenerateDataKey answered: encryption on, and the handshake response (with the encrypted key) goes. */
  kmsKeyReady(key: DataKey): ReadonlyArray<ChannelEvent> {
    const pending = this.pendingHandshake
    if (pending === undefined || this.done) return []
    this.pendingHandshake = undefined
    let cipher: SessionCipher
    try {
      cipher = new SessionCipher(key.plaintext)
    } catch (e) {
      return this.kmsKeyFailed(e instanceof Error ? e.message : String(e))
    }
    const events = this.respond(pending.request, { result: kmsActionResult(pending.kms, key.ciphertextBlob) })
    this.cipher = cipher
    return events
  }

  /** GenerateDataKey failed: the agent is told why (it ends the session), and the channel fails with it. */
  kmsKeyFailed(reason: string): ReadonlyArray<ChannelEvent> {
    const pending = this.pendingHandshake
    if (this.done) return []
    this.pendingHandshake = undefined
    const told = pending === undefined ? [] : this.respond(pending.request, { error: reason })
    return [...told, ...this.fail(`the session requires KMS encryption, and ${reason}`)]
  }

  private fail(reason: string): ReadonlyArray<ChannelEvent> {
    this.done = true
    return [{ _tag: "Failed", reason }]
  }

  /**
   * The channel read nothing for a while by its own choice (backpressure, `DataChannel.holdOutput`):
   * the acknowledgements that came meanwhile are about to be read, so every unacknowledged message's
   * timeout, and its next resend, count from now.
   */
  restartAckClock(): void {
    const now = this.options.now()
    for (const entry of this.outgoing.values()) {
      entry.firstSent = now
      entry.lastSent = now
    }
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
