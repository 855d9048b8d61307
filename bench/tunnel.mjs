#!/usr/bin/env node
// `npm run bench:tunnel`: bytes through `aegea tunnel` and the project's own Session Manager stand-in
// (test/support/ssmStandIn.ts, bundled here with esbuild), against a moto_server this script starts.
//
//   node bench/tunnel.mjs [--mb N] [--runs N] [--only tunnel|ssh] [--rtt MS] [--cli THIS/dist/aegea.js] [--vs OTHER/dist/aegea.js]...
//
// For each direction (upload: local client -> tunnel -> remote sink; download: remote source ->
// tunnel -> local client) and each run: wall time, throughput, aegea's CPU (user+sys of the tunnel
// process, from /proc, over the transfer only) per MB, and the CPU of this process (the stand-in, the
// sink/source and the client) per MB, and how busy each side's JavaScript thread was (the one near
// 100% bounds the throughput); each run measures two transfers through the tunnel it starts (the
// first pays the tunnel's one-time costs, V8's compiling above all; the second, "again", is what each
// later transfer costs), and the difference of the two, split into aegea's thread (of it system time
// and page faults, the heap and buffers growing) and V8's helper threads (compiling); then a direct
// loopback copy of the same bytes for comparison, and how long a fixed piece of JavaScript work
// (bench/lib.mjs hostWork, once per run) took meanwhile: how fast the host was.
// Medians over the runs. Targets: aegea <= 10 ms of CPU per MB both ways. Then the set-up of
// `aegea ssh box -- true` (a real sshd on loopback behind the stand-in; wall and the CPU of aegea with
// its ProxyCommand and ssh) against plain `ssh -p PORT 127.0.0.1 true`; target <= 0.6 s wall; and
// `aegea scp box:FILE .` against plain scp.
// Exit 1 on a failed transfer or ssh.
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer, connect } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { build } from "esbuild"
import { seedManyInstances, startMoto, stopMoto, tagResource } from "../scripts/sandbox.mjs"
import { userInfo } from "node:os"
import { abRuns, arg, baseEnv, CLI, delayProxy, fmt, hostWork, measure, median, printTable, removeHome, ROOT } from "./lib.mjs"

const MB = arg("--mb", 100, 2000)
const RUNS = arg("--runs", 3, 20)
// --rtt MS: aegea reaches moto and the stand-in through delaying proxies (bench/lib.mjs delayProxy: half
// a round trip each way, two more for a new connection's handshakes), and plain ssh/scp reach sshd
// through one (one more, TCP's): a model of a network MS away, for comparing builds
const RTT = arg("--rtt", 0, 1000)
// --vs may be given more than once: each build runs in the same interleaved rounds; --cli replaces
// this checkout's dist/aegea.js (a copy that other builds of the checkout do not change mid-run)
const cliIndex = process.argv.indexOf("--cli")
const MAIN_CLI = cliIndex > 0 ? resolve(process.argv[cliIndex + 1] ?? "") : CLI
const OTHERS = process.argv.flatMap((a, i) => (a === "--vs" ? [resolve(process.argv[i + 1] ?? "")] : []))
const TOTAL = MB * 1024 * 1024
const onlyIndex = process.argv.indexOf("--only")
const ONLY = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined
const TRANSFER_TIMEOUT_MS = 300_000

/** user+sys CPU seconds of a process, from /proc/PID/stat (clock ticks of 1/100 s). */
const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}
/**
 * user+sys CPU seconds of a process's main thread alone (/proc/PID/task/PID/stat): its JavaScript and
 * the system calls it makes, without V8's helper threads (garbage collection, the optimizing compiler).
 */
const mainThreadCpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}
/** Minor page faults of a process so far (first touches of fresh memory: /proc/PID/stat's minflt). */
const faultsOf = (pid) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[7])
/** The sys part alone (the kernel's work for the process: socket reads and writes, loopback TCP). */
const sysOf = (pid) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[12]) / 100
const ownCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const withTimeout = (promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no end within ${TRANSFER_TIMEOUT_MS / 1000} s`)), TRANSFER_TIMEOUT_MS).unref())])

const chunk = Buffer.alloc(64 * 1024, "0123456789abcdef")

/** Writes `total` bytes to a socket with backpressure. */
const pour = (socket, total) =>
  new Promise((done, fail) => {
    let left = total
    const more = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length)
        left -= n
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void socket.once("drain", more)
      }
      done()
    }
    socket.on("error", fail)
    more()
  })

/** Resolves when `total` bytes have arrived on the socket. */
const drink = (socket, total) =>
  new Promise((done, fail) => {
    let got = 0
    socket.on("data", (d) => {
      got += d.length
      if (got >= total) done(got)
    })
    socket.on("error", fail)
    socket.on("close", () => (got >= total ? done(got) : fail(new Error(`connection closed after ${got} of ${total} bytes`))))
  })

async function main() {
  const work = mkdtempSync(join(tmpdir(), "aegea-bench-tunnel-"))
  // inside the checkout, so that its imports (ws) resolve from node_modules
  const standInFile = join(ROOT, "node_modules", ".cache", "aegea-bench", "standin.mjs")
  await build({
    stdin: {
      contents: `export { startSsmStandIn, startSshd } from "./test/support/ssmStandIn.ts"; export { hostKeyTags } from "./src/lib/hostKeys.ts"`,
      resolveDir: ROOT,
      loader: "ts"
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: standInFile,
    packages: "external",
    logLevel: "warning"
  })
  const { startSsmStandIn, startSshd, hostKeyTags } = await import(pathToFileURL(standInFile).href)
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

  // Port 9 ("discard") swallows `TOTAL` bytes then answers "ok"; port 19 ("chargen") sends `TOTAL` bytes.
  const sink = createServer((s) => drink(s, TOTAL).then(() => s.end("ok"), () => s.destroy()))
  const source = createServer((s) => pour(s, TOTAL).then(() => s.end(), () => s.destroy()))
  for (const server of [sink, source]) await new Promise((r) => server.listen(0, "127.0.0.1", r))

  const moto = await startMoto()
  const stopAll = () => moto.child.kill("SIGKILL")
  process.once("exit", stopAll)
  let standIn
  let sshd
  const rows = []
  let sshRows = []
  /** Per direction and build: what a tunnel's first transfer costs more than the same transfer again, in parts. */
  const oneTime = []
  /** CPU seconds of bench/lib.mjs hostWork, once per run of each direction. */
  const hostCpu = []
  let scpRows = []
  const proxies = []
  let failed = false
  try {
    const [box] = await seedManyInstances(moto.endpoint, 1, "box")
    sshd = await startSshd()
    await tagResource(moto.endpoint, box, hostKeyTags(sshd.hostPublicKey))
    let standInProxy
    standIn = await startSsmStandIn({
      motoEndpoint: moto.endpoint,
      onlineInstances: [box],
      portMap: { 9: sink.address().port, 19: source.address().port, 22: sshd.port },
      ...(RTT > 0 ? { streamEndpoint: () => `http://127.0.0.1:${standInProxy.port}` } : {})
    })
    if (RTT > 0) {
      standInProxy = await delayProxy(Number(new URL(standIn.endpoint).port), RTT)
      proxies.push(standInProxy, await delayProxy(Number(new URL(moto.endpoint).port), RTT), await delayProxy(sshd.port, RTT, 1))
    }
    const [, motoProxy, sshdProxy] = proxies
    const env = RTT > 0
      ? { ...baseEnv, AWS_ENDPOINT_URL: `http://127.0.0.1:${motoProxy.port}`, AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${standInProxy.port}` }
      : { ...baseEnv, AWS_ENDPOINT_URL: moto.endpoint, AWS_ENDPOINT_URL_SSM: standIn.endpoint }
    // plain ssh and scp reach sshd directly, or at the same modelled distance
    const sshdPort = RTT > 0 ? sshdProxy.port : sshd.port
    // e.g. AEGEA_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the tunnel process
    const nodeArgs = process.env.AEGEA_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []

    /** Starts `aegea tunnel box 0:PORT`; resolves { child, port } once it listens. */
    const tunnel = (cli, remote) =>
      new Promise((resolveTunnel, reject) => {
        const child = spawn(process.execPath, [...nodeArgs, cli, "tunnel", "box", `0:${remote}`], { env, stdio: ["ignore", "ignore", "pipe"] })
        let stderr = ""
        const timer = setTimeout(() => reject(new Error(`no tunnel within 30 s: ${stderr}`)), 30_000)
        child.stderr.setEncoding("utf8").on("data", (d) => {
          stderr += d
          const m = /127\.0\.0\.1:(\d+) ->/.exec(stderr)
          if (m) {
            clearTimeout(timer)
            resolveTunnel({ child, port: Number(m[1]) })
          }
        })
        child.once("exit", (code) => reject(new Error(`tunnel exited ${code}: ${stderr}`)))
      })

    const transfer = async (port, direction) => {
      const socket = connect({ host: "127.0.0.1", port })
      await new Promise((r, f) => socket.once("connect", r).once("error", f))
      if (direction === "upload") {
        const reply = new Promise((done, fail) => {
          let text = ""
          socket.on("data", (d) => (text += d))
          socket.on("end", () => (text === "ok" ? done() : fail(new Error(`sink answered ${JSON.stringify(text)}`))))
          socket.on("error", fail)
        })
        await pour(socket, TOTAL)
        await reply
      } else {
        await drink(socket, TOTAL)
      }
      socket.destroy()
    }

    const builds = [{ tag: "", cli: MAIN_CLI }, ...OTHERS.map((cli, i) => ({ tag: OTHERS.length === 1 ? " [vs]" : ` [vs${i + 1}]`, cli }))]
    /** One transfer through a running tunnel, measured: aegea's CPU (all threads, main thread, sys), this process's, the resends. */
    const measured = async (child, port, direction) => {
      const cpu0 = cpuOf(child.pid)
      const main0 = mainThreadCpuOf(child.pid)
      const ownMain0 = mainThreadCpuOf(process.pid)
      const sys0 = sysOf(child.pid)
      const faults0 = faultsOf(child.pid)
      const own0 = ownCpu()
      const dup0 = standIn.sessions.reduce((n, s) => n + s.duplicates, 0)
      const t0 = process.hrtime.bigint()
      await withTimeout(transfer(port, direction), `${direction} through the tunnel`)
      const wall = Number(process.hrtime.bigint() - t0) / 1e9
      // messages aegea sent more than once (resent before the stand-in's acknowledgement came back)
      const resent = standIn.sessions.reduce((n, s) => n + s.duplicates, 0) - dup0
      return { wall, cpu: cpuOf(child.pid) - cpu0, main: mainThreadCpuOf(child.pid) - main0, ownMain: mainThreadCpuOf(process.pid) - ownMain0, sys: sysOf(child.pid) - sys0, faults: faultsOf(child.pid) - faults0, own: ownCpu() - own0, resent }
    }
    // Each run starts a tunnel (its session is open once it listens) and measures two transfers through
    // it: the first pays the tunnel's one-time costs (V8 compiling the per-message code, the heap
    // growing to its working size), the second, through the same tunnel, is what every later transfer
    // of a long-lived tunnel costs.
    for (const direction of ONLY === "ssh" ? [] : ["upload", "download"]) {
      const samples = builds.map(() => ({ first: [], again: [] }))
      for (let run = 0; run < RUNS; run++) {
        for (let b = 0; b < builds.length; b++) {
          const { child, port } = await tunnel(builds[b].cli, direction === "upload" ? 9 : 19)
          try {
            samples[b].first.push(await measured(child, port, direction))
            samples[b].again.push(await measured(child, port, direction))
          } finally {
            child.kill("SIGINT")
            await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)))
          }
        }
        // the same fixed work every run: how fast the host was meanwhile
        const host = await measure(hostWork(process.execPath).argv, baseEnv)
        if (host.code === 0) hostCpu.push(host.cpu)
      }
      for (let b = 0; b < builds.length; b++) {
        // What the first transfer costs more than the same transfer again (medians, in seconds): V8's
        // compiling on its helper threads, code still unoptimized on aegea's thread, and the heap and
        // buffers growing to their working size (first touches of fresh memory: page faults, system time)
        const more = (f) => median(samples[b].first.map(f)) - median(samples[b].again.map(f))
        oneTime.push({
          label: `${direction}${builds[b].tag}`,
          total: more((m) => m.cpu),
          main: more((m) => m.main),
          sys: more((m) => m.sys),
          helpers: more((m) => m.cpu - m.main),
          faults: more((m) => m.faults)
        })
        for (const [which, s] of [["", samples[b].first], [", again", samples[b].again]]) {
          const cpuPerMb = s.map((m) => (m.cpu / MB) * 1000)
          rows.push({
            label: `tunnel ${direction} ${MB} MB${which}${builds[b].tag}`,
            wall: median(s.map((m) => m.wall)),
            rate: median(s.map((m) => MB / m.wall)),
            cpuPerMb: median(cpuPerMb),
            range: [Math.min(...cpuPerMb), Math.max(...cpuPerMb)],
            sysPerMb: median(s.map((m) => (m.sys / MB) * 1000)),
            ownPerMb: median(s.map((m) => (m.own / MB) * 1000)),
            // the share of the transfer's wall time each side's one JavaScript thread was busy: the side
            // near 100% is the one that bounds the throughput
            aegeaBusy: median(s.map((m) => m.main / m.wall)),
            standInBusy: median(s.map((m) => m.ownMain / m.wall)),
            resent: median(s.map((m) => m.resent))
          })
        }
      }
    }
    if (ONLY !== "tunnel") {
      const user = userInfo().username
      const keyOptions = ["-i", sshd.clientKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
      const direct = ["ssh", ...keyOptions, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-p", String(sshdPort), `${user}@127.0.0.1`, "true"]
      sshRows = await abRuns(
        { label: "ssh 127.0.0.1 true (direct)", argv: direct },
        builds.map(({ tag, cli }) => ({
          label: `aegea ssh box -- true${tag}`,
          argv: [process.execPath, ...nodeArgs, cli, "ssh", "--no-ec2-instance-connect", `${user}@box`, "--", ...keyOptions, "true"],
          // (the target is for the stand-in on loopback, not at a modelled distance)
          ...(RTT === 0 ? { target: { text: "wall <= 0.6 s", ok: (r) => r.wall <= 0.6 } } : {})
        })),
        env,
        Math.max(RUNS, 5)
      )
      // scp's set-up too: a small file from the instance (its one connection, handed over as ssh's is)
      const small = join(work, "small.txt")
      writeFileSync(small, "aegea\n")
      const copy = join(work, "copy.txt")
      const directScp = ["scp", ...keyOptions, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-P", String(sshdPort), `${user}@127.0.0.1:${small}`, copy]
      scpRows = await abRuns(
        { label: "scp 127.0.0.1:FILE . (direct)", argv: directScp },
        builds.map(({ tag, cli }) => ({
          label: `aegea scp box:FILE .${tag}`,
          argv: [process.execPath, ...nodeArgs, cli, "scp", "--no-ec2-instance-connect", "--", ...keyOptions, `${user}@box:${small}`, copy]
        })),
        env,
        Math.max(RUNS, 5)
      )
    }
    // the same bytes over loopback without the tunnel
    const direct = []
    for (let run = 0; run < (ONLY === "ssh" ? 0 : RUNS); run++) {
      const t0 = process.hrtime.bigint()
      await withTimeout(transfer(sink.address().port, "upload"), "direct copy")
      direct.push(Number(process.hrtime.bigint() - t0) / 1e9)
    }
    if (direct.length > 0) rows.push({ label: `direct loopback ${MB} MB`, wall: median(direct), rate: MB / median(direct) })
  } catch (e) {
    console.error(`bench: ${e.message}`)
    failed = true
  } finally {
    for (const proxy of proxies) await proxy.close()
    await standIn?.close()
    await sshd?.stop()
    for (const server of [sink, source]) server.close()
    await stopMoto(moto.child)
    process.off("exit", stopAll)
    rmSync(work, { recursive: true, force: true })
  }

  console.log(`\naegea tunnel bench: ${MB} MB each way, ${RUNS} runs, medians (aegea CPU min-max)`)
  const head = ["transfer", "wall s", "MB/s", "aegea ms CPU/MB (min-max)", "of it sys", "stand-in+client ms CPU/MB", "busy: aegea / stand-in", "resent", "target"]
  const body = rows.map((r) => [
    r.label,
    fmt(r.wall, 2),
    fmt(r.rate, 1),
    r.cpuPerMb === undefined ? "-" : `${fmt(r.cpuPerMb, 1)} (${fmt(r.range[0], 1)}-${fmt(r.range[1], 1)})`,
    r.sysPerMb === undefined ? "-" : fmt(r.sysPerMb, 1),
    r.ownPerMb === undefined ? "-" : fmt(r.ownPerMb, 1),
    r.aegeaBusy === undefined ? "-" : `${Math.round(r.aegeaBusy * 100)}% / ${Math.round(r.standInBusy * 100)}%`,
    r.resent === undefined ? "-" : String(r.resent),
    r.cpuPerMb === undefined ? "" : r.cpuPerMb <= 10 ? "<= 10 ok" : "<= 10 MISSED"
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  for (const line of [head, ...body]) console.log("  " + line.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd())
  if (oneTime.length > 0) {
    console.log("  a tunnel's first transfer against the same transfer again (its one-time cost; medians of each part, which need not add up):")
    for (const o of oneTime) {
      console.log(`    ${o.label}: ${fmt(o.total, 2)} s more CPU: aegea's thread ${fmt(o.main, 2)} s (of it sys ${fmt(o.sys, 2)} s, ${Math.round(o.faults)} more page faults), V8's helper threads ${fmt(o.helpers, 2)} s`)
    }
  }
  if (hostCpu.length > 0) {
    const [low, high] = [Math.min(...hostCpu), Math.max(...hostCpu)]
    console.log(`  host: a fixed piece of JavaScript work (bench/lib.mjs hostWork, as in bench:data) took ${fmt(median(hostCpu), 2)} s of CPU (${fmt(low, 2)}-${fmt(high, 2)}) between these transfers`)
  }
  if (sshRows.length > 0) {
    printTable("ssh set-up through the stand-in (wall and CPU of the whole process tree)", sshRows, "direct ssh")
    if (sshRows.some((r) => r.error)) failed = true
  }
  if (scpRows.length > 0) {
    printTable("scp set-up through the stand-in (one small file; wall and CPU of the whole process tree)", scpRows, "direct scp")
    if (scpRows.some((r) => r.error)) failed = true
  }
  if (failed) process.exitCode = 1
}

main()
  .catch((e) => {
    console.error(`bench: ${e.message}`)
    process.exitCode = 1
  })
  .finally(removeHome)
