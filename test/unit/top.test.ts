// `aegea top`'s readings and screen on the in-memory layers: panels from the services, a source that
// fails shown in its panel, the frame's size, and the keys (Tab, arrows, Enter, Esc, q, r).
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { AwsAccessDenied } from "../../src/errors.ts"
import { applyKey, initialState, parseKeys, renderScreen, type TopSnapshot, type TopState } from "../../src/lib/topScreen.ts"
import type { Alarm } from "../../src/services/CloudWatch.ts"
import { CloudWatch } from "../../src/services/CloudWatch.ts"
import type { CostPeriod } from "../../src/services/CostExplorer.ts"
import { BatchMemory } from "../../src/testing/BatchMemory.ts"
import { CloudWatchMemory } from "../../src/testing/CloudWatchMemory.ts"
import { CostExplorerMemory } from "../../src/testing/CostExplorerMemory.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { EcsMemory } from "../../src/testing/EcsMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { readCost, readingFailures, readRegion, snapshotDocument, topSnapshot } from "../../src/workflows/top.ts"

const now = Date.UTC(2026, 10, 15, 12)

const alarm = (name: string, state: string): Alarm => ({
  name,
  state,
  reason: `Threshold crossed: ${name}`,
  namespace: "AWS/EC2",
  metric: "CPUUtilization",
  statistic: "Average",
  comparison: "GreaterThanThreshold",
  threshold: 90,
  dimensions: { InstanceId: "i-1" },
  actions: [],
  updated: new Date(now - 60_000)
})

/** $1 a day last month, $2 a day this month (the 1st to the 15th). */
const periods: ReadonlyArray<CostPeriod> = [
  ...Array.from({ length: 31 }, (_, i) => ({ day: `2026-10-${String(i + 1).padStart(2, "0")}`, amount: "1" })),
  ...Array.from({ length: 15 }, (_, i) => ({ day: `2026-11-${String(i + 1).padStart(2, "0")}`, amount: "2" }))
].map((d) => ({ start: d.day, end: d.day, estimated: false, total: { amount: d.amount, unit: "USD" }, groups: [] }))

const deniedCloudWatch = Layer.succeed(CloudWatch, CloudWatch.of({
  region: "us-east-1",
  alarms: () =>
    Stream.fail(new AwsAccessDenied({
      action: "list CloudWatch alarms",
      service: "CloudWatch",
      operation: "DescribeAlarms",
      code: "AccessDenied",
      awsMessage: "not authorized to perform cloudwatch:DescribeAlarms",
      region: "us-east-1"
    })),
  putAlarm: () => Effect.die("unused"),
  latestDatapoint: () => Effect.die("unused"),
  topicArn: () => Effect.die("unused"),
  ensureTopic: () => Effect.die("unused")
}))

const services = (cloudwatch: Layer.Layer<CloudWatch> = CloudWatchMemory.layer({ alarms: [alarm("cpu-high", "ALARM"), alarm("calm", "OK")] })) =>
  Layer.mergeAll(
    Ec2Memory.layer({
      instances: [
        { name: "web-1", type: "t3.micro" },
        { name: "web-2", type: "t3.micro" },
        { name: "web-3", type: "t3.micro" },
        { name: "db", type: "m5.large", state: "stopped" }
      ]
    }),
    BatchMemory.layer({ queues: [{ name: "jobs", priority: 1, computeEnvironments: [] }] }),
    EcsMemory.layer({ clusters: ["web"] }).pipe(Layer.provideMerge(LogsMemory.layer())),
    cloudwatch,
    CostExplorerMemory.layer({ periods })
  )

const snapshotWith = (cloudwatch?: Layer.Layer<CloudWatch>) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    const region = yield* readRegion
    const cost = yield* readCost
    return { snapshot: topSnapshot([region], cost, now), failures: readingFailures([region], cost) }
  }).pipe(Effect.provide(services(cloudwatch)))

const panel = (snapshot: TopSnapshot, id: string) => snapshot.panels.find((p) => p.id === id)!
const screen = (snapshot: TopSnapshot | undefined, state: TopState, height = 24, width = 80) =>
  renderScreen(snapshot, state, { width, height, intervalSeconds: 10, color: false })

describe("aegea top: readings and screen", () => {
  it.effect("panels from the services: instances by state and type, queues, clusters, alarms in ALARM, cost vs last month", () =>
    Effect.gen(function*() {
      const { snapshot, failures } = yield* snapshotWith()
      assert.deepStrictEqual(failures.failures, [])
      assert.deepStrictEqual(panel(snapshot, "instances").rows.map((r) => r.values), [
        { region: "us-east-1", state: "running", type: "t3.micro", count: 3 },
        { region: "us-east-1", state: "stopped", type: "m5.large", count: 1 }
      ])
      assert.deepStrictEqual(panel(snapshot, "instances").rows[0]!.detail.map((d) => d["name"]).sort(), ["web-1", "web-2", "web-3"])
      assert.strictEqual(panel(snapshot, "batch").rows[0]!.values["queue"], "jobs")
      assert.strictEqual(panel(snapshot, "batch").rows[0]!.values["RUNNING"], 0)
      assert.deepStrictEqual(panel(snapshot, "ecs").rows.map((r) => [r.values["cluster"], r.values["running"]]), [["web", 0]])
      assert.deepStrictEqual(panel(snapshot, "alarms").rows.map((r) => r.values["name"]), ["cpu-high"])
      // $30 this month to the 15th against $15 on the same days of October; October was $31.
      assert.deepStrictEqual(panel(snapshot, "cost").rows.map((r) => [r.values["period"], r.values["amount"], r.values["change"]]), [
        ["this month to date", "$30.00", "+100%"],
        ["last month, same days", "$15.00", undefined],
        ["last month", "$31.00", undefined]
      ])
      assert.match(panel(snapshot, "cost").note ?? "", /^daily this month [▁-█]{15}$/)
      const doc = snapshotDocument(snapshot)
      assert.deepStrictEqual(doc["errors"], {})
      assert.strictEqual((doc["instances"] as Array<unknown>).length, 2)
    }))

  it.effect("a denied source shows in its panel; the others are read", () =>
    Effect.gen(function*() {
      const { snapshot, failures } = yield* snapshotWith(deniedCloudWatch)
      assert.strictEqual(failures.failures.length, 1)
      assert.isTrue(failures.sources > 1)
      const alarms = panel(snapshot, "alarms")
      assert.deepStrictEqual(alarms.rows, [])
      assert.include(alarms.errors[0], "could not list CloudWatch alarms")
      assert.strictEqual(panel(snapshot, "instances").rows.length, 2)
      const lines = screen(snapshot, initialState)
      assert.isTrue(lines.some((l) => l.includes("! could not list CloudWatch alarms")))
      assert.deepStrictEqual(Object.keys(snapshotDocument(snapshot)["errors"] as object), ["alarms"])
    }))

  it.effect("the frame fills the terminal exactly, at any size, and the keys move, drill in and back out", () =>
    Effect.gen(function*() {
      const { snapshot } = yield* snapshotWith()
      for (const [height, width] of [[24, 80], [10, 40], [50, 200], [2, 12], [1, 5]] as const) {
        const lines = screen(snapshot, initialState, height, width)
        assert.strictEqual(lines.length, height)
        for (const line of lines) assert.strictEqual([...line].length, width)
      }
      const loading = screen(undefined, initialState)
      assert.strictEqual(loading.length, 24)
      assert.include(loading[0], "loading")
      const first = screen(snapshot, initialState)
      assert.isTrue(first.some((l) => l.startsWith("▸ EC2 instances by state and type (2)")))
      assert.isTrue(first.some((l) => /^› running\s+t3\.micro\s+3/.test(l)))
      // ↓ selects the stopped m5.large; Enter shows its instance; Esc goes back.
      let state = applyKey(initialState, "down", snapshot).state
      assert.isTrue(screen(snapshot, state).some((l) => /^› stopped\s+m5\.large\s+1/.test(l)))
      state = applyKey(state, "enter", snapshot).state
      const drilled = screen(snapshot, state)
      assert.include(drilled[1], "EC2 instances by state and type › stopped m5.large 1 (1)")
      assert.isTrue(drilled.some((l) => /^\s+i-\S+\s+db\s+stopped\s+m5\.large/.test(l)))
      state = applyKey(state, "back", snapshot).state
      assert.isFalse(state.drill)
      // Tab four times: the cost panel; Tab once more wraps to the first; Shift-Tab goes back.
      for (let i = 0; i < 4; i++) state = applyKey(state, "next", snapshot).state
      assert.isTrue(screen(snapshot, state).some((l) => l.startsWith("▸ Cost")))
      assert.strictEqual(applyKey(state, "next", snapshot).state.panel, 0)
      assert.strictEqual(applyKey(state, "previous", snapshot).state.panel, 3)
      // ↓ past the last row stays on it.
      for (let i = 0; i < 10; i++) state = applyKey(state, "down", snapshot).state
      assert.strictEqual(state.selected.cost, 2)
      assert.strictEqual(applyKey(state, "quit", snapshot).command, "quit")
      assert.strictEqual(applyKey(state, "refresh", snapshot).command, "refresh")
    }))

  it.effect("several regions: a REGION column, each region's rows, a failed region's error named by its region", () =>
    Effect.gen(function*() {
      const east = yield* readRegion.pipe(Effect.provide(services()))
      const west = yield* readRegion.pipe(Effect.provide(services(deniedCloudWatch)))
      const snapshot = topSnapshot([east, { ...west, region: "us-west-2" }], { ok: true, value: { unit: "USD", monthToDate: 0, lastMonthSameDays: 0, lastMonth: 0, days: [], monthStart: "2026-11-01" } }, now)
      const alarms = panel(snapshot, "alarms")
      assert.strictEqual(alarms.columns[0]!.header, "REGION")
      assert.strictEqual(alarms.rows.length, 1)
      assert.match(alarms.errors[0] ?? "", /^us-west-2: could not list CloudWatch alarms/)
      assert.strictEqual(panel(snapshot, "instances").rows.length, 4)
      assert.strictEqual(panel(snapshot, "cost").columns[0]!.header, "PERIOD")
    }))

  it("reads keys from raw terminal input, several per chunk", () => {
    assert.deepStrictEqual(parseKeys("\x1b[A\x1b[Bq\t\r\x1b"), ["up", "down", "quit", "next", "enter", "back"])
    assert.deepStrictEqual(parseKeys("\x03"), ["quit"])
    assert.deepStrictEqual(parseKeys("r\x1b[Z\x1b[5~\x1b[6~\x7f"), ["refresh", "previous", "pageUp", "pageDown", "back"])
    assert.deepStrictEqual(parseKeys("\x1b[1;5Cx"), [])
  })
})
