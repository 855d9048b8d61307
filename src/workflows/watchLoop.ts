/**
 * Following a unit of work (a Batch job, an ECS task) to its end: poll its status about every
 * second, print each status change once (with its reason) on stderr, stream its CloudWatch log
 * lines on stdout as they arrive (a GetLogEvents token per stream: no gaps, no duplicates), back off
 * when nothing happens and when AWS throttles, and drain the last lines after it stops.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type AwsError, OperationFailed } from "../errors.ts"
import { defaultPacing, nextDelay, type WatchPacing } from "../lib/schedules.ts"
import { programLine, watchLine } from "../lib/progress.ts"
import { Logs } from "../services/Logs.ts"
import { Output } from "../services/Output.ts"

export { defaultPacing, nextDelay, type WatchPacing }

const ms = (d: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(d))

export interface Snapshot {
  readonly status: string
  readonly reason: string | undefined
  readonly done: boolean
  /** Where the log lines are, once known. */
  readonly logs: { readonly group: string; readonly stream: string } | undefined
}

export interface WatchOptions<S extends Snapshot, E> {
  /** How to name the work in messages, e.g. "job 1234 (aegea_echo)". */
  readonly label: string
  readonly poll: Effect.Effect<S, E>
  /** A hint printed once when the work stays in `status` for `after`. */
  readonly stuck?: {
    readonly status: string
    readonly after: Duration.Input
    readonly explain: (snapshot: S) => Effect.Effect<string | undefined>
  }
  readonly pacing?: Partial<WatchPacing>
  /**
   * Statuses in which the work waits to start (Batch RUNNABLE, ECS PROVISIONING...): while in one, a
   * terminal shows a status line with a spinner and the time waited (Output.status).
   */
  readonly waiting?: ReadonlyArray<string>
}

/** Longest run of pages read per poll, so one chatty stream cannot starve the status poll. */
const maxPagesPerRead = 100

/** Follow the work until `done`; returns the last snapshot. */
export const watchLoop = <S extends Snapshot, E>(
  options: WatchOptions<S, E>
): Effect.Effect<S, E | AwsError | OperationFailed, Logs | Output> =>
  Effect.gen(function*() {
    const output = yield* Output
    return yield* follow(options).pipe(Effect.ensuring(output.statusDone))
  })

const follow = <S extends Snapshot, E>(
  options: WatchOptions<S, E>
): Effect.Effect<S, E | AwsError | OperationFailed, Logs | Output> =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const output = yield* Output
    const pacing = { ...defaultPacing, ...options.pacing }
    let token: string | undefined
    let lastShown: string | undefined
    let status: { readonly name: string; readonly since: number } | undefined
    let hinted = false
    let delay = ms(pacing.every)
    let throttledInARow = 0

    /** Print the lines that arrived since the last read; true when there were any. */
    const readLogs = (where: Snapshot["logs"]) =>
      Effect.gen(function*() {
        if (where === undefined) return false
        let printed = false
        for (let page = 0; page < maxPagesPerRead; page++) {
          const result = yield* logs.readStream(where.group, where.stream, { token }).pipe(
            Effect.map((p) => p as typeof p | undefined),
            Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined)) // the stream appears with the first line
          )
          if (result === undefined) return printed
          for (const event of result.events) yield* output.text(programLine(event, output.settings.color))
          const moved = result.nextToken !== undefined && result.nextToken !== token
          if (result.nextToken !== undefined) token = result.nextToken
          printed = printed || result.events.length > 0
          if (result.events.length === 0 || !moved) return printed
        }
        return printed
      })

    const throttled = (e: AwsError) =>
      Effect.gen(function*() {
        throttledInARow++
        if (throttledInARow > pacing.throttleLimit) return yield* Effect.fail(e)
        delay = nextDelay(delay, "throttled", pacing)
        return undefined
      })

    for (let polls = 0; polls < pacing.maxPolls; polls++) {
      const snapshot = yield* options.poll.pipe(
        Effect.map((s): S | undefined => s),
        Effect.catchIf((e): e is E & AwsError => isThrottled(e), (e) => throttled(e))
      )
      if (snapshot !== undefined) {
        const now = yield* Clock.currentTimeMillis
        let activity = false
        const shown = `${snapshot.status}\u0000${snapshot.reason ?? ""}`
        // Each change is a line of the log; the status line (a terminal only) shows a wait to start going on.
        const waiting = options.waiting?.includes(snapshot.status) === true && !snapshot.done
        if (!waiting) yield* output.statusDone
        if (shown !== lastShown) {
          lastShown = shown
          activity = true
          yield* output.info(watchLine(now, options.label, snapshot.status, snapshot.reason, output.settings.color))
        }
        if (waiting) yield* output.status({ line: `waiting for ${options.label} to start: ${snapshot.status}`, plain: [] })
        if (status?.name !== snapshot.status) status = { name: snapshot.status, since: now }
        if (options.stuck && !hinted && status.name === options.stuck.status && now - status.since >= ms(options.stuck.after)) {
          hinted = true
          const hint = yield* options.stuck.explain(snapshot)
          if (hint !== undefined) yield* output.warn(hint)
        }
        let logsThrottled = false
        const printed = yield* readLogs(snapshot.logs).pipe(
          Effect.catchTag("AwsThrottled", (e) =>
            Effect.suspend(() => {
              logsThrottled = true
              return Effect.as(throttled(e), false)
            }))
        )
        if (snapshot.done) {
          yield* Effect.sleep(pacing.drainAfter)
          yield* readLogs(snapshot.logs)
          return snapshot
        }
        if (!logsThrottled) {
          throttledInARow = 0
          delay = nextDelay(delay, activity || printed ? "activity" : "idle", pacing)
        }
      }
      yield* Effect.sleep(Duration.millis(delay))
    }
    return yield* new OperationFailed({
      message: `stopped watching ${options.label} after ${pacing.maxPolls} polls`,
      hint: "It is still running: watch it again, or terminate it"
    })
  })

const isThrottled = (e: unknown): boolean => (e as { _tag?: string } | undefined)?._tag === "AwsThrottled"
