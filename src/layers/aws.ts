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
 * - the others are answers: not retried.
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
  | "invalid"

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

/** Sort a failure into the category that decides retry and exit code. */
export const classify = (e: unknown): Category => {
  const err = (e ?? {}) as SdkErrorLike
  const code = errorCode(e)
  const status = err.$metadata?.httpStatusCode
  if (credentialCodes.has(code) || credentialCodes.has(err.name ?? "")) return "credentials"
  if (accessDeniedCodes.has(code) || status === 403) return "access-denied"
  if (quotaCodes.has(code)) return "quota"
  if (throttlingCodes.has(code) || err.$retryable?.throttling === true || status === 429) return "throttling"
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
  // Unmodeled 5xx bodies (HTML) produce parser noise; say what happened instead.
  if (/XML parse error|is not valid JSON|Deserialization error|Unexpected token|Expected .* in JSON/.test(message)) {
    return `HTTP ${err.$metadata?.httpStatusCode ?? "error"} with an unreadable body`
  }
  return message.length > 300 ? message.slice(0, 297) + "..." : message
}

/** Operations that only read (AWS names them so): a lost answer to one changed nothing. */
export const isRead = (operation: string) => /^(Describe|List|Get|Head|Search|Lookup|Filter|BatchGet)/.test(operation)

/** Turn any SDK failure into the typed error of its category. */
export const toAwsError = (ctx: CallContext) => (e: unknown): AwsError => {
  const err = (e ?? {}) as SdkErrorLike
  const category = classify(e)
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
    case "ambiguous":
      // A read that fails is only a failure; a change may have been made when the request left.
      return new AwsUnavailable({ ...fields, mayHaveTakenEffect: category !== "network" && !isRead(ctx.operation) })
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

export interface PlainPolicy {
  readonly _tag: "idempotent" | "tokenized" | "once"
}

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

export const idempotent: PlainPolicy = { _tag: "idempotent" }
export const tokenized: PlainPolicy = { _tag: "tokenized" }
export const once: PlainPolicy = { _tag: "once" }
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
  const toFailure = (e: unknown): Failure => ({ category: classify(e), error: toAwsError(context)(e) })
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
export const awsCalls = (service: string, env: AwsEnvironment, sdk: SdkClient): Omit<Aws, "callerIdentity"> => {
  const call = <O>(command: SdkCommand<O>, action: string, policy: CallPolicy<O>) =>
    callWith(
      env,
      { service, operation: operationName(command), action },
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
        { service, operation: operationName(command), action },
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
  } = {}
): Effect.Effect<Aws, never, AwsClients | Scope.Scope> =>
  Effect.gen(function*() {
    const shared = yield* AwsClients
    const env = options.region === undefined || options.region === shared.region
      ? shared
      : { ...shared, region: options.region, clientConfig: { ...shared.clientConfig, region: options.region } }
    const client = yield* Effect.acquireRelease(Effect.sync(() => make(env.clientConfig)), (c) => Effect.sync(() => c.destroy()))
    return { ...awsCalls(service, env, client), callerIdentity: callerIdentityOf(shared) }
  })
