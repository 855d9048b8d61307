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

/** Bad command-line input: unknown flag, bad value, missing argument. Exit 2. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String,
  hint: Schema.optional(Schema.String)
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
  get summary() {
    return line(
      `could not ${this.action}${inRegion(this.region)}: ${this.awsMessage}`,
      "",
      "Check your credentials: run 'aws configure' or 'aws sso login', or set AWS_PROFILE"
    )
  }
}

/** AWS refused the call for lack of permission. Exit 4. */
export class AwsAccessDenied extends Schema.TaggedError<AwsAccessDenied>()("AwsAccessDenied", awsFields) {
  override readonly [Runtime.errorExitCode] = 4
  get summary() {
    return line(
      `could not ${this.action}${inRegion(this.region)}: access denied for ${permission(this.service, this.operation)}`,
      "",
      "Ask for that permission, or use another --profile"
    )
  }
}

/** AWS says the resource does not exist. Exit 5. */
export class AwsNotFound extends Schema.TaggedError<AwsNotFound>()("AwsNotFound", awsFields) {
  override readonly [Runtime.errorExitCode] = 5
  get summary() {
    return line(
      `could not ${this.action}${inRegion(this.region)}`,
      this.awsMessage,
      this.service === "IAM" ? "Check the name (IAM is global: the region does not matter)" : "Check the name and the --region"
    )
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
  get summary() {
    return line(
      `could not ${this.action}${inRegion(this.region)}: AWS throttled the request (${this.code}) after retries`,
      "",
      "Wait a minute and try again, or raise AWS_MAX_ATTEMPTS"
    )
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
  get summary() {
    const doing = `could not ${this.action}${inRegion(this.region)}`
    const maybeDone = this.mayHaveTakenEffect === true
    const foreign = this.code === `HTTP ${this.httpStatus}`
    if (this.notServed === true) {
      return line(
        `${doing}: the endpoint ${this.endpoint !== undefined ? `${this.endpoint} ` : ""}does not serve ${this.service} ${this.operation}` +
          (this.httpStatus !== undefined ? ` (HTTP ${this.httpStatus})` : ""),
        this.awsMessage,
        "Check --endpoint-url and AWS_ENDPOINT_URL: they must name an AWS endpoint, or an emulator that implements this call"
      )
    }
    if (this.httpStatus !== undefined) {
      return line(
        `${doing}: AWS ${this.service} ${this.operation} answered HTTP ${this.httpStatus}` +
          (foreign || this.code === "Unknown" ? "" : ` (${this.code})`),
        this.awsMessage === this.code ? "" : this.awsMessage,
        maybeDone
          ? "It may have been done: check before trying again"
          : foreign
          ? "Try again later; an emulator or a proxy (--endpoint-url, AWS_ENDPOINT_URL) may not support this call"
          : "Try again later"
      )
    }
    return line(
      `${doing}: ` +
        (maybeDone ? "the connection failed before AWS answered, so it may have been done" : "AWS is unreachable or failing"),
      this.awsMessage,
      maybeDone ? "Check whether it was done before trying again" : "Check your network and --endpoint-url, then try again"
    )
  }
}

/** An account quota or limit stopped the request (vCPUs, instances, addresses, log groups...). Exit 1. */
export class AwsQuotaExceeded extends Schema.TaggedError<AwsQuotaExceeded>()("AwsQuotaExceeded", awsFields) {
  override readonly [Runtime.errorExitCode] = 1
  get summary() {
    return line(
      `could not ${this.action}${inRegion(this.region)}: an AWS limit was reached (${this.code})`,
      this.awsMessage,
      "Free some of that resource, or ask AWS for a higher quota in the Service Quotas console"
    )
  }
}

/** A named resource aegea looked up does not exist. Exit 5. */
export class ResourceNotFound extends Schema.TaggedError<ResourceNotFound>()("ResourceNotFound", {
  kind: Schema.String,
  name: Schema.String,
  region: Schema.optional(Schema.String),
  hint: Schema.optional(Schema.String)
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
  get summary() {
    // At most five candidates; the rest are counted, and the command that lists them named.
    const shown = this.candidates.slice(0, 5).join(", ")
    const more = this.candidates.length - 5
    const rest = more > 0 ? ` and ${more} more${this.listCommand === undefined ? "" : ` (${this.listCommand})`}` : ""
    return line(
      `${JSON.stringify(this.name)} matches ${this.candidates.length} ${this.kind}s (${shown}${rest})`,
      "",
      "Use an id instead of the name"
    )
  }
}

/** An operation aegea ran failed in a way that is not an AWS API error (a job failed, a wait timed out). Exit 1 unless given. */
export class OperationFailed extends Schema.TaggedError<OperationFailed>()("OperationFailed", {
  message: Schema.String,
  hint: Schema.optional(Schema.String),
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

export type AwsError =
  | AwsCredentialsMissing
  | AwsAccessDenied
  | AwsNotFound
  | AwsInvalidRequest
  | AwsThrottled
  | AwsQuotaExceeded
  | AwsUnavailable

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
