// A fault-injecting HTTP proxy for tests: it sits on 127.0.0.1 (free port) in front of a target URL
// (moto) and passes every request through faithfully, except those a rule matches, which get the rule's
// fault instead. Point the CLI at it with AWS_ENDPOINT_URL=proxy.url.
//
//   const proxy = await startFaultProxy(motoEndpoint(), {
//     rules: [{ match: operationIs("SubmitJob"), action: dropResponse(), times: 1 }]
//   })
//   ... runCli([...], { env: { AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: "3" } })
//   expect(proxy.reached("SubmitJob")).toBe(1)      // how many SubmitJob requests reached moto
//   await proxy.close()
//
// Actions:
// - dropResponse():       forward the request, wait for the target's whole response, then destroy the client's
//                         socket without sending a byte of it (the request reached AWS, the answer was lost);
// - resetBeforeForward(): destroy the client's socket without forwarding (the request never reached AWS);
// - status(code, body, headers): answer without forwarding (e.g. 503 with an HTML page);
// - stall():              accept the request and never answer (until the client gives up or close()).
// - reply(make):          answer without forwarding with what make(request) returns (e.g. an answer naming
//                         the instance id the request asked about).
// - throttle():           answer with the protocol's own throttling error (EC2 query XML RequestLimitExceeded,
//                         IAM/STS query XML Throttling, JSON 1.0/1.1 ThrottlingException, Batch REST-JSON 429,
//                         S3 REST-XML SlowDown): nothing was done.
// - truncate():           forward, then send the target's headers and half its body and end the connection
//                         (the request reached AWS; the answer arrived cut short).
// - resetMidBody():       forward, then send the headers and a part of the body and destroy the socket.
// - slow(ms):             wait, then forward faithfully.
// - choose(pick):         decide per request (pick returns an action, or undefined to forward): see randomFaults,
//                         which injects a mix of the faults above at a rate, deterministically by seed.
//
// Bounded: request bodies are read up to MAX_BODY_BYTES, upstream requests time out, `times` limits each
// rule, the log keeps at most MAX_LOG entries, close() destroys every socket (client and upstream).
// Only node:http and node:net.
import { type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type ServerResponse, createServer } from "node:http"
import type { Socket } from "node:net"

const MAX_BODY_BYTES = 16 * 1024 * 1024
const MAX_LOG = 10_000
const UPSTREAM_TIMEOUT_MS = 30_000
/** How much of each request body the log keeps. */
const LOG_BODY_CHARS = 64 * 1024

/** What a rule's predicate sees: the whole request, body included, and the operation if recognisable. */
export interface ProxiedRequest {
  readonly method: string
  /** Path and query string, as received (e.g. "/v1/submitjob", "/"). */
  readonly path: string
  /** Lower-case header names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders
  /** The whole body as UTF-8 text. */
  readonly body: string
  /** The AWS service's signing name from the Authorization header (e.g. "ec2", "ecs", "batch"), if any. */
  readonly service: string | undefined
  /** The AWS operation (e.g. "RunInstances", "RunTask", "SubmitJob"), if recognisable; see operationOf. */
  readonly operation: string | undefined
}

export type FaultAction =
  | { readonly kind: "dropResponse" }
  | { readonly kind: "resetBeforeForward" }
  | { readonly kind: "status"; readonly status: number; readonly body: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: "stall" }
  | { readonly kind: "reply"; readonly make: (request: ProxiedRequest) => Answer }
  | { readonly kind: "throttle" }
  | { readonly kind: "truncate" }
  | { readonly kind: "resetMidBody" }
  | { readonly kind: "slow"; readonly ms: number }
  | { readonly kind: "choose"; readonly pick: (request: ProxiedRequest) => FaultAction | undefined }

/** What a `reply` action answers. */
export interface Answer {
  readonly status: number
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

export const dropResponse = (): FaultAction => ({ kind: "dropResponse" })
export const resetBeforeForward = (): FaultAction => ({ kind: "resetBeforeForward" })
export const status = (code: number, body = "", headers: Readonly<Record<string, string>> = {}): FaultAction => ({
  kind: "status",
  status: code,
  body,
  headers
})
export const stall = (): FaultAction => ({ kind: "stall" })
export const reply = (make: (request: ProxiedRequest) => Answer): FaultAction => ({ kind: "reply", make })
export const throttle = (): FaultAction => ({ kind: "throttle" })
export const truncate = (): FaultAction => ({ kind: "truncate" })
export const resetMidBody = (): FaultAction => ({ kind: "resetMidBody" })
export const slow = (ms: number): FaultAction => ({ kind: "slow", ms })
export const choose = (pick: (request: ProxiedRequest) => FaultAction | undefined): FaultAction => ({ kind: "choose", pick })

/** A small seeded PRNG (mulberry32): the same seed gives the same faults on the same sequence of requests. */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every kind of fault randomFaults injects, in the order its seed picks from. */
export const faultKinds = [
  "throttle",
  "html5xx",
  "resetBeforeForward",
  "dropResponse",
  "resetMidBody",
  "truncate",
  "slow"
] as const
export type FaultKind = (typeof faultKinds)[number]

const htmlPage = "<html><head><title>503 Service Temporarily Unavailable</title></head>\r\n<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\r\n"

const faultOfKind = (kind: FaultKind): FaultAction => {
  switch (kind) {
    case "throttle": return throttle()
    case "html5xx": return status(503, htmlPage, { "content-type": "text/html" })
    case "resetBeforeForward": return resetBeforeForward()
    case "dropResponse": return dropResponse()
    case "resetMidBody": return resetMidBody()
    case "truncate": return truncate()
    case "slow": return slow(150)
  }
}

/**
 * A rule injecting faults into `rate` of the requests it matches (default: every request), each of a kind
 * drawn from `kinds`, deterministically by `seed`: the same seed on the same sequence of requests injects
 * the same faults. `counts` tallies what was injected.
 */
export const randomFaults = (options: {
  readonly seed: number
  readonly rate: number
  readonly kinds?: ReadonlyArray<FaultKind>
  readonly match?: (request: ProxiedRequest) => boolean
}): FaultRule & { readonly counts: Record<FaultKind, number> } => {
  // Two streams: consecutive draws of one are correlated enough to starve a kind at low rates.
  const random = seededRandom(options.seed)
  const pickKind = seededRandom(options.seed ^ 0x5bd1e995)
  const kinds = options.kinds ?? faultKinds
  const counts = Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>
  return {
    name: `random faults (seed ${options.seed}, rate ${options.rate})`,
    match: options.match ?? (() => true),
    times: Infinity,
    counts,
    action: choose(() => {
      const hit = random() < options.rate
      const kind = kinds[Math.floor(pickKind() * kinds.length)] ?? "throttle"
      if (!hit) return undefined
      counts[kind] += 1
      return faultOfKind(kind)
    })
  }
}

const xml = { "content-type": "text/xml" }
/** The throttling error each protocol answers with, as AWS sends it. */
export const throttlingAnswer = (request: ProxiedRequest): Answer => {
  const target = request.headers["x-amz-target"]
  if (typeof target === "string") {
    const type = String(request.headers["content-type"] ?? "application/x-amz-json-1.1")
    return { status: 400, headers: { "content-type": type }, body: JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }) }
  }
  if (request.path.toLowerCase().startsWith("/v1/")) {
    return {
      status: 429,
      headers: { "content-type": "application/json", "x-amzn-errortype": "TooManyRequestsException" },
      body: JSON.stringify({ message: "Too Many Requests" })
    }
  }
  if (request.service === "ec2") {
    return {
      status: 503,
      headers: xml,
      body: "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
    }
  }
  if (request.service === "s3") {
    return {
      status: 503,
      headers: { "content-type": "application/xml" },
      body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>"
    }
  }
  return {
    status: 400,
    headers: xml,
    body: "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
  }
}

export interface FaultRule {
  /** Shown in the log (default: "rule N", N its index). */
  readonly name?: string
  readonly match: (request: ProxiedRequest) => boolean
  readonly action: FaultAction
  /** Apply to this many matching requests, then pass the rest through (default 1; Infinity: always). */
  readonly times?: number
}

/** What the proxy did with a request. "forward" is the faithful pass-through. */
export type Disposition = "forward" | FaultAction["kind"]

export interface ProxyLogEntry {
  /** 1, 2, ... in order of arrival. */
  readonly seq: number
  readonly method: string
  readonly path: string
  readonly service: string | undefined
  readonly operation: string | undefined
  /** The request's headers and body (its first 64 Ki characters), e.g. to compare the client tokens of retries. */
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly action: Disposition
  /** The rule applied (its name), if any. */
  readonly rule: string | undefined
  /** True when the request was sent to the target (forward, dropResponse). */
  readonly reachedTarget: boolean
  /** The target's status (forward, dropResponse once it answered) or the injected one (status). */
  status: number | undefined
  /** Set when forwarding failed (target unreachable, timeout, close()). */
  error: string | undefined
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string
  readonly port: number
  /** Every request, in order of arrival. */
  readonly log: ReadonlyArray<ProxyLogEntry>
  /** How many requests of this operation reached the target (forwarded or response dropped). */
  readonly reached: (operation: string) => number
  /** How many requests of this operation arrived at the proxy (whatever was done with them). */
  readonly received: (operation: string) => number
  /** Resolves once every request of the log has been settled (answered, dropped, failed), within timeoutMs. */
  readonly settled: (timeoutMs?: number) => Promise<void>
  /** Stops listening and destroys every client and upstream socket. Idempotent. */
  readonly close: () => Promise<void>
}

export interface FaultProxyOptions {
  readonly rules?: ReadonlyArray<FaultRule>
}

/** Matches requests of these operations (see operationOf). */
export const operationIs = (...operations: ReadonlyArray<string>) => (r: ProxiedRequest): boolean =>
  r.operation !== undefined && operations.includes(r.operation)

// Batch (REST-JSON): POST /v1/<lower-case operation>. Only the ones aegea sends need a name.
const batchPaths: Readonly<Record<string, string>> = Object.fromEntries(
  [
    "SubmitJob",
    "DescribeJobs",
    "ListJobs",
    "TerminateJob",
    "CancelJob",
    "CreateJobQueue",
    "DescribeJobQueues",
    "UpdateJobQueue",
    "DeleteJobQueue",
    "CreateComputeEnvironment",
    "DescribeComputeEnvironments",
    "UpdateComputeEnvironment",
    "DeleteComputeEnvironment",
    "RegisterJobDefinition",
    "DescribeJobDefinitions",
    "DeregisterJobDefinition",
    "TagResource",
    "UntagResource",
    "ListTagsForResource"
  ].map((op) => [`/v1/${op.toLowerCase()}`, op])
)

/** The signing service from `Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...`. */
export const serviceOf = (headers: IncomingHttpHeaders): string | undefined => {
  const auth = headers.authorization
  const m = typeof auth === "string" ? /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth) : null
  return m?.[1]
}

/**
 * The AWS operation of a request: the x-amz-target header (JSON 1.0/1.1: ECS, Logs, Secrets Manager, SSM...),
 * `Action=` of a query-protocol form body or query string (EC2, IAM, STS), the REST-JSON path of Batch.
 */
export const operationOf = (method: string, path: string, headers: IncomingHttpHeaders, body: string): string | undefined => {
  const target = headers["x-amz-target"]
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1)
  const contentType = String(headers["content-type"] ?? "")
  if (method === "POST" && contentType.startsWith("application/x-www-form-urlencoded")) {
    const action = new URLSearchParams(body).get("Action")
    if (action) return action
  }
  const queryAt = path.indexOf("?")
  const pathOnly = queryAt >= 0 ? path.slice(0, queryAt) : path
  if (queryAt >= 0) {
    const action = new URLSearchParams(path.slice(queryAt + 1)).get("Action")
    if (action) return action
  }
  return batchPaths[pathOnly.toLowerCase()]
}

// Hop-by-hop headers are the proxy's own business on each side (RFC 9110 7.6.1).
const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"])

const endToEnd = (headers: IncomingHttpHeaders): Record<string, string | Array<string>> => {
  const out: Record<string, string | Array<string>> = {}
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !hopByHop.has(k)) out[k] = v
  return out
}

/** Starts the proxy on 127.0.0.1 (a free port) in front of `target` (e.g. moto's http://127.0.0.1:PORT). */
export function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const targetUrl = new URL(target)
  if (targetUrl.protocol !== "http:") throw new Error(`startFaultProxy: only http:// targets, got ${target}`)
  const rules = (options.rules ?? []).map((rule, i) => ({
    rule,
    name: rule.name ?? `rule ${i}`,
    left: rule.times ?? 1
  }))
  const log: Array<ProxyLogEntry> = []
  const pending = new Set<Promise<void>>()
  const sockets = new Set<Socket>()
  const upstream = new Set<ReturnType<typeof httpRequest>>()
  let seq = 0
  let closed = false

  const pickRule = (req: ProxiedRequest) => {
    for (const r of rules) {
      if (r.left > 0 && r.rule.match(req)) {
        r.left -= 1
        return r
      }
    }
    return undefined
  }

  /** Sends the request to the target; resolves with its status, headers and whole body. */
  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const headers = endToEnd(req.headers)
      headers["content-length"] = String(body.length)
      const up = httpRequest(
        {
          protocol: targetUrl.protocol,
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          method: req.method,
          path: req.url,
          headers,
          agent: false, // one connection per request: nothing pooled outlives close()
          timeout: UPSTREAM_TIMEOUT_MS
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (c: Buffer) => chunks.push(c))
          res.once("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }))
          res.once("error", reject)
          res.once("aborted", () => reject(new Error("target aborted its response")))
        }
      )
      upstream.add(up)
      up.once("close", () => upstream.delete(up))
      up.once("timeout", () => up.destroy(new Error(`target did not answer within ${UPSTREAM_TIMEOUT_MS} ms`)))
      up.once("error", reject)
      up.end(body)
    })

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Array<Buffer> = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { "content-type": "text/plain" }).end("fault proxy: request body too large")
        return
      }
      chunks.push(chunk)
    }
    const body = Buffer.concat(chunks)
    const method = req.method ?? "GET"
    const path = req.url ?? "/"
    const text = body.toString("utf8")
    const proxied: ProxiedRequest = {
      method,
      path,
      headers: req.headers,
      body: text,
      service: serviceOf(req.headers),
      operation: operationOf(method, path, req.headers, text)
    }
    const applied = closed ? undefined : pickRule(proxied)
    const ruleAction: FaultAction | undefined = applied?.rule.action
    const action: FaultAction | undefined = ruleAction?.kind === "choose" ? ruleAction.pick(proxied) : ruleAction
    const entry: ProxyLogEntry = {
      seq: ++seq,
      method,
      path,
      service: proxied.service,
      operation: proxied.operation,
      headers: req.headers,
      body: text.length > LOG_BODY_CHARS ? text.slice(0, LOG_BODY_CHARS) : text,
      action: action?.kind ?? "forward",
      rule: action === undefined ? undefined : applied?.name,
      reachedTarget: action === undefined || !["resetBeforeForward", "stall", "status", "reply", "throttle"].includes(action.kind),
      status: undefined,
      error: undefined
    }
    if (log.length < MAX_LOG) log.push(entry)

    if (action?.kind === "resetBeforeForward") {
      req.socket.destroy()
      return
    }
    if (action?.kind === "stall") return // the socket stays open until the client or close() ends it
    if (action?.kind === "status" || action?.kind === "reply" || action?.kind === "throttle") {
      const answer: Answer = action.kind === "status" ? action : action.kind === "throttle" ? throttlingAnswer(proxied) : action.make(proxied)
      entry.status = answer.status
      res.writeHead(answer.status, { "content-length": String(Buffer.byteLength(answer.body)), ...answer.headers }).end(answer.body)
      return
    }
    if (action?.kind === "slow") await new Promise((r) => setTimeout(r, action.ms))
    let answer: Awaited<ReturnType<typeof forward>>
    try {
      answer = await forward(req, body)
    } catch (e) {
      entry.error = e instanceof Error ? e.message : String(e)
      if (!res.headersSent && !res.destroyed) res.writeHead(502, { "content-type": "text/plain" }).end(`fault proxy: ${entry.error}`)
      return
    }
    entry.status = answer.status
    if (action?.kind === "dropResponse") {
      req.socket.destroy()
      return
    }
    const headers = endToEnd(answer.headers)
    headers["content-length"] = String(answer.body.length)
    if (action?.kind === "truncate" || action?.kind === "resetMidBody") {
      // The whole length is announced; only a part of the body follows.
      res.writeHead(answer.status, headers)
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)))
      if (action.kind === "truncate") setImmediate(() => req.socket.end())
      else setImmediate(() => req.socket.destroy())
      return
    }
    res.writeHead(answer.status, headers).end(answer.body)
  }

  const server = createServer((req, res) => {
    const done: Promise<void> = handle(req, res).then(
      () => undefined,
      (e: unknown) => {
        if (!res.destroyed) res.destroy(e instanceof Error ? e : new Error(String(e)))
      }
    ).finally(() => pending.delete(done))
    pending.add(done)
  })
  server.keepAliveTimeout = 5_000
  server.on("connection", (socket: Socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
  })
  server.on("clientError", (_err, socket: Socket) => socket.destroy())

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        reject(new Error("fault proxy: no port"))
        return
      }
      const url = `http://127.0.0.1:${address.port}`
      let closing: Promise<void> | undefined
      resolve({
        url,
        port: address.port,
        log,
        reached: (operation) => log.filter((e) => e.operation === operation && e.reachedTarget).length,
        received: (operation) => log.filter((e) => e.operation === operation).length,
        settled: async (timeoutMs = 10_000) => {
          const deadline = Date.now() + timeoutMs
          while (pending.size > 0) {
            const left = deadline - Date.now()
            if (left <= 0) throw new Error(`fault proxy: ${pending.size} request(s) still in flight after ${timeoutMs} ms`)
            await Promise.race([Promise.all([...pending]), new Promise((r) => setTimeout(r, left))])
          }
        },
        close: () => {
          closing ??= new Promise<void>((done) => {
            closed = true
            server.close(() => done())
            for (const up of upstream) up.destroy(new Error("fault proxy closed"))
            for (const socket of sockets) socket.destroy()
          })
          return closing
        }
      })
    })
  })
}
