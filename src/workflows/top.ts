/**
 * What `aegea top` shows, read from the services: per region EC2 instances by state and type, Batch
 * queues with their jobs per status, running ECS tasks per cluster and CloudWatch alarms in ALARM;
 * once for the account, month-to-date cost against last month. Every source is read on its own and
 * bounded: one that fails (denied, not served) becomes an error line of its panel, never a failure
 * of the whole snapshot.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"
import { sparkline } from "../lib/sparkline.ts"
import type { TopPanel, TopRecord, TopRow, TopSnapshot } from "../lib/topScreen.ts"
import { Batch, jobStatuses, type JobStatus } from "../services/Batch.ts"
import { CloudWatch } from "../services/CloudWatch.ts"
import { CostExplorer, type CostMetric } from "../services/CostExplorer.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Ecs } from "../services/Ecs.ts"

/** Bounds of one refresh, per region: what a screen can show and more. */
export const topLimits = { instances: 5_000, queues: 50, jobsPerQueue: 1_000, clusters: 50, tasksPerCluster: 500, alarms: 500 } as const

/** What one source gave: its rows, or the error it failed with. */
export type Part<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: AwsError }

const part = <A, R>(effect: Effect.Effect<A, AwsError, R>): Effect.Effect<Part<A>, never, R> =>
  effect.pipe(
    Effect.map((value): Part<A> => ({ ok: true, value })),
    Effect.catch((e: AwsError) => Effect.succeed<Part<A>>({ ok: false, error: e }))
  )

export interface RegionReading {
  readonly region: string
  readonly instances: Part<ReadonlyArray<TopRow>>
  readonly batch: Part<ReadonlyArray<TopRow>>
  readonly ecs: Part<ReadonlyArray<TopRow>>
  readonly alarms: Part<ReadonlyArray<TopRow>>
}

const stateOrder = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]
const iso = (d: Date | undefined) => (d === undefined ? undefined : d.toISOString().replace(/\.\d{3}Z$/, "Z"))

const readInstances = Effect.gen(function*() {
  const ec2 = yield* Ec2
  const instances = yield* Stream.runCollect(ec2.instances().pipe(Stream.take(topLimits.instances)))
  const groups = new Map<string, Array<typeof instances[number]>>()
  for (const i of instances) {
    const key = `${i.state}\u0000${i.type}`
    groups.set(key, [...(groups.get(key) ?? []), i])
  }
  return [...groups.values()]
    .sort((a, b) =>
      stateOrder.indexOf(a[0]!.state) - stateOrder.indexOf(b[0]!.state) || a[0]!.type.localeCompare(b[0]!.type)
    )
    .map((group): TopRow => ({
      values: { region: ec2.region, state: group[0]!.state, type: group[0]!.type, count: group.length },
      detail: group.map((i) => ({ id: i.id, name: i.name, state: i.state, type: i.type, zone: i.availabilityZone, launched: iso(i.launchTime) }))
    }))
})

const readBatch = Effect.gen(function*() {
  const batch = yield* Batch
  const queues = yield* Stream.runCollect(batch.queues().pipe(Stream.take(topLimits.queues)))
  return yield* Effect.forEach(queues, (queue) =>
    Stream.runCollect(batch.jobs({ queue: queue.name }).pipe(Stream.take(topLimits.jobsPerQueue))).pipe(
      Effect.map((jobs): TopRow => {
        const counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>
        for (const j of jobs) counts[j.status] += 1
        return {
          values: { region: batch.region, queue: queue.name, state: queue.state, ...counts },
          detail: jobs.map((j) => ({ id: j.id, name: j.name, status: j.status, created: iso(j.createdAt), reason: j.statusReason }))
        }
      })
    ), { concurrency: 4 })
})

const readEcs = Effect.gen(function*() {
  const ecs = yield* Ecs
  const clusters = yield* Stream.runCollect(ecs.clusters().pipe(Stream.take(topLimits.clusters)))
  return yield* Effect.forEach(clusters, (cluster) =>
    Stream.runCollect(ecs.tasks(cluster.name, "RUNNING").pipe(Stream.take(topLimits.tasksPerCluster))).pipe(
      Effect.map((tasks): TopRow => ({
        values: {
          region: ecs.region,
          cluster: cluster.name,
          running: tasks.filter((t) => t.lastStatus === "RUNNING").length,
          starting: tasks.filter((t) => t.lastStatus !== "RUNNING").length,
          services: cluster.activeServices
        },
        detail: tasks.map((t) => ({
          id: t.id,
          taskDefinition: t.taskDefinition.split("/").pop(),
          status: t.lastStatus,
          started: iso(t.startedAt),
          launchType: t.launchType
        }))
      }))
    ), { concurrency: 4 })
})

const readAlarms = Effect.gen(function*() {
  const cloudwatch = yield* CloudWatch
  const alarms = yield* Stream.runCollect(cloudwatch.alarms({ state: "ALARM" }).pipe(Stream.take(topLimits.alarms)))
  return alarms.map((a): TopRow => ({
    values: { region: cloudwatch.region, name: a.name, metric: `${a.namespace} ${a.metric}`, since: iso(a.updated) },
    detail: [
      { field: "reason", value: a.reason },
      { field: "condition", value: `${a.statistic} ${a.comparison} ${a.threshold ?? "-"}` },
      { field: "dimensions", value: Object.entries(a.dimensions).map(([k, v]) => `${k}=${v}`).join(", ") },
      { field: "actions", value: a.actions.join(", ") }
    ]
  }))
})

/** One region's panels' rows (each source on its own). Needs the region's services. */
export const readRegion: Effect.Effect<RegionReading, never, Ec2 | Batch | Ecs | CloudWatch> = Effect.gen(function*() {
  const region = (yield* Ec2).region
  const [instances, batch, ecs, alarms] = yield* Effect.all([part(readInstances), part(readBatch), part(readEcs), part(readAlarms)], {
    concurrency: 4
  })
  return { region, instances, batch, ecs, alarms }
})

// --- cost -----------------------------------------------------------------------------------------

export interface CostReading {
  readonly unit: string
  readonly monthToDate: number
  readonly lastMonthSameDays: number
  readonly lastMonth: number
  readonly days: ReadonlyArray<{ readonly day: string; readonly amount: number }>
  /** First day of this month (YYYY-MM-DD). */
  readonly monthStart: string
}

const day = (millis: number) => new Date(millis).toISOString().slice(0, 10)

/** The metric `aegea cost` reports by default. */
export const topCostMetric: CostMetric = "AmortizedCost"

/** Month-to-date cost (today included, as far as AWS has it) against last month, from daily costs. */
export const readCost: Effect.Effect<Part<CostReading>, never, CostExplorer> = Effect.gen(function*() {
  const costs = yield* CostExplorer
  const now = yield* Clock.currentTimeMillis
  const today = new Date(now)
  const monthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)
  const lastMonthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1)
  const dayOfMonth = today.getUTCDate()
  return yield* part(
    costs.costAndUsage({
      start: day(lastMonthStart),
      end: day(now + 86_400_000),
      granularity: "DAILY",
      metric: topCostMetric,
      groupBy: []
    }).pipe(Effect.map((periods): CostReading => {
      const days = periods.map((p) => ({ day: p.start, amount: Number(p.total?.amount ?? "0") || 0 }))
      const unit = periods.find((p) => p.total !== undefined)?.total?.unit ?? "USD"
      const sum = (xs: ReadonlyArray<{ amount: number }>) => xs.reduce((a, x) => a + x.amount, 0)
      const thisMonth = days.filter((d) => d.day >= day(monthStart))
      const previous = days.filter((d) => d.day < day(monthStart))
      return {
        unit,
        monthToDate: sum(thisMonth),
        lastMonthSameDays: sum(previous.filter((d) => Number(d.day.slice(8, 10)) <= dayOfMonth)),
        lastMonth: sum(previous),
        days,
        monthStart: day(monthStart)
      }
    }))
  )
})

// --- the snapshot ---------------------------------------------------------------------------------

const money = (amount: number, unit: string) => (unit === "USD" ? `$${amount.toFixed(2)}` : `${amount.toFixed(2)} ${unit}`)

const change = (now: number, before: number) =>
  before === 0 ? (now === 0 ? "0%" : "new") : `${now >= before ? "+" : ""}${Math.round(((now - before) / before) * 100)}%`

const costPanel = (cost: Part<CostReading>): TopPanel => {
  const base = {
    id: "cost" as const,
    title: "Cost (month to date vs last month)",
    columns: [
      { key: "period", header: "PERIOD" },
      { key: "amount", header: "AMOUNT", align: "right" as const },
      { key: "change", header: "CHANGE", align: "right" as const }
    ],
    detailColumns: [{ key: "day", header: "DAY" }, { key: "amount", header: "AMOUNT", align: "right" as const }]
  }
  if (!cost.ok) return { ...base, rows: [], errors: [cost.error.summary] }
  const c = cost.value
  const detail = c.days.map((d) => ({ day: d.day, amount: money(d.amount, c.unit) }))
  const thisMonth = c.days.filter((d) => d.day >= c.monthStart).map((d) => d.amount)
  return {
    ...base,
    rows: [
      { values: { period: "this month to date", amount: money(c.monthToDate, c.unit), change: change(c.monthToDate, c.lastMonthSameDays) }, detail },
      { values: { period: "last month, same days", amount: money(c.lastMonthSameDays, c.unit), change: undefined }, detail },
      { values: { period: "last month", amount: money(c.lastMonth, c.unit), change: undefined }, detail }
    ],
    errors: [],
    ...(thisMonth.length > 1 ? { note: `daily this month ${sparkline(thisMonth)}` } : {})
  }
}

const regionColumn = { key: "region", header: "REGION" }

/** The snapshot from each region's reading and the cost; a REGION column only when there are several. */
export const topSnapshot = (regions: ReadonlyArray<RegionReading>, cost: Part<CostReading>, at: number): TopSnapshot => {
  const several = regions.length > 1
  const merge = (pick: (r: RegionReading) => Part<ReadonlyArray<TopRow>>) => {
    const rows: Array<TopRow> = []
    const errors: Array<string> = []
    for (const r of regions) {
      const p = pick(r)
      if (p.ok) rows.push(...p.value)
      else errors.push(several ? `${r.region}: ${p.error.summary}` : p.error.summary)
    }
    return { rows, errors }
  }
  const withRegion = <C extends { key: string; header: string }>(columns: ReadonlyArray<C>) => (several ? [regionColumn, ...columns] : columns)
  const count = (key: string, header: string) => ({ key, header, align: "right" as const })
  return {
    at,
    regions: regions.map((r) => r.region),
    panels: [
      {
        id: "instances",
        title: "EC2 instances by state and type",
        columns: withRegion([{ key: "state", header: "STATE" }, { key: "type", header: "TYPE" }, count("count", "COUNT")]),
        detailColumns: [
          { key: "id", header: "ID" },
          { key: "name", header: "NAME" },
          { key: "state", header: "STATE" },
          { key: "type", header: "TYPE" },
          { key: "zone", header: "AZ" },
          { key: "launched", header: "LAUNCHED" }
        ],
        ...merge((r) => r.instances)
      },
      {
        id: "batch",
        title: "Batch queues: jobs per status",
        columns: withRegion([
          { key: "queue", header: "QUEUE" },
          { key: "state", header: "STATE" },
          count("SUBMITTED", "SUBMIT"),
          count("PENDING", "PEND"),
          count("RUNNABLE", "RUNNABLE"),
          count("STARTING", "START"),
          count("RUNNING", "RUN"),
          count("SUCCEEDED", "OK"),
          count("FAILED", "FAIL")
        ]),
        detailColumns: [
          { key: "id", header: "JOB ID" },
          { key: "name", header: "NAME" },
          { key: "status", header: "STATUS" },
          { key: "created", header: "CREATED" },
          { key: "reason", header: "REASON" }
        ],
        ...merge((r) => r.batch)
      },
      {
        id: "ecs",
        title: "ECS: running tasks per cluster",
        columns: withRegion([{ key: "cluster", header: "CLUSTER" }, count("running", "RUNNING"), count("starting", "STARTING"), count("services", "SERVICES")]),
        detailColumns: [
          { key: "id", header: "TASK" },
          { key: "taskDefinition", header: "TASK DEFINITION" },
          { key: "status", header: "STATUS" },
          { key: "started", header: "STARTED" },
          { key: "launchType", header: "LAUNCH TYPE" }
        ],
        ...merge((r) => r.ecs)
      },
      {
        id: "alarms",
        title: "CloudWatch alarms in ALARM",
        columns: withRegion([{ key: "name", header: "ALARM" }, { key: "metric", header: "METRIC" }, { key: "since", header: "SINCE" }]),
        detailColumns: [{ key: "field", header: "FIELD" }, { key: "value", header: "VALUE" }],
        ...merge((r) => r.alarms)
      },
      costPanel(cost)
    ]
  }
}

/** The snapshot as one document (`--once --output json|yaml`): each panel's rows, and what failed. */
export const snapshotDocument = (snapshot: TopSnapshot): Readonly<Record<string, unknown>> => ({
  at: new Date(snapshot.at).toISOString(),
  regions: snapshot.regions,
  ...Object.fromEntries(snapshot.panels.map((p) => [p.id, p.rows.map((r): TopRecord => r.values)])),
  errors: Object.fromEntries(snapshot.panels.filter((p) => p.errors.length > 0).map((p) => [p.id, p.errors]))
})

/** Every error of the readings, and how many sources there were (when all failed, `top --once` fails). */
export const readingFailures = (regions: ReadonlyArray<RegionReading>, cost: Part<CostReading>) => {
  const parts: ReadonlyArray<Part<unknown>> = [...regions.flatMap((r) => [r.instances, r.batch, r.ecs, r.alarms]), cost]
  return { failures: parts.flatMap((p) => (p.ok ? [] : [p.error])), sources: parts.length }
}
