// Issue 12: an HTTP answer that is not an AWS error (an emulator's "not implemented" text, a proxy's HTML
// page) is reported as what it is, not as "unreachable" or "not found"; only a connection failure is
// "unreachable". The CLI talks to a stand-in endpoint on 127.0.0.1 that answers every request with a chosen
// status and body, and counts the requests of each operation (to see what is retried).
import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/cli.ts"

interface Reply {
  readonly status: number
  readonly body: string
  readonly contentType?: string
}

let server: Server
let url = ""
let reply: Reply = { status: 500, body: "" }
/** Requests received, by operation (EC2's Action=, Batch's REST path). */
let requests: Map<string, number> = new Map()

const operationOf = (path: string, body: string) =>
  new URLSearchParams(body).get("Action") ?? path.split("?")[0]?.split("/").pop() ?? path

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => {
      if (body.length < 65_536) body += chunk
    })
    req.on("end", () => {
      const op = operationOf(req.url ?? "/", body)
      requests.set(op, (requests.get(op) ?? 0) + 1)
      res.writeHead(reply.status, { "content-type": reply.contentType ?? "text/plain; charset=utf-8" })
      res.end(reply.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
beforeEach(() => {
  requests = new Map()
})

const oneLine = (stderr: string) => stderr.trim().split("\n").filter((l) => l.startsWith("aegea:")).join("\n")
const stackTrace = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m

/** aegea against the stand-in endpoint, with `attempts` attempts per call. */
const against = (args: ReadonlyArray<string>, attempts: number): Promise<CliResult> =>
  runCli(args, { env: { AWS_ENDPOINT_URL: url, AWS_MAX_ATTEMPTS: String(attempts) } })

const nginx502 = [
  "<html>",
  "<head><title>502 Bad Gateway</title></head>",
  "<body>",
  "<center><h1>502 Bad Gateway</h1></center>",
  "<hr><center>nginx/1.25.3</center>",
  "</body>",
  "</html>",
  ""
].join("\r\n")

describe("an HTTP answer that is not an AWS error (CLI against a stand-in endpoint)", () => {
  it("a 500 with an emulator's text: 'AWS EC2 DescribeInstances answered HTTP 500: <its first line>', retried, exit 6", async () => {
    reply = { status: 500, body: "  Not implemented: the DescribeInstances action has not been implemented  \nTraceback (most recent call last):\n  ...\n" }
    const r = await against(["ls"], 2)
    const line = oneLine(r.stderr)
    expect(line).toContain(
      "aegea: could not list instances in us-east-1: AWS EC2 DescribeInstances answered HTTP 500: Not implemented: the DescribeInstances action has not been implemented."
    )
    expect(line).not.toMatch(/unreachable|network|Traceback|unreadable/i)
    expect(r.stderr).not.toMatch(stackTrace)
    expect(r.code).toBe(6)
    // a 5xx is the service failing: retried as the call allows (a read: every attempt)
    expect(requests.get("DescribeInstances")).toBe(2)
  })

  it("a proxy's 502 HTML page is quoted by its title, without tags", async () => {
    reply = { status: 502, body: nginx502, contentType: "text/html" }
    const r = await against(["ls"], 1)
    const line = oneLine(r.stderr)
    expect(line).toContain("AWS EC2 DescribeInstances answered HTTP 502: 502 Bad Gateway.")
    expect(line).not.toMatch(/[<>]|unreachable/)
    expect(r.code).toBe(6)
  })

  it("an empty 503: the status alone, still not 'unreachable'", async () => {
    reply = { status: 503, body: "" }
    const r = await against(["ls"], 1)
    const line = oneLine(r.stderr)
    expect(line).toContain("AWS EC2 DescribeInstances answered HTTP 503.")
    expect(line).not.toMatch(/unreachable|unreadable/)
    expect(r.code).toBe(6)
  })

  it("a 404 that is not an AWS error: 'the endpoint URL does not serve EC2 DescribeInstances (HTTP 404)', not retried, exit 6", async () => {
    reply = { status: 404, body: "<!doctype html>\n<html>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n</html>\n", contentType: "text/html" }
    const r = await against(["ls"], 3)
    const line = oneLine(r.stderr)
    expect(line).toContain(`aegea: could not list instances in us-east-1: the endpoint ${url} does not serve EC2 DescribeInstances (HTTP 404): Not Found.`)
    expect(line).toContain("--endpoint-url")
    expect(line).not.toMatch(/unreachable|Check the name/)
    expect(r.stderr).not.toMatch(stackTrace)
    expect(r.code).toBe(6)
    expect(requests.get("DescribeInstances")).toBe(1)
  })

  it("a JSON-protocol service (Batch): the body is quoted too", async () => {
    reply = { status: 500, body: nginx502.replace(/502 Bad Gateway/g, "500 Internal Server Error"), contentType: "text/html" }
    const r = await against(["batch", "ls"], 1)
    const line = oneLine(r.stderr)
    expect(line).toContain("AWS Batch DescribeJobQueues answered HTTP 500: 500 Internal Server Error.")
    expect(line).not.toMatch(/unreachable|JSON|Unexpected token/)
    expect(r.code).toBe(6)

    reply = { status: 404, body: "no such route\n" }
    const notServed = await against(["batch", "ls"], 3)
    expect(oneLine(notServed.stderr)).toContain(`the endpoint ${url} does not serve Batch DescribeJobQueues (HTTP 404): no such route.`)
    expect(notServed.code).toBe(6)
    expect(requests.get("describejobqueues")).toBe(2) // one per run: the 404 was not retried
  })

  it("control characters of a body never reach the terminal", async () => {
    reply = { status: 500, body: "\u001b[31mboom\u001b[0m \u0007here" }
    const r = await against(["ls"], 1)
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
    expect(oneLine(r.stderr)).toContain("answered HTTP 500: [31mboom [0m here.")
    expect(r.code).toBe(6)
  })

  it("a connection refused is still 'unreachable' (exit 6)", async () => {
    // a port that was just free: nothing listens there
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const address = closed.address()
    const port = typeof address === "object" && address ? address.port : 0
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const r = await runCli(["ls"], { env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: "1" } })
    expect(oneLine(r.stderr)).toContain("AWS is unreachable")
    expect(oneLine(r.stderr)).not.toContain("answered HTTP")
    expect(r.code).toBe(6)
  })
})
