// Sessions that outlive their WebSocket, through the built CLI and the SSM stand-in: an open TCP
// connection through `aegea tunnel` keeps echoing checksummed bytes after two drops and a stall (short
// keep-alive timings from the environment); the lean ProxyCommand path (`ssm-proxy` with a ticket)
// resumes a dropped connection too, and then reports a session that ResumeSession says has ended in
// one line with exit code 1. The stand-in logs the order of what its agent handled: no data before
// HandshakeComplete.
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv } from "../support/cli.ts"
import { motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"
import { startSsmProxy } from "../support/ssmProxyRun.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

useMoto()

const work = mkdtempSync(join(tmpdir(), "aegea-resume-"))
let standIn: SsmStandIn
let echo: Server
let box = ""

beforeAll(async () => {
  echo = createServer((s) => {
    s.on("error", () => {})
    s.pipe(s)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  ;[box = ""] = await seedInstances(1, { names: ["resume-box"] })
  const port = (echo.address() as AddressInfo).port
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [box], portMap: { 7: port, 22: port } })
}, 60_000)

afterAll(async () => {
  await standIn?.close()
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
  rmSync(work, { recursive: true, force: true })
})

const env = () => ({
  AWS_ENDPOINT_URL_SSM: standIn.endpoint,
  // short enough for the test, long enough that a busy machine is not taken for a stalled connection
  AEGEA_SESSION_PING_INTERVAL: "0.3",
  AEGEA_SESSION_PONG_TIMEOUT: "1.5"
})

const pattern = (n: number) => {
  const bytes = Buffer.alloc(n)
  for (let i = 0; i < n; i++) bytes[i] = (i * 13 + 5) % 251
  return bytes
}
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")

/** Resolves once `predicate()` holds, checking every 20 ms, at most `tries` times. */
const until = async (predicate: () => boolean, what: () => string, tries = 500) => {
  for (let i = 0; i < tries; i++) {
    if (predicate()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`gave up waiting: ${what()}`)
}

/**
 * Send `size` bytes in 4 KiB writes, paced, and collect the echo; `at(received)` runs as the echo
 * comes back (to drop or stall the connection mid-stream).
 */
const pump = async (write: (b: Buffer) => void, received: () => Buffer, size: number, at: (n: number) => void) => {
  const payload = pattern(size)
  for (let offset = 0; offset < size; offset += 4096) {
    write(payload.subarray(offset, offset + 4096))
    at(received().length)
    await new Promise((r) => setTimeout(r, 3))
  }
  await until(() => {
    at(received().length)
    return received().length >= size
  }, () => `echoed ${received().length} of ${size}`)
  expect(received().length).toBe(size)
  expect(sha(received())).toBe(sha(payload))
}

const agentOrder = (sessionId: string) => {
  const log = standIn.sessions.find((s) => s.sessionId === sessionId)!.log
  return log.slice(0, 4).concat(log.includes("client:Output") ? ["client:Output"] : [])
}

describe("aegea tunnel across drops", () => {
  it("keeps an open connection echoing checksummed bytes through two drops and a stall, each noticed in one line", async () => {
    const child = spawn(process.execPath, [CLI_PATH, "tunnel", "resume-box", "0:7"], { env: cliEnv({ env: env() }), stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    try {
      await until(() => /127\.0\.0\.1:\d+ ->/.test(stderr), () => `no tunnel line: ${stderr}`)
      const port = Number(/127\.0\.0\.1:(\d+) ->/.exec(stderr)![1])
      const socket: Socket = connect({ host: "127.0.0.1", port })
      const chunks: Array<Buffer> = []
      socket.on("data", (d: Buffer) => chunks.push(d))
      await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject))
      const received = () => Buffer.concat(chunks)
      const forwarded = () => standIn.sessions.filter((s) => s.documentName === "AWS-StartPortForwardingSession" && s.openSockets > 0)
      await until(() => forwarded().length === 1, () => "no session for the connection")
      const sessionId = forwarded()[0]!.sessionId
      // each fault once the previous one was resumed (a fault with no connection to hit is tried again)
      const faults: Array<[number, () => boolean]> = [
        [40_000, () => standIn.drop(sessionId)],
        [100_000, () => standIn.drop(sessionId)],
        [160_000, () => standIn.stall(sessionId)]
      ]
      await pump((b) => socket.write(b), received, 220_000, (n) => {
        if (faults.length > 0 && n >= faults[0]![0] && faults[0]![1]()) faults.shift()
      })
      expect(faults, "every fault happened mid-stream").toEqual([])
      socket.destroy()
      const session = standIn.sessions.find((s) => s.sessionId === sessionId)!
      // the last fault may come with the last bytes: its resumption can follow the end of the echo
      await until(() => session.resumes >= 3 && (stderr.match(/resumed/g) ?? []).length >= 3, () => `${session.resumes} resumptions: ${stderr}`)
      expect(session.resumes).toBe(3)
      expect(stderr.match(/^aegea: connection to session \S+ lost; resumed \(attempt \d\)$/gm), stderr).toEqual([
        `aegea: connection to session ${sessionId} lost; resumed (attempt 1)`,
        `aegea: connection to session ${sessionId} lost; resumed (attempt 1)`,
        `aegea: connection to session ${sessionId} lost; resumed (attempt 1)`
      ])
      expect(agentOrder(sessionId)).toEqual(["connection", "agent:HandshakeRequest", "client:HandshakeResponse", "agent:HandshakeComplete", "client:Output"])
    } finally {
      child.kill("SIGINT")
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)))
    }
  }, 60_000)
})

describe("aegea ssm-proxy (the lean ProxyCommand path) across drops", () => {
  it("resumes a dropped connection, then reports a session that has ended in one line, exit code 1", async () => {
    const { child, sessionId, chunks, stderr: stderrText } = await startSsmProxy(standIn.endpoint, box, work, env())
    const operationsBefore = standIn.operations.length
    const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))
    try {
      await pump((b) => child.stdin.write(b), () => Buffer.concat(chunks), 60_000, () => {})
      // the next bytes are written while the connection is being resumed
      chunks.length = 0
      let dropped = false
      await pump((b) => child.stdin.write(b), () => Buffer.concat(chunks), 60_000, () => {
        dropped ||= standIn.drop(sessionId)
      })
      expect(dropped).toBe(true)
      await until(() => stderrText().includes("\n"), () => `no notice: ${stderrText()}`)
      expect(stderrText()).toBe(`aegea: connection to session ${sessionId} lost; resumed (attempt 1)\n`)
      expect(agentOrder(sessionId)).toEqual(["connection", "agent:HandshakeRequest", "client:HandshakeResponse", "agent:HandshakeComplete", "client:Output"])
      standIn.endOnResume = true
      standIn.drop(sessionId)
      const code = await exited
      expect(stderrText().split("\n").slice(1)).toEqual([
        expect.stringMatching(/^aegea ssm-proxy: the Session Manager connection for i-\w+ \(session \S+\) closed unexpectedly \(1006\), and Session Manager ended the session \(ResumeSession gave no token\)$/),
        ""
      ])
      expect(code).toBe(1)
      expect(standIn.operations.slice(operationsBefore), "ResumeSession only, twice: StartSession and TerminateSession are aegea ssh's").toEqual(["ResumeSession", "ResumeSession"])
    } finally {
      standIn.endOnResume = false
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  }, 60_000)
})
