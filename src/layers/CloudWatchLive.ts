/** The live CloudWatch (metrics, alarms) and SNS (alarm topics) layer; both SDKs are imported lazily. */
import type * as Sdk from "@aws-sdk/client-cloudwatch"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate } from "./aws.ts"
import { type Alarm, CloudWatch } from "../services/CloudWatch.ts"

const toAlarm = (a: Sdk.MetricAlarm): Alarm => ({
  name: a.AlarmName ?? "",
  state: a.StateValue ?? "",
  reason: a.StateReason ?? "",
  namespace: a.Namespace ?? "",
  metric: a.MetricName ?? "",
  statistic: a.Statistic ?? a.ExtendedStatistic ?? "",
  comparison: a.ComparisonOperator ?? "",
  ...(a.Threshold !== undefined ? { threshold: a.Threshold } : {}),
  ...(a.Period !== undefined ? { period: a.Period } : {}),
  ...(a.EvaluationPeriods !== undefined ? { evaluationPeriods: a.EvaluationPeriods } : {}),
  dimensions: Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name ?? "", d.Value ?? ""])),
  actions: [...(a.AlarmActions ?? [])],
  ...(a.StateUpdatedTimestamp ? { updated: a.StateUpdatedTimestamp } : {}),
  ...(a.AlarmArn ? { arn: a.AlarmArn } : {})
})

const dimensionList = (dimensions: Readonly<Record<string, string>>) =>
  Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }))

/** `CloudWatch` against CloudWatch and SNS, with the region, credentials and endpoint of `AwsClients`. */
export const CloudWatchLive: Layer.Layer<CloudWatch, never, AwsClients> = Layer.effect(
  CloudWatch,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-cloudwatch"))
    const sns = yield* Effect.promise(() => import("@aws-sdk/client-sns"))
    const aws = yield* makeAws("CloudWatch", (config) => new sdk.CloudWatchClient(config))
    const topics = yield* makeAws("SNS", (config) => new sns.SNSClient(config))

    const topicArn = (name: string) =>
      paginate((token) =>
        topics.call(new sns.ListTopicsCommand({ ...(token ? { NextToken: token } : {}) }), `look for SNS topic ${name}`, idempotent).pipe(
          Effect.map((r) => [(r.Topics ?? []).map((t) => t.TopicArn ?? ""), r.NextToken] as const)
        )
      ).pipe(
        Stream.filter((arn) => arn.split(":").pop() === name),
        Stream.take(1),
        Stream.runCollect,
        Effect.map((found) => Option.fromUndefinedOr(found[0]))
      )

    return CloudWatch.of({
      region: aws.region,
      alarms: (options = {}) =>
        paginate((token) =>
          aws.call(
            new sdk.DescribeAlarmsCommand({
              AlarmTypes: ["MetricAlarm"],
              ...(options.state ? { StateValue: options.state } : {}),
              ...(options.names && options.names.length > 0 ? { AlarmNames: [...options.names] } : {}),
              ...(token ? { NextToken: token } : {})
            }),
            "list the alarms",
            idempotent
          ).pipe(Effect.map((r) => [(r.MetricAlarms ?? []).map(toAlarm), r.NextToken] as const))
        ),
      putAlarm: (spec) =>
        aws.call(
          new sdk.PutMetricAlarmCommand({
            AlarmName: spec.name,
            Namespace: spec.namespace,
            MetricName: spec.metric,
            Statistic: spec.statistic,
            ComparisonOperator: spec.comparison,
            Threshold: spec.threshold,
            Period: spec.period,
            EvaluationPeriods: spec.evaluationPeriods,
            Dimensions: dimensionList(spec.dimensions),
            AlarmActions: [...spec.actions]
          }),
          `put alarm ${spec.name}`,
          // PutMetricAlarm sets the whole alarm: the same request twice leaves the same alarm.
          idempotent
        ).pipe(Effect.asVoid),
      latestDatapoint: (q) =>
        aws.call(
          new sdk.GetMetricStatisticsCommand({
            Namespace: q.namespace,
            MetricName: q.metric,
            Dimensions: dimensionList(q.dimensions),
            StartTime: q.start,
            EndTime: q.end,
            Period: q.period,
            Statistics: [q.statistic]
          }),
          `read metric ${q.namespace} ${q.metric}`,
          idempotent
        ).pipe(
          Effect.map((r) => {
            const latest = (r.Datapoints ?? [])
              .filter((d) => d.Timestamp !== undefined && d[q.statistic] !== undefined)
              .sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime())[0]
            return latest ? Option.some({ timestamp: latest.Timestamp!, value: latest[q.statistic]! }) : Option.none()
          })
        ),
      topicArn,
      ensureTopic: (name) =>
        // CreateTopic with an existing name returns that topic: idempotent.
        topics.call(new sns.CreateTopicCommand({ Name: name }), `create SNS topic ${name}`, idempotent).pipe(
          Effect.map((r) => r.TopicArn ?? "")
        )
    })
  })
)
