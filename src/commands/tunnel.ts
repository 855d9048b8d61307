/**
 * `aegea tunnel NAME LOCAL_PORT:[REMOTE_HOST:]REMOTE_PORT`: forward a local port to a port of the
 * instance (or of a host it can reach) through Session Manager. When the agent supports it (the
 * plugin's and the agent's rule, lib/ssm/smux.ts `portForwardingMode`), one session carries every
 * local connection as an smux stream (workflows/muxTunnel.ts); with older agents, one session per
 * local connection (the raw single-connection mode). `--debug` says which. Everything is scoped: on
 * Ctrl-C, error or exit the listener closes and every session ends.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { createServer, type AddressInfo, type Server, type Socket } from "node:net"
import { relay } from "../workflows/relay.ts"
import { muxTunnel } from "../workflows/muxTunnel.ts"
import { CLIENT_VERSION } from "../lib/ssm/payloads.ts"
import { type PortForwardingMode, smuxKeepAliveNeeded } from "../lib/ssm/smux.ts"
import { Debug } from "./global.ts"
import { Ec2 } from "../services/Ec2.ts"
import { OperationFailed, UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"
import type { SessionDocument } from "../services/Ssm.ts"
import { type DataChannel, SsmSession } from "../services/SsmSession.ts"
import { SshCommandLayer, warmSessionConnections } from "./ssh.ts"
import { checkSsmTarget } from "../workflows/sshConnection.ts"

export interface ForwardSpec {
  readonly localPort: number
  readonly remoteHost: string | undefined
  readonly remotePort: number
}

const port = (text: string, allowZero: boolean) => {
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  return Number.isInteger(n) && n >= (allowZero ? 0 : 1) && n <= 65535 ? n : undefined
}

/** "8080:5432" or "8080:db.internal:5432"; LOCAL_PORT 0 picks a free port. */
export const parseForwardSpec = (spec: string): ForwardSpec | undefined => {
  const parts = spec.split(":")
  if (parts.length !== 2 && parts.length !== 3) return undefined
  const localPort = port(parts[0]!, true)
  const remotePort = port(parts[parts.length - 1]!, false)
  const remoteHost = parts.length === 3 ? parts[1]! : undefined
  if (localPort === undefined || remotePort === undefined || remoteHost === "") return undefined
  return { localPort, remoteHost, remotePort }
}

/** A listening server on 127.0.0.1 for the life of the scope; its connections as a Stream. */
const listen = (localPort: number) =>
  Effect.gen(function*() {
    const sockets = new Set<Socket>()
    const connections = yield* Queue.unbounded<Socket>()
    const server = yield* Effect.acquireRelease(
      Effect.callback<Server, OperationFailed>((resume) => {
        // TCP_NODELAY on each connection, as the Go plugin has it: what the remote side sends goes
        // out at once, never held behind an unacknowledged small write (Nagle's algorithm)
        const server = createServer({ noDelay: true }, (socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          // a connection's error closes it and ends its relay; without a listener (after its EOF, a
          // write of the remote side's bytes fails before the socket has closed) it would end the tunnel
          socket.on("error", () => {})
          Queue.offerUnsafe(connections, socket)
        })
        server.once("error", (cause) =>
          resume(Effect.fail(new OperationFailed({ message: `could not listen on 127.0.0.1:${localPort}: ${cause.message}`, cause }))))
        server.listen(localPort, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          for (const s of sockets) s.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    return { port: (server.address() as AddressInfo).port, connections: Stream.fromQueue(connections) }
  })

/**
 * A port-forwarding session's mode, as its channel found it (lib/ssm/smux.ts `portForwardingMode`):
 * smux when the agent multiplexes, else one connection per session.
 */
export const tunnelMode = (channel: DataChannel): PortForwardingMode => channel.portForwardingMode ?? "basic"

const modeLine = (channel: DataChannel, mode: PortForwardingMode) =>
  mode === "mux"
    ? `aegea: tunnel mode: smux, every connection over session ${channel.sessionId} (agent ${channel.agentVersion})`
    : `aegea: tunnel mode: basic, one session per connection (agent ${channel.agentVersion || "of unknown version"}, client version ${CLIENT_VERSION})`

export const tunnelCommand = Command.make(
  "tunnel",
  {
    target: Argument.String("name").pipe(Argument.withDescription("The instance (Name tag, id or DNS name) the tunnel goes through.")),
    spec: Argument.String("local-port:[remote-host:]remote-port").pipe(
      Argument.withDescription("The local port (0 for any free port), then the port on the instance, or a host and port the instance can reach.")
    )
  },
  Effect.fn("tunnel")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("tunnel"), raw)
    const spec = parseForwardSpec(input.spec)
    if (spec === undefined) {
      return yield* new UsageError({ message: `invalid forward ${JSON.stringify(input.spec)}`, hint: "Write LOCAL_PORT:REMOTE_PORT or LOCAL_PORT:REMOTE_HOST:REMOTE_PORT, e.g. 5432:db.internal:5432" })
    }
    const output = yield* Output
    const sessions = yield* SsmSession
    yield* warmSessionConnections
    const instance = yield* (yield* Ec2).resolveInstance(input.target)
    yield* checkSsmTarget(instance)
    const document = (localPort: number): SessionDocument => ({
      kind: "port-forwarding",
      remotePort: spec.remotePort,
      localPort,
      ...(spec.remoteHost !== undefined ? { host: spec.remoteHost } : {})
    })
    const remote = `${spec.remoteHost ?? "localhost"}:${spec.remotePort}`
    const debug = yield* Debug
    /** Listen, then hand every local connection to `serve` until Ctrl-C (or `alongside` fails). */
    const serveConnections = (serve: (socket: Socket, port: number) => Effect.Effect<void>, alongside: Effect.Effect<never, OperationFailed> = Effect.never) =>
      Effect.gen(function*() {
        const listener = yield* listen(spec.localPort)
        yield* output.info(`tunnel: 127.0.0.1:${listener.port} -> ${remote} through ${instance.id}${instance.name ? ` (${instance.name})` : ""}; press Ctrl-C to close it`)
        yield* Effect.raceFirst(
          listener.connections.pipe(Stream.mapEffect((socket) => serve(socket, listener.port), { concurrency: "unbounded" }), Stream.runDrain),
          alongside
        )
      })
    // The first session proves that StartSession is allowed and the agent answers, and its handshake
    // says whether the agent multiplexes: then it carries every connection.
    const basic = yield* Effect.scoped(Effect.gen(function*() {
      const channel = yield* sessions.open(instance.id, document(spec.localPort))
      const mode = tunnelMode(channel)
      if (debug) yield* output.info(modeLine(channel, mode))
      if (mode === "basic") return true
      const mux = yield* muxTunnel(channel, { keepAlive: smuxKeepAliveNeeded(channel.agentVersion) })
      yield* serveConnections((socket) => mux.serve(socket), mux.run)
      return false
    }))
    if (!basic) return
    yield* serveConnections((socket, localPort) =>
      Effect.scoped(
        Effect.flatMap(sessions.open(instance.id, document(localPort)), (channel) =>
          relay(channel, { input: socket, output: socket, onInputEnd: "finish" }))
      ).pipe(
        Effect.catch((e) => output.warn(`tunnel connection closed: ${e._tag === "OperationFailed" ? e.message : e.summary}`)),
        Effect.ensuring(Effect.sync(() => socket.destroy()))
      )
    )
  }, Effect.scoped)
).pipe(
  Command.withDescription(
    "Forward a local port to a port of an instance, or of a host the instance can reach (a database), through Session Manager. One session carries every connection (smux, as the session-manager-plugin does) when the instance's SSM agent supports it, else each connection gets its own session; --debug prints which mode was used. Runs until Ctrl-C, then closes the listener and every session."
  ),
  Command.withExamples([
    { command: "aegea tunnel box 8888:8888", description: "Reach the instance's port 8888 at 127.0.0.1:8888" },
    { command: "aegea tunnel box 5432:db.internal:5432", description: "Reach a database the instance can reach" }
  ]),
  Command.provide(SshCommandLayer)
)
