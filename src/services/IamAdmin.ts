/**
 * IAM administration as an operator sees it (`aegea iam ...`): users with their MFA, access keys and
 * groups, groups with their members, roles with who may assume them, policies (customer managed,
 * or those of one principal), creating a user, and who the caller is. The `Iam` service (roles and
 * instance profiles for launch, batch and ecs) is separate and unchanged.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"
import type { Principal, PrincipalKind } from "./Iam.ts"

/** An IAM user's access key: its id, status, creation and last use (never the secret). */
export const AccessKey = Schema.Struct({
  id: Schema.String,
  /** "Active" or "Inactive". */
  status: Schema.String,
  created: Schema.optional(Schema.Date),
  lastUsed: Schema.optional(Schema.Date)
})
/** An IAM user's access key: its id, status, creation and last use (never the secret). */
export type AccessKey = typeof AccessKey.Type

/** An IAM user as `IamAdmin.users` lists it, with its groups, keys and last use. */
export const IamUser = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  created: Schema.optional(Schema.Date),
  /** Has at least one MFA device. */
  mfa: Schema.Boolean,
  accessKeys: Schema.Array(AccessKey),
  passwordLastUsed: Schema.optional(Schema.Date),
  /** The latest of the console sign-in and any access key's use. */
  lastUsed: Schema.optional(Schema.Date),
  groups: Schema.Array(Schema.String)
})
/** An IAM user as `IamAdmin.users` lists it, with its groups, keys and last use. */
export type IamUser = typeof IamUser.Type

/** An IAM group as `IamAdmin.groups` lists it. */
export const IamGroup = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  created: Schema.optional(Schema.Date),
  users: Schema.Array(Schema.String)
})
/** An IAM group as `IamAdmin.groups` lists it. */
export type IamGroup = typeof IamGroup.Type

/** An IAM role as `IamAdmin.roles` lists it. */
export const IamRole = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  description: Schema.optional(Schema.String),
  created: Schema.optional(Schema.Date),
  /** Who may assume it: service principals, account or role ARNs, federated providers, "*". */
  trustedPrincipals: Schema.Array(Schema.String),
  lastUsed: Schema.optional(Schema.Date),
  lastUsedRegion: Schema.optional(Schema.String)
})
/** An IAM role as `IamAdmin.roles` lists it. */
export type IamRole = typeof IamRole.Type

/** A policy attached to a principal, managed or inline. */
export const IamPolicy = Schema.Struct({
  name: Schema.String,
  /** "managed" (customer or AWS managed, attached) or "inline" (embedded in one principal). */
  type: Schema.Literals(["managed", "inline"]),
  /** Managed policies only. */
  arn: Schema.optional(Schema.String),
  /** How many principals a managed policy is attached to (the customer-managed listing). */
  attachments: Schema.optional(Schema.Number),
  /** "user/alice": the principal, in a listing of one principal's policies. */
  attachedTo: Schema.optional(Schema.String),
  updated: Schema.optional(Schema.Date)
})
/** A policy attached to a principal, managed or inline. */
export type IamPolicy = typeof IamPolicy.Type

/** What `IamAdmin.createUser` creates: a user in its groups, with a console password or without console access. */
export interface NewUser {
  readonly name: string
  readonly groups: ReadonlyArray<string>
  /** A console password (the user must change it at first sign-in); absent: no console access. */
  readonly consolePassword?: Redacted.Redacted<string> | undefined
}

/** The user `IamAdmin.createUser` created: its ARN, groups and whether it can sign in to the console. */
export interface CreatedUser {
  readonly name: string
  readonly arn: string
  readonly groups: ReadonlyArray<string>
  readonly consoleAccess: boolean
}

/** Who the caller is, and how its credentials were found. */
export interface Whoami {
  readonly arn: string
  readonly account: string
  readonly userId: string
  /** How the credentials were found, e.g. "environment (AWS_ACCESS_KEY_ID)", "SSO (profile dev)". */
  readonly source: string
  /** The AWS profile in use, if any. */
  readonly profile?: string | undefined
  readonly region: string
}

/** Why an `IamAdmin` call failed: AWS failed, or the principal does not exist. */
export type IamAdminError = AwsError | ResourceNotFound

/**
 * IAM administration for `aegea iam`: users, groups, roles, policies, creating users, and who the caller is.
 * Live: `IamAdminLive`; in memory: `IamAdminMemory`.
 */
export class IamAdmin extends Context.Service<IamAdmin, {
  readonly users: () => Stream.Stream<IamUser, AwsError>
  readonly groups: () => Stream.Stream<IamGroup, AwsError>
  readonly roles: () => Stream.Stream<IamRole, AwsError>
  /** Customer-managed policies of the account. */
  readonly policies: () => Stream.Stream<IamPolicy, AwsError>
  /** The managed policies attached to a principal, then its inline policies. */
  readonly policiesOf: (principal: Principal) => Effect.Effect<ReadonlyArray<IamPolicy>, IamAdminError>
  readonly exists: (principal: Principal) => Effect.Effect<boolean, AwsError>
  /** Create a user, add it to groups, and give it a console password when one is handed in. */
  readonly createUser: (user: NewUser) => Effect.Effect<CreatedUser, AwsError>
  readonly whoami: Effect.Effect<Whoami, AwsError>
}>()("aegea/IamAdmin") {}

/** The error for a user, group or role that does not exist, pointing at the command that lists them. */
export const principalNotFound = (principal: Principal) =>
  new ResourceNotFound({ kind: `IAM ${principal.kind}`, name: principal.name, hint: `Run 'aegea iam ${principal.kind}s' to see them` })

/** Every kind of IAM principal, in listing order. */
export const principalKinds: ReadonlyArray<PrincipalKind> = ["user", "group", "role"]

/**
 * The principals a role's trust policy lets assume it (Allow statements): service names, ARNs,
 * federated providers, "*". `document` is the policy as IAM returns it (URL-encoded JSON) or JSON.
 */
export const trustedPrincipals = (document: string | undefined): ReadonlyArray<string> => {
  if (document === undefined || document === "") return []
  let parsed: unknown
  try {
    parsed = JSON.parse(document.trimStart().startsWith("{") ? document : decodeURIComponent(document))
  } catch {
    return []
  }
  const statements = (parsed as { Statement?: unknown }).Statement
  const list = Array.isArray(statements) ? statements : statements !== undefined ? [statements] : []
  const out: Array<string> = []
  for (const s of list as ReadonlyArray<{ Effect?: string; Principal?: unknown }>) {
    if (s.Effect !== "Allow") continue
    const principal = s.Principal
    if (principal === "*") out.push("*")
    else if (typeof principal === "object" && principal !== null) {
      for (const value of Object.values(principal as Record<string, unknown>)) {
        for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") out.push(v)
      }
    }
  }
  return [...new Set(out)]
}

/**
 * How credentials were found, from the features the SDK's provider chain records on what it returns
 * (`$source`), the profile in use and the process environment when nothing was recorded.
 */
export const credentialSource = (
  features: ReadonlyArray<string>,
  profile: string | undefined,
  env: Readonly<Record<string, string | undefined>>
): string => {
  const has = (...names: ReadonlyArray<string>) => names.some((n) => features.includes(n))
  const named = `profile ${profile ?? env.AWS_PROFILE ?? "default"}`
  if (has("CREDENTIALS_PROFILE_SSO", "CREDENTIALS_SSO", "CREDENTIALS_PROFILE_SSO_LEGACY", "CREDENTIALS_SSO_LEGACY")) return `SSO (${named})`
  if (has("CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN")) return "web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)"
  if (has("CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN", "CREDENTIALS_STS_ASSUME_ROLE_WEB_ID")) return `web identity (${named})`
  if (has("CREDENTIALS_STS_ASSUME_ROLE", "CREDENTIALS_PROFILE_SOURCE_PROFILE", "CREDENTIALS_PROFILE_NAMED_PROVIDER")) return `assumed role (${named})`
  if (has("CREDENTIALS_PROFILE_PROCESS", "CREDENTIALS_PROCESS")) return `credential_process (${named})`
  if (has("CREDENTIALS_PROFILE_LOGIN", "CREDENTIALS_LOGIN")) return `console login (${named})`
  if (has("CREDENTIALS_ENV_VARS")) return "environment (AWS_ACCESS_KEY_ID)"
  if (has("CREDENTIALS_PROFILE")) return `${named} (shared credentials file)`
  if (has("CREDENTIALS_HTTP")) return "container credentials (ECS/EKS task role)"
  if (has("CREDENTIALS_IMDS")) return "instance role (EC2 instance metadata)"
  if (has("CREDENTIALS_CODE")) return "given in code"
  // Nothing recorded: what the environment says the chain would have found first.
  if (env.AWS_ACCESS_KEY_ID) return "environment (AWS_ACCESS_KEY_ID)"
  if (profile !== undefined || env.AWS_PROFILE) return named
  return "unknown"
}
