/**
 * Pump bytes between a data channel and a pair of Node streams (stdin/stdout for ssh's
 * ProxyCommand, a TCP socket for a tunnel) until one side ends.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { OperationFailed } from "../errors.ts"
import type { DataChannel } from "../services/SsmSession.ts"

export interface RelayStreams {
  readonly input: NodeJS.ReadableStream
  readonly output: NodeJS.WritableStream
  /**
   * What local EOF means: "finish" ends the relay (a TCP client that hung up); "keep-reading" keeps
   * delivering the remote side's bytes until the channel closes (ssh closes its end first).
   */
  readonly onInputEnd: "finish" | "keep-reading"
}

/** Write with backpressure: wait for "drain" when the stream's buffer is full. */
const writeTo = (output: NodeJS.WritableStream, bytes: Uint8Array) =>
  Effect.callback<void>((resume) => {
    if (output.write(bytes)) resume(Effect.void)
    else output.once("drain", () => resume(Effect.void))
  })

export const relay = (channel: DataChannel, streams: RelayStreams): Effect.Effect<void, OperationFailed> => {
  const inbound = Stream.fromAsyncIterable(
    streams.input as AsyncIterable<Uint8Array | string>,
    (cause) => new OperationFailed({ message: "could not read the local side of the session", cause })
  ).pipe(
    Stream.runForEach((chunk) => channel.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk)),
    Effect.andThen(streams.onInputEnd === "finish" ? Effect.void : Effect.never)
  )
  const outbound = channel.output.pipe(Stream.runForEach((bytes) => writeTo(streams.output, bytes)))
  return Effect.raceFirst(inbound, outbound)
}
