// S3Staging on the memory layer (the contract), the live layer's presigned URLs checked against SigV4
// by hand (no network), and the download lines of a large --execute run by bash against a local server.
import { execFileSync, spawn } from "node:child_process"
import { createHash, createHmac } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { S3StagingLive } from "../../src/layers/S3StagingLive.ts"
import { downloadLines, urlVariable } from "../../src/lib/executePayload.ts"
import { containerCommand } from "../../src/lib/shellCommand.ts"
import { S3Staging } from "../../src/services/S3Staging.ts"
import { S3StagingMemory } from "../../src/testing/S3StagingMemory.ts"
import { s3StagingContract } from "../contract/s3Staging.ts"

s3StagingContract("in-memory", {
  make: async () => {
    const context = await Effect.runPromise(Layer.build(S3StagingMemory.layer()).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<S3Staging>
  }
})

const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/** Recompute the SigV4 query signature of a presigned S3 GET (AWS's algorithm, written out here). */
const expectedSignature = (url: URL) => {
  const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  const params = [...url.searchParams.entries()].filter(([k]) => k !== "X-Amz-Signature")
  const query = params.map(([k, v]) => [rfc3986(k), rfc3986(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join("&")
  const canonical = ["GET", url.pathname, query, `host:${url.host}\n`, "host", "UNSIGNED-PAYLOAD"].join("\n")
  const [, day, region, service] = (url.searchParams.get("X-Amz-Credential") ?? "").split("/")
  const toSign = ["AWS4-HMAC-SHA256", url.searchParams.get("X-Amz-Date"), `${day}/${region}/${service}/aws4_request`, createHash("sha256").update(canonical).digest("hex")].join("\n")
  let key: Buffer = Buffer.from(`AWS4${secret}`)
  for (const part of [day, region, service, "aws4_request"]) key = createHmac("sha256", key).update(part ?? "").digest()
  return createHmac("sha256", key).update(toSign).digest("hex")
}

describe("S3StagingLive presigned URLs (no network)", () => {
  const presign = (endpointUrl: string | undefined, region: string) => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE"
    process.env.AWS_SECRET_ACCESS_KEY = secret
    return Effect.runPromise(
      Effect.gen(function*() {
        return yield* (yield* S3Staging).presignGet("aegea-123456789012-eu-west-1", "aegea-execute/0123-ab/my tool", 7 * 24 * 3600 + 99)
      }).pipe(Effect.provide(S3StagingLive.pipe(Layer.provide(AwsClients.layerStatic({ region, profile: undefined, endpointUrl, maxAttempts: 1 })))))
    )
  }

  it("on AWS: virtual-hosted, valid SigV4, at most 7 days, UNSIGNED-PAYLOAD", async () => {
    const url = new URL(await presign(undefined, "eu-west-1"))
    expect(url.host).toBe("aegea-123456789012-eu-west-1.s3.eu-west-1.amazonaws.com")
    expect(url.pathname).toBe("/aegea-execute/0123-ab/my%20tool")
    expect(url.searchParams.get("X-Amz-Expires")).toBe("604800")
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/)
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(url))
  })

  it("on a custom endpoint: path-style with the bucket first", async () => {
    const url = new URL(await presign("http://127.0.0.1:4566", "eu-west-1"))
    expect(url.host).toBe("127.0.0.1:4566")
    expect(url.pathname).toBe("/aegea-123456789012-eu-west-1/aegea-execute/0123-ab/my%20tool")
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(url))
  })
})

describe("the download lines of a large --execute", () => {
  // An ELF binary (uname) served over HTTP on 127.0.0.1, as S3 would serve the presigned URL.
  const elf = readFileSync(execFileSync("bash", ["-c", "command -v uname"]).toString().trim())
  let server: Server
  let url = ""
  const folders: Array<string> = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== "/aegea-execute/tool?X-Amz-Signature=x") {
        res.writeHead(403).end()
        return
      }
      res.writeHead(200, { "content-length": elf.length }).end(elf)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/aegea-execute/tool?X-Amz-Signature=x`
  })
  afterAll(() => {
    for (const f of folders) rmSync(f, { recursive: true, force: true })
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })

  /** Run the container command of the download lines with only `tools` on PATH. */
  const runLines = (tools: ReadonlyArray<string>, executeUrl: string) => {
    const bin = mkdtempSync(join(tmpdir(), "aegea-execute-bin-"))
    folders.push(bin)
    for (const tool of tools) {
      const real = tool === "python3"
        ? execFileSync("python3", ["-c", "import sys; print(sys.executable)"]).toString().trim()
        : execFileSync("bash", ["-c", `command -v ${tool}`]).toString().trim()
      symlinkSync(real, join(bin, tool))
    }
    const [file, ...args] = containerCommand(downloadLines)
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      // stdin not a socket and HOME empty: bash reads no ~/.bashrc.
      const child = spawn(file!, args, { env: { PATH: bin, HOME: bin, [urlVariable]: executeUrl }, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
  }

  it("curl fetches the binary, which runs", async () => {
    const r = await runLines(["mktemp", "chmod", "curl"], url)
    expect(r.stderr).toBe("")
    expect(r.stdout.trim()).toBe("Linux")
    expect(r.code).toBe(0)
  })

  it("without curl or wget, python3 fetches it", async () => {
    const r = await runLines(["mktemp", "chmod", "python3"], url)
    expect(r.stdout.trim()).toBe("Linux")
    expect(r.code).toBe(0)
  })

  it("a failed download stops the job before running anything; no downloader at all says what the image needs", async () => {
    const denied = await runLines(["mktemp", "chmod", "curl"], url.replace("X-Amz-Signature=x", "X-Amz-Signature=wrong"))
    expect(denied.code).not.toBe(0)
    expect(denied.stdout).toBe("")
    const none = await runLines(["mktemp", "chmod"], url)
    expect(none.code).toBe(127)
    expect(none.stderr).toMatch(/--execute needs curl, wget, python3 or apt-get in the image/)
  })
})
