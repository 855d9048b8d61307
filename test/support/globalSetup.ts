// Global setup of the `aws` and `cli-standalone` vitest projects: the moto_servers of the run, each on a
// free 127.0.0.1 port. `aws` gets AEGEA_TEST_MOTO_SERVERS of them (default 2) and runs that many files at
// once, each file holding one server for itself while it runs (./motoSlot.ts) and resetting it
// (`useMoto()`), because moto's state is global to a server. `cli-standalone` gets one, its files run one
// at a time. Tests get their server's URL from ./moto.ts `motoEndpoint()`.
//
// Never skips: if moto_server is missing or does not come up, the run fails with the reason.
// AEGEA_TEST_MOTO_ENDPOINT=http://127.0.0.1:PORT (set before `vitest`) reuses a server you started yourself.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createServer } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"
import { scanRecord } from "./outputScan.ts"
import { useRunTmpdir } from "./runTmpdir.ts"

declare module "vitest" {
  interface ProvidedContext {
    motoEndpoint: string
    motoEndpoints: ReadonlyArray<string>
    motoSlotDir: string
    outputScanDir?: string
  }
}

const START_TIMEOUT_MS = 20_000
const STDERR_KEEP = 16_384

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address()
      const port = typeof addr === "object" && addr !== null ? addr.port : 0
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error("could not get a free port"))))
    })
  })

/** moto (botocore) reads AWS_* too: AWS_PROFILE=unknown makes every request fail, so none are passed. */
const motoEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_"))),
  PYTHONUNBUFFERED: "1"
})

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

const motoOnPath = (): boolean => spawnSync("sh", ["-c", "command -v moto_server"], { stdio: "ignore" }).status === 0

async function fetchOk(url: string, init?: RequestInit): Promise<string | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) })
    const body = await res.text()
    return res.ok ? body : undefined
  } catch {
    return undefined
  }
}

/** Starts moto_server and resolves once GET /moto-api/ answers 200 (bounded), else rejects with moto's stderr. */
async function startMoto(): Promise<{ endpoint: string; child: ChildProcess; stderr: () => string }> {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  let tail = ""
  // same process group as vitest: a terminal Ctrl-C reaches moto too
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: motoEnv()
  })
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-STDERR_KEEP) // always drained: moto logs every request
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  let exited: string | undefined
  child.once("exit", (code, signal) => {
    exited = `exited with ${signal ?? code}`
  })
  child.once("error", (e) => {
    exited = `failed to spawn: ${e.message}`
  })
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited !== undefined) break
    if ((await fetchOk(`${endpoint}/moto-api/`)) !== undefined) return { endpoint, child, stderr: () => tail }
    await sleep(100)
  }
  child.kill("SIGKILL")
  const why = exited ?? `did not answer GET ${endpoint}/moto-api/ within ${START_TIMEOUT_MS / 1000} s`
  throw new Error(`moto_server ${why}.\n--- moto_server output (tail) ---\n${tail || "(none)"}`)
}

async function configure(endpoint: string): Promise<void> {
  const cfg = await fetchOk(`${endpoint}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ batch: { use_docker: false } })
  })
  if (cfg === undefined) throw new Error(`moto_server at ${endpoint}: POST /moto-api/config failed`)
  // warm EC2: its first call loads AMIs and instance types (~2 s), keep that out of the first test
  const { EC2Client, DescribeRegionsCommand } = await import("@aws-sdk/client-ec2")
  const ec2 = new EC2Client({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1
  })
  try {
    await ec2.send(new DescribeRegionsCommand({}))
  } finally {
    ec2.destroy()
  }
}

/**
 * The project's moto, and the folder where every aegea the tests spawn records its outputs; when the
 * run ends, the outputs are scanned for credentials and secrets (./outputScan.ts) and any finding
 * fails the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const folder = mkdtempSync(join(tmpdir(), "aegea-outputs-"))
  project.provide("outputScanDir", folder)
  // the tests' HOMEs (./moto.ts makeTestHome) go in one folder removed at the end: a worker that is
  // stopped rather than left to exit does not run its own clean-up
  const homes = mkdtempSync(join(tmpdir(), "aegea-test-homes-"))
  process.env.AEGEA_TEST_HOMES = homes
  const servers = project.name === "aws" ? motoServers() : 1
  const stopMotos = await Promise.all(Array.from({ length: servers }, () => setupMoto()))
  const endpoints = stopMotos.map((m) => m.endpoint)
  const slots = mkdtempSync(join(tmpdir(), "aegea-moto-slots-"))
  project.provide("motoEndpoint", endpoints[0]!)
  project.provide("motoEndpoints", endpoints)
  project.provide("motoSlotDir", slots)
  // the folders the tests and the processes they start make with mkdtemp go with the run (after moto)
  const removeTmpdir = useRunTmpdir()
  return async () => {
    rmSync(homes, { recursive: true, force: true })
    delete process.env.AEGEA_TEST_HOMES
    await Promise.all(stopMotos.map((m) => m.stop()))
    rmSync(slots, { recursive: true, force: true })
    const { processes, findings } = scanRecord(folder)
    rmSync(folder, { recursive: true, force: true })
    removeTmpdir()
    if (findings.length > 0) {
      process.exitCode = 1
      throw new Error(
        `secret scan (${project.name}): ${findings.length} finding(s) in the outputs of ${processes} aegea processes:\n` +
          findings.slice(0, 30).join("\n")
      )
    }
    console.log(`secret scan (${project.name}): the outputs of ${processes} aegea processes hold no credentials or secrets`)
  }
}

/** How many servers the `aws` project runs files against at once: AEGEA_TEST_MOTO_SERVERS, default 2 (1 with AEGEA_TEST_MOTO_ENDPOINT). */
const motoServers = (): number => {
  if (process.env.AEGEA_TEST_MOTO_ENDPOINT) return 1
  const asked = Number(process.env.AEGEA_TEST_MOTO_SERVERS ?? "2")
  if (!Number.isInteger(asked) || asked < 1 || asked > 8) throw new Error(`AEGEA_TEST_MOTO_SERVERS=${process.env.AEGEA_TEST_MOTO_SERVERS}: give a whole number from 1 to 8`)
  return asked
}

async function setupMoto(): Promise<{ readonly endpoint: string; readonly stop: () => Promise<void> }> {
  const preset = process.env.AEGEA_TEST_MOTO_ENDPOINT
  if (preset) {
    if ((await fetchOk(`${preset}/moto-api/`)) === undefined)
      throw new Error(`AEGEA_TEST_MOTO_ENDPOINT=${preset} does not answer GET /moto-api/`)
    await configure(preset)
    return { endpoint: preset, stop: async () => {} }
  }
  if (!motoOnPath()) {
    const msg = "moto_server not found: pip install 'moto[server]'"
    // never a silent skip, in CI or not
    throw new Error(process.env.CI === "true" ? msg : `${msg} (the aws project needs it; run only unit tests with --project unit)`)
  }
  const { endpoint, child, stderr } = await startMoto()
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
  const onSignal = (sig: NodeJS.Signals) => {
    kill()
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    // our listener replaced Node's default "terminate"; if nobody else (vitest) handles it, re-raise
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
  }
  process.on("exit", kill)
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  try {
    await configure(endpoint)
  } catch (e) {
    kill()
    throw new Error(`${(e as Error).message}\n--- moto_server output (tail) ---\n${stderr()}`)
  }
  return { endpoint, stop: async () => {
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once("exit", () => r()))
      child.kill("SIGTERM")
      await Promise.race([gone, sleep(3_000)])
      kill()
    }
    process.off("exit", kill)
  } }
}
