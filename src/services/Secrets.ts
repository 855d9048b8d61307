/**
 * Secrets Manager as aegea sees it. Secret values are `Redacted` from the moment they are read (and
 * handed in as `Redacted` to be stored): printing, logging or failing with one shows "<redacted>".
 * Only `Redacted.value` at the single place that prints a value (`secrets get`) reveals it.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"

const optionalString = Schema.optional(Schema.String)

/** A Secrets Manager secret as a listing returns it (never its value). */
export const SecretSummary = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  description: optionalString,
  lastChanged: Schema.optional(Schema.Date),
  lastAccessed: Schema.optional(Schema.Date),
  /** Set when the secret is scheduled for deletion (then listed only by describe). */
  deletionDate: Schema.optional(Schema.Date),
  tags: Schema.Record(Schema.String, Schema.String)
})
/** A Secrets Manager secret as a listing returns it (never its value). */
export type SecretSummary = typeof SecretSummary.Type

/** A version of a secret and its staging labels. */
export const SecretVersion = Schema.Struct({
  versionId: Schema.String,
  /** Staging labels, e.g. ["AWSCURRENT"]; an old version may have none. */
  stages: Schema.Array(Schema.String)
})
/** A version of a secret and its staging labels. */
export type SecretVersion = typeof SecretVersion.Type

/** A secret with its versions. */
export const SecretDescription = Schema.Struct({
  ...SecretSummary.fields,
  versions: Schema.Array(SecretVersion)
})
/** A secret with its versions. */
export type SecretDescription = typeof SecretDescription.Type

/** A secret's value (string or binary) of one version. */
export interface SecretValue {
  readonly name: string
  readonly arn: string
  readonly versionId: string
  readonly stages: ReadonlyArray<string>
  /** SecretString, or base64 of SecretBinary when `binary`. */
  readonly value: Redacted.Redacted<string>
  readonly binary: boolean
}

/** Which version to read: by id, by staging label, or (neither) the current one, AWSCURRENT. */
export interface VersionSelector {
  readonly versionId?: string | undefined
  readonly versionStage?: string | undefined
}

/** What `Secrets.put` did: created the secret or added a version, and that version's id. */
export interface PutResult {
  readonly name: string
  readonly arn: string
  readonly versionId: string
  /** True when the secret was created; false when a new version was added. */
  readonly created: boolean
}

/** How `Secrets.delete` deletes: after a recovery window, or at once. */
export interface DeleteOptions {
  /** Days before the deletion is final (7-30; AWS's default is 30). */
  readonly recoveryDays?: number | undefined
  /** Delete at once, without a recovery window. */
  readonly force?: boolean | undefined
}

/** What `Secrets.delete` did: the secret, and when its deletion is final (none: deleted at once). */
export interface DeleteResult {
  readonly name: string
  readonly arn: string
  readonly deletionDate: Date | undefined
}

/** Why a `Secrets` call failed: AWS failed, or the secret (or version) does not exist. */
export type SecretError = AwsError | ResourceNotFound

/** Secrets Manager: list, describe, read, put and delete secrets. Live: `SecretsLive`; in memory: `SecretsMemory`. */
export class Secrets extends Context.Service<Secrets, {
  readonly region: string
  /** Secrets not scheduled for deletion, page by page. */
  readonly list: () => Stream.Stream<SecretSummary, AwsError>
  readonly describe: (name: string) => Effect.Effect<SecretDescription, SecretError>
  readonly getValue: (name: string, selector?: VersionSelector) => Effect.Effect<SecretValue, SecretError>
  /** Create the secret with this value, or (when it exists) add the value as its new AWSCURRENT version. */
  readonly put: (
    name: string,
    value: Redacted.Redacted<string>,
    options?: { readonly description?: string | undefined }
  ) => Effect.Effect<PutResult, AwsError>
  readonly delete: (name: string, options?: DeleteOptions) => Effect.Effect<DeleteResult, SecretError>
}>()("aegea/Secrets") {}

/** The error for a secret (or version) that does not exist, the same from every layer. */
export const secretNotFound = (name: string, region: string, selector: VersionSelector = {}) =>
  new ResourceNotFound({
    kind: selector.versionId || selector.versionStage ? "secret version" : "secret",
    name: selector.versionId
      ? `${name} (version ${selector.versionId})`
      : selector.versionStage
      ? `${name} (stage ${selector.versionStage})`
      : name,
    region,
    hint: selector.versionId || selector.versionStage
      ? `Run 'aws secretsmanager list-secret-version-ids --secret-id ${name}' to see its versions and their stages`
      : "Run 'aegea secrets ls' to see the secrets"
  })

/** The recovery window AWS accepts. */
export const recoveryDaysRange = { min: 7, max: 30 } as const

/**
 * The name of the inline policy that lets a principal read one secret: "aegea.secrets.<name>",
 * with characters IAM does not allow in policy names ("/" and others) replaced by ".".
 */
export const grantPolicyName = (secretName: string) =>
  `aegea.secrets.${secretName.replace(/[^\w+=,.@-]/g, ".")}`.slice(0, 128)

/** Least privilege: read (GetSecretValue) and describe that one secret, nothing else. */
export const readSecretPolicy = (secretArn: string) => ({
  Version: "2012-10-17" as const,
  Statement: [
    {
      Sid: "ReadOneSecret",
      Effect: "Allow" as const,
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: secretArn
    }
  ]
})
