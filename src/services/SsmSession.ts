/**
 * The Session Manager data channel: the byte stream of a session (SSH or port forwarding) between
 * aegea and the SSM agent on an instance, spoken natively over WebSocket (no session-manager-plugin).
 * A channel lives in a Scope: closing the scope sends the TerminateSession flag, closes the WebSocket
 * and calls ssm:TerminateSession. A channel outlives its WebSocket: a connection that is lost or
 * stalls is resumed (ssm:ResumeSession, the stream again with the new token, what the agent had not
 * acknowledged sent again), so its byte stream goes on unbroken; only a session that cannot be
 * resumed fails `output`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { AwsError, OperationFailed } from "../errors.ts"
import type { PortForwardingMode } from "../lib/ssm/smux.ts"
import type { SessionDocument, SessionTicket } from "./Ssm.ts"

/**
 * An open Session Manager data channel: bytes to and from the instance, the terminal size, and what the agent
 * negotiated.
 */
export interface DataChannel {
  readonly sessionId: string
  readonly instanceId: string
  /** The agent's version, from its handshake. */
  readonly agentVersion: string
  /**
   * Send bytes to the remote port; waits while too much is unacknowledged (flow control). Where the
   * channel also has `writePieces`, it keeps none of `bytes` once this has completed.
   */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, OperationFailed>
  /**
   * `write` of the pieces' concatenation, without making it (each message copied once, from the
   * pieces). Once it has completed the channel keeps none of the pieces: their memory may be reused
   * (workflows/muxTunnel.ts reads local connections into reused buffers only where this is offered).
   * Absent: join them and `write`.
   */
  readonly writePieces?: ((pieces: ReadonlyArray<Uint8Array>) => Effect.Effect<void, OperationFailed>) | undefined
  /**
   * Bytes from the remote port, in order. Ends when the agent closes the channel (e.g. the remote
   * port closed the connection); fails when the connection is lost and the session cannot be
   * resumed. Consume it once.
   */
  readonly output: Stream.Stream<Uint8Array, OperationFailed>
  /** Tell a shell session the terminal's size (columns, rows); port sessions ignore it. */
  readonly sendSize: (cols: number, rows: number) => Effect.Effect<void>
  /**
   * Port sessions: "mux" when the byte stream is an smux session (port forwarding with an agent that
   * multiplexes, lib/ssm/smux.ts), "basic" when it is one connection's bytes. Absent: basic.
   */
  readonly portForwardingMode?: PortForwardingMode | undefined
  /** Whether the session's payloads are KMS-encrypted (Session Manager preferences with a KMS key). */
  readonly encrypted?: boolean | undefined
  /**
   * Hand the remote side's bytes to `sink` as they arrive, on the channel's own callbacks (each batch
   * of one socket read, then `flush`), instead of through `output`, which then only ends or fails.
   * False (and nothing changes) when bytes have already gone to `output`. Absent: use `output`.
   */
  readonly divertOutput?: ((sink: OutputSink) => boolean) | undefined
  /**
   * Stop (true) or go on (false) reading the agent's bytes: backpressure from a local side that takes
   * them slower than they come. While held the channel's socket is not read, so the agent's messages
   * wait unacknowledged and the agent stops sending once its window is full (as with the
   * session-manager-plugin, whose reader blocks); the connection's keep-alive and acknowledgement
   * clocks wait too. Absent: never held.
   */
  readonly holdOutput?: ((held: boolean) => void) | undefined
}

/** Where a diverted channel's bytes go (`DataChannel.divertOutput`). */
export interface OutputSink {
  /** Bytes from the remote side, in order (valid as long as the sink keeps them). */
  readonly data: (bytes: Uint8Array) => void
  /** The end of a batch: what `data` gave so far may be written out together. */
  readonly flush: () => void
}

/** "port": SSH and tunnels (SessionType Port); "shell": an interactive shell or command (Standard_Stream, InteractiveCommands). */
export type ChannelKind = "port" | "shell"

/**
 * Session Manager data channels (scoped: closed with the scope): start a session and open its channel, or attach
 * to one started elsewhere with its ticket. Live: `SsmSessionLive`.
 */
export class SsmSession extends Context.Service<SsmSession, {
  /** StartSession on the instance, then open its data channel (a shell channel for a "shell" document). */
  readonly open: (
    instanceId: string,
    document: SessionDocument
  ) => Effect.Effect<DataChannel, AwsError | OperationFailed, Scope.Scope>
  /** Open the data channel of a session already started (StartSession's ticket is single-use). */
  readonly attach: (instanceId: string, ticket: SessionTicket, kind?: ChannelKind) => Effect.Effect<DataChannel, OperationFailed, Scope.Scope>
}>()("aegea/SsmSession") {}
