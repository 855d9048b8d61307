/**
 * smux protocol version 1 (xtaci/smux, as the session-manager-plugin vendors it), the client side:
 * how one port-forwarding session carries many TCP connections. The data channel's Output payloads,
 * concatenated in each direction, are one smux byte stream; frames may be split across payloads or
 * several may share one, so the reader reassembles them. Pure: no I/O, no timers.
 *
 *   offset len field
 *        0   1 version (1)
 *        1   1 command: 0 SYN (open a stream), 1 FIN (close it), 2 PSH (data), 3 NOP (keep-alive)
 *        2   2 data length, LITTLE-endian
 *        4   4 stream id, LITTLE-endian
 *        8   n data (PSH only; at most 32768 bytes per frame, the library's default MaxFrameSize)
 *
 * The client opens streams 3, 5, 7... (the library starts its counter at 1 and adds 2 before each
 * open); the agent only accepts streams. Version 2's UPD (window update) frames are never used: the
 * plugin and the agent both run version 1.
 */

export const SMUX_VERSION = 1
export const SmuxCmd = { syn: 0, fin: 1, psh: 2, nop: 3 } as const
export const SMUX_HEADER_SIZE = 8
/** The most data one PSH frame carries (smux's default MaxFrameSize). */
export const SMUX_MAX_FRAME_DATA = 32768
/** The first stream id a client opens. */
export const FIRST_CLIENT_STREAM_ID = 3

export interface SmuxFrame {
  readonly cmd: number
  readonly streamId: number
  readonly data: Uint8Array
}

const empty = new Uint8Array(0)

/** One frame's bytes. `data` only for PSH; at most SMUX_MAX_FRAME_DATA bytes. */
export const encodeSmuxFrame = (cmd: number, streamId: number, data: Uint8Array = empty): Uint8Array => {
  if (data.length > SMUX_MAX_FRAME_DATA) throw new RangeError(`an smux frame carries at most ${SMUX_MAX_FRAME_DATA} bytes, not ${data.length}`)
  const frame = Buffer.allocUnsafe(SMUX_HEADER_SIZE + data.length)
  frame.writeUInt8(SMUX_VERSION, 0)
  frame.writeUInt8(cmd, 1)
  frame.writeUInt16LE(data.length, 2)
  frame.writeUInt32LE(streamId >>> 0, 4)
  frame.set(data, SMUX_HEADER_SIZE)
  return frame
}

export type SmuxReadResult =
  | { readonly _tag: "Frames"; readonly frames: ReadonlyArray<SmuxFrame> }
  | { readonly _tag: "ProtocolError"; readonly reason: string }

/**
 * Reassembles frames from a byte stream delivered in arbitrary pieces. A frame with another version
 * or an unknown command is a protocol error (smux closes the session): nothing after it is read.
 */
export class SmuxFrameReader {
  /**
   * `fullFrame`: a buffer of SMUX_MAX_FRAME_DATA bytes for the data of a full-size frame (one given
   * back after its write, muxTunnel's pool), instead of a new one each time.
   */
  constructor(private readonly fullFrame?: () => Buffer) {}

  /**
   * The unread bytes, as the pieces they arrived in: a 32 KiB frame spread over many small payloads is
   * joined once, when it is whole, not once per piece.
   */
  private pieces: Array<Buffer> = []
  private size = 0
  private broken: string | undefined

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.size
  }

  push(bytes: Uint8Array): SmuxReadResult {
    return this.pushAll([bytes])
  }

  /** Several pieces of the stream at once (every payload delivered so far): read once, not joined first. */
  pushAll(pieces: ReadonlyArray<Uint8Array>): SmuxReadResult {
    if (this.broken !== undefined) return { _tag: "ProtocolError", reason: this.broken }
    for (const bytes of pieces) {
      if (bytes.length === 0) continue
      this.pieces.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
      this.size += bytes.length
    }
    const frames: Array<SmuxFrame> = []
    while (this.size >= SMUX_HEADER_SIZE) {
      const header = this.peek(SMUX_HEADER_SIZE)
      const version = header.readUInt8(0)
      const cmd = header.readUInt8(1)
      if (version !== SMUX_VERSION) return this.fail(`smux frame of version ${version}, expected ${SMUX_VERSION}`)
      if (cmd > SmuxCmd.nop) return this.fail(`unknown smux command ${cmd}`)
      const length = header.readUInt16LE(2)
      if (this.size < SMUX_HEADER_SIZE + length) break
      const streamId = header.readUInt32LE(4)
      this.take(SMUX_HEADER_SIZE)
      // a copy: the frame's data outlives the pieces it came from (it is written to a socket later)
      const data = length === 0 ? empty : this.take(length, true)
      frames.push({ cmd, streamId, data })
    }
    return { _tag: "Frames", frames }
  }

  /** The first `n` buffered bytes, joining the first pieces if they are shorter (n is a header's size). */
  private peek(n: number): Buffer {
    const first = this.pieces[0]!
    if (first.length >= n) return first
    const joined = Buffer.concat(this.pieces)
    this.pieces = [joined]
    return joined
  }

  /**
   * Removes and returns the first `n` buffered bytes (a buffer of their own when `copy`, or when they
   * span pieces: `fullFrame`'s for a full-size frame).
   */
  private take(n: number, copy = false): Uint8Array {
    this.size -= n
    const first = this.pieces[0]!
    const own = n === SMUX_MAX_FRAME_DATA ? this.fullFrame : undefined
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.pieces.shift()
      else this.pieces[0] = first.subarray(n)
      if (!copy) return out
      if (own === undefined) return Uint8Array.prototype.slice.call(out, 0) as Uint8Array
      const into = own()
      into.set(out, 0)
      return into
    }
    const out = own !== undefined ? own() : Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const piece = this.pieces[0]!
      const need = n - filled
      if (piece.length <= need) {
        out.set(piece, filled)
        filled += piece.length
        this.pieces.shift()
      } else {
        out.set(piece.subarray(0, need), filled)
        filled += need
        this.pieces[0] = piece.subarray(need)
      }
    }
    return out
  }

  private fail(reason: string): SmuxReadResult {
    this.broken = reason
    this.pieces = []
    this.size = 0
    return { _tag: "ProtocolError", reason }
  }
}

export type SmuxEvent =
  /** Bytes for the data channel (one or more whole frames). */
  | { readonly _tag: "Send"; readonly bytes: Uint8Array }
  /** Bytes the agent sent on a stream: a buffer of their own, nobody else's once the event is handled. */
  | { readonly _tag: "Data"; readonly streamId: number; readonly bytes: Uint8Array }
  /** The agent closed a stream (its destination connection ended or could not be made). */
  | { readonly _tag: "RemoteClosed"; readonly streamId: number }
  /** The byte stream is not smux v1: the whole session is unusable. */
  | { readonly _tag: "ProtocolError"; readonly reason: string }

interface StreamState {
  /** We sent FIN. */
  localClosed: boolean
}

/**
 * The client's streams: ids, the frames each operation needs, and the agent's frames sorted by
 * stream. A stream is forgotten once both sides closed it. Frames for streams that are not open
 * (closed, or never opened: the agent opens none) are dropped, as smux does.
 */
export class SmuxClient {
  private nextId = FIRST_CLIENT_STREAM_ID
  private readonly streams = new Map<number, StreamState>()
  private readonly reader: SmuxFrameReader

  /** `fullFrame`: where the data of the agent's full-size frames is read into (SmuxFrameReader). */
  constructor(fullFrame?: () => Buffer) {
    this.reader = new SmuxFrameReader(fullFrame)
  }

  /** Streams open on at least one side. */
  get openStreams(): number {
    return this.streams.size
  }

  isOpen(streamId: number): boolean {
    return this.streams.has(streamId)
  }

  /** A new stream: its id and the SYN frame that opens it. */
  open(): { readonly streamId: number; readonly events: ReadonlyArray<SmuxEvent> } {
    const streamId = this.nextId
    // ids are 32-bit; 2^31 streams in one session are not reached in practice
    this.nextId += 2
    this.streams.set(streamId, { localClosed: false })
    return { streamId, events: [{ _tag: "Send", bytes: encodeSmuxFrame(SmuxCmd.syn, streamId) }] }
  }

  /** Data for a stream, as PSH frames of at most SMUX_MAX_FRAME_DATA bytes (nothing once we closed it). */
  write(streamId: number, bytes: Uint8Array): ReadonlyArray<SmuxEvent> {
    const stream = this.streams.get(streamId)
    if (stream === undefined || stream.localClosed || bytes.length === 0) return []
    // every frame written straight into one buffer (one copy of the data)
    const count = Math.ceil(bytes.length / SMUX_MAX_FRAME_DATA)
    const out = Buffer.allocUnsafe(bytes.length + count * SMUX_HEADER_SIZE)
    let at = 0
    for (let offset = 0; offset < bytes.length; offset += SMUX_MAX_FRAME_DATA) {
      const data = bytes.subarray(offset, offset + SMUX_MAX_FRAME_DATA)
      out[at] = SMUX_VERSION
      out[at + 1] = SmuxCmd.psh
      out.writeUInt16LE(data.length, at + 2)
      out.writeUInt32LE(streamId >>> 0, at + 4)
      out.set(data, at + SMUX_HEADER_SIZE)
      at += SMUX_HEADER_SIZE + data.length
    }
    return [{ _tag: "Send", bytes: out }]
  }

  /**
   * `write`'s frames as pieces, without copying the data: each frame's 8-byte header, then a view of
   * its data in `bytes` (which must not change while the pieces are in use). Nothing once we closed it.
   */
  writePieces(streamId: number, bytes: Uint8Array): ReadonlyArray<Uint8Array> {
    const stream = this.streams.get(streamId)
    if (stream === undefined || stream.localClosed || bytes.length === 0) return []
    const pieces: Array<Uint8Array> = []
    for (let offset = 0; offset < bytes.length; offset += SMUX_MAX_FRAME_DATA) {
      const data = bytes.subarray(offset, offset + SMUX_MAX_FRAME_DATA)
      const header = Buffer.allocUnsafe(SMUX_HEADER_SIZE)
      header[0] = SMUX_VERSION
      header[1] = SmuxCmd.psh
      header.writeUInt16LE(data.length, 2)
      header.writeUInt32LE(streamId >>> 0, 4)
      pieces.push(header, data)
    }
    return pieces
  }

  /** Our side is done with a stream (the local connection ended): FIN, once. */
  close(streamId: number): ReadonlyArray<SmuxEvent> {
    const stream = this.streams.get(streamId)
    if (stream === undefined || stream.localClosed) return []
    stream.localClosed = true
    return [{ _tag: "Send", bytes: encodeSmuxFrame(SmuxCmd.fin, streamId) }]
  }

  /** Forget a stream without telling the agent (the session is ending). */
  forget(streamId: number): void {
    this.streams.delete(streamId)
  }

  /** The keep-alive frame (for agents that expect one, see `smuxKeepAliveNeeded`). */
  nop(): ReadonlyArray<SmuxEvent> {
    return [{ _tag: "Send", bytes: encodeSmuxFrame(SmuxCmd.nop, 0) }]
  }

  /** Bytes from the data channel (any piece of the agent's smux stream). */
  receive(bytes: Uint8Array): ReadonlyArray<SmuxEvent> {
    return this.receiveAll([bytes])
  }

  /** Consecutive pieces of the agent's smux stream (each payload delivered so far), read in one pass. */
  receiveAll(pieces: ReadonlyArray<Uint8Array>): ReadonlyArray<SmuxEvent> {
    const read = this.reader.pushAll(pieces)
    if (read._tag === "ProtocolError") return [{ _tag: "ProtocolError", reason: read.reason }]
    const events: Array<SmuxEvent> = []
    for (const frame of read.frames) {
      switch (frame.cmd) {
        case SmuxCmd.psh:
          if (this.streams.has(frame.streamId) && frame.data.length > 0) events.push({ _tag: "Data", streamId: frame.streamId, bytes: frame.data })
          break
        case SmuxCmd.fin:
          if (this.streams.delete(frame.streamId)) events.push({ _tag: "RemoteClosed", streamId: frame.streamId })
          break
        case SmuxCmd.syn:
          // a server opening a stream: the agent never does; smux would queue it for Accept, nobody accepts
          break
        case SmuxCmd.nop:
          break
      }
    }
    return events
  }
}

/** Compare dotted numeric versions ("3.0.196.0"): negative, 0 or positive. Missing parts count as 0. */
export const compareVersions = (a: string, b: string): number => {
  const pa = a.split(".").map((p) => Number.parseInt(p, 10) || 0)
  const pb = b.split(".").map((p) => Number.parseInt(p, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** The plugin speaks smux to agents newer than this. */
export const MUX_MIN_AGENT_VERSION = "3.0.196.0"
/** The agent speaks smux to clients reporting at least this version. */
export const MUX_MIN_CLIENT_VERSION = "1.1.70"
/** Agents up to this version expect smux keep-alive frames (NOP every 10 s) and drop a silent session after 30 s. */
export const MUX_KEEPALIVE_MAX_AGENT_VERSION = "3.1.1511.0"
/** The keep-alive interval for those agents (smux's default). */
export const SMUX_KEEPALIVE_INTERVAL_MS = 10_000

export type PortForwardingMode = "mux" | "basic"

/**
 * Which mode a port session speaks, decided as both ends decide it: smux iff the agent's session
 * properties say LocalPortForwarding, the agent is newer than 3.0.196.0 (the plugin's rule) and the
 * client version aegea reports is at least 1.1.70 (the agent's rule); else the raw single-connection
 * byte stream ("basic"). SSH sessions (no `type` property) are never multiplexed.
 */
export const portForwardingMode = (input: {
  readonly sessionPropertiesType: string | undefined
  readonly agentVersion: string
  readonly clientVersion: string
}): PortForwardingMode =>
  input.sessionPropertiesType === "LocalPortForwarding" &&
    compareVersions(input.agentVersion, MUX_MIN_AGENT_VERSION) > 0 &&
    compareVersions(input.clientVersion, MUX_MIN_CLIENT_VERSION) >= 0
    ? "mux"
    : "basic"

/** Whether the client must send smux NOP frames: the plugin does for agents up to 3.1.1511.0, and must not for newer ones (they would defeat Session Manager's idle timeout). */
export const smuxKeepAliveNeeded = (agentVersion: string): boolean => compareVersions(agentVersion, MUX_KEEPALIVE_MAX_AGENT_VERSION) <= 0
