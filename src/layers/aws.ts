/**
 * The one SDK boundary. A live layer asks `makeAws` for its service's client and gets `call` and
 * `pages`; nothing else in src/ calls `client.send`. Every call:
 *
 * - passes the fiber's AbortSignal (interruption cancels the HTTP request) and has a time limit per
 *   attempt (`AwsEnvironment.requestTimeout`);
 * - classifies a failure into a category (below) and a typed error carrying the sentence of what
 *   aegea was doing, the AWS code and the request id;
 * - retries by the call's declared `CallPolicy` on one Schedule (lib/schedules.ts). The SDK's own
 *   retries are off (`maxAttempts: 1`), so this is the only retry policy.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import {
  AwsAccessDenied,
  AwsCredentialsMissing,
  type AwsError,
  AwsInvalidRequest,
  AwsNotFound,
  AwsQuotaExceeded,
  AwsThrottled,
  AwsUnavailable
} from "../errors.ts"
import { awsRetrySchedule } from "../lib/schedules.ts"
import { AwsClients, type AwsEnvironment } from "./AwsClients.ts"

/**
 * Why a call failed, which decides whether it may be retried:
 * - `throttling`: AWS refused the request for its rate; nothing was done.
 * - `quota`: an account limit (LimitExceededException, InstanceLimitExceeded...): not retried.
 * - `network`: the request never left (connection refused, DNS): nothing was done.
 * - `server`: AWS answered 5xx: the request reached AWS and may or may not have been done.
 * - `ambiguous`: the connection dropped or timed out after sending: it may have been done.
 * - `endpoint`: the endpoint answered 3xx/4xx with something that is not an AWS error (an emulator's
 *   "not found", a proxy's HTML page): it does not serve this call, so trying again changes nothing.
 * - the others are answers: not retried.
 *
 * A 5xx whose body is not an AWS error is still `server` (retried as the policy allows); only its
 * message differs: it quotes the body's first line instead of an AWS error code.
 */
export type Category =
  | "credentials"
  | "access-denied"
  | "not-found"
  | "throttling"
  | "quota"
  | "network"
  | "server"
  | "ambiguous"
  | "endpoint"
  | "invalid"

interface SdkErrorLike {
  readonly name?: string
  readonly Code?: string
  readonly code?: string
  readonly message?: string
  readonly $fault?: "client" | "server"
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly extendedRequestId?: string }
  readonly $retryable?: { readonly throttling?: boolean }
  /** The raw answer, set by the SDK on any failure it deserialized (non-enumerable). */
  readonly $response?: { readonly body?: unknown }
  /** The text of a body the SDK could not parse. */
  readonly $responseBodyText?: string
}

const throttlingCodes = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException"
])
const quotaCodes = new Set([
  "LimitExceededException",
  "LimitExceeded",
  "ServiceQuotaExceededException",
  "QuotaExceededException",
  "InstanceLimitExceeded",
  "VcpuLimitExceeded",
  "MaxSpotInstanceCountExceeded",
  "InsufficientInstanceCapacity",
  "AddressLimitExceeded",
  "VolumeLimitExceeded",
  "SnapshotLimitExceeded",
  "SecurityGroupLimitExceeded",
  "RulesPerSecurityGroupLimitExceeded",
  "EntityAlreadyExistsLimitExceeded",
  "TooManyBuckets",
  "ResourceLimitExceeded"
])
const credentialCodes = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "AuthFailure",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "TokenRefreshRequired",
  "InvalidAccessKeyId",
  "InvalidToken"
])
const accessDeniedCodes = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "Forbidden",
  "OptInRequired",
  "AuthorizationError"
])
/** The request never reached AWS. */
const notSentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN"])
/** The connection broke or timed out once the request may have been sent. */
const droppedCodes = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ECONNABORTED",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException"
])

/** The AWS error code of any SDK failure (modeled, unmodeled, network). */
export const errorCode = (e: unknown): string => {
  const err = (e ?? {}) as SdkErrorLike & { cause?: { code?: string } }
  return err.Code ?? (typeof err.code === "string" ? err.code : undefined) ?? err.cause?.code ?? err.name ?? "Unknown"
}

/** The SDK's message when the body was not XML/JSON at all (an HTML page, plain text). */
const unreadableBody = /XML parse error|is not valid JSON|Deserialization error|Unexpected token|Unexpected end of JSON|Expected .* in JSON/

/** Codes the SDK makes up when an error answer names none (an empty or foreign body). */
const madeUpCodes = new Set(["Unknown", "UnknownError"])

/** S3's HEAD operations, whose answers have no body. */
const isHead = (operation: string) => /^Head/.test(operation)

/**
 * The parser's own failure (a plain Error or SyntaxError, no AWS code), not an AWS error that happens
 * to say "Unexpected token".
 */
const parserFailed = (err: SdkErrorLike): boolean => {
  const plain = err.name === undefined || err.name === "Error"
  return err.Code === undefined && (err.name === "SyntaxError" || (plain && unreadableBody.test(err.message ?? "")))
}

/** A body that starts like JSON or an AWS XML error but does not parse: the answer was cut short. */
const isCutShort = (body: string): boolean => {
  const text = body.trim()
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      JSON.parse(text)
      return false
    } catch {
      return true
    }
  }
  const root = /^(?:<\?xml[^>]*\?>\s*)?<(ErrorResponse|Error|Response)\b/.exec(text)?.[1]
  return root !== undefined && !new RegExp(`</${root}>$`).test(text)
}

/**
 * An error answer whose AWS-shaped body was cut short (a connection that ended mid-body under a
 * correct-looking status): nothing can be read from it, so it is a network failure, retried (a
 * truncated 404 of DescribeSecret is not "the endpoint does not serve this call").
 */
export const answerCutShort = (e: unknown): boolean => {
  const err = (e ?? {}) as SdkErrorLike
  if (err.$metadata?.httpStatusCode === undefined || !parserFailed(err)) return false
  const body = rawBody(e)
  // No body kept (Secrets Manager's guarded calls drop it): the JSON parser's words for a cut answer.
  return body !== undefined ? isCutShort(body) : endedEarly.test(err.message ?? "")
}

/** The JSON parser's messages for text that ends before the value does. */
const endedEarly = /Unexpected end of JSON input|Unterminated string in JSON/

/** What kind of unreadable body an answer had, for messages: "HTML page", "body cut short"... */
const bodyKind = (e: unknown): string => {
  const body = rawBody(e)
  // Without the body, the parser's message quotes its first characters: "Unexpected token '<', "<html>...
  const text = body ?? (((e ?? {}) as SdkErrorLike).message ?? "")
  if (/<!doctype\b|<html\b|<head\b|<body\b|<title\b/i.test(text)) return "HTML page"
  if (body === undefined) return answerCutShort(e) ? "body cut short" : "unreadable body"
  if (isCutShort(body)) return "body cut short"
  return body.trim() === "" ? "empty body" : "unreadable body"
}

/**
 * The HTTP status of an error answer that is not an AWS error (a body no AWS protocol reads, or one
 * naming no error code: an emulator's "not implemented" text, a proxy's HTML page, an empty 502), or
 * undefined when AWS answered with an error of its own or nothing answered at all. `operation`, when
 * known, tells S3's bodiless HEAD 404 (AWS's "not found") from a foreign 404.
 */
export const foreignAnswerStatus = (e: unknown, operation?: string): number | undefined => {
  const err = (e ?? {}) as SdkErrorLike
  const status = err.$metadata?.httpStatusCode
  if (status === undefined || status < 300) return undefined
  // A HEAD answer never has a body: below 500 its status is all AWS says (S3's 404, 403, 301).
  if (operation !== undefined && isHead(operation) && status < 500) return undefined
  // The parser's own failure (a plain Error or SyntaxError, no AWS code), not an AWS error that
  // happens to say "Unexpected token".
  if (parserFailed(err)) return status
  const code = errorCode(e)
  if (madeUpCodes.has(code)) return status
  // The XML protocols' name for a 404 without an error code (HEAD answers are handled above).
  if (code === "NotFound" && status === 404 && operation !== undefined) return status
  return undefined
}

/** Sort a failure into the category that decides retry and exit code; `operation` as in `foreignAnswerStatus`. */
export const classify = (e: unknown, operation?: string): Category => {
  const err = (e ?? {}) as SdkErrorLike
  const code = errorCode(e)
  const status = err.$metadata?.httpStatusCode
  if (credentialCodes.has(code) || credentialCodes.has(err.name ?? "")) return "credentials"
  if (accessDeniedCodes.has(code) || status === 403) return "access-denied"
  if (quotaCodes.has(code)) return "quota"
  if (throttlingCodes.has(code) || err.$retryable?.throttling === true || status === 429) return "throttling"
  if (answerCutShort(e)) return "ambiguous"
  const foreign = foreignAnswerStatus(e, operation)
  if (foreign !== undefined) return foreign >= 500 ? "server" : "endpoint"
  if (/NotFound(Exception)?$|^NoSuch|\.NotFound$/.test(code) || status === 404) return "not-found"
  if (notSentCodes.has(code)) return "network"
  if (droppedCodes.has(code)) return "ambiguous"
  if ((status !== undefined && status >= 500) || err.$fault === "server") return "server"
  if (status === undefined && !(err.$metadata?.httpStatusCode) && e instanceof Error &&
    /fetch failed|socket hang up|network|aborted/i.test(err.message ?? "")) {
    return "ambiguous"
  }
  return "invalid"
}

/**
 * What a call is, for its error message and IAM permission: service, operation, the action it does,
 * region.
 */
export interface CallContext {
  readonly service: string
  readonly operation: string
  /** What we were doing, as the object of "could not ...", e.g. "stop instance i-0abc (web-1)". */
  readonly action: string
  readonly region?: string | undefined
}

const shortMessage = (e: unknown): string => {
  const err = (e ?? {}) as SdkErrorLike
  const message = (err.message ?? String(e)).split(/\r?\n|\r/)[0] ?? ""
  // Unmodeled bodies produce parser noise; say what happened instead.
  if (unreadableBody.test(message)) {
    return `HTTP ${err.$metadata?.httpStatusCode ?? "error"} with an unreadable body`
  }
  return message.length > 300 ? message.slice(0, 297) + "..." : message
}

/** How much of a foreign answer's body a message quotes. */
const bodyLineMax = 200

const entities: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: " " }
const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const n = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole
    }
    return entities[name.toLowerCase()] ?? whole
  })

/**
 * The line of an answer's body worth quoting: an HTML page's title, else the first line with text
 * once tags are stripped; entities decoded, control and bidi characters removed (a terminal shows
 * it), whitespace collapsed, at most 200 characters. "" for an empty body.
 */
export const bodyLine = (body: string): string => {
  const title = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(body)?.[1]
  const text = title !== undefined && title.trim() !== ""
    ? title.replace(/\s+/g, " ")
    : body.replace(/<!--[\s\S]*?-->/g, "").replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "").replace(/<[^>]*>/g, " ")
  for (const raw of text.split(/\r?\n|\r/)) {
    const clean = decodeEntities(raw).replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, " ")
      .replace(/\s+/g, " ").trim()
    if (clean !== "") return clean.length > bodyLineMax ? clean.slice(0, bodyLineMax - 3) + "..." : clean
  }
  return ""
}

/** The raw body of a failed answer, when the SDK (or `keepErrorAnswers`) kept it. */
const rawBody = (e: unknown): string | undefined => {
  const err = (e ?? {}) as SdkErrorLike
  const body = err.$response?.body
  if (typeof body === "string") return body
  if (body instanceof Uint8Array) return new TextDecoder().decode(body)
  return typeof err.$responseBodyText === "string" ? err.$responseBodyText : undefined
}

/** What a foreign answer said: its body's first line, else the SDK's message when it is not parser noise. */
const foreignDetail = (e: unknown): string => {
  const body = rawBody(e)
  if (body !== undefined) return bodyLine(body)
  const message = ((e ?? {}) as SdkErrorLike).message ?? ""
  const first = message.split(/\r?\n|\r/)[0] ?? ""
  return unreadableBody.test(first) || madeUpCodes.has(first.trim()) ? "" : bodyLine(first)
}

/** Which endpoint gave each failed answer (its origin), recorded by `keepErrorAnswers`. */
const answeredBy = new WeakMap<object, string>()

/**
 * Records that `origin` gave the failed answer `error` carries (its `$response`): for the calls made
 * without an SDK client (awsJson.ts), which the middleware below does not see, so that their errors
 * name the endpoint as the SDK's do ("the endpoint URL does not serve ...").
 */
export const answerCameFrom = (error: unknown, origin: string): void => {
  const response = ((error ?? {}) as SdkErrorLike).$response
  if (typeof response === "object" && response !== null) answeredBy.set(response, origin)
}

const endpointOf = (e: unknown): string | undefined => {
  const response = ((e ?? {}) as SdkErrorLike).$response
  return typeof response === "object" && response !== null ? answeredBy.get(response) : undefined
}

interface HttpRequestLike {
  readonly protocol?: string
  readonly hostname?: string
  readonly port?: number
}

const originOf = (request: HttpRequestLike | undefined): string | undefined => {
  if (request?.hostname === undefined) return undefined
  const protocol = request.protocol === undefined ? "https:" : request.protocol.endsWith(":") ? request.protocol : `${request.protocol}:`
  return `${protocol}//${request.hostname}${request.port !== undefined ? `:${request.port}` : ""}`
}

interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { readonly step: "deserialize"; readonly priority: "low"; readonly name: string; readonly override: boolean }
  ): void
}

const keeping = new WeakSet<object>()

/**
 * Keep the body of every error answer (status >= 300) readable after the SDK has parsed it: read it
 * into bytes before the SDK's deserializer (which then reads the bytes, as it would the stream), so
 * the error's `$response.body` still holds it when it was not an AWS error (the JSON protocols keep no
 * copy of a body they could not parse), and note which endpoint answered. Once per client.
 */
const keepErrorAnswers = (sdk: SdkClient) => {
  const stack = (sdk as { readonly middlewareStack?: MiddlewareStackLike }).middlewareStack
  if (stack === undefined || typeof stack.add !== "function" || keeping.has(sdk)) return
  keeping.add(sdk)
  stack.add(
    (next) => async (args) => {
      const result = await next(args)
      const response = (result as { readonly response?: { statusCode?: unknown; body?: unknown } } | undefined)?.response
      if (typeof response !== "object" || response === null || typeof response.statusCode !== "number" || response.statusCode < 300) {
        return result
      }
      const origin = originOf((args as { readonly request?: HttpRequestLike }).request)
      if (origin !== undefined) answeredBy.set(response, origin)
      const body = response.body
      if (body !== null && typeof body === "object" && !(body instanceof Uint8Array) && Symbol.asyncIterator in body) {
        const chunks: Array<Uint8Array> = []
        for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
          chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
        }
        response.body = Buffer.concat(chunks)
      }
      return result
    },
    { step: "deserialize", priority: "low", name: "aegeaKeepErrorAnswers", override: true }
  )
}

/** Operations that only read (AWS names them so): a lost answer to one changed nothing. */
export const isRead = (operation: string) => /^(Describe|List|Get|Head|Search|Lookup|Filter|BatchGet)/.test(operation)

/** "HTTP 503 from the service (HTML page): 503 Service Unavailable", as an Error for --debug's "caused by". */
const unreadableAnswer = (status: number, e: unknown): Error => {
  const detail = foreignDetail(e)
  const error = new Error(`HTTP ${status} from the service (${bodyKind(e)})${detail !== "" ? `: ${detail}` : ""}`)
  error.stack = `Error: ${error.message}`
  return error
}

/** Turn any SDK failure into the typed error of its category. */
export const toAwsError = (ctx: CallContext) => (e: unknown): AwsError => {
  const err = (e ?? {}) as SdkErrorLike
  const category = classify(e, ctx.operation)
  const foreign = foreignAnswerStatus(e, ctx.operation)
  const fields = {
    action: ctx.action,
    service: ctx.service,
    operation: ctx.operation,
    // An answer that is not an AWS error has no AWS code: its status stands in.
    code: foreign !== undefined ? `HTTP ${foreign}` : errorCode(e),
    awsMessage: foreign !== undefined ? foreignDetail(e) : shortMessage(e),
    ...(ctx.region !== undefined ? { region: ctx.region } : {}),
    ...(err.$metadata?.requestId !== undefined ? { requestId: err.$metadata.requestId } : {}),
    // The parser's failure on a foreign body (an HTML page, a cut answer) quotes a fragment of it, raw
    // carriage returns and all: --debug shows what the answer was instead.
    cause: foreign !== undefined && parserFailed(err) ? unreadableAnswer(foreign, e) : e
  }
  switch (category) {
    case "credentials":
      return new AwsCredentialsMissing(fields)
    case "access-denied":
      return new AwsAccessDenied(fields)
    case "not-found":
      return new AwsNotFound(fields)
    case "throttling":
      return new AwsThrottled(fields)
    case "quota":
      return new AwsQuotaExceeded(fields)
    case "network":
    case "server":
    case "ambiguous": {
      const status = category === "server" ? err.$metadata?.httpStatusCode : undefined
      const endpoint = endpointOf(e)
      // A read that fails is only a failure; a change may have been made when the request left.
      return new AwsUnavailable({
        ...fields,
        mayHaveTakenEffect: category !== "network" && !isRead(ctx.operation),
        ...(status !== undefined ? { httpStatus: status } : {}),
        ...(status !== undefined && endpoint !== undefined ? { endpoint } : {})
      })
    }
    case "endpoint": {
      const endpoint = endpointOf(e)
      // Not served: nothing was done.
      return new AwsUnavailable({
        ...fields,
        mayHaveTakenEffect: false,
        ...(foreign !== undefined ? { httpStatus: foreign } : {}),
        ...(endpoint !== undefined ? { endpoint } : {}),
        notServed: true
      })
    }
    case "invalid":
      return new AwsInvalidRequest(fields)
  }
}

/**
 * How a call may be retried. Every call names one:
 * - `idempotent`: reads, and changes that are the same when done twice (StopInstances, CreateTags,
 *   DeleteX that treats "already gone" as done): retry throttling, network, server and dropped calls.
 * - `tokenized`: the request carries a client token set once (Secrets Manager ClientRequestToken,
 *   EC2 ClientToken, ECS clientToken): AWS does it at most once, so retry as `idempotent`.
 * - `reconciled`: a creation without a token that AWS honours (Batch SubmitJob): after a server or
 *   dropped failure, `find` looks for what the request made (by a unique tag set in that same
 *   request); what it finds is the result, and only when nothing is there is the call retried.
 * - `once`: a change that is not safe twice and that nothing can find: retried only when it surely
 *   never reached AWS (throttling, connection refused).
 */
export type CallPolicy<O> = PlainPolicy | Reconciled<O>

/** The retry policies that need nothing more than their name: `idempotent`, `tokenized`, `once`. */
export interface PlainPolicy {
  readonly _tag: "idempotent" | "tokenized" | "once"
}

/**
 * The `reconciled` policy: how to find what a creation made when its answer was lost, and how to name
 * it.
 */
export interface Reconciled<O> {
  readonly _tag: "reconciled"
  readonly find: Effect.Effect<Option.Option<O>, AwsError>
  /** What was found, for the warning: "job 1234 (nightly)". */
  readonly describe: (found: O) => string
}

/**
 * The tag a `reconciled` creation sets to a fresh token (a UUID made once per logical request), by
 * which what a request made is found when its answer was lost.
 */
export const requestTokenTag = "aegea:request-token"

/**
 * The policy of reads and of changes that are the same twice: retry throttling, network, server and
 * dropped calls.
 */
export const idempotent: PlainPolicy = { _tag: "idempotent" }
/**
 * The policy of a request that carries a client token made once: retried like `idempotent`, done once
 * by AWS.
 */
export const tokenized: PlainPolicy = { _tag: "tokenized" }
/**
 * The policy of a change that is not safe twice and cannot be found: retried only when it surely
 * never reached AWS.
 */
export const once: PlainPolicy = { _tag: "once" }
/**
 * The policy of a creation AWS cannot de-duplicate: after a lost answer, `find` looks for what it
 * made before any retry.
 */
export const reconciled = <O>(
  find: Effect.Effect<Option.Option<O>, AwsError>,
  describe: (found: O) => string
): Reconciled<O> => ({ _tag: "reconciled", find, describe })

/** May a failure of this category be retried under this policy (before any reconciliation)? */
export const mayRetry = (policy: CallPolicy<unknown>["_tag"], category: Category): boolean => {
  switch (category) {
    case "throttling":
    case "network":
      return true
    case "server":
    case "ambiguous":
      return policy !== "once"
    default:
      return false
  }
}

interface Failure {
  readonly category: Category
  readonly error: AwsError
}

/** The environment a call needs: the region (for messages), attempts and the time limit per attempt. */
export type CallEnvironment = Pick<AwsEnvironment, "maxAttempts" | "region"> & {
  readonly requestTimeout?: Duration.Duration | undefined
}

/**
 * Call AWS once, plus the retries `policy` allows: `send` receives the AbortSignal to hand to the SDK.
 * The lower-level form of `Aws.call`, for tests and for calls that are not an SDK command.
 */
export const callWith = <A>(
  env: CallEnvironment,
  ctx: CallContext,
  send: (signal: AbortSignal) => Promise<A>,
  policy: CallPolicy<A>
): Effect.Effect<A, AwsError> => {
  const context = { region: env.region, ...ctx }
  const toFailure = (e: unknown): Failure => ({ category: classify(e, ctx.operation), error: toAwsError(context)(e) })
  const timedOut = (): Failure =>
    toFailure(Object.assign(new Error(`no answer within ${Duration.format(env.requestTimeout ?? Duration.infinity)}`), { name: "TimeoutError" }))
  const once: Effect.Effect<A, Failure> = Effect.tryPromise({ try: send, catch: toFailure }).pipe(
    env.requestTimeout === undefined
      ? (self) => self
      : Effect.timeoutOrElse({ duration: env.requestTimeout, orElse: () => Effect.fail(timedOut()) })
  )
  const attempt: Effect.Effect<A, Failure> = policy._tag !== "reconciled" ? once : once.pipe(
    Effect.catchIf(
      (f) => f.category === "server" || f.category === "ambiguous",
      (failure) =>
        policy.find.pipe(
          // Could not look: sending again might make a second one, so stop with what the request met.
          Effect.mapError((): Failure => ({ category: "invalid", error: failure.error })),
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(failure),
            onSome: (found) =>
              Effect.logWarning(
                `the answer to ${ctx.service} ${ctx.operation} was lost (${failure.error.code}); found ${policy.describe(found)} that it created`
              ).pipe(Effect.as(found))
          }))
        )
    )
  )
  return attempt.pipe(
    Effect.retry(
      awsRetrySchedule(env.maxAttempts).pipe(
        Schedule.setInputType<Failure>(),
        Schedule.while(({ input }) => mayRetry(policy._tag, input.category))
      )
    ),
    Effect.mapError((f) => f.error),
    Effect.withSpan(`aws.${ctx.service}.${ctx.operation}`)
  )
}

/** The part of an SDK v3 command that `call` needs: its input and, through its handler, its output type. */
export interface SdkCommand<O> {
  readonly input: object
  resolveMiddleware(stack: never, configuration: never, options: never): (args: never) => Promise<{ readonly output: O }>
}

/** The part of an SDK v3 client that `makeAws` needs. */
export interface SdkClient {
  send(command: never, options: { readonly abortSignal: AbortSignal }): Promise<unknown>
  destroy(): void
}

/** "SubmitJob" from a SubmitJobCommand: the operation schema's name, which survives minification. */
export const operationName = (command: object): string => {
  const schema = (command as { readonly schema?: unknown }).schema
  if (Array.isArray(schema) && typeof schema[2] === "string") return schema[2]
  return command.constructor.name.replace(/Command$/, "")
}

/** Who the credentials belong to (STS GetCallerIdentity). */
export interface CallerIdentity {
  readonly account: string
  readonly arn: string
  readonly userId: string
}

/** A service's client and its calls, for one live layer. */
export interface Aws {
  readonly env: AwsEnvironment
  readonly region: string
  /** One AWS call under `policy`; `action` completes "could not ..." in the error if it fails. */
  readonly call: <O>(command: SdkCommand<O>, action: string, policy: CallPolicy<NoInfer<O>>) => Effect.Effect<O, AwsError>
  /**
   * A call whose answer streams a body (S3 GetObject): `read` consumes it inside the same attempt, so
   * a connection that breaks mid-body is classified, timed and retried like any other failure.
   */
  readonly callAndRead: <O, R>(
    command: SdkCommand<O>,
    action: string,
    policy: PlainPolicy,
    read: (output: O) => Promise<R>
  ) => Effect.Effect<R, AwsError>
  /**
   * A lazy Stream over a paginated operation: `command(token)` makes the request for a page and
   * `read(output)` returns its items and the next token; a page is fetched only when pulled.
   */
  readonly pages: <O, A>(
    command: (token: string | undefined) => SdkCommand<O>,
    action: string,
    read: (output: O) => readonly [ReadonlyArray<A> | undefined, string | undefined]
  ) => Stream.Stream<A, AwsError>
  /** Who the caller is: one STS call per process, whichever layer asks first. */
  readonly callerIdentity: Effect.Effect<CallerIdentity, AwsError>
}

/**
 * A lazy Stream over any paginated source: `page(token)` returns the page's items and the next
 * token; the next page is only fetched when the consumer pulls past the current one.
 */
export const paginate = <A, E>(
  page: (token: string | undefined) => Effect.Effect<readonly [ReadonlyArray<A>, string | undefined], E>
): Stream.Stream<A, E> =>
  Stream.paginate(undefined as string | undefined, (token) =>
    page(token).pipe(
      Effect.map(([items, next]) => [items, Option.fromUndefinedOr(next === "" ? undefined : next)] as const)
    ))

/** Calls through an already-made client: what `makeAws` returns, without the client's life cycle. */
export const awsCalls = (
  service: string,
  env: AwsEnvironment,
  sdk: SdkClient,
  options: { readonly global?: boolean } = {}
): Omit<Aws, "callerIdentity"> => {
  // A global service's errors name no region (IAM is the same in every region).
  const where = options.global === true ? { region: undefined } : {}
  keepErrorAnswers(sdk)
  const call = <O>(command: SdkCommand<O>, action: string, policy: CallPolicy<O>) =>
    callWith(
      env,
      { service, operation: operationName(command), action, ...where },
      (abortSignal) => sdk.send(command as never, { abortSignal }) as Promise<O>,
      policy
    )
  return {
    env,
    region: env.region,
    call,
    callAndRead: (command, action, policy, read) =>
      callWith(
        env,
        { service, operation: operationName(command), action, ...where },
        (abortSignal) => (sdk.send(command as never, { abortSignal }) as Promise<Parameters<typeof read>[0]>).then(read),
        policy
      ),
    pages: (command, action, read) =>
      paginate((token) =>
        Effect.map(call(command(token), action, idempotent), (output) => {
          const [items, next] = read(output)
          return [items ?? [], next] as const
        })
      )
  }
}

/** One GetCallerIdentity per environment (so per process): every layer that asks shares it. */
const identities = new WeakMap<AwsEnvironment, Effect.Effect<CallerIdentity, AwsError>>()

/**
 * Who the caller is, for any layer or program with the AWS environment: STS GetCallerIdentity, asked
 * once per process (concurrent first askers wait for the one request; a failure is not kept).
 */
export const callerIdentityOf = (env: AwsEnvironment): Effect.Effect<CallerIdentity, AwsError> => {
  const existing = identities.get(env)
  if (existing !== undefined) return existing
  let found: CallerIdentity | undefined
  const lock = Semaphore.makeUnsafe(1)
  const ask = Effect.scoped(Effect.gen(function*() {
    const sts = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new sts.STSClient(env.clientConfig)),
      (c) => Effect.sync(() => c.destroy())
    )
    const r = yield* awsCalls("STS", env, client as unknown as SdkClient).call(
      new sts.GetCallerIdentityCommand({}),
      "find who you are",
      idempotent
    )
    found = { account: r.Account ?? "", arn: r.Arn ?? "", userId: r.UserId ?? "" }
    return found
  }))
  const identity = Effect.suspend(() =>
    found !== undefined ? Effect.succeed(found) : lock.withPermits(1)(Effect.suspend(() => (found !== undefined ? Effect.succeed(found) : ask)))
  )
  identities.set(env, identity)
  return identity
}

/** `callerIdentityOf` the environment in context. */
export const callerIdentity: Effect.Effect<CallerIdentity, AwsError, AwsClients> = Effect.flatMap(AwsClients, callerIdentityOf)

/**
 * The client of one AWS service for the life of the enclosing scope (destroyed, sockets closed, on
 * release), made from the shared environment (one credentials provider per process, aegea's user
 * agent), and its calls. `service` names it in messages and IAM permissions ("EC2", "Batch").
 */
export const makeAws = <C extends SdkClient>(
  service: string,
  make: (config: AwsEnvironment["clientConfig"]) => C,
  options: {
    /** For a service with one endpoint whatever the user's region (Cost Explorer: us-east-1). */
    readonly region?: string
    /** A global service (IAM): its messages name no region. */
    readonly global?: boolean
  } = {}
): Effect.Effect<Aws, never, AwsClients | Scope.Scope> =>
  Effect.gen(function*() {
    const shared = yield* AwsClients
    const env = options.region === undefined || options.region === shared.region
      ? shared
      : { ...shared, region: options.region, clientConfig: { ...shared.clientConfig, region: options.region } }
    const own = shared.clients?.[service] as C | undefined // the embedding program's: used as is, not destroyed
    const client = own ?? (yield* Effect.acquireRelease(Effect.sync(() => make(env.clientConfig)), (c) => Effect.sync(() => c.destroy())))
    return { ...awsCalls(service, env, client, { global: options.global === true }), callerIdentity: callerIdentityOf(shared) }
  })
