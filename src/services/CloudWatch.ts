/**
 * CloudWatch metrics and alarms as `aegea alarms`, `put-alarm` and `s3 buckets` need them, and the
 * SNS topics alarms notify (looked up by name, created when missing).
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

/** A CloudWatch alarm's state. */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA"
/** Every alarm state, ALARM first. */
export const alarmStates: ReadonlyArray<AlarmState> = ["ALARM", "OK", "INSUFFICIENT_DATA"]

/** A CloudWatch metric alarm: its state, metric, threshold and actions. */
export const Alarm = Schema.Struct({
  name: Schema.String,
  state: Schema.String,
  reason: Schema.String,
  namespace: Schema.String,
  metric: Schema.String,
  statistic: Schema.String,
  comparison: Schema.String,
  threshold: Schema.optional(Schema.Number),
  period: Schema.optional(Schema.Number),
  evaluationPeriods: Schema.optional(Schema.Number),
  dimensions: Schema.Record(Schema.String, Schema.String),
  actions: Schema.Array(Schema.String),
  updated: Schema.optional(Schema.Date),
  arn: Schema.optional(Schema.String)
})
/** A CloudWatch metric alarm: its state, metric, threshold and actions. */
export type Alarm = typeof Alarm.Type

/** How a CloudWatch alarm compares its statistic with the threshold. */
export type Comparison =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold"
/** Every comparison operator an alarm may use. */
export const comparisons: ReadonlyArray<Comparison> = [
  "GreaterThanThreshold",
  "GreaterThanOrEqualToThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold"
]
/** The statistic of a metric an alarm or a query reads. */
export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount"
/** Every statistic an alarm or a metric query may use. */
export const statistics: ReadonlyArray<Statistic> = ["Average", "Sum", "Minimum", "Maximum", "SampleCount"]

/** What `CloudWatch.putAlarm` creates or replaces: a metric alarm on one metric. */
export interface AlarmSpec {
  readonly name: string
  readonly namespace: string
  readonly metric: string
  readonly statistic: Statistic
  readonly comparison: Comparison
  readonly threshold: number
  /** Seconds per evaluated datapoint. */
  readonly period: number
  readonly evaluationPeriods: number
  readonly dimensions: Readonly<Record<string, string>>
  /** Alarm actions (SNS topic ARNs). */
  readonly actions: ReadonlyArray<string>
}

/** What `CloudWatch.latestDatapoint` reads: one metric's statistic over a time range, per period. */
export interface MetricQuery {
  readonly namespace: string
  readonly metric: string
  readonly dimensions: Readonly<Record<string, string>>
  readonly statistic: Statistic
  readonly start: Date
  readonly end: Date
  /** Seconds per datapoint. */
  readonly period: number
}

/** One value of a metric statistic, at its period's start. */
export interface Datapoint {
  readonly timestamp: Date
  readonly value: number
}

/**
 * CloudWatch metric alarms and datapoints, and the SNS topic alarms notify. Live: `CloudWatchLive`; in memory:
 * `CloudWatchMemory`.
 */
export class CloudWatch extends Context.Service<CloudWatch, {
  readonly region: string
  /** Metric alarms, all pages; only those in `state` when given. */
  readonly alarms: (options?: { readonly state?: AlarmState; readonly names?: ReadonlyArray<string> }) => Stream.Stream<Alarm, AwsError>
  /** PutMetricAlarm: create the alarm, or replace its settings when it exists. */
  readonly putAlarm: (spec: AlarmSpec) => Effect.Effect<void, AwsError>
  /** The most recent datapoint of a metric in the time range, or none. */
  readonly latestDatapoint: (query: MetricQuery) => Effect.Effect<Option.Option<Datapoint>, AwsError>
  /** The ARN of the SNS topic with this name, or none. */
  readonly topicArn: (name: string) => Effect.Effect<Option.Option<string>, AwsError>
  /** Create the SNS topic (CreateTopic returns the existing one's ARN when it exists). */
  readonly ensureTopic: (name: string) => Effect.Effect<string, AwsError>
}>()("aegea/CloudWatch") {}

/** The ARN of an alarm in a region and account. */
export const alarmArn = (region: string, account: string, name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`
/** The ARN of an SNS topic in a region and account. */
export const topicArnOf = (region: string, account: string, name: string) => `arn:aws:sns:${region}:${account}:${name}`
