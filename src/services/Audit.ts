/**
 * What `aegea audit` reads (read only): the IAM account summary, password policy and credential
 * report, CloudTrail trails and their status, AWS Config recorders, CloudWatch Logs metric filters
 * and CloudWatch alarms. The checks themselves are in workflows/audit.ts.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { AwsError } from "../errors.ts"

/** The account's IAM password policy, as the audit checks it. */
export interface PasswordPolicy {
  readonly minimumLength?: number | undefined
  readonly requireSymbols: boolean
  readonly requireNumbers: boolean
  readonly requireUppercase: boolean
  readonly requireLowercase: boolean
  /** Days before a password expires; none: never. */
  readonly maxAgeDays?: number | undefined
  /** How many previous passwords cannot be reused; none: any. */
  readonly reusePrevention?: number | undefined
}

/** An IAM access key's state for the audit: active or not, when rotated and last used. */
export interface AccessKeyUse {
  readonly active: boolean
  readonly lastRotated?: Date | undefined
  readonly lastUsed?: Date | undefined
}

/** One row of the IAM credential report ("<root_account>" is the root user). */
export interface CredentialUser {
  readonly user: string
  readonly arn: string
  readonly created?: Date | undefined
  readonly passwordEnabled: boolean
  readonly passwordLastUsed?: Date | undefined
  readonly mfaActive: boolean
  readonly accessKeys: ReadonlyArray<AccessKeyUse>
}

/** A CloudTrail trail as the audit sees it: where it logs and whether it is logging. */
export interface Trail {
  readonly name: string
  readonly arn: string
  readonly homeRegion: string
  readonly multiRegion: boolean
  readonly logFileValidation: boolean
  /** The CloudWatch Logs group it delivers to, when any (a name, from the group's ARN). */
  readonly logGroup?: string | undefined
  readonly isLogging: boolean
}

/** An AWS Config recorder and whether it records every resource type. */
export interface ConfigRecorder {
  readonly name: string
  readonly allSupported: boolean
  readonly includeGlobalResources: boolean
  readonly recording: boolean
}

/** A CloudWatch Logs metric filter: its log group, pattern and the metric it feeds. */
export interface MetricFilter {
  readonly logGroup: string
  readonly name: string
  readonly pattern: string
  readonly metrics: ReadonlyArray<{ readonly namespace: string; readonly name: string }>
}

/** A CloudWatch alarm on a metric, for matching metric filters to alarms. */
export interface Alarm {
  readonly name: string
  readonly namespace: string
  readonly metricName: string
  /** How many actions the alarm has (an alarm with none notifies nobody). */
  readonly actions: number
}

/**
 * The reads of `aegea audit` (a CIS-style account check): account summary, password policy, credential report,
 * trails, Config recorders, metric filters and alarms.
 */
export class Audit extends Context.Service<Audit, {
  readonly region: string
  /** GetAccountSummary: AccountMFAEnabled, AccountAccessKeysPresent... */
  readonly accountSummary: Effect.Effect<Readonly<Record<string, number>>, AwsError>
  /** The account password policy; none when the account has none. */
  readonly passwordPolicy: Effect.Effect<PasswordPolicy | undefined, AwsError>
  /** Generate (when needed) and read the credential report. */
  readonly credentialReport: Effect.Effect<ReadonlyArray<CredentialUser>, AwsError>
  /** Every trail that applies to the region (shadows of multi-region trails included) and its status. */
  readonly trails: Effect.Effect<ReadonlyArray<Trail>, AwsError>
  readonly configRecorders: Effect.Effect<ReadonlyArray<ConfigRecorder>, AwsError>
  readonly metricFilters: (logGroup: string) => Effect.Effect<ReadonlyArray<MetricFilter>, AwsError>
  readonly alarms: Effect.Effect<ReadonlyArray<Alarm>, AwsError>
}>()("aegea/Audit") {}

/** A credential report date: "N/A", "no_information", "not_supported" and the like are none. */
const reportDate = (text: string | undefined): Date | undefined => {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined
  const d = new Date(text)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** The credential report (CSV, as GetCredentialReport returns it) as rows. */
export const parseCredentialReport = (csv: string): ReadonlyArray<CredentialUser> => {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== "")
  const header = (lines[0] ?? "").split(",")
  return lines.slice(1).map((line) => {
    const cells = line.split(",")
    const get = (name: string) => {
      const i = header.indexOf(name)
      return i < 0 ? undefined : cells[i]
    }
    return {
      user: get("user") ?? "",
      arn: get("arn") ?? "",
      created: reportDate(get("user_creation_time")),
      passwordEnabled: get("password_enabled") === "true",
      passwordLastUsed: reportDate(get("password_last_used")),
      mfaActive: get("mfa_active") === "true",
      accessKeys: [1, 2].map((n) => ({
        active: get(`access_key_${n}_active`) === "true",
        lastRotated: reportDate(get(`access_key_${n}_last_rotated`)),
        lastUsed: reportDate(get(`access_key_${n}_last_used_date`))
      }))
    }
  })
}
