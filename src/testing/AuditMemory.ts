/**
 * An in-memory Audit for tests: seed what each source returns, or name sources that fail (with
 * access denied, as for a principal without the permission), so every check's PASS, FAIL and ERROR
 * branches can be reached. Unseeded sources are an empty account: no policy, no trails, no recorders.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AwsAccessDenied } from "../errors.ts"
import {
  type Alarm,
  Audit,
  type ConfigRecorder,
  type CredentialUser,
  type MetricFilter,
  type PasswordPolicy,
  type Trail
} from "../services/Audit.ts"

/** One of the reads of `Audit`, to make it fail in `AuditSeed.denied`. */
export type AuditSource = "accountSummary" | "passwordPolicy" | "credentialReport" | "trails" | "configRecorders" | "metricFilters" | "alarms"

/** What `AuditMemory` answers: each source's contents, and the sources that fail with access denied. */
export interface AuditSeed {
  readonly region?: string
  readonly accountSummary?: Readonly<Record<string, number>>
  readonly passwordPolicy?: PasswordPolicy
  readonly credentialReport?: ReadonlyArray<CredentialUser>
  readonly trails?: ReadonlyArray<Trail>
  readonly configRecorders?: ReadonlyArray<ConfigRecorder>
  readonly metricFilters?: ReadonlyArray<MetricFilter>
  readonly alarms?: ReadonlyArray<Alarm>
  /** These sources fail with access denied. */
  readonly denied?: ReadonlyArray<AuditSource>
}

const operations: Record<AuditSource, readonly [string, string, string]> = {
  accountSummary: ["IAM", "GetAccountSummary", "read the account summary"],
  passwordPolicy: ["IAM", "GetAccountPasswordPolicy", "read the password policy"],
  credentialReport: ["IAM", "GetCredentialReport", "read the credential report"],
  trails: ["CloudTrail", "DescribeTrails", "list CloudTrail trails"],
  configRecorders: ["Config", "DescribeConfigurationRecorders", "list AWS Config recorders"],
  metricFilters: ["CloudWatch Logs", "DescribeMetricFilters", "list metric filters"],
  alarms: ["CloudWatch", "DescribeAlarms", "list CloudWatch alarms"]
}

/** `Audit` in memory: every read answers from the seed. */
export const AuditMemory = {
  layer: (seed: AuditSeed = {}): Layer.Layer<Audit> => {
    const region = seed.region ?? "us-east-1"
    const source = <A>(name: AuditSource, value: A): Effect.Effect<A, AwsAccessDenied> => {
      if (!(seed.denied ?? []).includes(name)) return Effect.succeed(value)
      const [service, operation, action] = operations[name]
      return Effect.fail(
        new AwsAccessDenied({
          service,
          operation,
          action,
          code: "AccessDenied",
          awsMessage: `not authorized to perform ${operation}`,
          ...(service === "IAM" ? {} : { region })
        })
      )
    }
    return Layer.succeed(
      Audit,
      Audit.of({
        region,
        accountSummary: source("accountSummary", seed.accountSummary ?? { AccountMFAEnabled: 0, AccountAccessKeysPresent: 0 }),
        passwordPolicy: source("passwordPolicy", seed.passwordPolicy),
        credentialReport: source("credentialReport", seed.credentialReport ?? []),
        trails: source("trails", seed.trails ?? []),
        configRecorders: source("configRecorders", seed.configRecorders ?? []),
        metricFilters: (logGroup) => source("metricFilters", (seed.metricFilters ?? []).filter((f) => f.logGroup === logGroup)),
        alarms: source("alarms", seed.alarms ?? [])
      })
    )
  }
}
