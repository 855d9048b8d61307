/**
 * The AWS environment tier: region, profile, endpoint, credentials and retry policy, resolved once
 * per process the way the AWS CLI resolves them. SDK clients are built from `clientConfig` by
 * `makeAws` (aws.ts) when a live layer is built (only when a command needs it); every client shares
 * one credentials provider, so a profile's SSO token or assumed role is resolved once per process.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ConfigError } from "../errors.ts"
import { version } from "../lib/version.ts"

/** What `AwsClients.layer` resolves the environment from; each field falls back as the AWS CLI's does. */
export interface AwsSettings {
  /** `--region`; falls back to AWS_REGION, AWS_DEFAULT_REGION, the config's region, then the profile's. */
  readonly region?: string | undefined
  /** `--profile`; falls back to AWS_PROFILE, AWS_DEFAULT_PROFILE, then the config's profile. */
  readonly profile?: string | undefined
  /** `--endpoint-url`; AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured by the SDK. */
  readonly endpointUrl?: string | undefined
  /** Total attempts per call, first included (AWS_MAX_ATTEMPTS, as in the AWS CLI). Default 5. */
  readonly maxAttempts?: number | undefined
  /** Time limit of one attempt (AEGEA_REQUEST_TIMEOUT, seconds). Default 60 s. */
  readonly requestTimeout?: Duration.Duration | undefined
  /** Library use: see `ClientOptions`. */
  readonly clientOptions?: ClientOptions | undefined
  /**
   * Values from aegea's config file (`region`, `profile`, `endpoint_url`): below the flags and the
   * process environment, above the profile's own settings.
   */
  readonly configured?: {
    readonly region?: string | undefined
    readonly profile?: string | undefined
    readonly endpointUrl?: string | undefined
  } | undefined
}

/**
 * For programs that embed aegea's services: the SDK side of every client it makes.
 */
export interface ClientOptions {
  /**
   * Credentials for every client: a provider (as the SDK takes one) or fixed keys. Default: the SDK's
   * default chain for the profile, resolved once per process and refreshed before it expires.
   */
  readonly credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity | undefined
  /**
   * More SDK client configuration for every client (a `requestHandler`, a `logger`, ...). Retries
   * stay aegea's (one Schedule per call, see aws.ts): `maxAttempts` is always 1.
   */
  readonly sdkConfig?: Readonly<Record<string, unknown>> | undefined
  /**
   * Clients you made, by aegea's name of the service ("EC2", "Batch", "ECS", "CloudWatch Logs",
   * "Secrets Manager", "IAM", "S3", "SSM", ...: the first argument of `makeAws` in each live layer).
   * They are used as they are (their own region, credentials and endpoint) and never destroyed by aegea.
   */
  readonly clients?: Readonly<Record<string, object>> | undefined
}

/**
 * The resolved AWS environment every live layer makes its clients from: region, profile, endpoint,
 * attempts, timeout, client configuration.
 */
export interface AwsEnvironment {
  readonly region: string
  readonly profile: string | undefined
  readonly endpointUrl: string | undefined
  readonly maxAttempts: number
  /** Time limit of one attempt of a call; past it the call counts as dropped (it may have been done). */
  readonly requestTimeout: Duration.Duration
  /**
   * The constructor options for any SDK v3 client: SDK retries off (aws.ts owns retries), the
   * process's one credentials provider, aegea's user agent.
   */
  readonly clientConfig: {
    readonly region: string
    readonly maxAttempts: 1
    readonly profile?: string
    readonly endpoint?: string
    readonly credentials: AwsCredentialIdentityProvider
    readonly customUserAgent: string
  }
  /** Ready-made clients by service name (ClientOptions.clients): makeAws uses them instead of making one. */
  readonly clients?: Readonly<Record<string, object>> | undefined
}

/** The AWS environment as a service, resolved once per program; every live layer requires it. */
export class AwsClients extends Context.Service<AwsClients, AwsEnvironment>()("aegea/AwsClients") {
  /** Resolve the environment from explicit settings, then the process environment and ~/.aws/config. */
  static readonly layer = (settings: AwsSettings = {}): Layer.Layer<AwsClients, ConfigError> =>
    Layer.effect(AwsClients, resolveAwsEnvironment(settings, process.env))

  /** A fixed environment, for tests and for programs that already know their region. */
  static readonly layerStatic = (
    environment: Omit<AwsEnvironment, "clientConfig" | "requestTimeout" | "clients"> & {
      readonly requestTimeout?: Duration.Duration
      readonly clientOptions?: ClientOptions | undefined
    }
  ): Layer.Layer<AwsClients> => Layer.sync(AwsClients, () => withClientConfig(environment))
}

/**
 * One provider for every client of the process: the SDK's default chain (env, SSO, assume-role
 * profiles, IMDS...) for the profile, loaded on first use and resolved once; resolved again only
 * when the credentials are within five minutes of expiring.
 */
export const sharedCredentials = (
  profile: string | undefined,
  chain: () => Promise<AwsCredentialIdentityProvider> = async () => {
    // Keys in the environment and no profile: what the chain's first link (fromEnv) answers, without
    // loading the chain (the SDK's credential and client core: about 40 ms of `aegea ssh`'s start-up).
    const fromEnvironment = environmentCredentials(profile, process.env)
    if (fromEnvironment !== undefined) return fromEnvironment
    const { defaultProvider } = await import("@aws-sdk/credential-provider-node")
    return defaultProvider(profile !== undefined ? { profile } : {})
  }
): AwsCredentialIdentityProvider => {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined
  let current: Promise<AwsCredentialIdentity> | undefined
  const fresh = (c: AwsCredentialIdentity) => c.expiration === undefined || c.expiration.getTime() - Date.now() > 5 * 60_000
  return async () => {
    if (current !== undefined) {
      const got = await current.catch(() => undefined)
      if (got !== undefined && fresh(got)) return got
    }
    provider ??= chain()
    const p = provider
    current = p.then((get) => get())
    // A failure is not kept: the next call (a retry, after `aws sso login`) tries again.
    current.catch(() => {
      current = undefined
    })
    return current
  }
}

/**
 * The SDK default chain's first link when it answers (no profile, AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY set): the same credentials fromEnv (@aws-sdk/credential-provider-env) makes,
 * read when asked as it reads them. Undefined when the chain must run.
 */
export const environmentCredentials = (
  profile: string | undefined,
  env: Record<string, string | undefined>
): AwsCredentialIdentityProvider | undefined => {
  if (profile !== undefined || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined
  return async () => {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env
    const { AWS_CREDENTIAL_EXPIRATION: expiry, AWS_CREDENTIAL_SCOPE: credentialScope, AWS_ACCOUNT_ID: accountId } = env
    if (!accessKeyId || !secretAccessKey) throw Object.assign(new Error("Unable to find environment variable credentials."), { name: "CredentialsProviderError" })
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      ...(expiry ? { expiration: new Date(expiry) } : {}),
      ...(credentialScope ? { credentialScope } : {}),
      ...(accountId ? { accountId } : {}),
      // as the SDK's setCredentialFeature marks them (its clients' user agent names the source)
      $source: { CREDENTIALS_ENV_VARS: "g" }
    } as AwsCredentialIdentity
  }
}

const withClientConfig = (
  e: Omit<AwsEnvironment, "clientConfig" | "requestTimeout" | "clients"> & {
    readonly requestTimeout?: Duration.Duration | undefined
    readonly clientOptions?: ClientOptions | undefined
  }
): AwsEnvironment => {
  const { clientOptions, ...environment } = e
  const given = clientOptions?.credentials
  const credentials: AwsCredentialIdentityProvider = given === undefined
    ? sharedCredentials(e.profile)
    : typeof given === "function" ? given : () => Promise.resolve(given)
  return {
    ...environment,
    requestTimeout: e.requestTimeout ?? Duration.seconds(60),
    clientConfig: {
      region: e.region,
      ...(e.profile !== undefined ? { profile: e.profile } : {}),
      ...(e.endpointUrl !== undefined ? { endpoint: e.endpointUrl } : {}),
      credentials,
      customUserAgent: `aegea/${version}`,
      ...clientOptions?.sdkConfig,
      maxAttempts: 1
    },
    ...(clientOptions?.clients !== undefined ? { clients: clientOptions.clients } : {})
  }
}

const nonEmpty = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim())

/**
 * Resolve the AWS environment from explicit settings and a process environment (AWS_REGION,
 * AWS_PROFILE, ...) and the profile's config.
 */
export const resolveAwsEnvironment = Effect.fnUntraced(function*(
  settings: AwsSettings,
  env: Record<string, string | undefined>
) {
  const configured = settings.configured ?? {}
  const profile = nonEmpty(settings.profile) ?? nonEmpty(env.AWS_PROFILE) ?? nonEmpty(env.AWS_DEFAULT_PROFILE) ??
    nonEmpty(configured.profile)
  // The SDK reads AWS_ENDPOINT_URL itself; the config's endpoint_url only applies without it.
  const endpointUrl = nonEmpty(settings.endpointUrl) ??
    (nonEmpty(env.AWS_ENDPOINT_URL) === undefined ? nonEmpty(configured.endpointUrl) : undefined)
  if (endpointUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(endpointUrl)) {
    return yield* new ConfigError({
      message: `invalid endpoint URL ${JSON.stringify(endpointUrl)}`,
      hint: nonEmpty(settings.endpointUrl) !== undefined
        ? "Give the endpoint option a URL such as http://127.0.0.1:5000"
        : "Set endpoint_url in the config file to a URL such as http://127.0.0.1:5000 (aegea config set endpoint_url URL)",
      ...(nonEmpty(settings.endpointUrl) !== undefined ? { remedy: "endpoint-value" as const } : {})
    })
  }
  const attemptsText = settings.maxAttempts !== undefined ? String(settings.maxAttempts) : nonEmpty(env.AWS_MAX_ATTEMPTS)
  const maxAttempts = attemptsText === undefined ? 5 : Number(attemptsText)
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    return yield* new ConfigError({
      message: `invalid AWS_MAX_ATTEMPTS ${JSON.stringify(attemptsText)}`,
      hint: "Set it to a whole number from 1 to 20"
    })
  }
  // A named profile must exist (as the AWS CLI checks), or the SDK would report "no credentials".
  const files = profile !== undefined ? yield* sharedConfigFiles : undefined
  if (files !== undefined && profile !== undefined && ownSection(files.configFile, profile) === undefined && ownSection(files.credentialsFile, profile) === undefined) {
    const known = [...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)])].sort()
    return yield* new ConfigError({
      message: `the AWS profile ${JSON.stringify(profile)} could not be found in ~/.aws/config or ~/.aws/credentials`,
      hint: known.length > 0
        ? `Use one of ${known.join(", ")}, or run 'aws configure --profile ${profile}'`
        : `Run 'aws configure --profile ${profile}' (or 'aws configure sso'), or unset AWS_PROFILE`
    })
  }
  const timeoutText = nonEmpty(env.AEGEA_REQUEST_TIMEOUT)
  const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText)
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 3600)) {
    return yield* new ConfigError({
      message: `invalid AEGEA_REQUEST_TIMEOUT ${JSON.stringify(timeoutText)}`,
      hint: "Set it to a number of seconds from 1 to 3600"
    })
  }
  const requestTimeout = settings.requestTimeout ?? (timeoutSeconds !== undefined ? Duration.seconds(timeoutSeconds) : undefined)
  const region = nonEmpty(settings.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ??
    nonEmpty(configured.region) ?? profileRegion(files ?? (yield* sharedConfigFiles), profile ?? "default")
  if (region === undefined) {
    return yield* new ConfigError({
      message: "no AWS region configured",
      hint: `Set AWS_REGION, or the region option of AwsClients${profile ? ` (or set region for profile ${profile} in ~/.aws/config)` : ""}`,
      remedy: "set-region"
    })
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    return yield* new ConfigError({
      message: `invalid AWS region ${JSON.stringify(region)}`,
      hint: "Pass a region name such as us-east-1 or eu-west-1 (aegea regions lists them)"
    })
  }
  return withClientConfig({ region, profile, endpointUrl, maxAttempts, requestTimeout, clientOptions: settings.clientOptions })
})

interface SharedConfigFiles {
  readonly configFile: Readonly<Record<string, Readonly<Record<string, string | undefined>> | undefined>>
  readonly credentialsFile: Readonly<Record<string, Readonly<Record<string, string | undefined>> | undefined>>
}

/** ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE), as the SDK reads them. */
const sharedConfigFiles: Effect.Effect<SharedConfigFiles, ConfigError> = Effect.tryPromise({
  try: async () => {
    const { loadSharedConfigFiles } = await import("@smithy/core/config")
    const files = await loadSharedConfigFiles({ ignoreCache: true })
    return { configFile: files.configFile ?? {}, credentialsFile: files.credentialsFile ?? {} }
  },
  catch: (cause) =>
    new ConfigError({ message: "could not read ~/.aws/config", hint: "Fix or remove the file, or set the region", remedy: "other-region", cause })
})

/**
 * A profile's section, looked up as an own key only: the parsed files are plain objects, so
 * `__proto__`, `constructor` or `toString` would otherwise find Object.prototype's members and count
 * as existing profiles (then the SDK reports "no credentials", exit 4, instead of exit 3 here).
 */
const ownSection = (sections: SharedConfigFiles["configFile"], profile: string) =>
  Object.hasOwn(sections, profile) ? sections[profile] : undefined

/** The region of a profile, as the AWS CLI reads it. */
const profileRegion = (files: SharedConfigFiles, profile: string) =>
  nonEmpty(ownSection(files.configFile, profile)?.region) ?? nonEmpty(ownSection(files.credentialsFile, profile)?.region)
