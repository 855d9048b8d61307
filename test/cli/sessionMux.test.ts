// One session, many connections (smux), and KMS-encrypted sessions, through the built CLI and the
// SSM stand-in (whose agent speaks smux for LocalPortForwarding sessions when the client reports
// version >= 1.1.70, and asks for KMS encryption on the instances given to it, with a KMS stand-in
// on 127.0.0.1 answering TrentService.GenerateDataKey):
// - `aegea --debug tunnel` carries 20 concurrent connections, each a checksummed echo, over ONE
//   session (one StartSession at the stand-in), says so in one --debug line, and ends it on SIGINT;
// - the lean ProxyCommand path (`ssm-proxy` with a ticket) answers the agent's KMSEncryption action
//   (a signed GenerateDataKey with the session's encryption context), the encryption challenge, and
//   round-trips checksummed bytes encrypted with AES-GCM both ways.
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { type AddressInfo, connect, createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, runCli } from "../support/cli.ts"
import { motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"
import { startSsmProxy } from "../support/ssmProxyRun.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"
import { type KmsStandIn, startKmsStandIn } from "../support/ssmStandInMux.ts"

useMoto()

const KEY_ID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
const work = mkdtempSync(join(tmpdir(), "aegea-mux-"))
let standIn: SsmStandIn
let kms: KmsStandIn
let echo: Server
/** Port 9 on the instances: 48 MiB to each connection, then the end. */
let source: Server
const SOURCE_BYTES = 48 * 1024 * 1024
const sourcePayload = Buffer.concat(Array.from({ length: SOURCE_BYTES / 65536 }, (_, i) => Buffer.alloc(65536, (i * 7) & 0xff)))
let box = ""
let secretBox = ""

beforeAll(async () => {
  echo = createServer((s) => {
    s.on("error", () => {})
    s.pipe(s)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  source = createServer((s) => {
    s.on("error", () => {})
    s.end(sourcePayload)
  })
  await new Promise<void>((resolve) => source.listen(0, "127.0.0.1", resolve))
  ;[box = "", secretBox = ""] = await seedInstances(2, { names: ["mux-box", "kms-box"] })
  const port = (echo.address() as AddressInfo).port
  kms = await startKmsStandIn()
  standIn = await startSsmStandIn({
    motoEndpoint: motoEndpoint(),
    onlineInstances: [box, secretBox],
    portMap: { 7: port, 22: port, 9: (source.address() as AddressInfo).port },
    kms: { standIn: kms, keyId: KEY_ID, instances: [secretBox] }
  })
}, 60_000)

afterAll(async () => {
  await standIn?.close()
  await kms?.close()
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
  await new Promise<void>((resolve) => (source ? source.close(() => resolve()) : resolve()))
  rmSync(work, { recursive: true, force: true })
})

const env = () => ({ AWS_ENDPOINT_URL_SSM: standIn.endpoint, AWS_ENDPOINT_URL_KMS: kms.endpoint })
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const pattern = (n: number, salt: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * (salt * 2 + 3) + salt) & 0xff))

/** Resolves once `predicate()` holds, checking every 20 ms, at most `tries` times. */
const until = async (predicate: () => boolean, what: () => string, tries = 500) => {
  for (let i = 0; i < tries; i++) {
    if (predicate()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`gave up waiting: ${what()}`)
}

/** One connection: send `payload`, read the echo until complete, close; the echo's checksum. */
const echoThrough = (port: number, payload: Buffer) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let got = 0
    const s = connect({ host: "127.0.0.1", port }, () => {
      for (let i = 0; i < payload.length; i += 4096) s.write(payload.subarray(i, i + 4096))
    })
    s.on("data", (d: Buffer) => {
      chunks.push(d)
      got += d.length
      if (got >= payload.length) {
        s.end()
        resolve(sha(Buffer.concat(chunks)))
      }
    })
    s.on("error", reject)
    s.on("close", () => got < payload.length && reject(new Error(`closed after ${got} of ${payload.length} bytes`)))
  })

describe("aegea tunnel with smux", () => {
  it("carries 20 concurrent connections over one session, says so with --debug, and ends it on SIGINT", async () => {
    const before = standIn.operations.filter((o) => o === "StartSession").length
    const child = spawn(process.execPath, [CLI_PATH, "--debug", "tunnel", "mux-box", "0:7"], { env: cliEnv({ env: env() }), stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    try {
      await until(() => /127\.0\.0\.1:\d+ ->/.test(stderr), () => `no tunnel line: ${stderr}`)
      const port = Number(/127\.0\.0\.1:(\d+) ->/.exec(stderr)![1])
      const payloads = Array.from({ length: 20 }, (_, i) => pattern(20_000 + i * 1_013, i))
      const sums = await Promise.all(payloads.map((p) => echoThrough(port, p)))
      expect(sums).toEqual(payloads.map(sha))
      const sessions = standIn.sessions.filter((s) => s.target === box && s.documentName === "AWS-StartPortForwardingSession")
      expect(sessions.length).toBe(1)
      expect(standIn.operations.filter((o) => o === "StartSession").length - before).toBe(1)
      expect(sessions[0]!.mux).toBe(true)
      expect(sessions[0]!.streams).toBe(20)
      expect(sessions[0]!.maxOpenStreams, "the connections overlapped").toBeGreaterThan(1)
      expect(stderr.match(/^aegea: tunnel mode: .*$/gm)).toEqual([
        `aegea: tunnel mode: smux, every connection over session ${sessions[0]!.sessionId} (agent 3.3.1957.0)`
      ])
      child.kill("SIGINT")
      expect(await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))).toBe(130)
      expect(sessions[0]!.terminatedByApi).toBe(true)
      expect(sessions[0]!.openSockets).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  }, 60_000)
})

describe("a tunnel client that stops reading", () => {
  it("holds the session's reading: aegea's memory stays bounded, no ping is missed, and every byte arrives in order", async () => {
    // pings every 0.2 s, answered within 0.5 s, would call a channel held for 2 s stalled if they went on
    const child = spawn(process.execPath, [CLI_PATH, "tunnel", "mux-box", "0:9"], {
      env: cliEnv({ env: { ...env(), AEGEA_SESSION_PING_INTERVAL: "0.2", AEGEA_SESSION_PONG_TIMEOUT: "0.5" } }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const rss = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) * 1024
    const client = await (async () => {
      await until(() => /127\.0\.0\.1:\d+ ->/.test(stderr), () => `no tunnel line: ${stderr}`)
      return connect({ host: "127.0.0.1", port: Number(/127\.0\.0\.1:(\d+) ->/.exec(stderr)![1]) })
    })()
    try {
      client.pause() // reads nothing for 2 s
      client.on("error", () => {})
      await new Promise((r) => setTimeout(r, 300))
      const before = rss()
      let most = before
      for (let i = 0; i < 17; i++) {
        await new Promise((r) => setTimeout(r, 100))
        most = Math.max(most, rss())
      }
      const chunks: Array<Buffer> = []
      const ended = new Promise<void>((resolve) => client.on("end", () => resolve()))
      client.on("data", (d: Buffer) => void chunks.push(d))
      client.resume()
      await ended
      expect(sha(Buffer.concat(chunks))).toBe(sha(sourcePayload))
      expect(most - before, `aegea's RSS grew from ${before} to ${most} bytes while the client read nothing`).toBeLessThan(16 * 1024 * 1024)
      expect(stderr).not.toMatch(/stalled|lost/)
      child.kill("SIGINT")
      expect(await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))).toBe(130)
    } finally {
      client.destroy()
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  }, 60_000)
})

describe("a long transfer and the compile cache", () => {
  it("a tunnel that carried more than 2 MiB (V8 flags changed for the transfer) writes a compile cache the next run takes", async () => {
    const cache = { AEGEA_CACHE_DIR: join(work, "cache"), AEGEA_COMPILE_CACHE_DEBUG: "1" }
    const child = spawn(process.execPath, [CLI_PATH, "tunnel", "mux-box", "0:7"], { env: cliEnv({ env: { ...env(), ...cache } }), stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    try {
      await until(() => /127\.0\.0\.1:\d+ ->/.test(stderr), () => `no tunnel line: ${stderr}`)
      const port = Number(/127\.0\.0\.1:(\d+) ->/.exec(stderr)![1])
      const payload = pattern(3 * 1024 * 1024, 5)
      expect(await echoThrough(port, payload)).toBe(sha(payload))
      child.kill("SIGINT")
      expect(await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))).toBe(130)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
    expect(stderr).toMatch(/^aegea compile cache: \S+ssh-\S+ \d+ cached \d+ rejected \d+ missing written$/m)
    // the same family again (an instance that does not exist: it ends after the EC2 lookup)
    const again = await runCli(["tunnel", "no-such-box", "0:7"], { env: { ...env(), ...cache } })
    expect(again.code).not.toBe(0)
    const counts = / (\d+) cached (\d+) rejected (\d+) missing/.exec(again.stderr)
    expect(counts, again.stderr).not.toBeNull()
    expect({ cached: Number(counts![1]) > 0, rejected: Number(counts![2]) }).toStrictEqual({ cached: true, rejected: 0 })
  }, 60_000)
})

describe("a KMS-encrypted session", () => {
  it("ssm-proxy answers KMSEncryption and the challenge, and round-trips checksummed bytes encrypted both ways", async () => {
    const { child, sessionId, chunks, stderr: stderrText } = await startSsmProxy(standIn.endpoint, secretBox, work, env())
    try {
      const payload = pattern(50_000, 7)
      for (let i = 0; i < payload.length; i += 4096) child.stdin.write(payload.subarray(i, i + 4096))
      const received = () => Buffer.concat(chunks)
      await until(() => received().length >= payload.length, () => `echoed ${received().length} of ${payload.length}; stderr: ${stderrText()}`)
      expect(sha(received())).toBe(sha(payload))
      const session = standIn.sessions.find((s) => s.sessionId === sessionId)!
      expect(session.encrypted, "the agent decrypted every Output payload and encrypted its own").toBe(true)
      expect(session.log.slice(0, 6)).toEqual([
        "connection",
        "agent:HandshakeRequest",
        "client:HandshakeResponse",
        "agent:EncChallengeRequest",
        "client:EncChallengeResponse",
        "agent:HandshakeComplete"
      ])
      expect(kms.requests.length).toBe(1)
      const request = kms.requests[0]!
      expect(request.target).toBe("TrentService.GenerateDataKey")
      expect(request.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/kms\/aws4_request/)
      expect(request.body).toEqual({
        KeyId: KEY_ID,
        NumberOfBytes: 64,
        EncryptionContext: { "aws:ssm:SessionId": sessionId, "aws:ssm:TargetId": secretBox }
      })
      expect(stderrText()).toBe("")
    } finally {
      child.stdin.end()
      child.kill("SIGKILL")
    }
  }, 60_000)
})
