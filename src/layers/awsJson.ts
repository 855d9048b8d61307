/**
 * A small AWS JSON 1.1 caller for services aegea needs without an SDK client (the only published
 * Cost and Usage Report client pins a second @aws-sdk/core): one signed POST per call, SigV4 by
 * @smithy/signature-v4 with the process's one credentials provider (AwsClients), the endpoint the
 * SDK would use (--endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the config's
 * endpoint_url, else the service's AWS endpoint). Failures are shaped like the SDK's, so `callWith`
 * (aws.ts) classifies, words and retries them exactly as it does an SDK call's.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto"
import { request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import type { SignatureV4 } from "@smithy/signature-v4"
import type * as Effect from "effect/Effect"
import type { AwsError } from "../errors.ts"
import { callWith, type PlainPolicy } from "./aws.ts"
import type { AwsEnvironment } from "./AwsClients.ts"

type SourceData = string | ArrayBuffer | ArrayBufferView

const bytes = (data: SourceData): Buffer | string =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
    ? Buffer.from(data)
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength)

/** SHA-256 (or HMAC-SHA-256 with a secret) over node:crypto, in the shape SignatureV4 asks for. */
class NodeSha256 {
  private hash: Hash | Hmac
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh()
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(this.secret))
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()))
  }
  reset(): void {
    this.hash = this.fresh()
  }
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

interface JsonErrorBody {
  readonly __type?: unknown
  readonly message?: unknown
  readonly Message?: unknown
}

interface Answer {
  readonly status: number
  readonly header: (name: string) => string | undefined
  readonly text: string
}

/**
 * One POST over node:http(s) with the default keep-alive agents, as the SDK's own handler sends
 * (fetch would first load undici: about 80 ms more CPU for a process's first call).
 */
const post = (url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === "http:" ? httpRequest : httpsRequest
    const req = send(url, { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, signal }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", reject)
      res.on("end", () => {
        const header = (name: string) => {
          const value = res.headers[name.toLowerCase()]
          return Array.isArray(value) ? value.join(", ") : value
        }
        resolve({ status: res.statusCode ?? 0, header, text: Buffer.concat(chunks).toString("utf8") })
      })
    })
    req.on("error", reject)
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
): Effect.Effect<O, AwsError> => {
  // The signer is loaded on first use: commands that never call a JSON service never load it.
  let signer: Promise<SignatureV4> | undefined
  const signerOf = () =>
    signer ??= import("@smithy/signature-v4").then(({ SignatureV4 }) =>
      new SignatureV4({
        service: service.signingName,
        region: service.region,
        credentials: env.clientConfig.credentials,
        sha256: NodeSha256
      })
    )
  const url = new URL(jsonEndpoint(service, env))
  const body = JSON.stringify(input)
  const send = async (signal: AbortSignal): Promise<O> => {
    const signed = await (await signerOf()).sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== "" ? { port: Number(url.port) } : {}),
      path: url.pathname === "" ? "/" : url.pathname,
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `${service.targetPrefix}.${operation}`,
        "user-agent": env.clientConfig.customUserAgent
      },
      body
    })
    const response = await post(url, signed.headers, body, signal)
    const text = response.text
    if (response.status >= 300) throw answerError(response.status, response, text)
    try {
      return (text === "" ? {} : JSON.parse(text)) as O
    } catch {
      throw Object.assign(new Error(`${service.service} ${operation} answered with a body that is not JSON`), {
        name: "InvalidAnswer",
        $metadata: { httpStatusCode: response.status }
      })
    }
  }
  return callWith({ ...env, region: service.region }, { service: service.service, operation, action }, send, policy)
}
