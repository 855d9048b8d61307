/**
 * The CloudWatch contract (alarms, metric datapoints, SNS topics): the same scenarios against
 * CloudWatchMemory (test/unit) and CloudWatchLive on moto (test/integration).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option, Stream } from "effect"
import { type AlarmSpec, CloudWatch, type Datapoint } from "../../src/services/CloudWatch.ts"

export interface MetricFixture {
  readonly namespace: string
  readonly metric: string
  readonly dimensions: Readonly<Record<string, string>>
  readonly datapoints: ReadonlyArray<Datapoint>
}

export interface CloudWatchHarness {
  /** A layer over a store holding these datapoints (and otherwise unrelated contents). */
  readonly make: (metrics?: ReadonlyArray<MetricFixture>) => Promise<Layer.Layer<CloudWatch>>
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<CloudWatch>, f: (s: CloudWatch["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* CloudWatch)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const spec = (name: string, overrides: Partial<AlarmSpec> = {}): AlarmSpec => ({
  name,
  namespace: "AWS/EC2",
  metric: "CPUUtilization",
  statistic: "Average",
  comparison: "GreaterThanThreshold",
  threshold: 90,
  period: 300,
  evaluationPeriods: 2,
  dimensions: { InstanceId: "i-0123456789abcdef0" },
  actions: [],
  ...overrides
})

export const cloudWatchContract = (label: string, harness: CloudWatchHarness) =>
  describe(`CloudWatch contract (${label})`, () => {
    it("puts an alarm, lists it, filters by state and by name, and updates it in place", async () => {
      const layer = await harness.make()
      const name = fresh("cpu")
      await run(layer, (c) => c.putAlarm(spec(name)))
      const [alarm] = await run(layer, (c) => Stream.runCollect(c.alarms({ names: [name] })))
      assert.isDefined(alarm)
      assert.strictEqual(alarm!.name, name)
      // AWS starts a new alarm in INSUFFICIENT_DATA, moto in OK.
      assert.include(["INSUFFICIENT_DATA", "OK"], alarm!.state)
      assert.strictEqual(alarm!.metric, "CPUUtilization")
      assert.strictEqual(alarm!.namespace, "AWS/EC2")
      assert.strictEqual(alarm!.comparison, "GreaterThanThreshold")
      assert.strictEqual(alarm!.threshold, 90)
      assert.strictEqual(alarm!.evaluationPeriods, 2)
      assert.deepStrictEqual(alarm!.dimensions, { InstanceId: "i-0123456789abcdef0" })
      const state = alarm!.state as "OK" | "INSUFFICIENT_DATA"
      const same = await run(layer, (c) => Stream.runCollect(c.alarms({ state })))
      assert.include(same.map((a) => a.name), name)
      const firing = await run(layer, (c) => Stream.runCollect(c.alarms({ state: "ALARM" })))
      assert.notInclude(firing.map((a) => a.name), name)

      await run(layer, (c) => c.putAlarm(spec(name, { threshold: 50, comparison: "LessThanThreshold" })))
      const again = await run(layer, (c) => Stream.runCollect(c.alarms({ names: [name] })))
      assert.strictEqual(again.length, 1)
      assert.strictEqual(again[0]!.threshold, 50)
      assert.strictEqual(again[0]!.comparison, "LessThanThreshold")
    })

    it("creates an SNS topic once and finds it by name", async () => {
      const layer = await harness.make()
      const name = fresh("topic")
      assert.isTrue(Option.isNone(await run(layer, (c) => c.topicArn(name))))
      const arn = await run(layer, (c) => c.ensureTopic(name))
      assert.match(arn, new RegExp(`^arn:aws:sns:us-east-1:\\d{12}:${name}$`))
      assert.strictEqual(await run(layer, (c) => c.ensureTopic(name)), arn)
      assert.deepStrictEqual(await run(layer, (c) => c.topicArn(name)), Option.some(arn))
      const alarm = fresh("notify")
      await run(layer, (c) => c.putAlarm(spec(alarm, { actions: [arn] })))
      const [listed] = await run(layer, (c) => Stream.runCollect(c.alarms({ names: [alarm] })))
      assert.deepStrictEqual(listed?.actions, [arn])
    })

    it("returns the latest datapoint of a metric in the time range, or none", async () => {
      const bucket = fresh("bucket")
      const now = Date.now()
      const dayStart = (daysAgo: number) => new Date(Math.floor(now / 86_400_000) * 86_400_000 - daysAgo * 86_400_000)
      const dimensions = { BucketName: bucket, StorageType: "StandardStorage" }
      const layer = await harness.make([{
        namespace: "AWS/S3",
        metric: "BucketSizeBytes",
        dimensions,
        datapoints: [{ timestamp: dayStart(2), value: 1000 }, { timestamp: dayStart(1), value: 2048 }]
      }])
      const query = { namespace: "AWS/S3", metric: "BucketSizeBytes", statistic: "Average" as const, period: 86_400 }
      const latest = await run(layer, (c) =>
        c.latestDatapoint({ ...query, dimensions, start: dayStart(3), end: new Date(now) }))
      assert.deepStrictEqual(Option.map(latest, (d) => d.value), Option.some(2048))
      const other = await run(layer, (c) =>
        c.latestDatapoint({ ...query, dimensions: { ...dimensions, BucketName: fresh("none") }, start: dayStart(3), end: new Date(now) }))
      assert.isTrue(Option.isNone(other))
    })
  })
