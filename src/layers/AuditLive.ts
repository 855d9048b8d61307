/**
 * The live Audit layer: read-only calls to IAM, CloudTrail, AWS Config, CloudWatch Logs and
 * CloudWatch, each through its own client.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import { Audit, type ConfigRecorder, parseCredentialReport, type Trail } from "../services/Audit.ts"
import { pollUntil } from "../services/Polling.ts"

/** Bound on polls while the credential report is generated (2 s apart: 2 minutes). */
const maxReportPolls = 60

/** "arn:aws:logs:us-east-1:123:log-group:CloudTrail/Default:*" -> "CloudTrail/Default". */
export const logGroupOfArn = (arn: string | undefined): string | undefined => {
  if (arn === undefined || arn === "") return undefined
  const parts = arn.split(":")
  return parts[5] === "log-group" ? parts[6] : undefined
}

/**
 * `Audit` against IAM, CloudTrail, AWS Config, CloudWatch Logs and CloudWatch, with the region, credentials and
 * endpoint of `AwsClients`.
 */
export const AuditLive: Layer.Layer<Audit, never, AwsClients> = Layer.effect(
  Audit,
  Effect.gen(function*() {
    const [iamSdk, trailSdk, configSdk, logsSdk, cwSdk] = yield* Effect.promise(() =>
      Promise.all([
        import("@aws-sdk/client-iam"),
        import("@aws-sdk/client-cloudtrail"),
        import("@aws-sdk/client-config-service"),
        import("./sdk/logs.ts"),
        import("@aws-sdk/client-cloudwatch")
      ])
    )
    const iam = yield* makeAws("IAM", (config) => new iamSdk.IAMClient(config), { global: true })
    const trail = yield* makeAws("CloudTrail", (config) => new trailSdk.CloudTrailClient(config))
    const config = yield* makeAws("Config", (c) => new configSdk.ConfigServiceClient(c))
    const logs = yield* makeAws("CloudWatch Logs", (c) => new logsSdk.CloudWatchLogsClient(c))
    const cloudwatch = yield* makeAws("CloudWatch", (c) => new cwSdk.CloudWatchClient(c))

    const accountSummary = iam.call(new iamSdk.GetAccountSummaryCommand({}), "read the account summary", idempotent).pipe(
      Effect.map((r): Readonly<Record<string, number>> => ({ ...(r.SummaryMap ?? {}) }))
    )

    const passwordPolicy = iam.call(new iamSdk.GetAccountPasswordPolicyCommand({}), "read the password policy", idempotent).pipe(
      Effect.map((r) => {
        const p = r.PasswordPolicy ?? {}
        return {
          minimumLength: p.MinimumPasswordLength,
          requireSymbols: p.RequireSymbols === true,
          requireNumbers: p.RequireNumbers === true,
          requireUppercase: p.RequireUppercaseCharacters === true,
          requireLowercase: p.RequireLowercaseCharacters === true,
          maxAgeDays: p.MaxPasswordAge,
          reusePrevention: p.PasswordReusePrevention
        }
      }),
      // NoSuchEntity: the account has no password policy.
      Effect.catchIf((e: AwsError) => e.code === "NoSuchEntity" || e._tag === "AwsNotFound", () => Effect.succeed(undefined))
    )

    const credentialReport = Effect.gen(function*() {
      yield* iam.call(new iamSdk.GenerateCredentialReportCommand({}), "generate the credential report", idempotent).pipe(
        Effect.map((r) => r.State),
        (e) => pollUntil(e, "state", (state) => state === undefined || state === "COMPLETE", maxReportPolls)
      )
      const r = yield* iam.call(new iamSdk.GetCredentialReportCommand({}), "read the credential report", idempotent)
      const content = r.Content
      const text = content === undefined ? "" : typeof content === "string" ? content : new TextDecoder().decode(content)
      return parseCredentialReport(text)
    })

    const trails = Effect.gen(function*() {
      const r = yield* trail.call(new trailSdk.DescribeTrailsCommand({ includeShadowTrails: true }), "list CloudTrail trails", idempotent)
      return yield* Effect.forEach(r.trailList ?? [], (t) =>
        trail.call(
          new trailSdk.GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }),
          `read the status of trail ${t.Name}`,
          idempotent
        ).pipe(Effect.map((s): Trail => ({
          name: t.Name ?? "",
          arn: t.TrailARN ?? "",
          homeRegion: t.HomeRegion ?? "",
          multiRegion: t.IsMultiRegionTrail === true,
          logFileValidation: t.LogFileValidationEnabled === true,
          logGroup: logGroupOfArn(t.CloudWatchLogsLogGroupArn),
          isLogging: s.IsLogging === true
        }))), { concurrency: 4 })
    })

    const configRecorders = Effect.gen(function*() {
      const recorders = yield* config.call(
        new configSdk.DescribeConfigurationRecordersCommand({}),
        "list AWS Config recorders",
        idempotent
      )
      const statuses = yield* config.call(
        new configSdk.DescribeConfigurationRecorderStatusCommand({}),
        "read the AWS Config recorders' status",
        idempotent
      )
      return (recorders.ConfigurationRecorders ?? []).map((c): ConfigRecorder => ({
        name: c.name ?? "",
        allSupported: c.recordingGroup?.allSupported === true,
        includeGlobalResources: c.recordingGroup?.includeGlobalResourceTypes === true,
        recording: (statuses.ConfigurationRecordersStatus ?? []).some((s) => s.name === c.name && s.recording === true)
      }))
    })

    const metricFilters = (logGroup: string) =>
      Stream.runCollect(paginate((token) =>
        logs.call(
          new logsSdk.DescribeMetricFiltersCommand({ logGroupName: logGroup, ...(token ? { nextToken: token } : {}) }),
          `list the metric filters of ${logGroup}`,
          idempotent
        ).pipe(Effect.map((r) =>
          [
            (r.metricFilters ?? []).map((f) => ({
              logGroup,
              name: f.filterName ?? "",
              pattern: f.filterPattern ?? "",
              metrics: (f.metricTransformations ?? []).map((m) => ({ namespace: m.metricNamespace ?? "", name: m.metricName ?? "" }))
            })),
            r.nextToken
          ] as const
        ))
      ).pipe(Stream.take(10_000)))

    const alarms = Stream.runCollect(paginate((token) =>
      cloudwatch.call(
        new cwSdk.DescribeAlarmsCommand({ AlarmTypes: ["MetricAlarm"], ...(token ? { NextToken: token } : {}) }),
        "list CloudWatch alarms",
        idempotent
      ).pipe(Effect.map((r) =>
        [
          (r.MetricAlarms ?? []).map((a) => ({
            name: a.AlarmName ?? "",
            namespace: a.Namespace ?? "",
            metricName: a.MetricName ?? "",
            actions: (a.AlarmActions ?? []).length
          })),
          r.NextToken
        ] as const
      ))
    ).pipe(Stream.take(10_000)))

    return Audit.of({ region: trail.region, accountSummary, passwordPolicy, credentialReport, trails, configRecorders, metricFilters, alarms })
  })
)
