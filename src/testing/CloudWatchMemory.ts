/** An in-memory CloudWatch (alarms, metric datapoints) and SNS (topics) for tests. */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { type Alarm, alarmArn, CloudWatch, type Datapoint, topicArnOf } from "../services/CloudWatch.ts"

/** The datapoints of one metric (namespace, name and dimensions) in `CloudWatchMemory`. */
export interface MetricSeed {
  readonly namespace: string
  readonly metric: string
  readonly dimensions: Readonly<Record<string, string>>
  readonly datapoints: ReadonlyArray<Datapoint>
}

/** What `CloudWatchMemory` starts with: alarms, metrics' datapoints and SNS topics. */
export interface CloudWatchSeed {
  readonly region?: string
  readonly accountId?: string
  readonly alarms?: ReadonlyArray<Alarm>
  readonly metrics?: ReadonlyArray<MetricSeed>
  readonly topics?: ReadonlyArray<string>
}

/** Inspect the in-memory alarms and topics from a test. */
export class CloudWatchMemoryState extends Context.Service<CloudWatchMemoryState, {
  readonly alarms: Effect.Effect<ReadonlyArray<Alarm>>
  readonly topics: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/CloudWatchMemoryState") {}

const sameDimensions = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v)

/** `CloudWatch` in memory, with `CloudWatchMemoryState` to inspect the alarms and topics made. */
export const CloudWatchMemory = {
  layer: (seed: CloudWatchSeed = {}): Layer.Layer<CloudWatch | CloudWatchMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const account = seed.accountId ?? "123456789012"
        const alarms = yield* Ref.make<ReadonlyArray<Alarm>>(seed.alarms ?? [])
        const topics = yield* Ref.make<ReadonlyArray<string>>((seed.topics ?? []).map((t) => topicArnOf(region, account, t)))
        const cw = CloudWatch.of({
          region,
          alarms: (options = {}) =>
            Stream.unwrap(Effect.map(Ref.get(alarms), (all) =>
              Stream.fromIterable(
                [...all]
                  .filter((a) => (options.state === undefined || a.state === options.state) &&
                    (options.names === undefined || options.names.length === 0 || options.names.includes(a.name)))
                  .sort((a, b) => (a.name < b.name ? -1 : 1))
              ))),
          putAlarm: (spec) =>
            Ref.update(alarms, (all) => {
              const existing = all.find((a) => a.name === spec.name)
              const alarm: Alarm = {
                name: spec.name,
                state: existing?.state ?? "INSUFFICIENT_DATA",
                reason: existing?.reason ?? "Unchecked: Initial alarm creation",
                namespace: spec.namespace,
                metric: spec.metric,
                statistic: spec.statistic,
                comparison: spec.comparison,
                threshold: spec.threshold,
                period: spec.period,
                evaluationPeriods: spec.evaluationPeriods,
                dimensions: { ...spec.dimensions },
                actions: [...spec.actions],
                arn: alarmArn(region, account, spec.name)
              }
              return [...all.filter((a) => a.name !== spec.name), alarm]
            }),
          latestDatapoint: (q) =>
            Effect.succeed(
              Option.fromUndefinedOr(
                (seed.metrics ?? [])
                  .filter((m) => m.namespace === q.namespace && m.metric === q.metric && sameDimensions(m.dimensions, q.dimensions))
                  .flatMap((m) => m.datapoints)
                  .filter((d) => d.timestamp >= q.start && d.timestamp <= q.end)
                  .sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime())[0]
              )
            ),
          topicArn: (name) => Effect.map(Ref.get(topics), (all) => Option.fromUndefinedOr(all.find((arn) => arn.split(":").pop() === name))),
          ensureTopic: (name) =>
            Ref.modify(topics, (all) => {
              const arn = topicArnOf(region, account, name)
              return [arn, all.includes(arn) ? all : [...all, arn]]
            })
        })
        const state = CloudWatchMemoryState.of({ alarms: Ref.get(alarms), topics: Ref.get(topics) })
        return Context.make(CloudWatch, cw).pipe(Context.add(CloudWatchMemoryState, state))
      })
    )
}
