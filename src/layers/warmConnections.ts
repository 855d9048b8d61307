/**
 * Connections opened ahead of the requests that will use them, while an earlier request waits for its
 * answer. On AWS every new HTTPS connection costs a TCP and a TLS handshake (two round trips or more)
 * before its first request goes out; `aegea ssh`, `scp`, `tunnel` and `session` open the connections their StartSession
 * (the SSM endpoint) and their WebSocket (Session Manager's message endpoint) will use while
 * DescribeInstances is answered. Each warm connection is taken at most once, by a request to the same
 * scheme, host and port; one that failed or closed meanwhile is not taken (the request connects as it
 * would have), nor one opened more than 10 s before. Warm connections hold no reference on the event
 * loop until taken, so one never taken does not keep the process alive.
 */
import type * as http from "node:http"
import { isIP, type Socket } from "node:net"

/** Open connections by key, oldest first. */
const warm = new Map<string, Array<Socket>>()
/** When each was opened: one older than MAX_AGE_MS is not taken (a middlebox may have dropped it unseen). */
const openedAt = new WeakMap<Socket, number>()
const MAX_AGE_MS = 10_000

const secure = (url: URL) => url.protocol === "https:" || url.protocol === "wss:"

/** The key of a connection to `url`: TLS or not, host, port. */
const keyOf = (url: URL): string | undefined => {
  const tls = secure(url)
  if (!tls && url.protocol !== "http:" && url.protocol !== "ws:") return undefined
  return `${tls ? "tls" : "tcp"}:${url.hostname}:${url.port === "" ? (tls ? 443 : 80) : url.port}`
}

/** The host name as a connection takes it (an IPv6 literal without its brackets). */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1")

/**
 * Open one more connection to `url`'s origin, for one request that will go there (once loaded: node:tls
 * only for an https one, and only here: a plain endpoint never needs it); nothing when it is not
 * http(s)/ws(s). The promise settles once the connection has been started; it never fails.
 */
export const warmUp = (target: string | URL): Promise<void> => {
  let url: URL
  try {
    url = typeof target === "string" ? new URL(target) : target
  } catch {
    return Promise.resolve()
  }
  const key = keyOf(url)
  if (key === undefined) return Promise.resolve()
  const host = hostOf(url)
  const port = Number(url.port === "" ? (secure(url) ? 443 : 80) : url.port)
  const connect = secure(url)
    ? import("node:tls").then((tls) => tls.connect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}) }))
    : import("node:net").then((net) => net.connect({ host, port }))
  return connect.then(
    (socket) => {
      socket.unref()
      openedAt.set(socket, Date.now())
      const drop = () => {
        const open = warm.get(key)?.filter((s) => s !== socket) ?? []
        if (open.length > 0) warm.set(key, open)
        else warm.delete(key)
      }
      socket.once("error", () => {
        drop()
        socket.destroy()
      })
      socket.once("close", drop)
      warm.set(key, [...(warm.get(key) ?? []), socket])
    },
    () => undefined
  )
}

/** A warm connection to `url`'s origin (the oldest), taken (each at most once), if one is open or still opening. */
export const takeWarm = (url: URL): Socket | undefined => {
  const key = keyOf(url)
  const open = key === undefined ? undefined : warm.get(key)
  if (open === undefined || key === undefined) return undefined
  const [socket, ...rest] = open
  if (rest.length > 0) warm.set(key, rest)
  else warm.delete(key)
  if (socket === undefined || socket.destroyed || !socket.writable) return undefined
  if (Date.now() - (openedAt.get(socket) ?? 0) > MAX_AGE_MS) {
    socket.destroy()
    return undefined
  }
  socket.ref()
  return socket
}

/** How many warm connections to `url`'s origin wait to be taken (tests). */
export const warmCount = (url: URL): number => {
  const key = keyOf(url)
  return key === undefined ? 0 : (warm.get(key)?.length ?? 0)
}

/** `url`'s origin as a URL of `scheme` (an IPv6 host in brackets). */
const origin = (scheme: string, host: string, port: number | string) => new URL(`${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`)

const agents = new Map<string, http.Agent>()

/**
 * A keep-alive agent as Node's default one (keepAlive, LIFO, 5 s idle timeout) of `mod` (node:http or
 * node:https, as the caller loaded it), whose first connection to an origin is the warm one when there
 * is one; made on first use.
 */
export const warmAgent = (mod: typeof import("node:http") | typeof import("node:https"), scheme: "http" | "https"): http.Agent => {
  const known = agents.get(scheme)
  if (known !== undefined) return known
  const Base = mod.Agent as typeof http.Agent
  class WarmAgent extends Base {
    override createConnection(options: http.ClientRequestArgs, callback?: (error: Error | null, socket: Socket) => void) {
      const socket = takeWarm(origin(scheme, options.host ?? "localhost", options.port ?? (scheme === "https" ? 443 : 80)))
      if (socket !== undefined) return socket
      return (Base.prototype as unknown as { createConnection: (o: unknown, cb?: unknown) => Socket }).createConnection.call(this, options, callback)
    }
  }
  const agent = new WarmAgent({ keepAlive: true, scheduling: "lifo", timeout: 5000 })
  agents.set(scheme, agent)
  return agent
}
