/**
 * Following a unit of work (a Batch job, an ECS task) to its end: poll its status about every
 * second, read its CloudWatch log lines as they arrive (a GetLogEvents token per stream: no gaps, no
 * duplicates), back off when nothing happens and when AWS throttles, and drain the last lines after
 * it stops.
 *
 * `watchEvents` is the library's form: a Stream of typed events (each poll's status, log lines,
 * hints, the end) that needs only `Logs`. `renderWatch` is the CLI's: each status change once on
 * stderr, log lines on stdout, a status line while the work waits to start.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { type AwsError, OperationFailed } from "../errors.ts"
import { defaultPacing, nextDelay, type WatchPacing } from "../lib/schedules.ts"
import { programLine, watchLine } from "../lib/progress.ts"
import { Logs } from "../services/Logs.ts"
import { Output } from "../services/Output.ts"

export { defaultPacing, nextDelay, type WatchPacing }

const ms = (d: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(d))

/** One poll of the watched work: its status, why, whether it is done, and where its log lines are. */
export interface Snapshot {
  readonly status: string
  readonly reason: string | undefined
  readonly done: boolean
  /** Where the log lines are, once known. */
  readonly logs: { readonly group: string; readonly stream: string } | undefined
}

/**
 * What `watchEvents` follows: a label, a status poll, an optional hint for work stuck in a status,
 * and the pacing.
 */
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

/** What following a unit of work yields, in order; the stream ends after `Finished`. */
export type WatchEvent<S extends Snapshot> =
  /**
   * One poll's answer. `changed`: its status or reason differs from the previous poll's (the first
   * poll always counts as a change). `waiting`: it is in one of `waiting` and not done.
   */
  | { readonly _tag: "Polled"; readonly at: Date; readonly label: string; readonly snapshot: S; readonly changed: boolean; readonly waiting: boolean }
  /** A line of the work's log. */
  | { readonly _tag: "LogLine"; readonly timestamp: Date; readonly message: string }
  /** Advice about work that does not progress (a job RUNNABLE for long, and why). */
  | { readonly _tag: "Hint"; readonly message: string }
  /** The work is done (its last log lines came before this). */
  | { readonly _tag: "Finished"; readonly snapshot: S }

/** Whether an event is a log line: `events.pipe(Stream.filter(isLogLine), Stream.map((e) => e.message))`. */
export const isLogLine = <S extends Snapshot>(event: WatchEvent<S>): event is Extract<WatchEvent<S>, { readonly _tag: "LogLine" }> =>
  event._tag === "LogLine"

/**
 * Follow the work until `done`, as a Stream of events. The stream is pulled: while its consumer is
 * busy, polling waits (at most 1,024 events are buffered). It fails when polling fails (throttling
 * is retried with backoff up to `pacing.throttleLimit` in a row) or after `pacing.maxPolls` polls.
 */
export const watchEvents = <S extends Snapshot, E>(
  options: WatchOptions<S, E>
): Stream.Stream<WatchEvent<S>, E | AwsError | OperationFailed, Logs> =>
  Stream.callback<WatchEvent<S>, E | AwsError | OperationFailed, Logs>(
    (queue) =>
      follow(options, (event) => Effect.asVoid(Queue.offer(queue, event))).pipe(
        Effect.matchEffect({
          onFailure: (e) => Queue.fail(queue, e),
          onSuccess: () => Queue.end(queue)
        })
      ),
    { bufferSize: 1024, strategy: "suspend" }
  )

/**
 * The CLI's rendering of a watch: each status change once on stderr (with its reason), log lines on
 * stdout, hints as warnings, and on a terminal a status line while the work waits to start. Returns
 * the last snapshot.
 */
export const renderWatch = <S extends Snapshot, E, R>(
  events: Stream.Stream<WatchEvent<S>, E, R>
): Effect.Effect<S, E | OperationFailed, R | Output> =>
  Effect.gen(function*() {
    const output = yield* Output
    let last: S | undefined
    yield* Stream.runForEach(events, (event): Effect.Effect<void> => {
      switch (event._tag) {
        case "Polled":
          return Effect.gen(function*() {
            if (!event.waiting) yield* output.statusDone
            if (event.changed) {
              yield* output.info(watchLine(event.at.getTime(), event.label, event.snapshot.status, event.snapshot.reason, output.settings.color))
            }
            if (event.waiting) yield* output.status({ line: `waiting for ${event.label} to start: ${event.snapshot.status}`, plain: [] })
          })
        case "LogLine":
          return output.text(programLine(event, output.settings.color))
        case "Hint":
          return output.warn(event.message)
        case "Finished":
          return Effect.sync(() => {
            last = event.snapshot
          })
      }
    }).pipe(Effect.ensuring(output.statusDone))
    if (last === undefined) return yield* new OperationFailed({ message: "the watch ended before the work did", hint: "Watch it again" })
    return last
  })

/** Follow the work until `done` and render it (renderWatch of watchEvents); returns the last snapshot. */
export const watchLoop = <S extends Snapshot, E>(
  options: WatchOptions<S, E>
): Effect.Effect<S, E | AwsError | OperationFailed, Logs | Output> => renderWatch(watchEvents(options))

const follow = <S extends Snapshot, E>(
  options: WatchOptions<S, E>,
  emit: (event: WatchEvent<S>) => Effect.Effect<void>
): Effect.Effect<S, E | AwsError | OperationFailed, Logs> =>
  Effect.gen(function*() {
    const logs = yield* Logs
    const pacing = { ...defaultPacing, ...options.pacing }
    let token: string | undefined
    let lastShown: string | undefined
    let status: { readonly name: string; readonly since: number } | undefined
    let hinted = false
    let delay = ms(pacing.every)
    let throttledInARow = 0

    /** Emit the lines that arrived since the last read; true when there were any. */
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
          for (const event of result.events) yield* emit({ _tag: "LogLine", timestamp: event.timestamp, message: event.message })
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
        const shown = `${snapshot.status}\u0000${snapshot.reason ?? ""}`
        const changed = shown !== lastShown
        lastShown = shown
        const waiting = options.waiting?.includes(snapshot.status) === true && !snapshot.done
        yield* emit({ _tag: "Polled", at: new Date(now), label: options.label, snapshot, changed, waiting })
        if (status?.name !== snapshot.status) status = { name: snapshot.status, since: now }
        if (options.stuck && !hinted && status.name === options.stuck.status && now - status.since >= ms(options.stuck.after)) {
          hinted = true
          const hint = yield* options.stuck.explain(snapshot)
          if (hint !== undefined) yield* emit({ _tag: "Hint", message: hint })
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
          yield* emit({ _tag: "Finished", snapshot })
          return snapshot
        }
        if (!logsThrottled) {
          throttledInARow = 0
          delay = nextDelay(delay, changed || printed ? "activity" : "idle", pacing)
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
