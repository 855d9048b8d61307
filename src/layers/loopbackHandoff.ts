/**
 * A one-connection listener on 127.0.0.1 for the OpenSSH client `aegea ssh` starts: aegea relays
 * the Session Manager session it already opened to that connection itself, so no second process
 * (ssh's ProxyCommand) has to start and load a Session Manager client. It takes exactly one
 * connection, and only from a child process of this one owned by the same user (read from Linux's
 * /proc: the connecting socket's owner and the process holding it); anything else that connects is
 * dropped, and the listener closes after the first accepted connection. Where /proc cannot say
 * (not Linux), `loopbackHandoffSupported` is false and `aegea ssh` keeps its ProxyCommand.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs"
import { createServer, type Socket } from "node:net"
import { OperationFailed } from "../errors.ts"

/** Whether this system lets aegea check who connected (Linux's /proc). */
export const loopbackHandoffSupported = (): boolean =>
  process.platform === "linux" && typeof process.getuid === "function" && existsSync("/proc/net/tcp") && existsSync("/proc/self/task")

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, "0")
/** 127.0.0.1 as /proc/net/tcp prints it (in the machine's byte order). */
const loopbackHex = ["0100007F", "7F000001"]

/** The socket inode and owner of the TCP connection from 127.0.0.1:fromPort to 127.0.0.1:toPort, from a /proc/net/tcp table. */
export const findConnection = (table: string, fromPort: number, toPort: number): { readonly uid: number; readonly inode: string } | undefined => {
  const from = loopbackHex.map((a) => `${a}:${hexPort(fromPort)}`)
  const to = loopbackHex.map((a) => `${a}:${hexPort(toPort)}`)
  for (const line of table.split("\n")) {
    const f = line.trim().split(/\s+/)
    if (f.length > 9 && from.includes(f[1]!) && to.includes(f[2]!)) return { uid: Number(f[7]), inode: f[9]! }
  }
  return undefined
}

/** The ids of this process's children: /proc/self/task/T/children, else a scan of /proc for our parent id. */
const childPids = (): ReadonlyArray<string> => {
  try {
    const pids = readdirSync("/proc/self/task").flatMap((task) => readFileSync(`/proc/self/task/${task}/children`, "utf8").trim().split(/\s+/))
    return pids.filter((p) => p !== "")
  } catch {
    const own = String(process.pid)
    return readdirSync("/proc").filter((p) => {
      if (!/^\d+$/.test(p)) return false
      try {
        // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read after the last ")"
        const stat = readFileSync(`/proc/${p}/stat`, "utf8")
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] === own
      } catch {
        return false
      }
    })
  }
}

/** Whether a child of this process holds the socket `inode` (its /proc/PID/fd links). */
const heldByChild = (inode: string): boolean => {
  const link = `socket:[${inode}]`
  return childPids().some((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === link
        } catch {
          return false
        }
      })
    } catch {
      return false
    }
  })
}

/** Whether the connection `socket` (accepted on 127.0.0.1:listenPort) comes from a child process of ours run by our user. */
export const fromOwnChild = (socket: Socket, listenPort: number): boolean => {
  try {
    if (socket.remoteAddress !== "127.0.0.1" || socket.remotePort === undefined) return false
    const found = findConnection(readFileSync("/proc/net/tcp", "utf8"), socket.remotePort, listenPort)
    return found !== undefined && found.uid === process.getuid?.() && heldByChild(found.inode)
  } catch {
    return false
  }
}

export interface LoopbackListener {
  readonly port: number
  /** The first connection from a child process of ours (others are dropped); the listener then closes. */
  readonly accepted: Effect.Effect<Socket>
  /** Stop listening and drop the accepted connection, if any (the session cannot be served). */
  readonly close: Effect.Effect<void>
}

/**
 * Listen on 127.0.0.1 on a port the system picks, until the scope closes or one connection from a
 * child of this process arrives. `accept` (default: fromOwnChild) decides who may connect (tests).
 */
export const listenOnce = (
  accept: (socket: Socket, port: number) => boolean = fromOwnChild
): Effect.Effect<LoopbackListener, OperationFailed, Scope.Scope> =>
  Effect.gen(function*() {
    let taken: Socket | undefined
    const waiting: Array<(socket: Socket) => void> = []
    const server = createServer({ noDelay: true }, (socket) => {
      if (taken !== undefined || !accept(socket, port)) return void socket.destroy()
      taken = socket
      // errors reach the relay reading it; none must become an uncaught exception before that
      socket.on("error", () => {})
      server.close()
      for (const wake of waiting.splice(0)) wake(socket)
    })
    let port = 0
    const close = Effect.sync(() => {
      server.close()
      taken?.destroy()
    })
    yield* Effect.acquireRelease(
      Effect.callback<void, OperationFailed>((resume) => {
        const fail = (cause: Error) => resume(Effect.fail(new OperationFailed({ message: `could not listen on 127.0.0.1 for ssh: ${cause.message}`, cause })))
        server.once("error", fail)
        server.listen({ host: "127.0.0.1", port: 0, backlog: 4 }, () => {
          server.off("error", fail)
          const address = server.address()
          port = typeof address === "object" && address !== null ? address.port : 0
          resume(Effect.void)
        })
      }),
      () => close
    )
    // an unaccepted connection's error must not become an uncaught exception
    server.on("error", () => {})
    const accepted = Effect.callback<Socket>((resume) => {
      if (taken !== undefined) return void resume(Effect.succeed(taken))
      const wake = (socket: Socket) => resume(Effect.succeed(socket))
      waiting.push(wake)
      return Effect.sync(() => {
        const i = waiting.indexOf(wake)
        if (i >= 0) waiting.splice(i, 1)
      })
    })
    return { port, accepted, close }
  })
