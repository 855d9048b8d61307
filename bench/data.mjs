#!/usr/bin/env node
// `npm run bench:data`: the data paths at scale, against a moto_server this script starts and seeds.
//
//   node bench/data.mjs [--runs N] [--instances N] [--events N] [--only ls|logs] [--vs OTHER/dist/aegea.js]
//
// Rows (client CPU = user+sys of the aegea process; peak RSS; medians of interleaved runs, min-max):
//   aegea ls --output json over 300 and N instances (default 3,000; target <= 0.5 s CPU), and the CPU
//   each further instance costs;
//   aegea logs GROUP over N/10 and N events (default 100,000; target <= 0.6 s CPU), and peak RSS of the
//   two, which must not grow with the number of events beyond the page being printed.
// With --vs, each command is also run with another build of aegea (the same rows, "vs" added), to
// measure what a change bought: build the other commit into its own folder first.
// Exit code 1 if a command fails or prints the wrong number of rows; targets are reported, not enforced.
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { clientConfig, seedManyInstances, startMoto, stopMoto } from "../scripts/sandbox.mjs"
import { abRuns, arg, baseEnv, CLI, countRows, fmt, printTable, removeHome, TIMER } from "./lib.mjs"

const RUNS = arg("--runs", 5, 50)
const INSTANCES = arg("--instances", 3000, 5000)
const EVENTS = arg("--events", 100_000, 500_000)
const vsIndex = process.argv.indexOf("--vs")
const OTHER = vsIndex > 0 ? resolve(process.argv[vsIndex + 1] ?? "") : undefined
const onlyIndex = process.argv.indexOf("--only")
const ONLY = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined
if (ONLY !== undefined && ONLY !== "ls" && ONLY !== "logs") throw new Error("--only: ls or logs")

/** `count` events in one group, one stream per 10,000, at 1 ms apart ending now. */
async function seedEvents(endpoint, group, count) {
  const logs = await import("@aws-sdk/client-cloudwatch-logs")
  const cwl = new logs.CloudWatchLogsClient(clientConfig(endpoint))
  try {
    await cwl.send(new logs.CreateLogGroupCommand({ logGroupName: group }))
    const now = Date.now() - 60_000
    const perStream = 10_000
    for (let s = 0; s * perStream < count; s++) {
      const stream = `stream-${s}`
      await cwl.send(new logs.CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
      const n = Math.min(perStream, count - s * perStream)
      const events = Array.from({ length: n }, (_, i) => ({
        timestamp: now - count + s * perStream + i,
        message: `event ${s * perStream + i} level=info path=/api/v1/items/${i % 97} status=200 bytes=${(i * 7919) % 65536}`
      }))
      await cwl.send(new logs.PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }))
    }
  } finally {
    cwl.destroy()
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

  const run = async (title, seed, cases) => {
    const moto = await startMoto()
    const stop = () => moto.child.kill("SIGKILL")
    process.once("exit", stop)
    try {
      await seed(moto.endpoint)
      const env = { ...baseEnv, AWS_ENDPOINT_URL: moto.endpoint }
      const rows = await abRuns({ label: "node -e 0", argv: [node, "-e", "0"] }, cases, env, RUNS)
      printTable(title, rows)
      for (const r of rows) if (r.error) failed.push(`${r.label}: ${r.error}`)
      return rows
    } finally {
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

async function benchLs(run, builds, node) {
  // ls: two fleets in one moto (tagged differently), so the growth per instance comes from one run.
  console.error(`seeding ${INSTANCES} + 300 instances...`)
  const small = 300
  const lsRows = await run(`ls over ${small} and ${INSTANCES} instances`, async (endpoint) => {
    await seedManyInstances(endpoint, small, "small")
    for (let left = INSTANCES; left > 0; left -= 1000) await seedManyInstances(endpoint, Math.min(1000, left), "big")
  }, builds.flatMap(({ tag, cli }) => [
    { label: `ls ${small}${tag}`, argv: [node, cli, "ls", "small", "--output", "json"], check: (m) => countRows(m.stdout) === small ? undefined : `printed ${countRows(m.stdout)} rows` },
    {
      label: `ls ${INSTANCES}${tag}`,
      argv: [node, cli, "ls", "big", "--output", "json"],
      target: { text: "cpu <= 0.5 s", ok: (r) => r.cpu <= 0.5 },
      check: (m) => countRows(m.stdout) === INSTANCES ? undefined : `printed ${countRows(m.stdout)} rows`
    }
  ]))
  for (let b = 0; b < builds.length; b++) {
    const [a, z] = [lsRows[1 + 2 * b], lsRows[2 + 2 * b]]
    if (!a.error && !z.error) console.log(`  growth per instance${builds[b].tag}: ${fmt(((z.cpu - a.cpu) / (INSTANCES - small)) * 1e6, 0)} µs of CPU`)
  }

}

async function benchLogs(run, builds, node) {
  const few = Math.max(1, Math.floor(EVENTS / 10))
  console.error(`seeding ${EVENTS} + ${few} log events...`)
  const logsRows = await run(`logs over ${few} and ${EVENTS} events`, async (endpoint) => {
    await seedEvents(endpoint, "few", few)
    await seedEvents(endpoint, "many", EVENTS)
  }, builds.flatMap(({ tag, cli }) => [
    { label: `logs ${few}${tag}`, argv: [node, cli, "logs", "few", "--start-time", "1d"], check: (m) => lines(m) === few ? undefined : `printed ${lines(m)} lines` },
    {
      label: `logs ${EVENTS}${tag}`,
      argv: [node, cli, "logs", "many", "--start-time", "1d"],
      target: { text: "cpu <= 0.6 s", ok: (r) => r.cpu <= 0.6 },
      check: (m) => lines(m) === EVENTS ? undefined : `printed ${lines(m)} lines`
    }
  ]))
  for (let b = 0; b < builds.length; b++) {
    const [a, z] = [logsRows[1 + 2 * b], logsRows[2 + 2 * b]]
    if (!a.error && !z.error) console.log(`  peak RSS${builds[b].tag}: ${fmt(a.rss, 0)} MiB for ${few} events, ${fmt(z.rss, 0)} MiB for ${EVENTS}`)
  }
}

main()
  .catch((e) => {
    console.error(`bench: ${e.message}`)
    process.exitCode = 1
  })
  .finally(removeHome)
