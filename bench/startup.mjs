#!/usr/bin/env node
// `npm run bench`: start-up cost of the bundled CLI, as ratios against `node -e 0` measured in the same
// run (the machines are noisy: A/B interleaved, 1 warm-up, RUNS timed runs, medians; see shared/build.md).
//
//   node bench/startup.mjs [--runs N] [--instances N]
//   node bench/startup.mjs --all-help [--pairs N] [--runs N]
//
// Rows: wall of `aegea --help` / `--version` (target: <= 2.5x node -e 0), of a command's --help
// (`ls`, `batch submit`; target <= 1.5x: the build's help document, laid out by the launcher), and client CPU (user+sys of the
// aegea process) of `aegea ls --output json` against a moto_server it starts itself, seeded with 300
// instances (target: < 0.5 s), with the compile cache warm (the warm-up run writes it into the bench's
// HOME), cold (removed before each run) and off (AEGEA_NO_COMPILE_CACHE=1). Repeated with
// node_modules/node/bin/node (Node 22) if present.
// Exit code 1 if a command fails or `ls` does not print every instance; targets are reported, not enforced.
// --all-help [--pairs N]: no moto; `aegea COMMAND... --help` for every command the build has a help
// document for (dist/static/help/*.json), N times (default 3) each, interleaved with `node -e 0`; the
// ratio of the fastest runs of the two, then the five worst again with RUNS runs each, against the
// target of 1.5x.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { seedManyInstances, startMoto, stopMoto } from "../scripts/sandbox.mjs"
import { abRuns, arg, baseEnv, CLI, countRows, fmt, home, measure, median, printTable, removeHome, ROOT, TIMER } from "./lib.mjs"

// Node 22 for the second table: AEGEA_BENCH_NODE22=/path/to/node, else node_modules/node (npm i --no-save node@22).
const NODE22 = process.env.AEGEA_BENCH_NODE22 || join(ROOT, "node_modules", "node", "bin", "node")
const RUNS = arg("--runs", 7, 50)
const INSTANCES = arg("--instances", 300, 3000)

const helpTarget = { text: "<= 2.5x", ok: (r) => r.wallRatio <= 2.5 }
const commandHelpTarget = { text: "<= 1.5x", ok: (r) => r.wallRatio <= 1.5 }
const lsTarget = { text: "cpu < 0.5 s", ok: (r) => r.cpu < 0.5 }

/**
 * --all-help: every command's --help against `node -e 0` (see the header). On a shared machine a
 * single wall time moves by 2x with the load, so each ratio is of the fastest of a few interleaved
 * runs of each (the runs least disturbed by other processes), besides the median of the pairs.
 */
async function allHelp() {
  const dir = join(ROOT, "dist", "static", "help")
  const commands = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length).split("."))
  if (commands.length === 0) throw new Error(`${dir} has no help documents: run \`node scripts/build.mjs\` first`)
  const node = process.execPath
  const pairs = arg("--pairs", 3, 20)
  const time = async (words, n) => {
    const base = []
    const help = []
    for (let k = 0; k < n; k++) {
      base.push(await measure([node, "-e", "0"], baseEnv))
      const m = await measure([node, CLI, ...words, "--help"], baseEnv)
      if (m.code !== 0 || !m.stdout.includes("USAGE")) throw new Error(`aegea ${words.join(" ")} --help: exit ${m.code}`)
      help.push(m)
    }
    const fastest = (runs, f) => Math.min(...runs.map(f))
    return {
      label: `aegea ${words.join(" ")} --help`,
      fastest: fastest(help, (m) => m.wall) / fastest(base, (m) => m.wall),
      median: median(help.map((h, k) => h.wall / base[k].wall)),
      wall: median(help.map((m) => m.wall)),
      cpu: median(help.map((m) => m.cpu)) / median(base.map((m) => m.cpu))
    }
  }
  console.log(`aegea --help of every command (${commands.length}): ${pairs} runs each interleaved with node -e 0; wall ratios (fastest/fastest, median of pairs)`)
  await measure([node, "-e", "0"], baseEnv) // warm-up
  await measure([node, CLI, "--help"], baseEnv)
  const all = []
  for (const words of commands) all.push({ words, ...(await time(words, pairs)) })
  all.sort((a, b) => b.fastest - a.fastest)
  console.log(`  every command: median ${fmt(median(all.map((r) => r.fastest)), 2)}x, worst ${fmt(all[0].fastest, 2)}x (${all[0].label})`)
  console.log(`  the five worst again, ${RUNS} runs each:`)
  let worst = 0
  for (const { words } of all.slice(0, 5)) {
    const r = await time(words, RUNS)
    worst = Math.max(worst, r.fastest)
    console.log(`    ${r.label.padEnd(50)} ${fmt(r.fastest, 2)}x (median of pairs ${fmt(r.median, 2)}x, wall ${fmt(r.wall, 3)} s; cpu ${fmt(r.cpu, 2)}x)`)
  }
  console.log(`  worst: ${fmt(worst, 2)}x; target <= 1.5x: ${worst <= 1.5 ? "ok" : "MISSED"}`)
}

async function main() {
  if (process.argv.includes("--all-help")) {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`node scripts/build.mjs\` first`)
    try {
      return await allHelp()
    } finally {
      removeHome()
    }
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true" // for our own seeding client only
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`node scripts/build.mjs\` first`)
  const nodes = [{ name: `Node ${process.version}`, bin: process.execPath }]
  if (existsSync(NODE22)) {
    const v = spawnSync(NODE22, ["--version"], { encoding: "utf8", timeout: 10_000 }).stdout.trim()
    if (v) nodes.push({ name: `Node ${v} (node_modules/node, compile cache)`, bin: NODE22 })
  }
  console.log(`aegea start-up bench: ${RUNS} timed runs + 1 warm-up, interleaved with node -e 0, medians; cpu via ${TIMER === "gnu" ? "/usr/bin/time" : "bash time"}`)

  console.error(`starting moto_server and seeding ${INSTANCES} instances...`)
  const moto = await startMoto()
  const stop = () => moto.child.kill("SIGKILL")
  process.once("exit", stop)
  process.once("SIGINT", () => process.exit(130))
  process.once("SIGTERM", () => process.exit(143))
  let failed = false
  try {
    const ids = await seedManyInstances(moto.endpoint, INSTANCES)
    if (ids.length !== INSTANCES) throw new Error(`seeded ${ids.length} instances, wanted ${INSTANCES}`)
    const env = { ...baseEnv, AWS_ENDPOINT_URL: moto.endpoint }
    const coldCache = join(home, "cold-compile-cache")
    const lsCheck = (m) => {
      const n = countRows(m.stdout)
      return n === INSTANCES ? undefined : `printed ${n} rows, expected ${INSTANCES}`
    }
    for (const node of nodes) {
      const rows = await abRuns(
        { label: "node -e 0", argv: [node.bin, "-e", "0"] },
        [
          { label: "aegea --help", argv: [node.bin, CLI, "--help"], target: helpTarget },
          { label: "aegea --version", argv: [node.bin, CLI, "--version"], target: helpTarget },
          { label: "aegea ls --help", argv: [node.bin, CLI, "ls", "--help"], target: commandHelpTarget },
          { label: "aegea batch submit --help", argv: [node.bin, CLI, "batch", "submit", "--help"], target: commandHelpTarget },
          {
            label: `aegea ls --output json (${INSTANCES})`,
            argv: [node.bin, CLI, "ls", "--output", "json"],
            target: lsTarget,
            check: lsCheck
          },
          // The compile cache (src/compileCache.ts) lives in the bench's HOME, which the warm-up run
          // fills: the row above is warm. Cold: each run starts with no cache and writes it (`sh` and
          // `rm` add a few ms); off: AEGEA_NO_COMPILE_CACHE=1 (the chunks through Node's require).
          {
            label: `  ... cold compile cache`,
            argv: ["env", `AEGEA_CACHE_DIR=${coldCache}`, "sh", "-c", 'rm -rf "$AEGEA_CACHE_DIR"; exec "$@"', "sh", node.bin, CLI, "ls", "--output", "json"],
            check: lsCheck
          },
          {
            label: `  ... no compile cache`,
            argv: ["env", "AEGEA_NO_COMPILE_CACHE=1", node.bin, CLI, "ls", "--output", "json"],
            check: lsCheck
          }
        ],
        env,
        RUNS
      )
      printTable(node.name, rows)
      if (rows.some((r) => r.error)) failed = true
    }
  } finally {
    await stopMoto(moto.child)
    process.off("exit", stop)
    removeHome()
  }
  if (failed) process.exitCode = 1
}

main().catch((e) => {
  console.error(`bench: ${e.message}`)
  process.exitCode = 1
})
