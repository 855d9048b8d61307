/**
 * The one SDK boundary. Every AWS call goes through `call`: it passes the fiber's AbortSignal (so
 * interruption cancels the HTTP request), classifies failures into aegea's typed errors, and retries
 * the retryable ones (throttling, 5xx, network) with a single jittered, capped, bounded Schedule.
 * The SDK's own retries are off (`maxAttempts: 1` in AwsClients), so this is the only retry policy.
 */
import { Duration, Effect, Option, Schedule, Stream } from "effect"
import type { AwsEnvironment } from "./AwsClients.ts"
import {
  AwsAccessDenied,
  AwsCredentialsMissing,
  type AwsError,
  AwsInvalidRequest,
  AwsNotFound,
  AwsThrottled,
  AwsUnavailable
} from "../errors.ts"

export type Category = "credentials" | "access-denied" | "not-found" | "throttling" | "unavailable" | "invalid"

interface SdkErrorLike {
  readonly name?: string
  readonly Code?: string
  readonly code?: string
  readonly message?: string
  readonly $fault?: "client" | "server"
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly extendedRequestId?: string }
  readonly $retryable?: { readonly throttling?: boolean }
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
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException"
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
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException"
])

/** The AWS error code of any SDK failure (modeled, unmodeled, network). */
export const errorCode = (e: unknown): string => {
  const err = (e ?? {}) as SdkErrorLike & { cause?: { code?: string } }
  return err.Code ?? (typeof err.code === "string" ? err.code : undefined) ?? err.cause?.code ?? err.name ?? "Unknown"
}

/** Sort a failure into the category that decides retry and exit code. */
export const classify = (e: unknown): Category => {
  const err = (e ?? {}) as SdkErrorLike
  const code = errorCode(e)
  const status = err.$metadata?.httpStatusCode
  if (credentialCodes.has(code) || credentialCodes.has(err.name ?? "")) return "credentials"
  if (accessDeniedCodes.has(code) || status === 403) return "access-denied"
  if (throttlingCodes.has(code) || err.$retryable?.throttling === true || status === 429) return "throttling"
  if (/NotFound(Exception)?$|^NoSuch|\.NotFound$/.test(code) || status === 404) return "not-found"
  if (networkCodes.has(code) || (status !== undefined && status >= 500) || err.$fault === "server") {
    return "unavailable"
  }
  if (status === undefined && !(err.$metadata) && e instanceof Error && /fetch failed|socket hang up|network/i.test(err.message ?? "")) {
    return "unavailable"
  }
  return "invalid"
}

export const isRetryable = (category: Category) => category === "throttling" || category === "unavailable"

export interface CallContext {
  readonly service: string
  readonly operation: string
  /** What we were doing, as the object of "could not ...", e.g. "stop instance i-0abc (web-1)". */
  readonly action: string
  readonly region?: string | undefined
}

const shortMessage = (e: unknown): string => {
  const err = (e ?? {}) as SdkErrorLike
  const message = (err.message ?? String(e)).split("\n")[0] ?? ""
  // Unmodeled 5xx bodies (HTML) produce parser noise; say what happened instead.
  if (/XML parse error|is not valid JSON|Deserialization error/.test(message)) {
    return `HTTP ${err.$metadata?.httpStatusCode ?? "error"} with an unreadable body`
  }
  return message.length > 300 ? message.slice(0, 297) + "..." : message
}

/** Turn any SDK failure into the typed error of its category. */
export const toAwsError = (ctx: CallContext) => (e: unknown): AwsError => {
  const err = (e ?? {}) as SdkErrorLike
  const fields = {
    action: ctx.action,
    service: ctx.service,
    operation: ctx.operation,
    code: errorCode(e),
    awsMessage: shortMessage(e),
    ...(ctx.region !== undefined ? { region: ctx.region } : {}),
    ...(err.$metadata?.requestId !== undefined ? { requestId: err.$metadata.requestId } : {}),
    cause: e
  }
  switch (classify(e)) {
    case "credentials":
      return new AwsCredentialsMissing(fields)
    case "access-denied":
      return new AwsAccessDenied(fields)
    case "not-found":
      return new AwsNotFound(fields)
    case "throttling":
      return new AwsThrottled(fields)
    case "unavailable":
      return new AwsUnavailable(fields)
    case "invalid":
      return new AwsInvalidRequest(fields)
  }
}

const retryableTags = new Set(["AwsThrottled", "AwsUnavailable"])

/**
 * The retry policy: exponential from 200 ms, capped at 5 s per wait, full jitter (Effect's
 * jittered: 80-120%), at most `maxAttempts - 1` retries, retryable errors only.
 */
export const retryPolicy = (maxAttempts: number) =>
  Schedule.min([Schedule.exponential(Duration.millis(200)), Schedule.spaced(Duration.seconds(5))]).pipe(
    Schedule.jittered,
    Schedule.setInputType<AwsError>(),
    Schedule.while(({ input, attempt }) => retryableTags.has(input._tag) && attempt < maxAttempts)
  )

/**
 * Call AWS once (plus retries): `send` receives the AbortSignal to hand to `client.send`.
 */
export const call = <A>(
  env: Pick<AwsEnvironment, "maxAttempts" | "region">,
  ctx: CallContext,
  send: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, AwsError> =>
  Effect.tryPromise({ try: send, catch: toAwsError({ region: env.region, ...ctx }) }).pipe(
    Effect.retry(retryPolicy(env.maxAttempts)),
    Effect.withSpan(`aws.${ctx.service}.${ctx.operation}`)
  )

/**
 * A lazy Stream over a paginated AWS operation: `page(token)` returns the page's items and the next
 * token; the next page is only fetched when the consumer pulls past the current one.
 */
export const paginate = <A, E>(
  page: (token: string | undefined) => Effect.Effect<readonly [ReadonlyArray<A>, string | undefined], E>
): Stream.Stream<A, E> =>
  Stream.paginate(undefined as string | undefined, (token) =>
    page(token).pipe(
      Effect.map(([items, next]) => [items, Option.fromUndefinedOr(next === "" ? undefined : next)] as const)
    ))

/** Create an SDK client for the life of the enclosing scope (destroyed, sockets closed, on release). */
export const client = <C extends { destroy: () => void }>(make: () => C) =>
  Effect.acquireRelease(Effect.sync(make), (c) => Effect.sync(() => c.destroy()))
