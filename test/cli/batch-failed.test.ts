// `aegea batch submit --watch` of a job that fails, against a second moto_server of this file's own that
// fails every Batch job (MOTO_SIMPLE_BATCH_FAIL_AFTER=0 is read by the server process, so it cannot be
// switched on for one test of the shared server).
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"

const startTimeoutMs = 20_000
let server: ChildProcess | undefined
let endpoint = ""
let serverOutput = ""

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))))
    })
  })

const answers = async (url: string, init?: RequestInit) => {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) })
    await res.text()
    return res.ok
  } catch {
    return false
  }
}

beforeAll(async () => {
  const port = await freePort()
  endpoint = `http://127.0.0.1:${port}`
  // moto (botocore) reads AWS_* too; none are passed.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")))
  server = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, MOTO_SIMPLE_BATCH_FAIL_AFTER: "0", PYTHONUNBUFFERED: "1" }
  })
  const keep = (chunk: Buffer) => {
    serverOutput = (serverOutput + chunk.toString("utf8")).slice(-8_192)
  }
  server.stdout?.on("data", keep)
  server.stderr?.on("data", keep)
  const deadline = Date.now() + startTimeoutMs
  let up = false
  while (!up && Date.now() < deadline && server.exitCode === null) {
    up = await answers(`${endpoint}/moto-api/`)
    if (!up) await new Promise((r) => setTimeout(r, 100))
  }
  if (!up) throw new Error(`second moto_server did not answer within ${startTimeoutMs / 1000} s:\n${serverOutput}`)
  const configured = await answers(`${endpoint}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ batch: { use_docker: false } })
  })
  if (!configured) throw new Error(`POST ${endpoint}/moto-api/config failed:\n${serverOutput}`)
})

afterAll(async () => {
  const child = server
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise<void>((r) => child.once("exit", () => r()))
  child.kill("SIGTERM")
  await Promise.race([gone, new Promise((r) => setTimeout(r, 3_000))])
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
})

describe("aegea batch submit --watch of a failing job (CLI on a moto that fails every job)", () => {
  it("exits non-zero with one clear line naming the job and the reason", async () => {
    const r = await runCli(["batch", "submit", "--command", "exit 3", "--watch"], { env: { AWS_ENDPOINT_URL: endpoint }, timeoutMs: 60_000 })
    const submitted = /^submitted job (\S+) \(aegea_exit\) to queue aegea_batch$/m.exec(r.stderr)
    expect(submitted, r.stderr).not.toBeNull()
    const jobId = submitted?.[1] ?? ""
    expect(r.stderr).toMatch(new RegExp(`^\\S+Z job ${jobId} \\(aegea_exit\\): FAILED`, "m"))
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("aegea: "))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(new RegExp(`^aegea: job ${jobId} \\(aegea_exit\\) failed: \\S.*`))
    const exitCode = /\(exit code (\d+)\)/.exec(errors[0] ?? "")
    expect(r.code).toBe(exitCode === null ? 1 : Number(exitCode[1]))
    expect(r.code).not.toBe(0)
  })
})
