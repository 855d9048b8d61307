/**
 * The CIS AWS Foundations checks the Python aegea's `audit` ran, over the Audit service: one result
 * per check, PASS or FAIL with the reason, or ERROR when what the check needs could not be read
 * (the reason is the error's sentence). Each source is read once however many checks use it.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { AwsError } from "../errors.ts"
import { type Alarm, Audit, type CredentialUser, type MetricFilter, type PasswordPolicy, type Trail } from "../services/Audit.ts"

/** The outcome of one audit check. */
export type AuditStatus = "PASS" | "FAIL" | "ERROR"

/** One audit check's result: the CIS item, the check, its status and why. */
export type AuditResult = {
  /** The CIS benchmark item, e.g. "1.12". */
  readonly id: string
  readonly check: string
  readonly status: AuditStatus
  readonly reason: string
}

const dayMillis = 86_400_000
/** Credentials unused, and keys not rotated, for longer than this fail. */
export const maxCredentialAgeDays = 90

type Outcome = { readonly status: AuditStatus; readonly reason: string }
const pass = (reason: string): Outcome => ({ status: "PASS", reason })
const fail = (reason: string): Outcome => ({ status: "FAIL", reason })

/** A result from a source that may have failed: ERROR with the failure's sentence. */
const from = <A>(source: Exit.Exit<A, AwsError>, judge: (a: A) => Outcome): Outcome =>
  Exit.isSuccess(source)
    ? judge(source.value)
    : { status: "ERROR", reason: errorReason(source) }

const errorReason = (exit: Exit.Exit<unknown, AwsError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
  return failure !== undefined && failure._tag === "Fail" ? failure.error.summary : "could not read it"
}

const names = (items: ReadonlyArray<string>, max = 5) =>
  items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`

const olderThan = (date: Date | undefined, now: number, days: number) => date !== undefined && now - date.getTime() > days * dayMillis

// --- the CIS log metric filters (section 3): the words each filter pattern must contain -------------

/** A CIS log metric filter check (section 3): the words the filter's pattern must contain. */
export interface EventCheck {
  readonly id: string
  readonly check: string
  /** Every one must appear in the filter's pattern (as a word). */
  readonly words: ReadonlyArray<string>
}

/** The CIS log metric filter checks (3.1 to 3.14). */
export const eventChecks: ReadonlyArray<EventCheck> = [
  { id: "3.1", check: "alarm on unauthorized API calls", words: ["UnauthorizedOperation", "AccessDenied"] },
  { id: "3.2", check: "alarm on console sign-in without MFA", words: ["ConsoleLogin", "MFAUsed"] },
  { id: "3.3", check: "alarm on use of the root account", words: ["Root", "invokedBy", "AwsServiceEvent"] },
  {
    id: "3.4",
    check: "alarm on IAM policy changes",
    words: [
      "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy",
      "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy",
      "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"
    ]
  },
  { id: "3.5", check: "alarm on CloudTrail configuration changes", words: ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"] },
  { id: "3.6", check: "alarm on console authentication failures", words: ["ConsoleLogin", "Failed authentication"] },
  { id: "3.7", check: "alarm on disabling or scheduled deletion of customer keys", words: ["kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"] },
  {
    id: "3.8",
    check: "alarm on S3 bucket policy changes",
    words: ["s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication", "DeleteBucketPolicy"]
  },
  {
    id: "3.9",
    check: "alarm on AWS Config configuration changes",
    words: ["config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]
  },
  {
    id: "3.10",
    check: "alarm on security group changes",
    words: [
      "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
      "CreateSecurityGroup", "DeleteSecurityGroup"
    ]
  },
  {
    id: "3.11",
    check: "alarm on network ACL changes",
    words: ["CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"]
  },
  {
    id: "3.12",
    check: "alarm on network gateway changes",
    words: ["CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"]
  },
  {
    id: "3.13",
    check: "alarm on route table changes",
    words: ["CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"]
  },
  {
    id: "3.14",
    check: "alarm on VPC changes",
    words: [
      "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
      "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection"
    ]
  }
]

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
/** Whether the pattern names the word (not as part of a longer name: CreateRoute is not CreateRouteTable). */
export const patternHas = (pattern: string, word: string) => new RegExp(`(^|[^A-Za-z0-9])${escape(word)}($|[^A-Za-z0-9])`).test(pattern)

/** The filters (on the trail's log group) that match the event check and have an alarm with an action. */
export const judgeEventCheck = (
  check: EventCheck,
  logGroups: ReadonlyArray<string>,
  filters: ReadonlyArray<MetricFilter>,
  alarms: ReadonlyArray<Alarm>
): Outcome => {
  if (logGroups.length === 0) return fail("no logging multi-region trail sends its events to CloudWatch Logs")
  const matching = filters.filter((f) => check.words.every((w) => patternHas(f.pattern, w)))
  if (matching.length === 0) return fail(`no metric filter on ${names(logGroups)} matches these events`)
  const alarmed = matching.filter((f) =>
    f.metrics.some((m) => alarms.some((a) => a.namespace === m.namespace && a.metricName === m.name && a.actions > 0))
  )
  if (alarmed.length === 0) return fail(`metric filter ${names(matching.map((f) => f.name))} has no alarm with an action`)
  return pass(`metric filter ${alarmed[0]!.name} has an alarm`)
}

// --- section 1: IAM -------------------------------------------------------------------------------

const policyCheck = (
  id: string,
  check: string,
  judge: (p: PasswordPolicy) => Outcome
) => ({ id, check, judge: (policy: PasswordPolicy | undefined) => (policy === undefined ? fail("the account has no password policy") : judge(policy)) })

export const passwordPolicyChecks = [
  policyCheck("1.5", "password policy requires an uppercase letter", (p) => (p.requireUppercase ? pass("required") : fail("not required"))),
  policyCheck("1.6", "password policy requires a lowercase letter", (p) => (p.requireLowercase ? pass("required") : fail("not required"))),
  policyCheck("1.7", "password policy requires a symbol", (p) => (p.requireSymbols ? pass("required") : fail("not required"))),
  policyCheck("1.8", "password policy requires a number", (p) => (p.requireNumbers ? pass("required") : fail("not required"))),
  policyCheck("1.9", "password policy requires 14 characters or more", (p) =>
    (p.minimumLength ?? 0) >= 14 ? pass(`minimum ${p.minimumLength}`) : fail(`minimum ${p.minimumLength ?? "not set"}`)),
  policyCheck("1.10", "password policy prevents reusing the last 24 passwords", (p) =>
    (p.reusePrevention ?? 0) >= 24 ? pass(`last ${p.reusePrevention}`) : fail(p.reusePrevention === undefined ? "reuse is allowed" : `only the last ${p.reusePrevention}`)),
  policyCheck("1.11", "password policy expires passwords within 90 days", (p) =>
    p.maxAgeDays !== undefined && p.maxAgeDays <= 90 ? pass(`${p.maxAgeDays} days`) : fail(p.maxAgeDays === undefined ? "passwords never expire" : `${p.maxAgeDays} days`))
] as const

const rootRow = (users: ReadonlyArray<CredentialUser>) => users.find((u) => u.user === "<root_account>")
const iamUsers = (users: ReadonlyArray<CredentialUser>) => users.filter((u) => u.user !== "<root_account>")

export const judgeRootUse = (users: ReadonlyArray<CredentialUser>, now: number): Outcome => {
  const root = rootRow(users)
  if (root === undefined) return { status: "ERROR", reason: "the credential report has no <root_account> row" }
  const uses = [root.passwordLastUsed, ...root.accessKeys.map((k) => k.lastUsed)].filter((d): d is Date => d !== undefined)
  const recent = uses.filter((d) => !olderThan(d, now, maxCredentialAgeDays))
  return recent.length > 0
    ? fail(`the root account was used on ${recent.map((d) => d.toISOString().slice(0, 10)).sort().at(-1)}`)
    : pass(`not used in ${maxCredentialAgeDays} days`)
}

export const judgeUserMfa = (users: ReadonlyArray<CredentialUser>): Outcome => {
  const without = iamUsers(users).filter((u) => u.passwordEnabled && !u.mfaActive).map((u) => u.user)
  return without.length > 0 ? fail(`no MFA: ${names(without)}`) : pass("every user with a console password has MFA")
}

export const judgeUnusedCredentials = (users: ReadonlyArray<CredentialUser>, now: number): Outcome => {
  const stale: Array<string> = []
  for (const u of iamUsers(users)) {
    // Never used: judged from the user's creation.
    if (u.passwordEnabled && olderThan(u.passwordLastUsed ?? u.created, now, maxCredentialAgeDays)) stale.push(`${u.user} (password)`)
    u.accessKeys.forEach((k, i) => {
      if (k.active && olderThan(k.lastUsed ?? k.lastRotated, now, maxCredentialAgeDays)) stale.push(`${u.user} (key ${i + 1})`)
    })
  }
  return stale.length > 0 ? fail(`unused for ${maxCredentialAgeDays} days: ${names(stale)}`) : pass(`none unused for ${maxCredentialAgeDays} days`)
}

export const judgeKeyRotation = (users: ReadonlyArray<CredentialUser>, now: number): Outcome => {
  const old: Array<string> = []
  for (const u of iamUsers(users)) {
    u.accessKeys.forEach((k, i) => {
      if (k.active && olderThan(k.lastRotated, now, maxCredentialAgeDays)) old.push(`${u.user} (key ${i + 1})`)
    })
  }
  return old.length > 0 ? fail(`older than ${maxCredentialAgeDays} days: ${names(old)}`) : pass(`every active key is ${maxCredentialAgeDays} days old or newer`)
}

// --- section 2: logging ---------------------------------------------------------------------------

const loggingMultiRegion = (trails: ReadonlyArray<Trail>) => trails.filter((t) => t.multiRegion && t.isLogging)

export const judgeCloudTrail = (trails: ReadonlyArray<Trail>): Outcome => {
  const on = loggingMultiRegion(trails)
  if (on.length > 0) return pass(`trail ${names(on.map((t) => t.name))} logs every region`)
  if (trails.length === 0) return fail("no trails")
  return fail(`no logging multi-region trail (trails: ${names(trails.map((t) => `${t.name}${t.multiRegion ? "" : " single-region"}${t.isLogging ? "" : " stopped"}`))})`)
}

export const judgeLogValidation = (trails: ReadonlyArray<Trail>): Outcome => {
  if (trails.length === 0) return fail("no trails")
  const without = trails.filter((t) => !t.logFileValidation).map((t) => t.name)
  return without.length > 0 ? fail(`log file validation off: ${names(without)}`) : pass("on for every trail")
}

export const judgeCloudWatchDelivery = (trails: ReadonlyArray<Trail>): Outcome => {
  if (trails.length === 0) return fail("no trails")
  const without = trails.filter((t) => t.logGroup === undefined).map((t) => t.name)
  return without.length > 0 ? fail(`not sent to CloudWatch Logs: ${names(without)}`) : pass("every trail sends to CloudWatch Logs")
}

/** Run every check; never fails (a source that cannot be read makes its checks ERROR). */
export const runAudit = (now: number): Effect.Effect<ReadonlyArray<AuditResult>, never, Audit> =>
  Effect.gen(function*() {
    const audit = yield* Audit
    const [summary, policy, report, trails, recorders, alarms] = yield* Effect.all([
      Effect.exit(audit.accountSummary),
      Effect.exit(audit.passwordPolicy),
      Effect.exit(audit.credentialReport),
      Effect.exit(audit.trails),
      Effect.exit(audit.configRecorders),
      Effect.exit(audit.alarms)
    ], { concurrency: 4 })
    // The CIS filters are on the log groups of logging multi-region trails.
    const logGroups = Exit.isSuccess(trails)
      ? [...new Set(loggingMultiRegion(trails.value).flatMap((t) => (t.logGroup !== undefined ? [t.logGroup] : [])))]
      : []
    const filters = yield* Effect.exit(Effect.map(Effect.forEach(logGroups, audit.metricFilters, { concurrency: 4 }), (all) => all.flat()))
    const results: Array<AuditResult> = []
    const add = (id: string, check: string, outcome: Outcome) => results.push({ id, check, ...outcome })

    add("1.1", "the root account is not used", from(report, (users) => judgeRootUse(users, now)))
    add("1.2", "MFA for every IAM user with a console password", from(report, judgeUserMfa))
    add("1.3", `credentials unused for ${maxCredentialAgeDays} days are disabled`, from(report, (users) => judgeUnusedCredentials(users, now)))
    add("1.4", `access keys are rotated every ${maxCredentialAgeDays} days`, from(report, (users) => judgeKeyRotation(users, now)))
    for (const c of passwordPolicyChecks) add(c.id, c.check, from(policy, c.judge))
    add("1.12", "no root account access keys", from(summary, (s) =>
      (s["AccountAccessKeysPresent"] ?? 0) === 0 ? pass("none") : fail("the root account has access keys")))
    add("1.13", "MFA on the root account", from(summary, (s) =>
      (s["AccountMFAEnabled"] ?? 0) === 1 ? pass("enabled") : fail("not enabled")))
    add("2.1", "CloudTrail is on in all regions", from(trails, judgeCloudTrail))
    add("2.2", "CloudTrail log file validation", from(trails, judgeLogValidation))
    add("2.4", "CloudTrail trails send to CloudWatch Logs", from(trails, judgeCloudWatchDelivery))
    add("2.5", "AWS Config records all resources", from(recorders, (all) => {
      if (all.length === 0) return fail(`no configuration recorder in ${audit.region}`)
      const good = all.filter((r) => r.recording && r.allSupported && r.includeGlobalResources)
      if (good.length > 0) return pass(`recorder ${good[0]!.name} is recording`)
      const r = all[0]!
      return fail(`recorder ${r.name}: ${[!r.recording && "not recording", !r.allSupported && "not all resource types", !r.includeGlobalResources && "no global resources"].filter(Boolean).join(", ")}`)
    }))
    for (const c of eventChecks) {
      add(c.id, c.check, from(trails, () => from(filters, (fs) => from(alarms, (as) => judgeEventCheck(c, logGroups, fs, as)))))
    }
    return results
  })
