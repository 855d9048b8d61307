/**
 * The Session Manager data channel's binary message ("ClientMessage" / "AgentMessage"): a 116-byte
 * header, a 4-byte payload length and the payload, every integer big-endian. Pure functions: no I/O.
 *
 *   offset len field
 *        0   4 HeaderLength (116: the offset of PayloadLength)
 *        4  32 MessageType, ASCII right-padded with spaces
 *       36   4 SchemaVersion (1)
 *       40   8 CreatedDate, epoch milliseconds
 *       48   8 SequenceNumber (signed)
 *       56   8 Flags
 *       64  16 MessageId: a UUID with its two 8-byte halves swapped
 *       80  32 PayloadDigest: SHA-256 of the payload
 *      112   4 PayloadType
 *      116   4 PayloadLength
 *      120   n Payload
 */
import * as cryptoModule from "node:crypto"
import { createHash } from "node:crypto"

export const HEADER_LENGTH = 116
/** Header plus the payload-length field: the smallest well-formed message. */
export const MIN_FRAME_LENGTH = HEADER_LENGTH + 4
const MESSAGE_TYPE_LENGTH = 32

export const MessageType = {
  input: "input_stream_data",
  output: "output_stream_data",
  acknowledge: "acknowledge",
  channelClosed: "channel_closed",
  startPublication: "start_publication",
  pausePublication: "pause_publication"
} as const

export const PayloadType = {
  none: 0,
  output: 1,
  error: 2,
  size: 3,
  parameter: 4,
  handshakeRequest: 5,
  handshakeResponse: 6,
  handshakeComplete: 7,
  encChallengeRequest: 8,
  encChallengeResponse: 9,
  flag: 10,
  stdErr: 11,
  exitCode: 12
} as const

/** Flags the plugin sets on acknowledgements (bit 0 SYN, bit 1 FIN); receivers ignore them. */
export const ACK_FLAGS = 3n

export interface ClientMessage {
  readonly messageType: string
  readonly schemaVersion: number
  /** Epoch milliseconds. */
  readonly createdDate: number
  readonly sequenceNumber: bigint
  readonly flags: bigint
  /** Canonical lower-case UUID, e.g. "dd01e56b-ff48-483e-a508-b5f073f31b16". */
  readonly messageId: string
  readonly payloadType: number
  readonly payload: Uint8Array
}

export type DecodeResult =
  | { readonly _tag: "Decoded"; readonly message: ClientMessage }
  | { readonly _tag: "Malformed"; readonly reason: string }

/** One-shot `crypto.hash` (Node >= 20.12) where there is one: a frame's digest without a Hash object. */
const oneShotHash = (cryptoModule as { hash?: (algorithm: string, data: Uint8Array, encoding: "buffer") => Buffer }).hash

export const sha256 = (bytes: Uint8Array): Buffer =>
  oneShotHash !== undefined ? oneShotHash("sha256", bytes, "buffer") : createHash("sha256").update(bytes).digest()

const oneShotText = oneShotHash as ((algorithm: string, data: Uint8Array, encoding: "latin1") => string) | undefined

/**
 * SHA-256 as a 32-character latin1 string (one character per byte): a V8 string rather than a Buffer
 * with its own ArrayBuffer, which costs a third less per call and leaves less for the garbage collector.
 */
const sha256Text = (bytes: Uint8Array): string =>
  oneShotText !== undefined ? oneShotText("sha256", bytes, "latin1") : createHash("sha256").update(bytes).digest("binary")

/** Writes a digest from `sha256Text` at offset 80 of `frame` (32 bytes: a loop costs less than a call into Buffer.write). */
const writeDigest = (frame: Uint8Array, digest: string) => {
  for (let i = 0; i < 32; i++) frame[80 + i] = digest.charCodeAt(i)
}

/** Whether the digest at offset 80 of `frame` is `digest` (from `sha256Text`), compared without a string of the frame's bytes. */
const digestIs = (frame: Uint8Array, digest: string): boolean => {
  for (let i = 0; i < 32; i++) if (frame[80 + i] !== digest.charCodeAt(i)) return false
  return true
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The 16 wire bytes of a UUID: RFC 4122 bytes 8..15 first, then bytes 0..7. */
export const uuidToWire = (uuid: string): Uint8Array => {
  const lower = uuid.toLowerCase()
  if (!uuidPattern.test(lower)) throw new RangeError(`not a UUID: ${JSON.stringify(uuid)}`)
  // "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee": RFC bytes 8..15 are dddd+eeeeeeeeeeee, bytes 0..7 the rest
  return Buffer.from(lower.slice(19, 23) + lower.slice(24) + lower.slice(0, 8) + lower.slice(9, 13) + lower.slice(14, 18), "hex")
}

/** The canonical UUID string of 16 wire bytes (the inverse of `uuidToWire`). */
export const uuidFromWire = (wire: Uint8Array): string => {
  const hex = Buffer.from(wire.buffer, wire.byteOffset, wire.length).toString("hex")
  // wire: RFC bytes 8..15 (hex 0..16) then 0..7 (hex 16..32)
  return `${hex.slice(16, 24)}-${hex.slice(24, 28)}-${hex.slice(28, 32)}-${hex.slice(0, 4)}-${hex.slice(4, 16)}`
}

/** Message types already checked, with their padded wire form (a few types, used for every frame). */
const paddedTypes = new Map<string, string>()

const paddedType = (messageType: string): string => {
  const known = paddedTypes.get(messageType)
  if (known !== undefined) return known
  if (messageType.length === 0 || messageType.length > MESSAGE_TYPE_LENGTH || !/^[\x21-\x7e]+$/.test(messageType)) {
    throw new RangeError(`invalid message type ${JSON.stringify(messageType)}`)
  }
  const padded = messageType.padEnd(MESSAGE_TYPE_LENGTH, " ")
  if (paddedTypes.size < 64) paddedTypes.set(messageType, padded)
  return padded
}

/** Writes an unsigned 32-bit big-endian integer (no range checks: callers pass valid values). */
const u32 = (frame: Uint8Array, offset: number, value: number) => {
  frame[offset] = value >>> 24
  frame[offset + 1] = value >>> 16
  frame[offset + 2] = value >>> 8
  frame[offset + 3] = value
}

/** Writes a non-negative integer below 2^53 as 64 bits big-endian. */
const u64 = (frame: Uint8Array, offset: number, value: number) => {
  u32(frame, offset, Math.floor(value / 0x1_0000_0000))
  u32(frame, offset + 4, value >>> 0)
}

/** The 32 wire bytes of a message type (checked and cached: a few types, used for every frame). */
const typeBytesCache = new Map<string, Buffer>()
export const messageTypeBytes = (messageType: string): Buffer => {
  const known = typeBytesCache.get(messageType)
  if (known !== undefined) return known
  const bytes = Buffer.from(paddedType(messageType), "ascii")
  if (typeBytesCache.size < 64) typeBytesCache.set(messageType, bytes)
  return bytes
}

/** A frame with its header written except the message id, the payload copied and its digest set. */
const frameWith = (
  type: Uint8Array,
  createdDate: number,
  payloadType: number,
  payload: Uint8Array,
  into?: Buffer | undefined
): Buffer => {
  // every byte is written (the id by the caller)
  const frame = into ?? Buffer.allocUnsafe(MIN_FRAME_LENGTH + payload.length)
  u32(frame, 0, HEADER_LENGTH)
  frame.set(type, 4)
  u32(frame, 36, 1)
  u64(frame, 40, createdDate)
  u32(frame, 112, payloadType)
  u32(frame, 116, payload.length)
  frame.set(payload, MIN_FRAME_LENGTH)
  writeDigest(frame, sha256Text(payload))
  return frame
}

/** Random bytes for message ids, filled 64 KiB (4,096 ids) at a time. */
const ID_POOL_SIZE = 65536
let idPool: Buffer | undefined
let idPoolOffset = ID_POOL_SIZE

/** A random (version 4) UUID written in wire order at `offset` of `frame`, without a string. */
export const writeRandomWireId = (frame: Uint8Array, offset: number): void => {
  if (idPoolOffset === ID_POOL_SIZE) {
    idPool ??= Buffer.allocUnsafe(ID_POOL_SIZE)
    cryptoModule.randomFillSync(idPool)
    idPoolOffset = 0
  }
  const pool = idPool!
  for (let i = 0; i < 16; i++) frame[offset + i] = pool[idPoolOffset + i]!
  idPoolOffset += 16
  // wire order puts RFC bytes 8..15 first: the variant is RFC byte 8 (wire 0), the version RFC byte 6 (wire 14)
  frame[offset] = (frame[offset]! & 0x3f) | 0x80
  frame[offset + 14] = (frame[offset + 14]! & 0x0f) | 0x40
}

/**
 * The frame of a sequenced or flagged message, built in one buffer: header, payload, digest. `id` is
 * a UUID string, or undefined for a fresh random one (no string made). `sequenceNumber` is below 2^53
 * and not negative, `flags` below 2^32. `into`: the buffer to build it in (exactly the frame's length,
 * `MIN_FRAME_LENGTH` plus the payload's), else a new one.
 */
export const encodeFrame = (
  type: Uint8Array,
  createdDate: number,
  sequenceNumber: number,
  flags: number,
  id: string | undefined,
  payloadType: number,
  payload: Uint8Array,
  into?: Buffer | undefined
): Buffer => {
  const frame = frameWith(type, createdDate, payloadType, payload, into)
  u64(frame, 48, sequenceNumber)
  u32(frame, 56, 0)
  u32(frame, 60, flags)
  if (id === undefined) writeRandomWireId(frame, 64)
  else frame.set(uuidToWire(id), 64)
  return frame
}

/** Serialize a message. Never called with an empty payload (the service rejects empty frames). */
export const encodeMessage = (m: ClientMessage): Uint8Array => {
  const frame = frameWith(messageTypeBytes(m.messageType), m.createdDate, m.payloadType, m.payload)
  frame.writeBigInt64BE(m.sequenceNumber, 48)
  frame.writeBigUInt64BE(m.flags, 56)
  frame.set(uuidToWire(m.messageId), 64)
  return frame
}

/** ASCII hex digits of every byte value: codes 2i and 2i+1. */
const HEX_CODES = Buffer.from(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0")).join(""), "latin1")

/** The canonical UUID text of the 16 wire bytes at `from[offset]`, written as 36 ASCII bytes at `to[at]`. */
const writeUuidText = (from: Uint8Array, offset: number, to: Uint8Array, at: number) => {
  // text order: RFC bytes 0..3 - 4..5 - 6..7 - 8..9 - 10..15; the wire has RFC 8..15 first, then 0..7
  const order = WIRE_ORDER
  for (let i = 0; i < 16; i++) {
    const b = from[offset + order[i]!]!
    const pos = at + TEXT_POSITION[i]!
    to[pos] = HEX_CODES[2 * b]!
    to[pos + 1] = HEX_CODES[2 * b + 1]!
  }
  to[at + 8] = to[at + 13] = to[at + 18] = to[at + 23] = 0x2d
}
/** Wire offset of RFC byte i. */
const WIRE_ORDER = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]
/** Text position of RFC byte i (two hex digits each, dashes after bytes 3, 5, 7 and 9). */
const TEXT_POSITION = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]

const ACK_MIDDLE = Buffer.from(`","AcknowledgedMessageSequenceNumber":`, "latin1")
const ACK_SUFFIX = Buffer.from(`,"IsSequentialMessage":true}`, "latin1")
const ACK_TYPE = messageTypeBytes(MessageType.acknowledge)

/**
 * The start of an acknowledgement frame, by acknowledged message type: the header with every field
 * that does not change (header length, type, schema version, sequence number 0, the plugin's flags,
 * payload type 0), then `ackJson`'s text up to the sequence number, the id's 36 characters left to
 * fill at `idAt`. An acknowledgement copies it, then writes its date, id, length, the acknowledged
 * id and number, the rest of the text and the digest.
 */
interface AckTemplate {
  readonly head: Buffer
  readonly idAt: number
}
const ackTemplate = (ackedType: string): AckTemplate => {
  const prefix = Buffer.from(`{"AcknowledgedMessageType":${JSON.stringify(ackedType)},"AcknowledgedMessageId":"`, "utf8")
  const head = Buffer.alloc(MIN_FRAME_LENGTH + prefix.length + 36 + ACK_MIDDLE.length)
  u32(head, 0, HEADER_LENGTH)
  head.set(ACK_TYPE, 4)
  u32(head, 36, 1)
  u32(head, 60, Number(ACK_FLAGS))
  u32(head, 112, PayloadType.none)
  head.set(prefix, MIN_FRAME_LENGTH)
  head.set(ACK_MIDDLE, MIN_FRAME_LENGTH + prefix.length + 36)
  return { head, idAt: MIN_FRAME_LENGTH + prefix.length }
}
const ackTemplates = new Map<string, AckTemplate>()
const OUTPUT_ACK_TEMPLATE = ackTemplate(MessageType.output)

/**
 * The acknowledgement frame of a received message, given its type, the frame it came in (for the
 * message id, read at offset 64) and its sequence number: byte for byte `encodeFrame` over `ackJson`
 * (sequence number 0, the plugin's flags), without making the JSON or the id's text. `id`: the
 * acknowledgement's own id (default: a random one).
 */
export const encodeAckFrame = (
  createdDate: number,
  ackedType: string,
  received: Uint8Array,
  sequenceNumber: number,
  id?: string | undefined
): Buffer => {
  let template = ackedType === MessageType.output ? OUTPUT_ACK_TEMPLATE : ackTemplates.get(ackedType)
  if (template === undefined) {
    template = ackTemplate(ackedType)
    if (ackTemplates.size < 64) ackTemplates.set(ackedType, template)
  }
  // the number's decimal digits (no string for the usual, non-negative safe integer)
  const plain = sequenceNumber >= 0 && Number.isSafeInteger(sequenceNumber)
  const digits = plain ? "" : String(sequenceNumber)
  let count = plain ? 1 : digits.length
  if (plain) for (let n = sequenceNumber; n >= 10; n = Math.floor(n / 10)) count++
  const head = template.head
  const frame = Buffer.allocUnsafe(head.length + count + ACK_SUFFIX.length)
  frame.set(head, 0)
  u64(frame, 40, createdDate)
  if (id === undefined) writeRandomWireId(frame, 64)
  else frame.set(uuidToWire(id), 64)
  u32(frame, 116, frame.length - MIN_FRAME_LENGTH)
  writeUuidText(received, 64, frame, template.idAt)
  let at = head.length
  if (plain) {
    for (let n = sequenceNumber, i = at + count - 1; i >= at; n = Math.floor(n / 10), i--) frame[i] = 0x30 + (n % 10)
  } else frame.write(digits, at, count, "latin1")
  at += count
  frame.set(ACK_SUFFIX, at)
  writeDigest(frame, sha256Text(frame.subarray(MIN_FRAME_LENGTH)))
  return frame
}

const malformed = (reason: string): DecodeResult => ({ _tag: "Malformed", reason })

/** Types that the plugin accepts without validation (flow-control hints). */
const unvalidated = new Set<string>([MessageType.startPublication, MessageType.pausePublication])

/**
 * Parse one WebSocket binary message. Stricter than the plugin where it is safe to be: the header
 * length must be 116, the payload-length field must match the bytes that follow, and a non-empty
 * payload must match its SHA-256 digest. Never throws.
 */
export const decodeMessage = (bytes: Uint8Array): DecodeResult => {
  if (bytes.length < MIN_FRAME_LENGTH) {
    return malformed(`message of ${bytes.length} bytes is shorter than the ${MIN_FRAME_LENGTH}-byte header`)
  }
  const frame = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  const headerLength = frame.readUInt32BE(0)
  if (headerLength !== HEADER_LENGTH) return malformed(`header length is ${headerLength}, expected ${HEADER_LENGTH}`)
  const rawType = frame.subarray(4, 4 + MESSAGE_TYPE_LENGTH).toString("latin1")
  const messageType = rawType.replace(/\0/g, "").trim()
  if (messageType.length === 0) return malformed("message type is empty")
  if (!/^[\x21-\x7e]+$/.test(messageType)) return malformed("message type is not printable ASCII")
  const payloadLength = frame.readUInt32BE(116)
  const payload = frame.subarray(MIN_FRAME_LENGTH)
  if (payloadLength !== payload.length) {
    return malformed(`payload length field says ${payloadLength} bytes, message carries ${payload.length}`)
  }
  const createdDate = frame.readBigUInt64BE(40)
  if (!unvalidated.has(messageType)) {
    if (createdDate === 0n) return malformed("created date is zero")
    if (payloadLength !== 0 && !frame.subarray(80, 112).equals(sha256(payload))) {
      return malformed("payload digest does not match the payload")
    }
  }
  return {
    _tag: "Decoded",
    message: {
      messageType,
      schemaVersion: frame.readUInt32BE(36),
      createdDate: Number(createdDate),
      sequenceNumber: frame.readBigInt64BE(48),
      flags: frame.readBigUInt64BE(56),
      messageId: uuidFromWire(frame.subarray(64, 80)),
      payloadType: frame.readUInt32BE(112),
      // a view of the message's own buffer (ws hands over a fresh one per message), not a copy
      payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length)
    }
  }
}

const OUTPUT_TYPE = messageTypeBytes(MessageType.output)

/** Whether the frame's message type is `type` (32 bytes compared in a loop: cheaper than a call into Buffer.compare). */
const typeIs = (frame: Buffer, type: Buffer): boolean => {
  for (let i = 0; i < MESSAGE_TYPE_LENGTH; i++) if (frame[4 + i] !== type[i]) return false
  return true
}

/** What `peekFrame` recognised. */
export const Peeked = { other: 0, output: 1, acknowledge: 2 } as const

/**
 * The two message types of bulk traffic, recognised without decoding: `Peeked.output` or
 * `Peeked.acknowledge` when the frame is one of them and passes every check `decodeMessage` makes
 * (header and payload lengths, created date, and for output the payload's digest) with a sequence
 * number below 2^53; else `Peeked.other`, and the caller decodes it in full (which says what is wrong). Read the
 * fields with `frameSequenceNumber`, `framePayloadType` and `framePayload`.
 */
export const peekFrame = (frame: Buffer): number => {
  const length = frame.length
  if (length < MIN_FRAME_LENGTH || frame[0] !== 0 || frame[1] !== 0 || frame[2] !== 0 || frame[3] !== HEADER_LENGTH) return Peeked.other
  // the first letter tells which type to compare with: "o"utput_stream_data, "a"cknowledge
  const first = frame[4]
  const kind = first === 0x6f && typeIs(frame, OUTPUT_TYPE)
    ? Peeked.output
    : first === 0x61 && typeIs(frame, ACK_TYPE)
    ? Peeked.acknowledge
    : Peeked.other
  if (kind === Peeked.other) return kind
  if (frame.readUInt32BE(116) !== length - MIN_FRAME_LENGTH) return Peeked.other
  if (frame.readUInt32BE(40) === 0 && frame.readUInt32BE(44) === 0) return Peeked.other
  const high = frame.readUInt32BE(48)
  if (high >= 0x20_0000) return Peeked.other
  // the digest of output (the remote side's bytes) is checked, as the plugin does; an acknowledgement's
  // is not: the agent checks no digest at all, the stream is TLS (integrity-protected), and its only
  // field, the sequence number, is parsed strictly (`ackSequenceNumber`)
  if (kind === Peeked.output && length > MIN_FRAME_LENGTH && !digestIs(frame, sha256Text(frame.subarray(MIN_FRAME_LENGTH)))) return Peeked.other
  return kind
}

/** The sequence number of a frame `peekFrame` recognised. */
export const frameSequenceNumber = (frame: Buffer): number => frame.readUInt32BE(48) * 0x1_0000_0000 + frame.readUInt32BE(52)
export const framePayloadType = (frame: Buffer): number => frame.readUInt32BE(112)
/** The payload: a view of the frame (ws hands over a fresh buffer per message), not a copy. */
export const framePayload = (frame: Buffer): Buffer => frame.subarray(MIN_FRAME_LENGTH)
