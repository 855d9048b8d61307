/**
 * The closed union of aegea's errors. Each error carries a sentence (what went wrong), an optional
 * hint (what to do), and an exit code (see the table in the README). `bin.ts` alone prints them.
 */
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"

/** Fields shared by every error that came back from an AWS API call. */
const awsFields = {
  /** What we were doing, e.g. "stop instance i-0abc (web-1)". */
  action: Schema.String,
  service: Schema.String,
  operation: Schema.String,
  /** The AWS error code, e.g. "UnauthorizedOperation". */
  code: Schema.String,
  /** The message AWS sent (never contains secrets: AWS does not echo request bodies). */
  awsMessage: Schema.String,
  region: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}

/** "head: detail. Hint" as one line; a sentence that already ends in . ! or ? gets no second period. */
const line = (head: string, detail: string, hint: string | undefined) => {
  const first = head + (detail ? `: ${detail}` : "")
  if (hint === undefined || hint === "") return first
  return /[.!?]$/.test(first) ? `${first} ${hint}` : `${first}. ${hint}`
}

const inRegion = (region: string | undefined) => (region ? ` in ${region}` : "")

/**
 * The part of an error's hint that a front end words with its own options, by code. An error's
 * `hint` is neutral: it speaks of the region, the profile, the endpoint, as a program using aegea
 * sets them (`AwsClients`' options, the environment). Its `remedy` code names the phrase of that hint
 * (`remedyPhrases[remedy]`) that the CLI replaces with its flags: "the region" becomes "the --region".
 */
export const remedyPhrases = {
  /** No region anywhere: set one. */
  "set-region": "Set AWS_REGION, or the region option of AwsClients",
  /** A name that may be right in another region. */
  "check-region": "the region",
  /** Another region may help. */
  "other-region": "or set the region",
  /** Other credentials may have the permission. */
  "other-profile": "another profile",
  /** The endpoint aegea was pointed at may be wrong. */
  endpoint: "the endpoint URL",
  /** The endpoint URL given is not a URL. */
  "endpoint-value": "Give the endpoint option a URL such as http://127.0.0.1:5000",
  /** A listing of an AMI that may be in another region or missing: name an image instead. */
  "check-region-or-image": "check the region and the release, or give an image id",
  /** The public ECS-optimized AMI parameters were not found where looked. */
  "check-region-only": "check the region",
  /** A launch with no subnet in the zone: choose a subnet or another zone. */
  "subnet-or-zone": "Choose a subnet, or another availability zone",
  /** An Insights query that scanned too much: narrow its time range. */
  "time-range": "Narrow the query's time range",
  /** Permissions come from the instance's role, which the request names. */
  "iam-role": "its IAM role",
  /** A launch that waits for the SSM agent can be told not to. */
  "no-wait": "launch without waiting for it to skip this check",
  /** cloud-init on the AMI builder took too long. */
  "cloud-init-timeout": "Allow cloud-init more time, or keep the builder to look at it",
  /** cloud-init on the AMI builder failed: fix the build's config. */
  "builder-config": "Fix the build's config (build_ami, build_image, cloud config data) and build again; keeping the builder lets you look at it",
  /** A request too large for AWS: its command lines and environment are the big parts. */
  "shorten-inputs": "Shorten the command lines and environment values",
  /** The default EFS file system is missing: name another. */
  "efs-storage": "or name another file system for",
  /** No image matched: choose a public one, or name one. */
  "image-choice": "Choose the latest public Ubuntu or Amazon Linux image, or give an image id or name"
} as const

/** The code of a hint's phrase a front end words its own way (see `remedyPhrases`). */
export type Remedy = keyof typeof remedyPhrases

const Remedy = Schema.Literals(Object.keys(remedyPhrases) as [Remedy, ...Array<Remedy>])

/**
 * A bad value in a request: the request field it is in, and the same problem as a front end words
 * it with the option that sets that field. The error's own `message` and `hint` name the field ("invalid
 * memory 2 MiB"); the CLI prints `message` and `advice` here instead ("invalid --memory 2"), see
 * `cliSummary` in src/commands/remedies.ts.
 */
export const InputField = Schema.Struct({
  /** The request field at fault, e.g. "memoryMiB"; several joined by "/" ("vcpus/memoryMiB"). */
  field: Schema.String,
  /** The CLI flag that sets the field, e.g. "--memory". */
  flag: Schema.String,
  /** The error's sentence in the CLI's words, naming the flag. */
  message: Schema.String,
  /** The error's hint in the CLI's words. */
  advice: Schema.optional(Schema.String)
})

/** Which request field a bad value is in, and the CLI's words for it (see `InputField`). */
export type InputField = typeof InputField.Type

/** Bad input: a bad value in a request, an unknown flag, a missing argument. Exit 2. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String,
  hint: Schema.optional(Schema.String),
  /** The phrase of `hint` a front end words with its own options (see `remedyPhrases`). */
  remedy: Schema.optional(Remedy),
  /** The request field a bad value is in, and its CLI flag (see `InputField`). */
  input: Schema.optional(InputField)
}) {
  override readonly [Runtime.errorExitCode] = 2
  get summary() {
    return line(this.message, "", this.hint)
  }
}

/** Unreadable or invalid configuration, or no region. Exit 3. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String,
  hint: Schema.optional(Schema.String),
  /** The phrase of `hint` a front end words with its own options (see `remedyPhrases`). */
  remedy: Schema.optional(Remedy),
  file: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {
  override readonly [Runtime.errorExitCode] = 3
  get summary() {
    return line(this.message, "", this.hint)
  }
}

/** No credentials, expired credentials, or credentials AWS does not recognise. Exit 4. */
export class AwsCredentialsMissing extends Schema.TaggedError<AwsCredentialsMissing>()("AwsCredentialsMissing", awsFields) {
  override readonly [Runtime.errorExitCode] = 4
  /** What to do. */
  get hint() {
    return "Check your credentials: run 'aws configure' or 'aws sso login', or set AWS_PROFILE"
  }
  get summary() {
    return line(`could not ${this.action}${inRegion(this.region)}: ${this.awsMessage}`, "", this.hint)
  }
}

/** AWS refused the call for lack of permission. Exit 4. */
export class AwsAccessDenied extends Schema.TaggedError<AwsAccessDenied>()("AwsAccessDenied", awsFields) {
  override readonly [Runtime.errorExitCode] = 4
  /** What to do: ask for the permission, or use other credentials. */
  get hint() {
    return "Ask for that permission, or use another profile"
  }
  /** The phrase of `hint` a front end words with its own options. */
  get remedy(): Remedy {
    return "other-profile"
  }
  get summary() {
    return line(
      `could not ${this.action}${inRegion(this.region)}: access denied for ${permission(this.service, this.operation)}`,
      "",
      this.hint
    )
  }
}

/** AWS says the resource does not exist. Exit 5. */
export class AwsNotFound extends Schema.TaggedError<AwsNotFound>()("AwsNotFound", awsFields) {
  override readonly [Runtime.errorExitCode] = 5
  /** What to do: check the name, and the region (but for IAM, which is global). */
  get hint() {
    return this.service === "IAM" ? "Check the name (IAM is global: the region does not matter)" : "Check the name and the region"
  }
  /** The phrase of `hint` a front end words with its own options. */
  get remedy(): Remedy | undefined {
    return this.service === "IAM" ? undefined : "check-region"
  }
  get summary() {
    return line(`could not ${this.action}${inRegion(this.region)}`, this.awsMessage, this.hint)
  }
}

/** AWS rejected the request as invalid (bad parameter, conflicting state, limit). Exit 1. */
export class AwsInvalidRequest extends Schema.TaggedError<AwsInvalidRequest>()("AwsInvalidRequest", awsFields) {
  override readonly [Runtime.errorExitCode] = 1
  get summary() {
    return line(`could not ${this.action}${inRegion(this.region)}`, `${this.code}: ${this.awsMessage}`, undefined)
  }
}

/** AWS kept throttling us after every retry. Exit 6. */
export class AwsThrottled extends Schema.TaggedError<AwsThrottled>()("AwsThrottled", awsFields) {
  override readonly [Runtime.errorExitCode] = 6
  /** What to do. */
  get hint() {
    return "Wait a minute and try again, or raise AWS_MAX_ATTEMPTS"
  }
  get summary() {
    return line(`could not ${this.action}${inRegion(this.region)}: AWS throttled the request (${this.code}) after retries`, "", this.hint)
  }
}

/**
 * AWS did not do the call, after every retry, for want of a working service: the network or the
 * endpoint is unreachable, the connection dropped, the service failed (5xx), or the endpoint answered
 * with something that is not AWS (a proxy's page, an emulator's "not implemented"). Exit 6.
 * - `mayHaveTakenEffect`: the request may have reached AWS (a 5xx, a reset or time-out after
 *   sending), so a change may have been made.
 * - `httpStatus`: the status of the answer, when there was one (none: a connection failure).
 * - `notServed`: the answer (3xx/4xx) was not an AWS error: the endpoint does not serve this call.
 * - `endpoint`: where the answer came from (scheme, host, port), when known.
 * With an answer that was not an AWS error, `code` is "HTTP <status>" and `awsMessage` the first line
 * of its body (tags stripped, bounded).
 */
export class AwsUnavailable extends Schema.TaggedError<AwsUnavailable>()("AwsUnavailable", {
  ...awsFields,
  mayHaveTakenEffect: Schema.optional(Schema.Boolean),
  httpStatus: Schema.optional(Schema.Number),
  notServed: Schema.optional(Schema.Boolean),
  endpoint: Schema.optional(Schema.String)
}) {
  override readonly [Runtime.errorExitCode] = 6
  /** What to do: check the endpoint, try again later, or check whether the change was made. */
  get hint() {
    const maybeDone = this.mayHaveTakenEffect === true
    if (this.notServed === true) {
      return "Check the endpoint URL and AWS_ENDPOINT_URL: they must name an AWS endpoint, or an emulator that implements this call"
    }
    if (this.httpStatus !== undefined) {
      return maybeDone
        ? "It may have been done: check before trying again"
        : this.code === `HTTP ${this.httpStatus}`
        ? "Try again later; an emulator or a proxy (the endpoint URL, AWS_ENDPOINT_URL) may not support this call"
        : "Try again later"
    }
    return maybeDone ? "Check whether it was done before trying again" : "Check your network and the endpoint URL, then try again"
  }
  /** The phrase of `hint` a front end words with its own options (the endpoint's, where the hint names it). */
  get remedy(): Remedy | undefined {
    return this.hint.includes(remedyPhrases.endpoint) ? "endpoint" : undefined
  }
  get summary() {
    const doing = `could not ${this.action}${inRegion(this.region)}`
    const maybeDone = this.mayHaveTakenEffect === true
    const foreign = this.code === `HTTP ${this.httpStatus}`
    if (this.notServed === true) {
      return line(
        `${doing}: the endpoint ${this.endpoint !== undefined ? `${this.endpoint} ` : ""}does not serve ${this.service} ${this.operation}` +
          (this.httpStatus !== undefined ? ` (HTTP ${this.httpStatus})` : ""),
        this.awsMessage,
        this.hint
      )
    }
    if (this.httpStatus !== undefined) {
      return line(
        `${doing}: AWS ${this.service} ${this.operation} answered HTTP ${this.httpStatus}` +
          (foreign || this.code === "Unknown" ? "" : ` (${this.code})`),
        this.awsMessage === this.code ? "" : this.awsMessage,
        this.hint
      )
    }
    return line(
      `${doing}: ` +
        (maybeDone ? "the connection failed before AWS answered, so it may have been done" : "AWS is unreachable or failing"),
      this.awsMessage,
      this.hint
    )
  }
}

/** An account quota or limit stopped the request (vCPUs, instances, addresses, log groups...). Exit 1. */
export class AwsQuotaExceeded extends Schema.TaggedError<AwsQuotaExceeded>()("AwsQuotaExceeded", awsFields) {
  override readonly [Runtime.errorExitCode] = 1
  /** What to do. */
  get hint() {
    return "Free some of that resource, or ask AWS for a higher quota in the Service Quotas console"
  }
  get summary() {
    return line(`could not ${this.action}${inRegion(this.region)}: an AWS limit was reached (${this.code})`, this.awsMessage, this.hint)
  }
}

/** A named resource aegea looked up does not exist. Exit 5. */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", {
  kind: Schema.String,
  name: Schema.String,
  region: Schema.optional(Schema.String),
  hint: Schema.optional(Schema.String),
  /** The phrase of `hint` a front end words with its own options (see `remedyPhrases`). */
  remedy: Schema.optional(Remedy)
}) {
  override readonly [Runtime.errorExitCode] = 5
  get summary() {
    return line(`no ${this.kind} named ${JSON.stringify(this.name)}${inRegion(this.region)}`, "", this.hint)
  }
}

/** A name matches several resources. Exit 5. */
export class AmbiguousName extends Schema.TaggedError<AmbiguousName>()("AmbiguousName", {
  kind: Schema.String,
  name: Schema.String,
  candidates: Schema.Array(Schema.String),
  /** The command that lists every match ("aegea ls web"), named when not all candidates are shown. */
  listCommand: Schema.optional(Schema.String)
}) {
  override readonly [Runtime.errorExitCode] = 5
  /** What to do. */
  get hint() {
    return "Use an id instead of the name"
  }
  get summary() {
    // At most five candidates; the rest are counted, and the command that lists them named.
    const shown = this.candidates.slice(0, 5).join(", ")
    const more = this.candidates.length - 5
    const rest = more > 0 ? ` and ${more} more${this.listCommand === undefined ? "" : ` (${this.listCommand})`}` : ""
    return line(`${JSON.stringify(this.name)} matches ${this.candidates.length} ${this.kind}s (${shown}${rest})`, "", this.hint)
  }
}

/** An operation aegea ran failed in a way that is not an AWS API error (a job failed, a wait timed out). Exit 1 unless given. */
export class OperationFailed extends Schema.TaggedError<OperationFailed>()("OperationFailed", {
  message: Schema.String,
  hint: Schema.optional(Schema.String),
  /** The phrase of `hint` a front end words with its own options (see `remedyPhrases`). */
  remedy: Schema.optional(Remedy),
  exitCode: Schema.optional(Schema.Number),
  cause: Schema.optional(Schema.Defect())
}) {
  override get [Runtime.errorExitCode]() {
    return this.exitCode ?? 1
  }
  get summary() {
    return line(this.message, "", this.hint)
  }
}

/**
 * Every error a failed AWS call becomes, one class per category (credentials, access denied, not
 * found, invalid, throttled, quota, unavailable).
 */
export type AwsError =
  | AwsCredentialsMissing
  | AwsAccessDenied
  | AwsNotFound
  | AwsInvalidRequest
  | AwsThrottled
  | AwsQuotaExceeded
  | AwsUnavailable

/** The closed union of every error aegea fails with; match its members with `Effect.catchTag`. */
export type AegeaError =
  | AwsError
  | UsageError
  | ConfigError
  | ResourceNotFound
  | AmbiguousName
  | OperationFailed

const aegeaTags = new Set([
  "UsageError",
  "ConfigError",
  "AwsCredentialsMissing",
  "AwsAccessDenied",
  "AwsNotFound",
  "AwsInvalidRequest",
  "AwsThrottled",
  "AwsUnavailable",
  "AwsQuotaExceeded",
  "ResourceNotFound",
  "AmbiguousName",
  "OperationFailed"
])

/** Whether a value is one of aegea's errors (any member of `AegeaError`). */
export const isAegeaError = (u: unknown): u is AegeaError =>
  typeof u === "object" && u !== null && aegeaTags.has((u as { _tag?: string })._tag ?? "")

/** The exit code of an error (the README's table). */
export const exitCodeOf = (error: AegeaError): number => error[Runtime.errorExitCode]

/** "ec2:StopInstances" from service "EC2" and operation "StopInstances". */
export const permission = (service: string, operation: string) => `${iamPrefix(service)}:${operation}`

const iamPrefixes: Record<string, string> = {
  "CloudWatch Logs": "logs",
  "Secrets Manager": "secretsmanager",
  "Cost Explorer": "ce",
  "EC2 Instance Connect": "ec2-instance-connect"
}
const iamPrefix = (service: string) => iamPrefixes[service] ?? service.toLowerCase().replace(/\s+/g, "")
