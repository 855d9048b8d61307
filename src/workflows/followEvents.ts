/**
 * `--follow` for CloudWatch Logs: poll a short look-back window again and again, print each event
 * once. Re-reading the window (instead of only "after the last timestamp") catches events that AWS
 * ingests late with an older timestamp; a set of the ids seen in the window removes the duplicates,
 * and ids older than the window are forgotten, so memory stays bounded by the window's events.
 *
 * Pacing: 1 s between polls while events arrive, backing off by half when idle up to 2 s (new lines
 * show within about 2 s); throttling backs off exponentially up to 5 s (the Schedule below).
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { followDelay, followThrottleBackoff } from "../lib/schedules.ts"
import type { LogEvent } from "../services/Logs.ts"

/** How `followEvents` polls: where to start and stop, how far back each poll re-reads, and its delays. */
export interface FollowOptions {
  /** The first poll reads from here (e.g. --start-time); later polls from `now - lookBack`. */
  readonly start: Date
  /** Stop once the clock passes this time (--end-time); otherwise follow until interrupted. */
  readonly end?: Date | undefined
  /** How far back every poll re-reads, to catch late-ingested events (default 60 s). */
  readonly lookBack?: Duration.Input
  /** Delay between polls while events arrive (default 1 s). */
  readonly interval?: Duration.Input
  /** Longest delay when idle (default 2 s). */
  readonly idleCap?: Duration.Input
  /** Called after each poll with the number of new events and of remembered ids (bounded by the window). */
  readonly onPoll?: (stats: { readonly fresh: number; readonly remembered: number }) => Effect.Effect<void>
}

/** Retry a throttled poll with exponential backoff from 1 s, capped at 5 s, at most 120 times in a row. */
export const throttleBackoff = followThrottleBackoff.pipe(
  Schedule.setInputType<{ readonly _tag: string }>(),
  Schedule.while(({ input }) => input._tag === "AwsThrottled")
)

interface FollowState {
  /** event key -> its timestamp (ms), for the events inside the look-back window. */
  readonly seen: ReadonlyMap<string, number>
  readonly polls: number
  /** Consecutive polls without new events. */
  readonly idle: number
}

const keyOf = (e: LogEvent) => `${e.group}\u0000${e.id}`
const millis = (d: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(d))

export { followDelay }

/**
 * Follow events: `read(from)` returns every event with a timestamp at or after `from` (all pages).
 * The stream emits each event once, in timestamp order within a poll, and never ends unless `end` is given.
 */
export const followEvents = <E extends { readonly _tag: string }>(
  read: (from: Date) => Stream.Stream<LogEvent, E>,
  options: FollowOptions
): Stream.Stream<LogEvent, E> => {
  const lookBack = millis(options.lookBack ?? "60 seconds")
  const interval = millis(options.interval ?? "1 second")
  const idleCap = millis(options.idleCap ?? "2 seconds")
  const start = options.start.getTime()

  const poll = (state: FollowState) =>
    Effect.gen(function*() {
      if (state.polls > 0) yield* Effect.sleep(Duration.millis(followDelay(state.idle, interval, idleCap)))
      const now = yield* Clock.currentTimeMillis
      const from = state.polls === 0 ? start : Math.max(start, now - lookBack)
      const events = yield* Stream.runCollect(read(new Date(from))).pipe(Effect.retry(throttleBackoff))
      const seen = new Map(state.seen)
      const fresh: Array<LogEvent> = []
      for (const e of events) {
        const key = keyOf(e)
        if (seen.has(key)) continue
        seen.set(key, e.timestamp.getTime())
        fresh.push(e)
      }
      // The next window starts at or after now - lookBack: older ids can never be read again.
      for (const [key, timestamp] of seen) if (timestamp < now - lookBack) seen.delete(key)
      fresh.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
      if (options.onPoll) yield* options.onPoll({ fresh: fresh.length, remembered: seen.size })
      const done = options.end !== undefined && now > options.end.getTime()
      const next: FollowState = { seen, polls: state.polls + 1, idle: fresh.length > 0 ? 0 : state.idle + 1 }
      return [fresh, done ? Option.none() : Option.some(next)] as const
    })

  return Stream.paginate<FollowState, LogEvent, E, never>({ seen: new Map(), polls: 0, idle: 0 }, poll)
}
