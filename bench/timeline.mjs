// A preload that prints a timeline of one aegea process on stderr, in ms from the process's start:
// each HTTP request sent and answered (with its X-Amz-Target or Query Action), WebSocket upgrades,
// child processes spawned and exited, the pipes (or loopback connection) `aegea ssh` hands to
// OpenSSH and the first bytes each way on them (the SSH banners), and the exit with the process's
// CPU. Passive: it wraps Node's http(s).request, child_process.spawn, net.Socket and net.Server's
// "connection" without changing what they do. With TIMELINE_LOADS=1 also every module file loaded (a loader hook; slower).
//
//   node --import ./bench/timeline.mjs dist/aegea.js ssh box -- true
//   AEGEA_BENCH_NODE_ARGS="--import $PWD/bench/timeline.mjs" node bench/tunnel.mjs --only ssh --runs 1
import cp from "node:child_process"
import { writeSync } from "node:fs"
import http from "node:http"
import https from "node:https"
import module from "node:module"
import net from "node:net"

const start = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6))
const ms = () => (Number(process.hrtime.bigint() - start) / 1e6).toFixed(1).padStart(7)
const log = (what) => writeSync(2, `TL ${ms()} ms  ${what}\n`)
log(`preload ${process.argv[1] ?? ""}`)
if (process.env.TIMELINE_LOADS) {
  module.register("data:text/javascript," + encodeURIComponent(`
const start = ${start}n
export async function load(url, context, next) {
  const r = await next(url, context)
  if (!url.startsWith("node:")) process._rawDebug("TL " + (Number(process.hrtime.bigint() - start) / 1e6).toFixed(1).padStart(7) + " ms  load " + url.replace(/.*\\/(chunks\\/)?/, "$1") + " " + (r.source?.length ?? 0))
  return r
}`))
}
for (const mod of [http, https]) {
  const request = mod.request
  mod.request = function (...args) {
    const req = request.apply(this, args)
    const opts = typeof args[0] === "string" || args[0] instanceof URL ? { ...(args[1] ?? {}), url: String(args[0]) } : args[0]
    let tag = opts.url ?? `${opts.host ?? opts.hostname}:${opts.port}${opts.path}`
    const headers = opts.headers ?? {}
    const target = headers["x-amz-target"] ?? headers["X-Amz-Target"]
    if (target) tag += ` ${target}`
    if (headers.Upgrade || headers.upgrade) tag += " (websocket)"
    const end = req.end
    req.end = function (body, ...rest) {
      const action = typeof body === "string" || Buffer.isBuffer(body) ? /Action=(\w+)/.exec(String(body).slice(0, 200))?.[1] : undefined
      if (action) tag += ` ${action}`
      log(`send ${tag}`)
      return end.call(this, body, ...rest)
    }
    req.on("response", (res) => {
      log(`answer ${res.statusCode} ${tag}`)
      res.on("end", () => log(`body end ${tag}`))
    })
    req.on("upgrade", () => log(`ws open ${tag}`))
    return req
  }
}
const spawn = cp.spawn
cp.spawn = function (file, args, ...rest) {
  log(`spawn ${file} ${(args ?? []).slice(0, 3).join(" ")}`)
  const child = spawn.call(this, file, args, ...rest)
  child.on("exit", (code) => log(`child exit ${code}`))
  return child
}
/** The first bytes each way on a socket aegea hands to ssh (its pipes, or a loopback connection). */
const watchFirstBytes = (socket) => {
  let firstIn = true
  let firstOut = true
  const socketEmit = socket.emit
  socket.emit = function (e, data, ...more) {
    if (e === "data" && firstIn) {
      firstIn = false
      log(`from ssh: ${JSON.stringify(String(data).slice(0, 30))}`)
    }
    return socketEmit.call(this, e, data, ...more)
  }
  const write = socket.write
  socket.write = function (data, ...more) {
    if (firstOut) {
      firstOut = false
      log(`to ssh: ${JSON.stringify(String(data).slice(0, 30))}`)
    }
    return write.call(this, data, ...more)
  }
}
const emit = net.Server.prototype.emit
net.Server.prototype.emit = function (event, socket, ...rest) {
  if (event === "connection" && socket?.localAddress === "127.0.0.1") {
    log("loopback connection accepted")
    watchFirstBytes(socket)
  }
  return emit.call(this, event, socket, ...rest)
}
// a socket over a file descriptor (aegea ssh's named pipes, layers/pipeHandoff.ts)
const Socket = net.Socket
net.Socket = function (options, ...rest) {
  const socket = new Socket(options, ...rest)
  if (typeof options?.fd === "number" && options.fd > 2) watchFirstBytes(socket)
  return socket
}
net.Socket.prototype = Socket.prototype
module.syncBuiltinESMExports()
process.on("exit", (code) => {
  const cpu = process.cpuUsage()
  log(`exit ${code}, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`)
})
