/**
 * Many TCP connections over one port-forwarding session: the session's byte stream is an smux v1
 * session (lib/ssm/smux.ts) and each local connection is one stream, as the session-manager-plugin
 * does when the agent supports it (MuxPortForwarding). One writer sends every frame through the
 * channel in the order they were made (a frame is never interleaved with another); one reader sorts
 * the agent's frames to the connections.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { Socket } from "node:net"
import { OperationFailed } from "../errors.ts"
import { readIntoPool, ReadPool } from "../lib/pooledReads.ts"
import { SMUX_KEEPALIVE_INTERVAL_MS, SMUX_MAX_FRAME_DATA, SmuxClient, type SmuxEvent } from "../lib/ssm/smux.ts"
import type { DataChannel } from "../services/SsmSession.ts"
import { HOLD_BYTES } from "./relay.ts"

export interface MuxTunnel {
  /** Relay one local connection over a new stream until both sides have closed it. Never fails. */
  readonly serve: (socket: Socket) => Effect.Effect<void>
  /**
   * Carries the session: writes the frames, reads the agent's, sends keep-alives. Fails when the
   * session fails or ends (the agent closed it). Run it alongside the `serve` calls.
   */
  readonly run: Effect.Effect<never, OperationFailed>
  /** Streams open now (for tests and --debug). */
  readonly openStreams: () => number
  /** Streams opened so far. */
  readonly streamsOpened: () => number
  /** Buffers made for reading local connections (lib/pooledReads.ts; 0 where they are read by 'data' events). */
  readonly readBuffersMade: () => number
  /** Buffers made for the agent's full-size frames (each reused once written to its local connection). */
  readonly frameBuffersMade: () => number
}

export interface MuxTunnelOptions {
  /** Send smux NOP frames (agents up to 3.1.1511.0, see `smuxKeepAliveNeeded`). */
  readonly keepAlive: boolean
  readonly keepAliveInterval?: Duration.Duration
}

/** The pieces of the writer's frames, in order. */
const piecesOf = (frames: ReadonlyArray<Frame>): Array<Uint8Array> => {
  const pieces: Array<Uint8Array> = []
  for (const frame of frames) {
    if (frame instanceof Uint8Array) pieces.push(frame)
    else for (const piece of frame) pieces.push(piece)
  }
  return pieces
}

/** A local connection's error: it closes the socket, which ends that connection alone. */
const ignoreSocketError = () => {}

/**
 * Frames waiting for the writer: at most this many (each at most one smux frame's 32 KiB). A frame is
 * one element of the queue whatever pieces it is made of, so the frames of different connections
 * never interleave inside one (a frame's header and data split between two offers could have another
 * frame between them: the agent would then read the session's stream as broken).
 */
const WRITE_QUEUE = 32

/** Spare buffers for the agent's full-size frames (2 MiB: twice a connection's HOLD_BYTES of writes in flight). */
const FRAME_SPARES = 64

/** One smux frame for the writer: its bytes, or its pieces (header, then a view of its data). */
type Frame = Uint8Array | ReadonlyArray<Uint8Array>

export const muxTunnel = (channel: DataChannel, options: MuxTunnelOptions): Effect.Effect<MuxTunnel> =>
  Effect.gen(function*() {
    /**
     * The agent's full-size frames are read into buffers of this pool, each given back once its write
     * to the local connection is done (or at once when the connection is gone): a bulk download
     * reuses a few dozen instead of a fresh 32 KiB for each frame.
     */
    const framePool = new ReadPool(SMUX_MAX_FRAME_DATA, FRAME_SPARES)
    const client = new SmuxClient(framePool.take)
    const outgoing = yield* Queue.bounded<Frame>(WRITE_QUEUE)
    /** Local connections by stream id, and what to do when the agent closes their stream. */
    const connections = new Map<number, { readonly socket: Socket; readonly remoteClosed: () => void }>()
    let opened = 0

    const enqueue = (events: ReadonlyArray<SmuxEvent>) =>
      Effect.forEach(events, (e) => (e._tag === "Send" ? Queue.offer(outgoing, e.bytes) : Effect.void), { discard: true })

    // the pieces as they are where the channel takes them (no copy of the data here), else joined
    const writePieces = channel.writePieces
    /**
     * Where the channel takes pieces (and keeps none once it has sent them), local connections are
     * read into the pool's buffers (lib/pooledReads.ts): each goes back once the writer has sent the
     * last piece that views it (pieces leave in the order they were queued).
     */
    const pool = writePieces !== undefined ? new ReadPool() : undefined
    const lastPieceOf = new Map<Uint8Array, Buffer>()
    const releaseSent = (pieces: ReadonlyArray<Uint8Array>) => {
      if (lastPieceOf.size === 0) return
      for (const piece of pieces) {
        const buffer = lastPieceOf.get(piece)
        if (buffer === undefined) continue
        lastPieceOf.delete(piece)
        pool!.release(buffer)
      }
    }
    /** Local connections paused while `outgoing` was full: each offers again once the writer has taken a batch. */
    let waitingForRoom: Array<() => void> = []
    const writer = Effect.forever(
      Effect.flatMap(Queue.takeAll(outgoing), (frames) => {
        const pieces = piecesOf(frames)
        if (waitingForRoom.length > 0) {
          const waiting = waitingForRoom
          waitingForRoom = []
          for (const offerAgain of waiting) offerAgain()
        }
        const sent = pieces.length === 1 ? channel.write(pieces[0]!) : writePieces !== undefined ? writePieces(pieces) : channel.write(Buffer.concat(pieces))
        return pool === undefined ? sent : Effect.tap(sent, () => Effect.sync(() => releaseSent(pieces)))
      })
    )
    /** A local connection's bytes as smux frames for the writer: a header and a view of `chunk` each where the channel takes pieces. */
    const framesOf = (streamId: number, chunk: Uint8Array): ReadonlyArray<Frame> => {
      if (writePieces === undefined) return client.write(streamId, chunk).flatMap((e) => (e._tag === "Send" ? [e.bytes] : []))
      const pieces = client.writePieces(streamId, chunk)
      const frames: Array<Frame> = []
      for (let i = 0; i + 1 < pieces.length; i += 2) frames.push([pieces[i]!, pieces[i + 1]!])
      return frames
    }

    /**
     * A local connection's bytes to the writer until it ends (EOF, error or close), with plain socket
     * callbacks: no fiber step per read (Effect's runtime then stays out of a transfer's per-read work).
     * While `outgoing` is full the socket is paused, and what it read waits here; the connection counts
     * as ended only once all it read is in `outgoing`, so its FIN follows its last bytes.
     */
    const relayInbound = (socket: Socket, streamId: number): Effect.Effect<void> =>
      Effect.callback<void>((resume) => {
        let held: ReadonlyArray<Frame> = []
        let ended = false
        let finished = false
        const detach = () => {
          finished = true
          socket.off("data", onData)
          socket.off("end", onEnd)
          socket.off("error", onEnd)
          socket.off("close", onEnd)
        }
        const finish = () => {
          if (finished) return
          detach()
          resume(Effect.void)
        }
        const offerHeld = () => {
          if (finished) return
          held = Queue.offerAllUnsafe(outgoing, held)
          if (held.length > 0) {
            // no room: read no more until the writer has taken a batch
            if (!socket.isPaused()) socket.pause()
            waitingForRoom.push(offerHeld)
            return
          }
          if (ended) return finish()
          if (socket.isPaused()) socket.resume()
        }
        const onBytes = (chunk: Uint8Array, buffer: Buffer | undefined) => {
          // after the relay stopped (interrupted), what is read goes nowhere, as unheard 'data' events did
          if (finished) return void (buffer !== undefined && pool!.release(buffer))
          const frames = framesOf(streamId, chunk)
          if (buffer !== undefined) {
            // the last frame's data (a view of `buffer`) gives it back once sent; nothing sent: back at once
            const lastFrame = frames.length > 0 ? frames[frames.length - 1]! : undefined
            const last = lastFrame === undefined || lastFrame instanceof Uint8Array ? lastFrame : lastFrame[lastFrame.length - 1]
            if (last !== undefined && last.buffer === buffer.buffer) lastPieceOf.set(last, buffer)
            else pool!.release(buffer)
          }
          if (held.length > 0) held = [...held, ...frames]
          else {
            held = frames
            offerHeld()
          }
        }
        const onData = (chunk: Uint8Array | string) => onBytes(typeof chunk === "string" ? Buffer.from(chunk) : chunk, undefined)
        const onEnd = () => {
          ended = true
          if (held.length === 0) finish()
        }
        if (pool === undefined || !readIntoPool(socket, pool, onBytes)) socket.on("data", onData)
        // reading on (unless what Node had read already filled `outgoing`: then offerHeld resumes it)
        else if (held.length === 0) socket.resume()
        socket.once("end", onEnd)
        socket.once("error", onEnd)
        socket.once("close", onEnd)
        if (socket.destroyed || socket.readableEnded) onEnd()
        return Effect.sync(() => {
          detach()
          waitingForRoom = waitingForRoom.filter((f) => f !== offerHeld)
        })
      })

    /**
     * Local connections holding the channel's reading until they drain (relay.ts HOLD_BYTES): smux v1
     * has no flow control per stream, so, as with the plugin, a client that reads slowly slows the
     * whole session, instead of aegea keeping what the remote side sends in memory without bound.
     */
    const congested = new Set<Socket>()
    const hold = channel.holdOutput
    const uncongest = (socket: Socket) => {
      if (congested.delete(socket) && congested.size === 0) hold?.(false)
    }
    /** After a write to `socket`: hold the channel's reading while the client is this far behind. */
    const checkCongestion = (socket: Socket) => {
      if (hold === undefined || socket.writableLength < HOLD_BYTES) return
      if (!congested.has(socket)) {
        congested.add(socket)
        socket.once("drain", () => uncongest(socket))
      }
      hold(true)
    }

    /** The agent's frames to the local connections (written to sockets `corked` holds or adds to); the error that ends the session, if any. */
    const deliver = (events: ReadonlyArray<SmuxEvent>, corked: Array<Socket>): OperationFailed | undefined => {
      for (const event of events) {
        switch (event._tag) {
          case "Data": {
            const c = connections.get(event.streamId)
            const bytes = event.bytes
            const recycled = bytes.length === SMUX_MAX_FRAME_DATA
            if (c !== undefined && !c.socket.destroyed) {
              if (!corked.includes(c.socket)) {
                c.socket.cork()
                corked.push(c.socket)
              }
              // (a failed write calls back too: the socket is gone and keeps nothing)
              if (recycled) c.socket.write(bytes, () => framePool.release(bytes))
              else c.socket.write(bytes)
            } else if (recycled) framePool.release(bytes)
            break
          }
          case "RemoteClosed":
            connections.get(event.streamId)?.remoteClosed()
            break
          case "ProtocolError":
            return new OperationFailed({ message: `the session's port forwarding stream is not smux: ${event.reason}` })
          case "Send":
            break
        }
      }
      return undefined
    }

    /** Payloads (at most 1 KiB each) read as one smux stream; the frames of one batch leave each local socket in one write. */
    const deliverAll = (payloads: ReadonlyArray<Uint8Array>): OperationFailed | undefined => {
      const corked: Array<Socket> = []
      try {
        return deliver(client.receiveAll(payloads), corked)
      } finally {
        for (const socket of corked) {
          socket.uncork()
          checkCongestion(socket)
        }
      }
    }

    // The channel hands each socket read's payloads over directly where it can (no queue and no fiber
    // step per batch); `output` then only ends or fails. Else every payload delivered so far, in one step.
    const broken = yield* Deferred.make<never, OperationFailed>()
    const diverted: Array<Uint8Array> = []
    channel.divertOutput?.({
      data: (bytes) => void diverted.push(bytes),
      flush: () => {
        if (diverted.length === 0) return
        const payloads = diverted.splice(0, diverted.length)
        let error: OperationFailed | undefined
        try {
          error = deliverAll(payloads)
        } catch (cause) {
          error = new OperationFailed({ message: "could not deliver the session's bytes to a tunnel connection", cause })
        }
        if (error !== undefined) Deferred.doneUnsafe(broken, Effect.fail(error))
      }
    })
    const reader = Effect.raceFirst(
      channel.output.pipe(
        Stream.runForEachArray((payloads) =>
          Effect.suspend(() => {
            const error = deliverAll(payloads)
            return error === undefined ? Effect.void : Effect.fail(error)
          })
        ),
        Effect.andThen(Effect.fail(new OperationFailed({ message: `the SSM agent closed the session ${channel.sessionId} on ${channel.instanceId}` })))
      ),
      Deferred.await(broken)
    )

    const keepAlive = options.keepAlive
      ? Effect.forever(Effect.andThen(Effect.sleep(options.keepAliveInterval ?? Duration.millis(SMUX_KEEPALIVE_INTERVAL_MS)), enqueue(client.nop())))
      : Effect.never

    const serve = (socket: Socket): Effect.Effect<void> =>
      Effect.gen(function*() {
        const { events, streamId } = client.open()
        opened++
        // the socket's errors for its whole life: once its reader has seen EOF nothing else listens,
        // and a write of the agent's bytes after the client's FIN fails (EPIPE) before it has closed;
        // the error closes the socket, which ends this connection, not the tunnel
        socket.on("error", ignoreSocketError)
        socket.once("close", () => uncongest(socket))
        // the agent's FIN: write what is pending to the local client, then close (as the plugin does)
        connections.set(streamId, {
          socket,
          remoteClosed: () => {
            if (!socket.destroyed) socket.end(() => socket.destroy())
          }
        })
        const closedPromise = new Promise<void>((resolve) => {
          if (socket.destroyed) resolve()
          else socket.once("close", () => resolve())
        })
        const closed = Effect.promise(() => closedPromise)
        yield* enqueue(events)
        // local EOF (or the connection ended): FIN, then wait for the agent's FIN or the socket to close
        yield* relayInbound(socket, streamId)
        yield* enqueue(client.close(streamId))
        yield* closed
      }).pipe(
        Effect.ensuring(Effect.sync(() => {
          for (const [id, c] of connections) if (c.socket === socket) connections.delete(id)
          socket.destroy()
        }))
      )

    return {
      serve,
      run: Effect.raceFirst(Effect.raceFirst(writer, reader), keepAlive).pipe(Effect.andThen(Effect.never)),
      openStreams: () => client.openStreams,
      streamsOpened: () => opened,
      readBuffersMade: () => pool?.made ?? 0,
      frameBuffersMade: () => framePool.made
    }
  })
