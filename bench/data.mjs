#!/usr/bin/env node
// `npm run bench:data`: the data paths at scale, against a moto_server this script starts and seeds.
//
//   node bench/data.mjs [--runs N] [--instances N] [--events N] [--only ls|logs] [--vs OTHER/dist/aegea.js] [--no-cache]
//
// Rows (client CPU = user+sys of the aegea process; peak RSS; medians of interleaved runs, min-max):
//   aegea ls --output json over 0, 300 and N instances (default 3,000; target <= 0.5 s CPU), and the CPU
//   each further instance costs;
//   aegea logs GROUP over 0, N/10 and N events (default 100,000; target <= 0.6 s CPU), and peak RSS of the
//   two, which must not grow with the number of events beyond the page being printed.
// The row with nothing to print is the command's start-up (and one request): what is left of a row
// after it is the data path, printed below each table. The last row of each table, "fixed JS work",
// is the same work in every run and build (bench/lib.mjs hostWork): how fast the host was at the time.
// Between aegea and moto sits a cache (responseCache: each distinct request is answered by moto once,
// in a priming run with a long request timeout, then from memory), so the rows time aegea and not
// moto, which on a loaded machine takes more than aegea's one-minute request timeout to describe
// 3,000 instances. --no-cache talks to moto directly.
// With --vs, each command is also run with another build of aegea (the same rows, "vs" added), to
// measure what a change bought: build the other commit into its own folder first.
// Exit code 1 if a command fails or prints the wrong number of rows; targets are reported, not enforced.
import { existsSync } from "node:fs"
import http from "node:http"
import { resolve } from "node:path"
import { logWriter, seedManyInstances, startMoto, stopMoto } from "../scripts/sandbox.mjs"
import { abRuns, arg, baseEnv, CLI, countRows, fmt, hostWork, measure, printTable, removeHome, TIMER } from "./lib.mjs"

const RUNS = arg("--runs", 5, 50)
const INSTANCES = arg("--instances", 3000, 5000)
const EVENTS = arg("--events", 100_000, 500_000)
const vsIndex = process.argv.indexOf("--vs")
const OTHER = vsIndex > 0 ? resolve(process.argv[vsIndex + 1] ?? "") : undefined
const onlyIndex = process.argv.indexOf("--only")
const ONLY = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined
if (ONLY !== undefined && ONLY !== "ls" && ONLY !== "logs") throw new Error("--only: ls or logs")
const CACHE = !process.argv.includes("--no-cache")

/**
 * An HTTP server on 127.0.0.1 that passes each request on to `endpoint` the first time and answers it
 * from memory afterwards (successful answers only). The key is the method, path, X-Amz-Target and
 * body, without FilterLogEvents' startTime/endTime (which `--start-time 1d` moves on every run).
 */
function responseCache(endpoint) {
  const upstream = new URL(endpoint)
  const cache = new Map()
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on("data", (c) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const key = `${req.method} ${req.url} ${req.headers["x-amz-target"] ?? ""} ${body.toString("latin1").replace(/"(startTime|endTime)":\d+,?/g, "")}`
      const hit = cache.get(key)
      if (hit) return res.writeHead(hit.status, hit.headers).end(hit.body)
      const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        const parts = []
        up.on("data", (c) => parts.push(c))
        up.on("end", () => {
          const answer = Buffer.concat(parts)
          const headers = { ...up.headers, "content-length": String(answer.length) }
          delete headers["transfer-encoding"]
          delete headers.connection
          if (up.statusCode < 300) cache.set(key, { status: up.statusCode, headers, body: answer })
          res.writeHead(up.statusCode, headers).end(answer)
        })
        up.on("error", () => res.destroy())
      })
      forward.on("error", () => res.destroy())
      forward.end(body)
    })
  })
  return new Promise((resolveServer) =>
    server.listen(0, "127.0.0.1", () => resolveServer({ endpoint: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }))
  )
}

/** `count` events in one group, one stream per 10,000, at 1 ms apart ending now. */
async function seedEvents(endpoint, group, count) {
  const writer = await logWriter(endpoint, group)
  try {
    const now = Date.now() - 60_000
    const perStream = 10_000
    for (let s = 0; s * perStream < count; s++) {
      const n = Math.min(perStream, count - s * perStream)
      await writer.put(`stream-${s}`, Array.from({ length: n }, (_, i) => ({
        timestamp: now - count + s * perStream + i,
        message: `event ${s * perStream + i} level=info path=/api/v1/items/${i % 97} status=200 bytes=${(i * 7919) % 65536}`
      })))
    }
  } finally {
    writer.close()
  }
}

const lines = (m) => m.stdout.split("\n").filter((l) => l !== "").length

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true" // for our own seeding clients only
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`node scripts/build.mjs\` first`)
  if (OTHER !== undefined && !existsSync(OTHER)) throw new Error(`--vs ${OTHER}: no such file`)
  console.log(`aegea data-path bench: ${RUNS} timed runs + 1 warm-up, interleaved, medians (min-max); cpu via ${TIMER === "gnu" ? "/usr/bin/time" : "bash time"}`)
  const node = process.execPath
  const builds = [{ tag: "", cli: CLI }, ...(OTHER ? [{ tag: " [vs]", cli: OTHER }] : [])]
  const failed = []

  let closeCache
  const run = async (title, seed, cases) => {
    const moto = await startMoto()
    const stop = () => moto.child.kill("SIGKILL")
    process.once("exit", stop)
    try {
      await seed(moto.endpoint)
      const cache = CACHE ? await responseCache(moto.endpoint) : undefined
      closeCache = cache?.close
      const env = { ...baseEnv, AWS_ENDPOINT_URL: cache?.endpoint ?? moto.endpoint }
      if (cache) {
        // Prime the cache: each command once, waiting as long as moto needs.
        console.error(`priming the response cache...`)
        for (const c of cases) await measure(c.argv, { ...env, AEGEA_REQUEST_TIMEOUT: "900" })
      }
      // the last row: a fixed piece of JavaScript work, how fast the host was in these same rounds
      const rows = await abRuns({ label: "node -e 0", argv: [node, "-e", "0"] }, [...cases, hostWork(node)], env, RUNS)
      printTable(title, rows)
      for (const r of rows) if (r.error) failed.push(`${r.label}: ${r.error}`)
      return rows
    } finally {
      closeCache?.()
      await stopMoto(moto.child)
      process.off("exit", stop)
    }
  }

  if (ONLY !== "logs") await benchLs(run, builds, node)
  if (ONLY !== "ls") await benchLogs(run, builds, node)
  if (failed.length > 0) {
    console.error(`bench: ${failed.join("; ")}`)
    process.exitCode = 1
  }
}

/** What each row costs above the start-up row (the same command with nothing to print): the data path. */
function printDataPath(rows, startIndex, counts, unit) {
  const start = rows[startIndex]
  if (start.error) return
  for (let k = 0; k < counts.length; k++) {
    const r = rows[startIndex + 1 + k]
    if (r.error) continue
    const data = r.cpu - start.cpu
    console.log(`  ${r.label}: start-up ${fmt(start.cpu, 2)} s + data ${fmt(data, 2)} s (${fmt((data / counts[k]) * 1e6, 1)} µs per ${unit})`)
  }
}

async function benchLs(run, builds, node) {
  // ls: two fleets in one moto (tagged differently), so the growth per instance comes from one run.
  console.error(`seeding ${INSTANCES} + 300 instances...`)
  const small = 300
  const rowsOf = (n) => (m) => countRows(m.stdout) === n ? undefined : `printed ${countRows(m.stdout)} rows`
  const lsRows = await run(`ls over 0, ${small} and ${INSTANCES} instances`, async (endpoint) => {
    await seedManyInstances(endpoint, small, "small")
    for (let left = INSTANCES; left > 0; left -= 1000) await seedManyInstances(endpoint, Math.min(1000, left), "big")
  }, builds.flatMap(({ tag, cli }) => [
    { label: `ls 0${tag}`, argv: [node, cli, "ls", "nothing-by-this-name", "--output", "json"], check: rowsOf(0) },
    { label: `ls ${small}${tag}`, argv: [node, cli, "ls", "small", "--output", "json"], check: rowsOf(small) },
    {
      label: `ls ${INSTANCES}${tag}`,
      argv: [node, cli, "ls", "big", "--output", "json"],
      target: { text: "cpu <= 0.5 s", ok: (r) => r.cpu <= 0.5 },
      check: rowsOf(INSTANCES)
    }
  ]))
  for (let b = 0; b < builds.length; b++) {
    const [a, z] = [lsRows[2 + 3 * b], lsRows[3 + 3 * b]]
    if (!a.error && !z.error) console.log(`  growth per instance${builds[b].tag}: ${fmt(((z.cpu - a.cpu) / (INSTANCES - small)) * 1e6, 0)} µs of CPU`)
    printDataPath(lsRows, 1 + 3 * b, [small, INSTANCES], "instance")
  }
}

async function benchLogs(run, builds, node) {
  const few = Math.max(1, Math.floor(EVENTS / 10))
  console.error(`seeding ${EVENTS} + ${few} log events...`)
  const logsRows = await run(`logs over 0, ${few} and ${EVENTS} events`, async (endpoint) => {
    await seedEvents(endpoint, "none", 0)
    await seedEvents(endpoint, "few", few)
    await seedEvents(endpoint, "many", EVENTS)
  }, builds.flatMap(({ tag, cli }) => [
    { label: `logs 0${tag}`, argv: [node, cli, "logs", "none", "--start-time", "1d"], check: (m) => lines(m) === 0 ? undefined : `printed ${lines(m)} lines` },
    { label: `logs ${few}${tag}`, argv: [node, cli, "logs", "few", "--start-time", "1d"], check: (m) => lines(m) === few ? undefined : `printed ${lines(m)} lines` },
    {
      label: `logs ${EVENTS}${tag}`,
      argv: [node, cli, "logs", "many", "--start-time", "1d"],
      target: { text: "cpu <= 0.6 s", ok: (r) => r.cpu <= 0.6 },
      check: (m) => lines(m) === EVENTS ? undefined : `printed ${lines(m)} lines`
    }
  ]))
  for (let b = 0; b < builds.length; b++) {
    const [a, z] = [logsRows[2 + 3 * b], logsRows[3 + 3 * b]]
    if (!a.error && !z.error) console.log(`  peak RSS${builds[b].tag}: ${fmt(a.rss, 0)} MiB for ${few} events, ${fmt(z.rss, 0)} MiB for ${EVENTS}`)
    printDataPath(logsRows, 1 + 3 * b, [few, EVENTS], "event")
  }
}

main()
  .catch((e) => {
    console.error(`bench: ${e.message}`)
    process.exitCode = 1
  })
  .finally(removeHome)
