/** `aegea alarms` (list CloudWatch metric alarms) and `aegea put-alarm` (create or update one). */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { CloudWatchLive } from "../layers/CloudWatchLive.ts"
import { UsageError } from "../errors.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Alarm, alarmStates, type AlarmSpec, CloudWatch, comparisons, statistics } from "../services/CloudWatch.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { listingDescription } from "../lib/table.ts"
import { awsService, BaseLayer } from "./global.ts"

export const CloudWatchLayer = awsService(CloudWatch, CloudWatchLive).pipe(Layer.provideMerge(BaseLayer))

export const alarmTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "state", kind: "state" },
    { key: "metric" },
    { key: "namespace" },
    { key: "statistic" },
    { key: "comparison" },
    { key: "threshold", kind: "number" },
    { key: "reason", keep: -1 }
  ],
  kinds: { dimensions: "tags", updated: "time", arn: "id", period: "number", evaluationPeriods: "number" },
  fields: Object.keys(Alarm.fields)
}

export const alarmsCommand = Command.make(
  "alarms",
  {
    state: Flag.Literals("state", alarmStates).pipe(Flag.withDescription("Only alarms in this state."), Flag.optional)
  },
  Effect.fn("alarms")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("alarms"), raw)
    const cloudwatch = yield* CloudWatch
    const output = yield* Output
    const state = Option.getOrUndefined(input.state)
    const rows = yield* Stream.runCollect(cloudwatch.alarms(state ? { state } : {}))
    yield* output.table(rows, alarmTable, { empty: `no alarms${state ? ` in state ${state}` : ""} in ${cloudwatch.region}` })
  })
).pipe(
  Command.withDescription(listingDescription("List CloudWatch metric alarms with their state, the reason for it, the metric and the threshold.", alarmTable)),
  Command.withShortDescription("List CloudWatch metric alarms with state, reason, metric and threshold."),
  Command.withExamples([
    { command: "aegea alarms --state ALARM", description: "Alarms that are firing" },
    { command: "aegea alarms --columns name,state,dimensions,actions --json", description: "Dimensions and actions as JSON" }
  ]),
  Command.provide(CloudWatchLayer)
)

/** `K=V` flags as a record; a flag without `=` is a UsageError. */
export const parseDimensions = (pairs: ReadonlyArray<string>) =>
  Effect.forEach(pairs, (pair) => {
    const at = pair.indexOf("=")
    return at <= 0
      ? Effect.fail(new UsageError({ message: `invalid --dimension ${pair}`, hint: "Write it as NAME=VALUE, e.g. --dimension InstanceId=i-0abc" }))
      : Effect.succeed([pair.slice(0, at), pair.slice(at + 1)] as const)
  }).pipe(Effect.map((entries) => Object.fromEntries(entries) as Record<string, string>))

export const putAlarmCommand = Command.make(
  "put-alarm",
  {
    name: Argument.String("name").pipe(Argument.withDescription("The alarm's name; an existing alarm of that name is updated.")),
    metric: Flag.String("metric").pipe(Flag.withDescription("The metric's name, e.g. CPUUtilization.")),
    namespace: Flag.String("namespace").pipe(Flag.withDescription("The metric's namespace, e.g. AWS/EC2.")),
    threshold: Flag.Finite("threshold").pipe(Flag.withDescription("The value the statistic is compared with.")),
    comparison: Flag.Literals("comparison", comparisons).pipe(Flag.withDescription("How the statistic is compared with the threshold (default GreaterThanThreshold)."), Flag.optional),
    period: Flag.Int("period").pipe(Flag.withDescription("Seconds per evaluated datapoint (default 300; 10, 30 or a multiple of 60)."), Flag.optional),
    evaluationPeriods: Flag.Int("evaluation-periods").pipe(Flag.withDescription("Datapoints that must breach before the alarm fires (default 1)."), Flag.optional),
    statistic: Flag.Literals("statistic", statistics).pipe(Flag.withDescription("The statistic of the metric (default Average)."), Flag.optional),
    dimension: Flag.String("dimension").pipe(
      Flag.withDescription("A dimension of the metric as NAME=VALUE, e.g. InstanceId=i-0abc; repeat for several."),
      Flag.atLeast(0)
    ),
    snsTopic: Flag.String("sns-topic").pipe(
      Flag.withDescription("Notify this SNS topic (an ARN, or a name: the topic is looked up, and created when missing)."),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription(
        "Print the alarm that would be put, as YAML (JSON with --json), after one line on stderr saying whether it would be created or updated; change nothing."
      ),
      Flag.withDefault(false)
    )
  },
  Effect.fn("put-alarm")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("put-alarm"), raw)
    const cloudwatch = yield* CloudWatch
    const output = yield* Output
    const period = Option.getOrElse(input.period, () => 300)
    const evaluationPeriods = Option.getOrElse(input.evaluationPeriods, () => 1)
    if (period < 10 || (period > 30 && period % 60 !== 0) || (period < 60 && period !== 10 && period !== 30)) {
      return yield* new UsageError({ message: `invalid --period ${period}`, hint: "Use 10, 30 or a multiple of 60 seconds" })
    }
    if (evaluationPeriods < 1) {
      return yield* new UsageError({ message: `invalid --evaluation-periods ${evaluationPeriods}`, hint: "Use 1 or more" })
    }
    const dimensions = yield* parseDimensions(input.dimension)
    // An ARN is used as given; a name is looked up, and created (not in a dry run) when missing.
    let topicNote = ""
    const actions: Array<string> = []
    if (Option.isSome(input.snsTopic)) {
      const topic = input.snsTopic.value
      if (topic.startsWith("arn:")) actions.push(topic)
      else {
        const found = yield* cloudwatch.topicArn(topic)
        if (Option.isSome(found)) actions.push(found.value)
        else if (input.dryRun) {
          topicNote = ` and create SNS topic ${topic}`
          actions.push(`(new SNS topic ${topic})`)
        } else {
          actions.push(yield* cloudwatch.ensureTopic(topic))
          yield* output.info(`created SNS topic ${topic}`)
        }
      }
    }
    const spec: AlarmSpec = {
      name: input.name,
      namespace: input.namespace,
      metric: input.metric,
      statistic: Option.getOrElse(input.statistic, () => "Average" as const),
      comparison: Option.getOrElse(input.comparison, () => "GreaterThanThreshold" as const),
      threshold: input.threshold,
      period,
      evaluationPeriods,
      dimensions,
      actions
    }
    const existing = yield* Stream.runCollect(cloudwatch.alarms({ names: [input.name] }))
    const verb = existing.length > 0 ? "update" : "create"
    if (input.dryRun) {
      yield* output.info(`dry run: would ${verb} alarm ${input.name}${topicNote}; nothing was changed`)
      yield* output.document(spec)
      return
    }
    yield* cloudwatch.putAlarm(spec)
    const [alarm] = yield* Stream.runCollect(cloudwatch.alarms({ names: [input.name] }))
    yield* output.table([{ ...(alarm ?? spec), change: verb === "create" ? "created" : "updated" }], {
      columns: [
        { key: "name", kind: "name" },
        { key: "change", kind: "state" },
        { key: "state", kind: "state" },
        { key: "metric" },
        { key: "comparison" },
        { key: "threshold", kind: "number" },
        { key: "actions" }
      ],
      kinds: { dimensions: "tags" }
    })
  })
).pipe(
  Command.withDescription(
    "Create a CloudWatch metric alarm, or update the alarm of that name (PutMetricAlarm sets every setting: those not given take their defaults). " +
      "--sns-topic makes the alarm notify a topic, created when a name is given that does not exist."
  ),
  Command.withExamples([
    {
      command: "aegea put-alarm web-cpu --namespace AWS/EC2 --metric CPUUtilization --dimension InstanceId=i-0abc --threshold 90 --sns-topic ops",
      description: "Notify topic ops when average CPU is above 90% for 5 minutes"
    },
    {
      command: "aegea put-alarm queue-depth --namespace AWS/SQS --metric ApproximateNumberOfMessagesVisible --threshold 1000 --evaluation-periods 3 --dry-run",
      description: "Show the alarm without creating it"
    }
  ]),
  Command.provide(CloudWatchLayer)
)
