// What the bench scripts share: a scratch HOME and environment, timed runs of a whole process (wall,
// client CPU and peak RSS through /usr/bin/time, else bash's `time`), interleaved A/B rounds against a
// baseline with medians, and the printed table. See bench/startup.mjs and bench/data.mjs.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..")
export const CLI = join(ROOT, "dist", "aegea.js")
export const RUN_TIMEOUT_MS = 120_000

/** `--name N` from argv: a positive integer at most `max`, else `dflt`. */
export const arg = (name, dflt, max = Infinity) => {
  const i = process.argv.indexOf(name)
  if (i < 0) return dflt
  const n = Number(process.argv[i + 1])
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected a positive integer`)
  return Math.min(n, max)
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// CPU time of the child: /usr/bin/time (GNU) if installed, else bash's `time` keyword (covers the child too).
export const TIMER = existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-f", "%U", "true"]).status === 0 ? "gnu" : "bash"

export const home = mkdtempSync(join(tmpdir(), "aegea-bench-"))
export const removeHome = () => rmSync(home, { recursive: true, force: true })
export const baseEnv = {
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

/**
 * One bounded run: { wall (s), cpu (s), rss (MiB, peak; NaN without GNU time), code, stdout, stderr }.
 * Asynchronous, so that servers running in this process (the Session Manager stand-in) keep answering.
 */
export async function measure(argv, env) {
  const timeFile = join(home, "time.out")
  rmSync(timeFile, { force: true })
  const [file, args] =
    TIMER === "gnu"
      ? ["/usr/bin/time", ["-f", "%U %S %M %R", "-o", timeFile, ...argv]]
      : ["bash", ["-c", `TIMEFORMAT='%U %S'; { time "$@" 2>&3 ; } 3>&2 2>${JSON.stringify(timeFile)}`, "bench", ...argv]]
  const t0 = process.hrtime.bigint()
  const r = await new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] })
    const out = []
    const err = []
    child.stdout.on("data", (d) => out.push(d))
    child.stderr.on("data", (d) => err.push(d))
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS)
    child.on("error", (error) => resolve({ error }))
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") })
    })
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.error) return { wall, cpu: NaN, sys: NaN, rss: NaN, faults: NaN, code: -1, stdout: "", stderr: String(r.error.message) }
  let cpu = NaN
  let sys = NaN
  let rss = NaN
  // minor page faults: first touches of fresh memory, each a few µs of system time on this VM
  let faults = NaN
  try {
    const nums = readFileSync(timeFile, "utf8").trim().split("\n").pop().split(/\s+/).map(Number)
    cpu = nums[0] + nums[1]
    sys = nums[1]
    if (nums.length > 2) rss = nums[2] / 1024
    if (nums.length > 3) faults = nums[3]
  } catch {}
  // AEGEA_BENCH_STDERR=1: each run's stderr as it came (e.g. bench/timeline.mjs's lines)
  if (process.env.AEGEA_BENCH_STDERR === "1" && r.stderr) process.stderr.write(r.stderr)
  return { wall, cpu, sys, rss, faults, code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

/**
 * Interleaves the baseline (first) and candidates: 1 warm-up then `runs` timed rounds. Each candidate:
 * { label, argv, check?(m) -> error text, target? { text, ok(row) } }.
 */
export async function abRuns(baseline, candidates, env, runs) {
  const all = [baseline, ...candidates]
  const samples = all.map(() => [])
  const failures = all.map(() => undefined)
  for (let round = 0; round <= runs; round++) {
    for (let i = 0; i < all.length; i++) {
      const c = all[i]
      if (failures[i]) continue
      const m = await measure(c.argv, env)
      const bad = m.code !== 0 ? `exit ${m.code}: ${(m.stderr.trim().split("\n")[0] ?? "").slice(0, 100)}` : c.check?.(m)
      if (bad) failures[i] = bad
      else if (round > 0) samples[i].push(m)
    }
  }
  const base = samples[0]
  return all.map((c, i) => {
    if (failures[i]) return { label: c.label, error: failures[i] }
    const s = samples[i]
    const range = (f) => [Math.min(...s.map(f)), Math.max(...s.map(f))]
    return {
      label: c.label,
      wall: median(s.map((m) => m.wall)),
      cpu: median(s.map((m) => m.cpu)),
      cpuRange: range((m) => m.cpu),
      sys: median(s.map((m) => m.sys)),
      rss: median(s.map((m) => m.rss)),
      faults: median(s.map((m) => m.faults)),
      // (paired by round; NaN when the baseline failed in some round)
      wallRatio: base.length === s.length ? median(s.map((m, k) => m.wall / base[k].wall)) : NaN,
      cpuRatio: base.length === s.length ? median(s.map((m, k) => m.cpu / base[k].cpu)) : NaN,
      target: c.target
    }
  })
}

/**
 * A fixed piece of JavaScript work, the same in every run and every build (JSON.parse and a regular
 * expression's replacement over a 2 MB text, fresh memory as a command's data path takes it): the row
 * it makes in a bench's table says how fast the host is at that moment, since this shared VM's speed
 * moves by a third and more within an hour (docs/performance.md), so that figures from different
 * moments can be compared. Not aegea's work.
 */
export const hostWork = (node) => ({
  label: "fixed JS work (host speed)",
  argv: [
    node,
    "-e",
    'const s=JSON.stringify(Array.from({length:20000},(_,i)=>({id:i,message:"event "+i+" level=info path=/api/v1/items/"+(i%97),timestamp:1764000000000+i})));' +
      "let n=0;for(let k=0;k<5;k++){n+=JSON.parse(s).length;n+=s.replace(/\"id\":(\\d+)/g,(m,d)=>d).length}if(n!==9078555)throw new Error(String(n))"
  ]
})

/** Number of rows in `--output json`: a JSON array, an object holding one array, or JSON lines. */
export function countRows(text) {
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

export const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "-")

export function printTable(title, rows, baselineLabel = "node -e 0") {
  console.log(`\n${title}`)
  const head = ["command", "wall s", `x ${baselineLabel}`, "cpu s (min-max)", "of it sys", "cpu x", "peak MiB", "page faults", "target", ""]
  const body = rows.map((r) => {
    if (r.error) return [r.label, "-", "-", "-", "-", "-", "-", "-", r.target?.text ?? "", `ERROR ${r.error}`]
    const status = r.target ? (r.target.ok(r) ? "ok" : "MISSED") : ""
    const cpu = `${fmt(r.cpu, 2)} (${fmt(r.cpuRange[0], 2)}-${fmt(r.cpuRange[1], 2)})`
    return [r.label, fmt(r.wall), fmt(r.wallRatio, 2) + "x", cpu, fmt(r.sys, 2), fmt(r.cpuRatio, 1) + "x", fmt(r.rss, 0), fmt(r.faults, 0), r.target?.text ?? "", status]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  for (const line of [head, ...body]) console.log("  " + line.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd())
}

/**
 * A TCP proxy on 127.0.0.1 in front of `targetPort` that models a network round trip of `rttMs`: every
 * byte each way arrives half a round trip late, and a new connection's first bytes wait as well for
 * `handshakeRtts` round trips from its start (a TCP handshake, and TLS 1.3's: 2), which a connection
 * opened ahead has already spent. A model, for comparing builds, not a network. `close()` stops it.
 */
export async function delayProxy(targetPort, rttMs, handshakeRtts = 2) {
  const { createServer: createTcpServer, connect: tcpConnect } = await import("node:net")
  const sockets = new Set()
  const server = createTcpServer({ noDelay: true }, (client) => {
    const start = Date.now()
    const upstream = tcpConnect({ host: "127.0.0.1", port: targetPort, noDelay: true })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
      s.on("error", () => {
        client.destroy()
        upstream.destroy()
      })
    }
    // in order: one queue per direction, one timer at a time for its head (separate timers could
    // fire out of order)
    const relay = (from, to, firstAt) => {
      const queue = []
      let timer
      const flush = () => {
        timer = undefined
        while (queue.length > 0 && queue[0].when <= Date.now()) {
          const { data } = queue.shift()
          if (to.destroyed) continue
          if (data === null) to.end()
          else to.write(data)
        }
        if (queue.length > 0) timer = setTimeout(flush, Math.max(1, queue[0].when - Date.now()))
      }
      const push = (data, when) => {
        queue.push({ data, when: Math.max(when, queue.at(-1)?.when ?? 0) })
        timer ??= setTimeout(flush, Math.max(0, queue[0].when - Date.now()))
      }
      from.on("data", (d) => push(d, Math.max(Date.now(), firstAt) + rttMs / 2))
      from.on("end", () => push(null, Date.now() + rttMs / 2))
    }
    relay(client, upstream, start + handshakeRtts * rttMs)
    relay(upstream, client, 0)
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: server.address().port,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(resolve))
    }
  }
}
