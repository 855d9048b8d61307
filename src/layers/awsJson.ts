/**
 * A small AWS JSON 1.1 caller for services aegea needs without an SDK client (the only published
 * Cost and Usage Report client pins a second @aws-sdk/core): one signed POST per call, SigV4 over
 * node:crypto (`signV4`) with the process's one credentials provider (AwsClients), the endpoint the
 * SDK would use (--endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the config's
 * endpoint_url, else the service's AWS endpoint). Failures are shaped like the SDK's, so `callWith`
 * (aws.ts) classifies, words and retries them exactly as it does an SDK call's.
 */
import { isAscii } from "node:buffer"
import { createHash, createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import type { AwsCredentialIdentity } from "@smithy/types"
import type * as Effect from "effect/Effect"
import type { AwsError } from "../errors.ts"
import { requestStarted } from "../lib/whileWaiting.ts"
import { answerCameFrom, callWith, type PlainPolicy } from "./aws.ts"
import { warmAgent } from "./warmConnections.ts"
import type { AwsEnvironment } from "./AwsClients.ts"

/** Headers @smithy/signature-v4 never signs (its ALWAYS_UNSIGNABLE_HEADERS, and proxy-* and sec-*). */
const unsignable = new Set([
  "authorization", "cache-control", "connection", "expect", "from", "keep-alive", "max-forwards", "pragma", "referer", "te", "trailer",
  "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"
])
/** Headers the signer makes itself: dropped from the request first. */
const generated = new Set(["authorization", "x-amz-date", "date"])

const sha256Hex = (data: string) => createHash("sha256").update(data).digest("hex")
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest()
const escapeUri = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** The canonical path as @smithy/signature-v4 makes it (uriEscapePath): segments normalized, then escaped twice. */
const canonicalPath = (path: string) => {
  const segments: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") segments.pop()
    else segments.push(segment)
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`
  return escapeUri(normalized).replace(/%2F/g, "/")
}

/**
 * AWS Signature Version 4 over node:crypto for a request without a query string: the headers to
 * send (the request's, with x-amz-date, x-amz-security-token, x-amz-content-sha256 and authorization
 * added), exactly as @smithy/signature-v4's `sign` makes them (test/unit/awsJsonSign.test.ts holds
 * the two equal), without loading it and the SDK's core it imports (about 40 ms of start-up).
 */
export const signV4 = (
  request: { readonly method: string; readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body: string },
  credentials: AwsCredentialIdentity,
  scope: { readonly region: string; readonly service: string },
  now: Date = new Date()
): Record<string, string> => {
  if (typeof credentials !== "object" || typeof credentials.accessKeyId !== "string" || typeof credentials.secretAccessKey !== "string") {
    throw new Error("Resolved credential object is not valid")
  }
  const longDate = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "")
  const shortDate = longDate.slice(0, 8)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) if (!generated.has(name.toLowerCase())) headers[name] = value
  headers["x-amz-date"] = longDate
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken
  const given = Object.keys(headers).find((name) => name.toLowerCase() === "x-amz-content-sha256")
  const payloadHash = given !== undefined ? headers[given]! : sha256Hex(request.body)
  if (given === undefined) headers["x-amz-content-sha256"] = payloadHash
  const canonical: Record<string, string> = {}
  for (const name of Object.keys(headers).sort()) {
    const lower = name.toLowerCase()
    if (unsignable.has(lower) || /^proxy-/.test(lower) || /^sec-/.test(lower)) continue
    canonical[lower] = headers[name]!.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "")
  }
  const names = Object.keys(canonical).sort()
  // as the SDK's HttpRequest holds a path: "/" when empty, else starting with "/"
  const path = request.path === "" ? "/" : request.path.startsWith("/") ? request.path : `/${request.path}`
  const canonicalRequest = `${request.method}\n${canonicalPath(path)}\n\n${names.map((n) => `${n}:${canonical[n]}`).join("\n")}\n\n${names.join(";")}\n${payloadHash}`
  const credentialScope = `${shortDate}/${scope.region}/${scope.service}/aws4_request`
  const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${credentialScope}\n${sha256Hex(canonicalRequest)}`
  let key: string | Buffer = `AWS4${credentials.secretAccessKey}`
  for (const part of [shortDate, scope.region, scope.service, "aws4_request"]) key = hmac(key, part)
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex")
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${names.join(";")}, Signature=${signature}`
  return headers
}

export interface JsonService {
  /** The name in messages ("CUR"). */
  readonly service: string
  /** The SigV4 signing name ("cur"). */
  readonly signingName: string
  /** The X-Amz-Target prefix ("AWSOrigamiServiceGatewayService"). */
  readonly targetPrefix: string
  /** The AWS endpoint, e.g. https://cur.us-east-1.amazonaws.com. */
  readonly endpoint: string
  /** The SDK's service id for AWS_ENDPOINT_URL_<ID> ("COST_AND_USAGE_REPORT_SERVICE"). */
  readonly endpointEnvId: string
  /** The region requests are signed for. */
  readonly region: string
}

/** The endpoint a JSON service is called at, in the SDK's order. */
export const jsonEndpoint = (
  service: JsonService,
  env: Pick<AwsEnvironment, "endpointUrl">,
  processEnv: Record<string, string | undefined> = process.env
): string => {
  const set = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim())
  return set(env.endpointUrl) ?? set(processEnv[`AWS_ENDPOINT_URL_${service.endpointEnvId}`]) ?? set(processEnv.AWS_ENDPOINT_URL) ??
    service.endpoint
}

const truthy = (value: string | undefined) => value !== undefined && value.trim().toLowerCase() === "true"

/**
 * Whether the endpoint `jsonEndpoint` picks is the one the SDK's client would pick as far as the
 * process environment and the shared config file go: not when the SDK is told to ignore configured
 * endpoints (it would then skip AWS_ENDPOINT_URL*), nor when the config file may name endpoints of
 * its own (`endpoint_url`, a `services` section, `use_fips_endpoint`, `use_dualstack_endpoint`), which
 * only the SDK reads. Layers that sign calls by
 * hand fall back to the SDK's client otherwise.
 */
export const endpointsAsSdk = (processEnv: Record<string, string | undefined> = process.env): boolean => {
  if (truthy(processEnv.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) return false
  try {
    const file = processEnv.AWS_CONFIG_FILE ?? join(processEnv.HOME ?? homedir(), ".aws", "config")
    return !/endpoint_url|use_fips_endpoint|use_dualstack_endpoint|^\s*\[\s*services\b/m.test(readFileSync(file, "utf8"))
  } catch {
    return true
  }
}

interface JsonErrorBody {
  readonly __type?: unknown
  readonly message?: unknown
  readonly Message?: unknown
}

export interface Answer {
  readonly status: number
  readonly header: (name: string) => string | undefined
  /** The body as it came (in memory a reader lent, valid until the attempt ends: see BytesReader). */
  readonly bytes: Buffer
  /** The body's bytes in a buffer of their own, valid for as long as they are kept (`bytes` itself when nothing was lent). */
  readonly kept: () => Buffer
  /** The body decoded (see bodyCollector), made when first read. */
  readonly text: string
}

/**
 * One POST over node:http(s) with keep-alive agents as the default ones, as the SDK's own handler sends
 * (fetch would first load undici: about 80 ms more CPU for a process's first call).
 */
const post = async (
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  area?: LentArea
): Promise<Answer> => {
  // written out (or failed before): what waits for that may run (lib/whileWaiting.ts)
  const written = requestStarted()
  try {
    // loaded when first used (node:https brings TLS: an http endpoint, a local emulator, never needs it)
    const mod = url.protocol === "http:" ? await import("node:http") : await import("node:https")
    // keep-alive agents as Node's default ones, that take a connection opened ahead (warmConnections.ts)
    return await sendPost(mod.request, warmAgent(mod, url.protocol === "http:" ? "http" : "https"), url, headers, body, signal, written, area)
  } finally {
    written()
  }
}

/**
 * A reader of a 2xx answer's bytes, tried before the text is decoded: `read` returns the result or
 * undefined (the text is read as usual). `area`, if given, is asked once per attempt for memory the
 * reader lends for the body (`take(length)`, once the answer's length is known: the body is collected
 * into it instead of a buffer of its own, or into a buffer as usual when it returns undefined) and given
 * back when the attempt ends (`release`), read or not. The text of a body collected into that memory is
 * only valid until then.
 */
export interface BytesReader<O> {
  readonly read: (bytes: Buffer, status: number, kept: () => Buffer) => O | undefined
  readonly area?: () => LentArea
}

/** Memory a reader lends for one answer's body (see BytesReader). */
export interface LentArea {
  readonly take: (length: number) => Uint8Array | undefined
  readonly release: () => void
  /** Whether the reader may ask for the body after the lending (`kept`): its chunks are then kept as they come. */
  readonly keep?: boolean
}

/** Larger declared lengths are not trusted with one allocation up front. */
const MAX_PREALLOCATED = 1 << 30

/**
 * An answer's body as text. When the answer says its length (AWS's do), each chunk is copied, as it
 * comes, into one buffer of that length (or the memory `take` lends for it), so the chunks need not all be kept and then joined (a large
 * answer, thousands of instances or a page of 10,000 log events, is then in memory once less at its
 * peak); else, or when the body turns out longer, the chunks are joined at the end. An all-ASCII body
 * (`isAscii`, a vectorised check) is decoded as Latin-1, the same text without UTF-8's validation.
 */
export const bodyCollector = (contentLength: string | undefined, take?: (length: number) => Uint8Array | undefined, keep = false) => {
  const declared = contentLength !== undefined && /^[0-9]{1,10}$/.test(contentLength) ? Number(contentLength) : -1
  const lent = declared >= 0 && declared <= MAX_PREALLOCATED ? take?.(declared) : undefined
  // whether `whole` is the lent memory (else a buffer of its own)
  let inLent = lent !== undefined && lent.length === declared
  let whole = inLent
    ? Buffer.from(lent!.buffer, lent!.byteOffset, declared)
    : declared >= 0 && declared <= MAX_PREALLOCATED
    ? Buffer.allocUnsafeSlow(declared)
    : undefined
  let chunks: Array<Buffer> | undefined = whole === undefined ? [] : undefined
  // a body collected into lent memory keeps its chunks too when asked (node:http gives each in a
  // buffer of its own): its bytes outlive the lending without a buffer of their own filled as they come
  const lentChunks: Array<Buffer> | undefined = keep && inLent ? [] : undefined
  let length = 0
  const joined = (): Buffer => {
    whole = Buffer.concat(chunks!, length)
    chunks = undefined
    inLent = false
    return whole
  }
  return {
    add: (chunk: Buffer): void => {
      if (whole !== undefined && length + chunk.length <= whole.length) {
        whole.set(chunk, length)
        lentChunks?.push(chunk)
      } else {
        if (chunks === undefined) {
          chunks = [whole!.subarray(0, length)]
          whole = undefined
        }
        chunks.push(chunk)
      }
      length += chunk.length
    },
    /** The body's bytes (once all have come). */
    bytes: (): Buffer => chunks === undefined ? whole!.subarray(0, length) : joined(),
    /** The body's bytes in memory of their own, valid after the lending (the kept chunks joined, or a copy, where the body is in lent memory). */
    kept: (): Buffer =>
      chunks !== undefined
        ? joined()
        : !inLent
        ? whole!.subarray(0, length)
        : lentChunks !== undefined
        ? Buffer.concat(lentChunks, length)
        : Buffer.from(whole!.subarray(0, length)),
    /** The body as text. */
    text: (): string => {
      const bytes = chunks === undefined ? whole!.subarray(0, length) : Buffer.concat(chunks, length)
      return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8")
    }
  }
}

const sendPost = (
  send: typeof import("node:http").request,
  agent: import("node:http").Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  written: () => void,
  area?: LentArea
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = send(url, { method: "POST", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, signal }, (res) => {
      const collect = bodyCollector(res.headers["content-length"], area?.take, area?.keep)
      res.on("data", collect.add)
      res.on("error", reject)
      res.on("end", () => {
        const header = (name: string) => {
          const value = res.headers[name.toLowerCase()]
          return Array.isArray(value) ? value.join(", ") : value
        }
        let text: string | undefined
        resolve({
          status: res.statusCode ?? 0,
          header,
          bytes: collect.bytes(),
          kept: collect.kept,
          get text() {
            return text ??= collect.text()
          }
        })
      })
    })
    req.on("error", (error) => {
      written()
      reject(error)
    })
    req.once("finish", written)
    req.end(body)
  })

/** An error answer as the SDK would throw it: name = the AWS code, $metadata, the raw body kept. */
const answerError = (status: number, headers: Pick<Answer, "header">, text: string): Error => {
  let parsed: JsonErrorBody | undefined
  try {
    const value: unknown = JSON.parse(text)
    parsed = typeof value === "object" && value !== null ? (value as JsonErrorBody) : undefined
  } catch {
    parsed = undefined
  }
  const rawType = headers.header("x-amzn-errortype") ?? (typeof parsed?.__type === "string" ? parsed.__type : undefined)
  // "com.amazon.coral.service#AccessDeniedException" or "AccessDeniedException:http://..."
  const code = rawType?.split(":")[0]?.split("#").pop()?.trim() || undefined
  const message = typeof parsed?.message === "string" ? parsed.message : typeof parsed?.Message === "string" ? parsed.Message : undefined
  const error = new Error(code !== undefined ? (message ?? code) : "Unknown")
  return Object.assign(error, {
    name: code ?? "Unknown",
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: headers.header("x-amzn-requestid") },
    $response: { statusCode: status, body: text }
  })
}

/** What a signed POST needs besides the service: its body, content type and extra headers. */
export interface SignedRequest {
  readonly contentType: string
  readonly body: string
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * One signed POST to `service` under `policy` (the transport of jsonCall, and of the hand-signed EC2
 * Query calls of the ssh family, ec2Query.ts): `read` turns a 2xx answer's text into the result,
 * `errorOf` an error answer into an error shaped as the SDK's. `action` completes "could not ...".
 */
export const signedCall = <O>(
  env: AwsEnvironment,
  service: JsonService,
  operation: string,
  request: SignedRequest,
  action: string,
  policy: PlainPolicy,
  read: (text: string, status: number) => O,
  errorOf: (status: number, headers: Pick<Answer, "header">, text: string) => Error,
  fromBytes?: BytesReader<O>
): Effect.Effect<O, AwsError> => {
  const url = new URL(jsonEndpoint(service, env))
  const { body } = request
  const send = async (signal: AbortSignal): Promise<O> => {
    const headers = signV4(
      {
        method: "POST",
        path: url.pathname === "" ? "/" : url.pathname,
        headers: { host: url.host, "content-type": request.contentType, ...request.headers, "user-agent": env.clientConfig.customUserAgent },
        body
      },
      await env.clientConfig.credentials(),
      { region: service.region, service: service.signingName }
    )
    // the memory a reader lends for this answer's body, given back however the call ends
    const area = fromBytes?.area?.()
    try {
      const response = await post(url, headers, body, signal, area)
      if (response.status >= 300) {
        const error = errorOf(response.status, response, response.text)
        answerCameFrom(error, url.origin)
        throw error
      }
      const result = fromBytes?.read(response.bytes, response.status, response.kept)
      return result !== undefined ? result : read(response.text, response.status)
    } finally {
      area?.release()
    }
  }
  return callWith({ ...env, region: service.region }, { service: service.service, operation, action }, send, policy)
}

/**
 * One JSON 1.1 operation under `policy`: `input` is the request body; `read` turns the answer's text
 * into the result (throwing an error shaped as the SDK's where it cannot), unless `fromBytes`, given
 * the answer's bytes first, returns the result (undefined: `read` reads the text). `action` completes
 * "could not ...".
 */
export const jsonTextCall = <O>(
  env: AwsEnvironment,
  service: JsonService,
  operation: string,
  input: object,
  action: string,
  policy: PlainPolicy,
  read: (text: string, status: number) => O,
  fromBytes?: BytesReader<O>
): Effect.Effect<O, AwsError> =>
  signedCall<O>(
    env,
    service,
    operation,
    { contentType: "application/x-amz-json-1.1", body: JSON.stringify(input), headers: { "x-amz-target": `${service.targetPrefix}.${operation}` } },
    action,
    policy,
    read,
    answerError,
    fromBytes
  )

/**
 * A JSON 1.1 answer's text parsed ({} for an empty body); one that is not JSON throws an error shaped as
 * the SDK's deserializer's would be (`InvalidAnswer`, naming the operation).
 */
export const parsedJson = <O>(service: JsonService, operation: string, text: string, status: number): O => {
  try {
    return (text === "" ? {} : JSON.parse(text)) as O
  } catch {
    throw Object.assign(new Error(`${service.service} ${operation} answered with a body that is not JSON`), {
      name: "InvalidAnswer",
      $metadata: { httpStatusCode: status }
    })
  }
}

/**
 * One JSON 1.1 operation under `policy`: `input` is the request body; the parsed answer is returned.
 * `action` completes "could not ..." in the error.
 */
export const jsonCall = <O>(
  env: AwsEnvironment,
  service: JsonService,
  operation: string,
  input: object,
  action: string,
  policy: PlainPolicy
): Effect.Effect<O, AwsError> =>
  jsonTextCall<O>(env, service, operation, input, action, policy, (text, status) => parsedJson<O>(service, operation, text, status))

/** The client configuration every environment has; anything else came from the embedding program (ClientOptions.sdkConfig). */
const plainClientConfig = new Set(["region", "maxAttempts", "profile", "endpoint", "credentials", "customUserAgent"])

/**
 * Whether a call signed here reaches the endpoint the SDK's client for `client` (AwsClients' key, the
 * name `makeAws` is given) would, as that client would: not when the embedding program provides that
 * client or SDK configuration of its own (a request handler, say), nor with FIPS or dual-stack
 * endpoints, nor in the partitions with endpoints of their own (GovCloud, ISO), nor where endpoints are
 * named in the shared config file or configured ones are to be ignored.
 */
export const signedCallsFit = (
  env: Pick<AwsEnvironment, "clients" | "region" | "clientConfig">,
  client: string,
  processEnv: Record<string, string | undefined> = process.env
): boolean =>
  env.clients?.[client] === undefined && Object.keys(env.clientConfig).every((k) => plainClientConfig.has(k)) &&
  !truthy(processEnv.AWS_USE_FIPS_ENDPOINT) && !truthy(processEnv.AWS_USE_DUALSTACK_ENDPOINT) &&
  /^(?:[a-z]{2}-[a-z]+-\d+|cn-[a-z]+-\d+)$/.test(env.region) && !env.region.startsWith("us-gov-") &&
  endpointsAsSdk(processEnv)
