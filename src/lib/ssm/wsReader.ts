/**
 * The data channel's own reader of the WebSocket frames a server sends (RFC 6455 §5.2), for the bulk
 * of the traffic: unmasked, unfragmented binary frames with no extension bits. Each such frame's
 * payload is handed to `onBinary` as a view of the bytes read (no copy, unless the frame spans two
 * socket reads), all the frames of one read in one pass. Every other frame is handed whole, its
 * header included, to `onOther` (the channel passes it to `ws`'s own parser, which answers it as it
 * always did): control frames (ping, pong, close), and the frames of a fragmented message. After a
 * close frame, or at anything this reader does not expect (a masked frame, extension bits, a text
 * frame, an unknown opcode, a length beyond `maxPayload`), every byte from that frame on goes to
 * `onOther` unread: ws's parser then sees a stream that starts at a frame boundary, as if it had read
 * everything itself. Pure: no I/O.
 */

/** ws's default `maxPayload` for a client (100 MiB): a longer frame is left to ws, which refuses it. */
export const WS_MAX_PAYLOAD = 100 * 1024 * 1024

const OPCODE_CONTINUATION = 0x0
const OPCODE_BINARY = 0x2
const OPCODE_CLOSE = 0x8

export class WsFrameReader {
  /** Bytes of a frame that has not all arrived: the header alone (`heldTotal` -1) or a buffer of the whole frame. */
  private held: Buffer | undefined
  private heldLength = 0
  private heldTotal = -1
  /** Inside a fragmented message (its frames go to `onOther`, whole). */
  private fragmented = false
  /** Everything from here on goes to `onOther` unread. */
  private passthrough = false

  constructor(
    /** The payload of one unfragmented binary frame: a view of the bytes read, valid as long as the caller keeps it. */
    public onBinary: (payload: Buffer) => void,
    /** A whole frame (or, once passing through, any bytes) for ws's own parser. */
    private readonly onOther: (bytes: Buffer) => void,
    private readonly maxPayload: number = WS_MAX_PAYLOAD
  ) {}

  /** Whether every byte now goes to `onOther` (after a close frame or an unexpected frame). */
  get passingThrough(): boolean {
    return this.passthrough
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.held === undefined ? 0 : this.heldLength
  }

  /** One socket read. */
  push(chunk: Buffer): void {
    if (this.passthrough) {
      if (chunk.length > 0) this.onOther(chunk)
      return
    }
    let buf = chunk
    let at = 0
    const held = this.held
    if (held !== undefined) {
      if (this.heldTotal < 0) {
        // the header itself was split (rare): join it with this read and start over
        this.held = undefined
        buf = Buffer.concat([held.subarray(0, this.heldLength), chunk])
      } else {
        const need = this.heldTotal - this.heldLength
        if (chunk.length < need) {
          held.set(chunk, this.heldLength)
          this.heldLength += chunk.length
          return
        }
        held.set(chunk.subarray(0, need), this.heldLength)
        this.held = undefined
        at = need
        this.frame(held, 0)
        if (this.passthrough) {
          if (at < chunk.length) this.onOther(chunk.subarray(at))
          return
        }
      }
    }
    const end = buf.length
    while (at < end) {
      const left = end - at
      if (left < 2) return this.hold(buf, at, -1)
      const b1 = buf[at + 1]!
      let length = b1 & 0x7f
      let headerLength = 2
      if (length === 126) {
        if (left < 4) return this.hold(buf, at, -1)
        length = (buf[at + 2]! << 8) | buf[at + 3]!
        headerLength = 4
      } else if (length === 127) {
        if (left < 10) return this.hold(buf, at, -1)
        const high = buf.readUInt32BE(at + 2)
        // beyond 2^53 or maxPayload: ws's parser refuses it
        length = high >= 0x20_0000 ? Number.MAX_SAFE_INTEGER : high * 0x1_0000_0000 + buf.readUInt32BE(at + 6)
        headerLength = 10
      }
      if ((b1 & 0x80) !== 0 || length > this.maxPayload || !this.expected(buf[at]!)) {
        this.passthrough = true
        this.onOther(buf.subarray(at))
        return
      }
      const total = headerLength + length
      if (left < total) return this.hold(buf, at, total)
      this.frame(buf, at, headerLength, total)
      at += total
      if (this.passthrough) {
        if (at < end) this.onOther(buf.subarray(at))
        return
      }
    }
  }

  /**
   * Whether a frame whose first byte is `b0` is one this reader sorts (else everything goes to ws from
   * it on): no extension bits; binary, or a continuation inside a fragmented message, or a final control
   * frame (ping, pong, close).
   */
  private expected(b0: number): boolean {
    if ((b0 & 0x70) !== 0) return false
    const opcode = b0 & 0x0f
    if (opcode === OPCODE_BINARY) return !this.fragmented
    if (opcode === OPCODE_CONTINUATION) return this.fragmented
    return opcode >= OPCODE_CLOSE && opcode <= 0xa && (b0 & 0x80) !== 0
  }

  /** The frame at `buf[at]` (header already checked), `total` bytes long. */
  private frame(buf: Buffer, at: number, headerLength?: number, total?: number): void {
    const b0 = buf[at]!
    if (headerLength === undefined || total === undefined) {
      // a frame assembled from two reads: its header again
      const l = buf[at + 1]! & 0x7f
      headerLength = l === 126 ? 4 : l === 127 ? 10 : 2
      total = buf.length - at
    }
    const opcode = b0 & 0x0f
    const fin = (b0 & 0x80) !== 0
    if (opcode === OPCODE_BINARY && fin && !this.fragmented) {
      this.onBinary(buf.subarray(at + headerLength, at + total))
      return
    }
    if (opcode === OPCODE_BINARY || opcode === OPCODE_CONTINUATION) this.fragmented = !fin
    this.onOther(buf.subarray(at, at + total))
    if (opcode === OPCODE_CLOSE) this.passthrough = true
  }

  /** Keep the bytes from `at` until the rest of their frame arrives (`total` -1: its length is not known yet). */
  private hold(buf: Buffer, at: number, total: number): void {
    const left = buf.length - at
    const held = Buffer.allocUnsafe(total < 0 ? Math.max(16, left) : total)
    buf.copy(held, 0, at)
    this.held = held
    this.heldLength = left
    this.heldTotal = total
  }
}
