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

export const sha256 = (bytes: Uint8Array): Uint8Array =>
  oneShotHash !== undefined ? oneShotHash("sha256", bytes, "buffer") : createHash("sha256").update(bytes).digest()

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

/** Serialize a message. Never called with an empty payload (the service rejects empty frames). */
export const encodeMessage = (m: ClientMessage): Uint8Array => {
  const type = paddedType(m.messageType)
  const id = uuidToWire(m.messageId)
  // every byte is written below
  const frame = Buffer.allocUnsafe(MIN_FRAME_LENGTH + m.payload.length)
  frame.writeUInt32BE(HEADER_LENGTH, 0)
  frame.write(type, 4, MESSAGE_TYPE_LENGTH, "ascii")
  frame.writeUInt32BE(m.schemaVersion, 36)
  frame.writeBigUInt64BE(BigInt(m.createdDate), 40)
  frame.writeBigInt64BE(m.sequenceNumber, 48)
  frame.writeBigUInt64BE(m.flags, 56)
  frame.set(id, 64)
  frame.set(sha256(m.payload), 80)
  frame.writeUInt32BE(m.payloadType, 112)
  frame.writeUInt32BE(m.payload.length, 116)
  frame.set(m.payload, MIN_FRAME_LENGTH)
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
