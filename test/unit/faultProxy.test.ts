// test/support/faultProxy.ts against a tiny local node:http target (no moto): each action does what it says.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http"
import { connect } from "node:net"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  dropResponse,
  type FaultProxy,
  type FaultRule,
  operationIs,
  operationOf,
  resetBeforeForward,
  serviceOf,
  stall,
  startFaultProxy,
  status
} from "../support/faultProxy.ts"

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** The target: records every request, answers 200 with a JSON body sent in two parts 100 ms apart. */
let target: Server
let targetUrl: string
let seen: Array<Seen>
/** When the target finished sending each response (ms since epoch). */
let finishedAt: Array<number>

beforeEach(async () => {
  seen = []
  finishedAt = []
  target = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
      res.once("finish", () => finishedAt.push(Date.now()))
      res.writeHead(200, { "content-type": "application/json", "x-target": "yes" })
      res.write(`{"n":${seen.length},`)
      setTimeout(() => res.end(`"path":${JSON.stringify(req.url)}}`), 100)
    })
  })
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r))
  const address = target.address()
  targetUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`
})

const proxies: Array<FaultProxy> = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
  target.closeAllConnections()
  await new Promise<void>((r) => target.close(() => r()))
})

const start = async (rules: ReadonlyArray<FaultRule> = []) => {
  const proxy = await startFaultProxy(targetUrl, { rules })
  proxies.push(proxy)
  return proxy
}

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** One request through a fresh connection; rejects with the socket error (or after timeoutMs). */
const send = (
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const u = new URL(url)
    const body = opts.body ?? ""
    const req = httpRequest(
      {
        hostname: u.hostname,
        port: u.port,
        method: opts.method ?? "POST",
        path: opts.path ?? "/",
        headers: { "content-length": String(Buffer.byteLength(body)), ...opts.headers },
        agent: false
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }))
        res.once("error", reject)
      }
    )
    const timer = setTimeout(() => req.destroy(new Error("client timeout")), opts.timeoutMs ?? 5_000)
    req.once("close", () => clearTimeout(timer))
    req.once("error", reject)
    req.end(body)
  })

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as NodeJS.ErrnoException)

const ec2Form = "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1"
const ec2Headers = {
  "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  authorization: "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00"
}

describe("faultProxy", () => {
  it("passes a request through faithfully: method, path, headers and body in; status, headers and body out", async () => {
    const proxy = await start()
    const body = JSON.stringify({ jobName: "x", é: "ü" })
    const answer = await send(proxy.url, { path: "/v1/submitjob?x=1", headers: { "content-type": "application/json", "x-custom": "v" }, body })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ method: "POST", path: "/v1/submitjob?x=1", body })
    expect(seen[0]?.headers["x-custom"]).toBe("v")
    expect(seen[0]?.headers.host).toBe(new URL(proxy.url).host) // the Host the client signed is kept
    expect(answer.status).toBe(200)
    expect(answer.headers["x-target"]).toBe("yes")
    expect(answer.body).toBe(`{"n":1,"path":"/v1/submitjob?x=1"}`)
    expect(proxy.log).toMatchObject([{ seq: 1, operation: "SubmitJob", action: "forward", reachedTarget: true, status: 200, body }])
    expect(proxy.log[0]?.headers["x-custom"]).toBe("v")
    expect(proxy.reached("SubmitJob")).toBe(1)
  })

  it("dropResponse: the request reaches the target once, the target's whole response is awaited, the client gets only a dropped connection", async () => {
    const proxy = await start([{ name: "lose RunInstances", match: operationIs("RunInstances"), action: dropResponse() }])
    const sentAt = Date.now()
    const error = await errorOf(send(proxy.url, { headers: ec2Headers, body: ec2Form }))
    const failedAt = Date.now()
    expect(error?.code).toBe("ECONNRESET") // node: "socket hang up"
    expect(seen).toHaveLength(1)
    expect(seen[0]?.body).toBe(ec2Form)
    expect(finishedAt).toHaveLength(1)
    expect(finishedAt[0]).toBeLessThanOrEqual(failedAt) // dropped only after the target had answered in full
    expect(failedAt - sentAt).toBeGreaterThanOrEqual(90) // ... which took the target's 100 ms
    expect(proxy.log).toMatchObject([
      { operation: "RunInstances", service: "ec2", action: "dropResponse", rule: "lose RunInstances", reachedTarget: true, status: 200 }
    ])
    expect(proxy.reached("RunInstances")).toBe(1)
  })

  it("resetBeforeForward: the client's connection is dropped and the target never sees the request", async () => {
    const proxy = await start([{ match: operationIs("RunInstances"), action: resetBeforeForward() }])
    const error = await errorOf(send(proxy.url, { headers: ec2Headers, body: ec2Form }))
    expect(error?.code).toBe("ECONNRESET")
    await new Promise((r) => setTimeout(r, 50))
    expect(seen).toEqual([])
    expect(proxy.log).toMatchObject([{ operation: "RunInstances", action: "resetBeforeForward", reachedTarget: false }])
    expect(proxy.reached("RunInstances")).toBe(0)
    expect(proxy.received("RunInstances")).toBe(1)
  })

  it("status: answers with the given code, body and headers without forwarding", async () => {
    const html = "<html><body>Service Unavailable</body></html>"
    const proxy = await start([{ match: () => true, action: status(503, html, { "content-type": "text/html" }) }])
    const answer = await send(proxy.url, { headers: ec2Headers, body: ec2Form })
    expect(answer.status).toBe(503)
    expect(answer.body).toBe(html)
    expect(answer.headers["content-type"]).toBe("text/html")
    expect(seen).toEqual([])
    expect(proxy.log).toMatchObject([{ action: "status", status: 503, reachedTarget: false }])
  })

  it("stall: accepts the request and never answers; close() ends the connection", async () => {
    const proxy = await start([{ match: () => true, action: stall() }])
    const pending = errorOf(send(proxy.url, { headers: ec2Headers, body: ec2Form, timeoutMs: 8_000 }))
    const early = await Promise.race([pending.then(() => "answered"), new Promise((r) => setTimeout(() => r("still waiting"), 300))])
    expect(early).toBe("still waiting")
    expect(proxy.log).toMatchObject([{ action: "stall", reachedTarget: false }])
    const closedAt = Date.now()
    await proxy.close()
    const error = await pending
    expect(error?.message).not.toBe("client timeout")
    expect(error?.code).toBe("ECONNRESET")
    expect(Date.now() - closedAt).toBeLessThan(2_000)
    expect(seen).toEqual([])
  })

  it("times: a rule applies to that many matching requests, then they pass through; others are never touched", async () => {
    const proxy = await start([{ match: operationIs("RunTask"), action: status(500, "boom"), times: 2 }])
    const runTask = { "x-amz-target": "AmazonEC2ContainerServiceV20141113.RunTask", "content-type": "application/x-amz-json-1.1" }
    const listTasks = { ...runTask, "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListTasks" }
    expect((await send(proxy.url, { headers: listTasks, body: "{}" })).status).toBe(200)
    expect((await send(proxy.url, { headers: runTask, body: "{}" })).status).toBe(500)
    expect((await send(proxy.url, { headers: runTask, body: "{}" })).status).toBe(500)
    expect((await send(proxy.url, { headers: runTask, body: "{}" })).status).toBe(200)
    expect(proxy.log.map((e) => [e.operation, e.action])).toEqual([
      ["ListTasks", "forward"],
      ["RunTask", "status"],
      ["RunTask", "status"],
      ["RunTask", "forward"]
    ])
    expect(proxy.reached("RunTask")).toBe(1)
    expect(proxy.received("RunTask")).toBe(3)
    expect(seen).toHaveLength(2)
  })

  it("a predicate sees method, path, headers and the whole body", async () => {
    const proxy = await start([{ match: (r) => r.method === "POST" && r.path === "/v1/submitjob" && r.body.includes(`"jobName":"second"`), action: resetBeforeForward() }])
    expect((await send(proxy.url, { path: "/v1/submitjob", body: `{"jobName":"first"}` })).status).toBe(200)
    expect((await errorOf(send(proxy.url, { path: "/v1/submitjob", body: `{"jobName":"second"}` })))?.code).toBe("ECONNRESET")
    expect(seen.map((s) => s.body)).toEqual([`{"jobName":"first"}`])
  })

  it("dropResponse on a kept-alive connection: earlier requests on it were answered, the dropped one reaches the target once", async () => {
    const proxy = await start([{ match: (r) => r.path === "/second", action: dropResponse() }])
    const socket = connect(proxy.port, "127.0.0.1")
    let received = ""
    socket.setEncoding("utf8").on("data", (d: string) => (received += d))
    const closed = new Promise<void>((r) => socket.once("close", () => r()))
    socket.on("error", () => {})
    const req = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`
    socket.write(req("/first"))
    await waitUntil(() => received.includes(`"path":"/first"`))
    socket.write(req("/second"))
    await closed
    expect(received).not.toContain(`"/second"`)
    expect(seen.map((s) => s.path)).toEqual(["/first", "/second"])
    expect(proxy.log.map((e) => e.action)).toEqual(["forward", "dropResponse"])
  })

  it("close() stops listening and closes idle kept-alive client connections", async () => {
    const proxy = await start()
    const socket = connect(proxy.port, "127.0.0.1")
    const closed = new Promise<void>((r) => socket.once("close", () => r()))
    socket.on("error", () => {}).resume() // read, so that the proxy's FIN is seen
    socket.write("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
    await waitUntil(() => seen.length === 1 && finishedAt.length === 1)
    await proxy.close()
    await closed
    expect((await errorOf(send(proxy.url, { timeoutMs: 2_000 })))?.code).toBe("ECONNREFUSED")
    await proxy.close() // idempotent
  })

  it("settled() waits for requests in flight", async () => {
    const proxy = await start([{ match: () => true, action: dropResponse() }])
    const failed = errorOf(send(proxy.url))
    await waitUntil(() => proxy.log.length === 1)
    await proxy.settled(2_000)
    expect(proxy.log[0]?.status).toBe(200)
    expect(finishedAt).toHaveLength(1)
    await failed
  })
})

describe("operationOf / serviceOf", () => {
  it("recognise EC2 (query), ECS (JSON 1.1) and Batch (REST-JSON) operations", () => {
    expect(operationOf("POST", "/", ec2Headers, ec2Form)).toBe("RunInstances")
    expect(serviceOf(ec2Headers)).toBe("ec2")
    expect(operationOf("POST", "/", { "x-amz-target": "AmazonEC2ContainerServiceV20141113.RunTask" }, "{}")).toBe("RunTask")
    expect(operationOf("POST", "/v1/submitjob", { "content-type": "application/json" }, "{}")).toBe("SubmitJob")
    expect(operationOf("POST", "/v1/describejobqueues", {}, "{}")).toBe("DescribeJobQueues")
    expect(operationOf("GET", "/?Action=DescribeRegions&Version=2016-11-15", {}, "")).toBe("DescribeRegions")
    expect(operationOf("GET", "/moto-api/", {}, "")).toBeUndefined()
    expect(serviceOf({})).toBeUndefined()
  })
})

/** Polls cond every 10 ms for at most 3 s. */
async function waitUntil(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met within 3 s")
    await new Promise((r) => setTimeout(r, 10))
  }
}
