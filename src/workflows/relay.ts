/**
 * Pump bytes between a data channel and a pair of Node streams (stdin/stdout for ssh's
 * ProxyCommand, a TCP socket for a tunnel) until one side ends.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { OperationFailed } from "../errors.ts"
import type { DataChannel } from "../services/SsmSession.ts"

/**
 * The local side of a relayed session: the streams to read and write, and what local end of input
 * means.
 */
export interface RelayStreams {
  readonly input: NodeJS.ReadableStream
  readonly output: NodeJS.WritableStream
  /**
   * What local EOF means: "finish" ends the relay (a TCP client that hung up); "keep-reading" keeps
   * delivering the remote side's bytes until the channel closes (ssh closes its end first).
   */
  readonly onInputEnd: "finish" | "keep-reading"
}

/**
 * A local side (ssh's pipe, a tunnel connection: here and in muxTunnel) with this many bytes not yet
 * taken holds the channel's reading (`DataChannel.holdOutput`) until it drains: the agent's bytes then
 * wait at the agent, not in aegea's memory.
 */
export const HOLD_BYTES = 1024 * 1024

/**
 * Write with backpressure: go on while the stream has less than HOLD_BYTES unwritten; past that,
 * hold the channel's reading and wait for "drain". (Waiting at the stream's own mark, 16 KiB, would
 * leave the channel reading into its queue meanwhile, without bound.) A stream that does not say how
 * much it holds: wait whenever its write asks to.
 */
const writeTo = (output: NodeJS.WritableStream, bytes: Uint8Array, hold: ((held: boolean) => void) | undefined) =>
  Effect.callback<void>((resume) => {
    const below = output.write(bytes)
    const unwritten = (output as { writableLength?: number }).writableLength
    // (a write that did not ask to wait is never followed by "drain")
    if (below || (unwritten !== undefined && unwritten < HOLD_BYTES)) return resume(Effect.void)
    let held = false
    if (hold !== undefined) {
      held = true
      hold(true)
    }
    const drained = () => {
      if (held) hold?.(false)
      held = false
      resume(Effect.void)
    }
    output.once("drain", drained)
    return Effect.sync(() => {
      output.off("drain", drained)
      if (held) hold?.(false)
    })
  })

/**
 * Completes when the local output fails (EPIPE: ssh or the TCP client went away while the remote side
 * still sends) or closes: nothing more can be delivered, so the relay is over. The error listener
 * stays: a write already under way may fail after the relay has ended, and a stream's 'error' with
 * no listener would end the process with a stack trace.
 */
const outputGone = (output: NodeJS.WritableStream) =>
  Effect.callback<void>((resume) => {
    let gone = false
    const done = () => {
      if (gone) return
      gone = true
      resume(Effect.void)
    }
    output.on("error", done)
    output.once("close", done)
    return Effect.sync(() => {
      gone = true
      output.off("close", done)
    })
  })

/**
 * Relay a Session Manager data channel to local streams until one side ends (ssh's ProxyCommand, a
 * tunnel's connection).
 */
export const relay = (channel: DataChannel, streams: RelayStreams): Effect.Effect<void, OperationFailed> => {
  const inbound = Stream.fromAsyncIterable(
    streams.input as AsyncIterable<Uint8Array | string>,
    (cause) => new OperationFailed({ message: "could not read the local side of the session", cause })
  ).pipe(
    Stream.runForEach((chunk) => channel.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk)),
    Effect.andThen(streams.onInputEnd === "finish" ? Effect.void : Effect.never)
  )
  // Everything the channel has delivered so far goes out in one write (frames are 1 KiB each).
  const outbound = channel.output.pipe(
    Stream.runForEachArray((frames) => writeTo(streams.output, frames.length === 1 ? frames[0]! : Buffer.concat(frames), channel.holdOutput))
  )
  return Effect.raceFirst(Effect.raceFirst(inbound, outbound), outputGone(streams.output))
}

/** Completes when ssh hangs up on its ProxyCommand (SIGHUP), so the session is closed properly. */
const hangup = Effect.callback<void>((resume) => {
  const onHangup = () => resume(Effect.void)
  process.once("SIGHUP", onHangup)
  return Effect.sync(() => {
    process.off("SIGHUP", onHangup)
  })
})

/** A ProxyCommand's relay: stdin/stdout through the channel until it closes or ssh hangs up. */
export const relayStdio = (channel: DataChannel): Effect.Effect<void, OperationFailed> =>
  Effect.raceFirst(relay(channel, { input: process.stdin, output: process.stdout, onInputEnd: "keep-reading" }), hangup)
