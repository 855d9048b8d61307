#!/usr/bin/env node
// `npm run bench`: start-up cost of the bundled CLI, as ratios against `node -e 0` measured in the same
// run (the machines are noisy: A/B interleaved, 1 warm-up, RUNS timed runs, medians; see shared/build.md).
//
//   node bench/startup.mjs [--runs N] [--instances N]
//
// Rows: wall of `aegea --help` / `--version` (target: <= 2.5x node -e 0), and client CPU (user+sys of the
// aegea process) of `aegea ls --output json` against a moto_server it starts itself, seeded with 300
// instances (target: < 0.5 s). Repeated with node_modules/node/bin/node (Node 22, compile cache) if present.
// Exit code 1 if a command fails or `ls` does not print every instance; targets are reported, not enforced.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { seedManyInstances, startMoto, stopMoto } from "../scripts/sandbox.mjs"

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..")
const CLI = join(ROOT, "dist", "aegea.js")
// Node 22 for the second table: AEGEA_BENCH_NODE22=/path/to/node, else node_modules/node (npm i --no-save node@22).
const NODE22 = process.env.AEGEA_BENCH_NODE22 || join(ROOT, "node_modules", "node", "bin", "node")
const RUN_TIMEOUT_MS = 60_000

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name)
  if (i < 0) return dflt
  const n = Number(process.argv[i + 1])
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer`)
  return n
}
const RUNS = Math.min(arg("--runs", 7), 50)
const INSTANCES = Math.min(arg("--instances", 300), 2000)

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// CPU time of the child: /usr/bin/time (GNU) if installed, else bash's `time` keyword (covers the child too).
const TIMER = existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-f", "%U", "true"]).status === 0 ? "gnu" : "bash"

const home = mkdtempSync(join(tmpdir(), "aegea-bench-"))
const baseEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  TMPDIR: process.env.TMPDIR ?? tmpdir(), // Node 22's compile cache lives under it
  AWS_CONFIG_FILE: join(home, "none"),
  AWS_SHARED_CREDENTIALS_FILE: join(home, "none"),
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
  AWS_MAX_ATTEMPTS: "1",
  AWS_EC2_METADATA_DISABLED: "true",
  NO_COLOR: "1"
}

/** One bounded run: { wall (s), cpu (s), code, stdout, stderr }. */
function measure(argv, env) {
  const timeFile = join(home, "time.out")
  rmSync(timeFile, { force: true })
  const [file, args] =
    TIMER === "gnu"
      ? ["/usr/bin/time", ["-f", "%U %S", "-o", timeFile, ...argv]]
      : ["bash", ["-c", `TIMEFORMAT='%U %S'; { time "$@" 2>&3 ; } 3>&2 2>${JSON.stringify(timeFile)}`, "bench", ...argv]]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(file, args, { env, encoding: "utf8", timeout: RUN_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.error) return { wall, cpu: NaN, code: -1, stdout: "", stderr: String(r.error.message) }
  let cpu = NaN
  try {
    const nums = readFileSync(timeFile, "utf8").trim().split("\n").pop().split(/\s+/).map(Number)
    cpu = nums[0] + nums[1]
  } catch {}
  return { wall, cpu, code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

/** Interleaves baseline and candidates: 1 warm-up then RUNS timed rounds. */
function abRuns(node, candidates, env) {
  const all = [{ label: "node -e 0", argv: [node, "-e", "0"] }, ...candidates]
  const samples = all.map(() => [])
  const failures = all.map(() => undefined)
  for (let round = 0; round <= RUNS; round++) {
    all.forEach((c, i) => {
      if (failures[i]) return
      const m = measure(c.argv, env)
      const bad = m.code !== 0 ? `exit ${m.code}: ${(m.stderr.trim().split("\n")[0] ?? "").slice(0, 100)}` : c.check?.(m)
      if (bad) failures[i] = bad
      else if (round > 0) samples[i].push(m)
    })
  }
  const base = samples[0]
  return all.map((c, i) => {
    if (failures[i]) return { label: c.label, error: failures[i] }
    const s = samples[i]
    const wallRatio = median(s.map((m, k) => m.wall / base[k].wall))
    const cpuRatio = median(s.map((m, k) => m.cpu / base[k].cpu))
    return { label: c.label, wall: median(s.map((m) => m.wall)), cpu: median(s.map((m) => m.cpu)), wallRatio, cpuRatio, target: c.target }
  })
}

/** Number of rows in `--output json`: a JSON array, an object holding one array, or JSON lines. */
function countRows(text) {
  const t = text.trim()
  if (!t) return 0
  try {
    const v = JSON.parse(t)
    if (Array.isArray(v)) return v.length
    const arrays = Object.values(v ?? {}).filter(Array.isArray)
    return arrays.length === 1 ? arrays[0].length : 1
  } catch {
    return t.split("\n").filter((l) => l.trim().startsWith("{")).length
  }
}

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "-")
function printTable(title, rows) {
  console.log(`\n${title}`)
  const head = ["command", "wall s", "x node -e 0", "cpu s", "cpu x", "target", ""]
  const body = rows.map((r) => {
    if (r.error) return [r.label, "-", "-", "-", "-", r.target?.text ?? "", `ERROR ${r.error}`]
    const status = r.target ? (r.target.ok(r) ? "ok" : "MISSED") : ""
    return [r.label, fmt(r.wall), fmt(r.wallRatio, 2) + "x", fmt(r.cpu, 2), fmt(r.cpuRatio, 1) + "x", r.target?.text ?? "", status]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  for (const line of [head, ...body]) console.log("  " + line.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd())
}

const helpTarget = { text: "<= 2.5x", ok: (r) => r.wallRatio <= 2.5 }
const lsTarget = { text: "cpu < 0.5 s", ok: (r) => r.cpu < 0.5 }

async function main() {
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
    for (const node of nodes) {
      const rows = abRuns(
        node.bin,
        [
          { label: "aegea --help", argv: [node.bin, CLI, "--help"], target: helpTarget },
          { label: "aegea --version", argv: [node.bin, CLI, "--version"], target: helpTarget },
          {
            label: `aegea ls --output json (${INSTANCES})`,
            argv: [node.bin, CLI, "ls", "--output", "json"],
            target: lsTarget,
            check: (m) => {
              const n = countRows(m.stdout)
              return n === INSTANCES ? undefined : `printed ${n} rows, expected ${INSTANCES}`
            }
          }
        ],
        env
      )
      printTable(node.name, rows)
      if (rows.some((r) => r.error)) failed = true
    }
  } finally {
    await stopMoto(moto.child)
    process.off("exit", stop)
    rmSync(home, { recursive: true, force: true })
  }
  if (failed) process.exitCode = 1
}

main().catch((e) => {
  console.error(`bench: ${e.message}`)
  process.exitCode = 1
})
