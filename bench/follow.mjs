#!/usr/bin/env node
// `npm run bench:follow`: how soon `aegea logs GROUP --follow` prints an event, and how often it asks.
//
//   node bench/follow.mjs [--seconds N] [--idle N] [--rate N]
//
// Starts moto and a counting relay in front of it (127.0.0.1 only), runs `aegea logs GROUP --follow`
// through the relay, and for --seconds (default 20) puts --rate events per second (default 4), each
// carrying the time it was put. Latency is the time from PutLogEvents answering to the line reaching
// aegea's stdout. Then it stays idle for --idle seconds (default 12) to show the back-off, and puts
// one last event to measure the latency after idling. Requests per second are FilterLogEvents calls
// seen by the relay. Targets (issue 20): median latency <= 1 s at <= 1 request/s while events flow,
// fewer requests when idle. Reported, not enforced; exit 1 only if an event is never printed.
import { spawn } from "node:child_process"
import { createServer, request } from "node:http"
import { existsSync } from "node:fs"
import { logWriter, startMoto, stopMoto } from "../scripts/sandbox.mjs"
import { arg, baseEnv, CLI, fmt, median, removeHome } from "./lib.mjs"

const SECONDS = arg("--seconds", 20, 300)
const IDLE = arg("--idle", 12, 300)
const RATE = arg("--rate", 4, 50)
const GROUP = "follow-bench"
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A relay to `target` that records the time of each FilterLogEvents request. */
function countingRelay(target) {
  const url = new URL(target)
  const filterCalls = []
  const server = createServer((req, res) => {
    if (String(req.headers["x-amz-target"] ?? "").endsWith("FilterLogEvents")) filterCalls.push(Date.now())
    const up = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      }
    )
    up.on("error", () => res.destroy())
    req.pipe(up)
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, endpoint: `http://127.0.0.1:${server.address().port}`, filterCalls }))
  )
}

const rate = (calls, from, to) => calls.filter((t) => t >= from && t < to).length / ((to - from) / 1000)

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`node scripts/build.mjs\` first`)
  const moto = await startMoto()
  const relay = await countingRelay(moto.endpoint)
  const writer = await logWriter(moto.endpoint, GROUP)
  let child
  try {
    const put = async (n) => {
      await writer.put("s", [{ timestamp: Date.now(), message: `bench-event ${n}` }])
      return Date.now()
    }
    const putAt = new Map()
    const seenAt = new Map()
    child = spawn(process.execPath, [CLI, "logs", GROUP, "--follow"], {
      env: { ...baseEnv, AWS_ENDPOINT_URL: relay.endpoint },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let buffer = ""
    child.stdout.on("data", (d) => {
      const now = Date.now()
      buffer += d.toString()
      const lines = buffer.split("\n")
      buffer = lines.pop() ?? ""
      for (const line of lines) {
        const m = /bench-event (\d+)/.exec(line)
        if (m && !seenAt.has(Number(m[1]))) seenAt.set(Number(m[1]), now)
      }
    })
    let stderr = ""
    child.stderr.on("data", (d) => (stderr = (stderr + d.toString()).slice(-2000)))
    await sleep(2_000) // let it start and make its first poll
    const flowStart = Date.now()
    const total = SECONDS * RATE
    for (let n = 0; n < total; n++) {
      putAt.set(n, await put(n))
      await sleep(Math.max(0, flowStart + ((n + 1) * 1000) / RATE - Date.now()))
    }
    const flowEnd = Date.now()
    await sleep(IDLE * 1000)
    const idleEnd = Date.now()
    putAt.set(total, await put(total))
    for (let i = 0; i < 100 && !seenAt.has(total); i++) await sleep(100) // bounded: 10 s
    const missing = [...putAt.keys()].filter((n) => !seenAt.has(n))
    const flowLatencies = [...putAt.keys()].filter((n) => n < total && seenAt.has(n)).map((n) => (seenAt.get(n) - putAt.get(n)) / 1000)
    console.log(`aegea logs --follow: ${total} events over ${SECONDS} s (${RATE}/s), then ${IDLE} s idle, then one more`)
    console.log(`  latency while events flow: median ${fmt(median(flowLatencies), 2)} s, max ${fmt(Math.max(...flowLatencies), 2)} s (target median <= 1 s)`)
    console.log(`  FilterLogEvents while events flow: ${fmt(rate(relay.filterCalls, flowStart, flowEnd), 2)} per s (target <= 1)`)
    const idleFrom = flowEnd + 5_000 // after the back-off has had time to grow
    console.log(`  FilterLogEvents when idle (last ${fmt((idleEnd - idleFrom) / 1000, 0)} s): ${fmt(rate(relay.filterCalls, idleFrom, idleEnd), 2)} per s`)
    if (seenAt.has(total)) console.log(`  latency of the first event after idling: ${fmt((seenAt.get(total) - putAt.get(total)) / 1000, 2)} s`)
    if (missing.length > 0) {
      console.error(`bench: ${missing.length} events never printed (${stderr.trim().split("\n").pop() ?? ""})`)
      process.exitCode = 1
    }
  } finally {
    child?.kill("SIGINT")
    writer.close()
    relay.server.close()
    await stopMoto(moto.child)
  }
}

main()
  .catch((e) => {
    console.error(`bench: ${e.message}`)
    process.exitCode = 1
  })
  .finally(removeHome)
