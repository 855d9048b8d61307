/**
 * `aegea top`: a live dashboard of the account on the terminal (the alternate screen, the cursor
 * hidden, redrawn in place every --interval seconds, never scrolling), or one snapshot in the
 * output format with --once or when stdout is not a terminal. The screen code (lib/topScreen.ts)
 * and the readings (workflows/top.ts) are loaded only when `top` runs.
 */
import * as Clock from "effect/Clock"
import type * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { AwsClients } from "../layers/AwsClients.ts"
import { BatchLive } from "../layers/BatchLive.ts"
import { CloudWatchLive } from "../layers/CloudWatchLive.ts"
import { CostExplorerLive } from "../layers/CostExplorerLive.ts"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { EcsLive } from "../layers/EcsLive.ts"
import { UsageError } from "../errors.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Batch } from "../services/Batch.ts"
import { CloudWatch } from "../services/CloudWatch.ts"
import { CostExplorer } from "../services/CostExplorer.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Ecs } from "../services/Ecs.ts"
import { Output } from "../services/Output.ts"
import type { TopKey, TopSnapshot, TopState } from "../lib/topScreen.ts"
import { awsService, AwsLayer, BaseLayer } from "./global.ts"

export const TopLayer = Layer.mergeAll(
  awsService(Ec2, Ec2Live),
  awsService(Batch, BatchLive),
  awsService(Ecs, EcsLive),
  awsService(CloudWatch, CloudWatchLive),
  awsService(CostExplorer, CostExplorerLive)
).pipe(Layer.provideMerge(BaseLayer))

/** Regions read at once with `--regions all` (each region is four services read side by side). */
export const regionConcurrency = 4
export const defaultInterval = 10

type RegionServices = Ec2 | Batch | Ecs | CloudWatch

/** `--regions`: the current region (default), a comma-separated list, or `all` (every enabled region). */
export const parseRegions = (text: string | undefined): Effect.Effect<"current" | "all" | ReadonlyArray<string>, UsageError> => {
  if (text === undefined || text.trim() === "") return Effect.succeed("current")
  if (text.trim().toLowerCase() === "all") return Effect.succeed("all")
  const names = [...new Set(text.split(",").map((r) => r.trim()).filter((r) => r !== ""))]
  const bad = names.find((r) => !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r))
  if (names.length === 0 || bad !== undefined) {
    return Effect.fail(new UsageError({
      message: `invalid --regions ${JSON.stringify(text)}${bad !== undefined ? `: ${bad} is not a region name` : ""}`,
      hint: "Give region names separated by commas (--regions us-east-1,eu-west-1), or --regions all"
    }))
  }
  return Effect.succeed(names)
}

/**
 * The services of each region to read: the current region's from the context (a test's in-memory
 * layers, or the live ones), any other region's built live on the same credentials (its clients
 * live as long as the command).
 */
const regionContexts = Effect.fnUntraced(function*(wanted: "current" | "all" | ReadonlyArray<string>) {
  const current = yield* Effect.context<RegionServices>()
  const ec2 = yield* Ec2
  const names = wanted === "current"
    ? [ec2.region]
    : wanted === "all"
    ? (yield* Stream.runCollect(ec2.regions())).map((r) => r.name).sort()
    : wanted
  if (names.every((r) => r === ec2.region)) return [current]
  const env = yield* AwsClients.pipe(Effect.provide(AwsLayer))
  return yield* Effect.forEach(names, (region) =>
    region === ec2.region
      ? Effect.succeed(current)
      // Fresh: the live layers are memoized by reference, and these must not be the current region's.
      : Layer.build(Layer.fresh(
        Layer.mergeAll(Ec2Live, BatchLive, EcsLive, CloudWatchLive).pipe(
          Layer.provide(Layer.succeed(AwsClients, { ...env, region, clientConfig: { ...env.clientConfig, region } }))
        )
      )))
})

const topFlags = {
  interval: Flag.Int("interval").pipe(
    Flag.withDescription(`Seconds between refreshes of the screen (default ${defaultInterval}).`),
    Flag.optional
  ),
  regions: Flag.String("regions").pipe(
    Flag.withDescription(
      `Regions to show: the current one (default), several separated by commas (us-east-1,eu-west-1), or all (every enabled region, ${regionConcurrency} at a time).`
    ),
    Flag.optional
  ),
  once: Flag.Boolean("once").pipe(
    Flag.withDescription("Print one snapshot in the output format (tables, or --output json/yaml) and exit; the same happens when stdout is not a terminal."),
    Flag.withDefault(false)
  )
}

export const topCommand = Command.make("top", topFlags, (raw) =>
  Effect.gen(function*() {
    const input = withConfigDefaults((yield* AegeaConfig).section("top"), raw)
    const output = yield* Output
    const interval = Option.getOrElse(input.interval, () => defaultInterval)
    if (!Number.isInteger(interval) || interval < 1 || interval > 3600) {
      return yield* new UsageError({ message: `invalid --interval ${interval}`, hint: "Give a number of seconds from 1 to 3600, e.g. --interval 30" })
    }
    const wanted = yield* parseRegions(Option.getOrUndefined(input.regions))
    const [work, screen] = yield* Effect.promise(() => Promise.all([import("../workflows/top.ts"), import("../lib/topScreen.ts")]))
    const contexts = yield* regionContexts(wanted)
    const readAll = Effect.gen(function*() {
      const [regions, cost] = yield* Effect.all([
        Effect.forEach(contexts, (context: Context.Context<RegionServices>) => Effect.provide(work.readRegion, context), {
          concurrency: regionConcurrency
        }),
        work.readCost
      ], { concurrency: 2 })
      return { regions, cost, at: yield* Clock.currentTimeMillis }
    })
    const interactive = !input.once && process.stdout.isTTY === true && process.stdin.isTTY === true
    if (!interactive) {
      const { regions, cost, at } = yield* readAll
      const snapshot = work.topSnapshot(regions, cost, at)
      const { failures, sources } = work.readingFailures(regions, cost)
      // Nothing could be read (no credentials, no network): that is the command's failure.
      if (failures.length === sources && failures[0] !== undefined) return yield* Effect.fail(failures[0])
      yield* printSnapshot(snapshot, work.snapshotDocument)
      return
    }
    yield* runScreen(
      readAll.pipe(Effect.map(({ regions, cost, at }) => work.topSnapshot(regions, cost, at))),
      screen,
      { interval, color: output.settings.color }
    )
  }).pipe(Effect.scoped)).pipe(
    Command.withDescription(
      "A live dashboard of the account, refreshed every 10 s: EC2 instances by state and type, Batch queues with their jobs per status, running ECS tasks per cluster, CloudWatch alarms in ALARM, and month-to-date cost against last month. Keys: q quit, r refresh, Tab next panel, ↑/↓ move, Enter the selected row's details (Esc back). A source that fails (access denied, not served) shows in its panel. With --once, or when stdout is not a terminal, prints one snapshot: a table per panel (columns as on the screen), or one document with --output json/yaml."
    ),
    Command.withShortDescription("A live dashboard of instances, Batch, ECS, alarms and cost."),
    Command.withExamples([
      { command: "aegea top --regions all", description: "Every enabled region on one screen" },
      { command: "aegea top --once --output json", description: "One snapshot as JSON" }
    ]),
    Command.provide(TopLayer)
  )

const printSnapshot = Effect.fnUntraced(function*(
  snapshot: TopSnapshot,
  document: (snapshot: TopSnapshot) => Readonly<Record<string, unknown>>
) {
  const output = yield* Output
  const format = output.settings.format
  for (const panel of snapshot.panels) for (const error of panel.errors) yield* output.warn(`${panel.title}: ${error}`)
  if (format === "json" || format === "yaml") {
    yield* output.document(document(snapshot))
    return
  }
  let first = true
  for (const panel of snapshot.panels) {
    if (format === "table") yield* output.text(`${first ? "" : "\n"}${panel.title}`)
    first = false
    yield* output.table(
      panel.rows.map((r) => r.values),
      { columns: panel.columns.map((c) => ({ key: c.key, header: c.header, ...(c.align !== undefined ? { align: c.align } : {}) })) },
      { empty: null }
    )
  }
})

type ScreenModule = typeof import("../lib/topScreen.ts")

type ScreenEvent =
  | { readonly _tag: "key"; readonly key: TopKey }
  | { readonly _tag: "snapshot"; readonly snapshot: TopSnapshot }
  | { readonly _tag: "refreshing" }
  | { readonly _tag: "resize" }
  | { readonly _tag: "died"; readonly cause: Cause.Cause<never> }

/**
 * The interactive screen until q (or Ctrl-C, read as a key in raw mode). The terminal is restored
 * when the scope closes, whatever closes it: q, an error, SIGINT/SIGTERM (the runtime interrupts),
 * and, last resort, the process exiting.
 */
const runScreen = <R>(
  read: Effect.Effect<TopSnapshot, never, R>,
  screen: ScreenModule,
  options: { readonly interval: number; readonly color: boolean }
) =>
  Effect.gen(function*() {
    const events = yield* Queue.unbounded<ScreenEvent>()
    const refreshRequests = yield* Queue.sliding<void>(1)
    const stdin = process.stdin
    const stdout = process.stdout
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const onData = (chunk: Buffer | string) => {
          for (const key of screen.parseKeys(typeof chunk === "string" ? chunk : chunk.toString("utf8"))) Queue.offerUnsafe(events, { _tag: "key", key })
        }
        const onResize = () => Queue.offerUnsafe(events, { _tag: "resize" })
        let restored = false
        const restore = () => {
          if (restored) return
          restored = true
          stdin.removeListener("data", onData)
          stdout.removeListener("resize", onResize)
          if (stdin.isTTY) stdin.setRawMode(false)
          stdin.pause()
          stdout.write(screen.leaveScreen)
        }
        stdout.write(screen.enterScreen)
        stdin.setRawMode(true)
        stdin.on("data", onData)
        stdin.resume()
        stdout.on("resize", onResize)
        process.once("exit", restore)
        return () => {
          process.removeListener("exit", restore)
          restore()
        }
      }),
      (restore) => Effect.sync(restore)
    )
    // Refresh now, then every interval or when asked (r).
    const refresher = yield* Effect.forkChild(Effect.forever(Effect.gen(function*() {
      yield* Queue.offer(events, { _tag: "refreshing" })
      const snapshot = yield* read
      yield* Queue.offer(events, { _tag: "snapshot", snapshot })
      yield* Effect.raceFirst(Effect.sleep(Duration.seconds(options.interval)), Queue.take(refreshRequests))
    })).pipe(
      // A defect while reading ends the screen (restored) and the command, with that cause.
      Effect.catchCause((cause) => Queue.offer(events, { _tag: "died", cause }))
    ))
    let state: TopState = screen.initialState
    let snapshot: TopSnapshot | undefined
    let refreshing = true
    const draw = () =>
      stdout.write(screen.frameBytes(screen.renderScreen(snapshot, state, {
        // A pseudo-terminal nobody sized says 0 x 0.
        width: stdout.columns || 80,
        height: stdout.rows || 24,
        intervalSeconds: options.interval,
        color: options.color,
        refreshing
      })))
    draw()
    let quit = false
    while (!quit) {
      const event = yield* Queue.take(events)
      switch (event._tag) {
        case "snapshot":
          snapshot = event.snapshot
          refreshing = false
          break
        case "refreshing":
          refreshing = true
          break
        case "resize":
          stdout.write("\x1b[2J")
          break
        case "died":
          return yield* Effect.failCause(event.cause)
        case "key": {
          const next = screen.applyKey(state, event.key, snapshot, Math.max(1, (stdout.rows || 24) - 4))
          state = next.state
          if (next.command === "quit") quit = true
          if (next.command === "refresh") yield* Queue.offer(refreshRequests, undefined)
        }
      }
      if (!quit) draw()
    }
    yield* Fiber.interrupt(refresher)
  })
