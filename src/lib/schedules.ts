/**
 * Every retry and poll aegea runs, as Schedule values in one place. The library exports them, so a
 * program can pass its own where a workflow takes a schedule, and tests drive them with TestClock.
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"

/**
 * Retries of an AWS call: exponential from 200 ms, at most 5 s per wait, jittered (80-120%), at
 * most `maxAttempts - 1` retries. Which failures are retried is the call's policy (layers/aws.ts).
 */
export const awsRetrySchedule = (maxAttempts: number) =>
  Schedule.min([Schedule.exponential(Duration.millis(200)), Schedule.spaced(Duration.seconds(5))]).pipe(
    Schedule.jittered,
    Schedule.while(({ attempt }) => attempt < maxAttempts)
  )

/**
 * Waiting for a resource's state (instances running, a queue VALID, a command finished): a fixed
 * interval. The caller bounds it (`until`, and a timeout where the wait may never end).
 */
export const pollEvery = (interval: Duration.Input) => Schedule.spaced(interval)

/** A poll that gives up after `polls` repetitions (the caller turns running out into its own error). */
export const boundedPoll = (every: Schedule.Schedule<unknown, unknown>, polls: number) => Schedule.max([every, Schedule.recurs(polls)])

/** The default interval of state polls (instance control, Batch queues, job definitions). */
export const statePoll = pollEvery("2 seconds")

/** The SSM agent coming online after launch: agents register every few seconds. */
export const agentPoll = pollEvery("5 seconds")

/** A command run through SSM Run Command, until it finishes. */
export const commandPoll = pollEvery("1 second")

/** Logs Insights results: every second, for at most 20 minutes (a query's own limit is 60). */
export const queryPoll = Schedule.max([Schedule.spaced(Duration.seconds(1)), Schedule.during(Duration.minutes(20))])

/** RDS changes take minutes: every 5 seconds (the first check at once), for at most 2 hours. */
export const rdsPoll = Schedule.max([pollEvery("5 seconds"), Schedule.during(Duration.hours(2))])

/** A logs export task: every 2 seconds, for at most 6 hours. */
export const exportPoll = Schedule.max([Schedule.spaced(Duration.seconds(2)), Schedule.during(Duration.hours(6))])

/**
 * Following logs or a job when AWS throttles the reads: exponential from 1 s, at most 5 s, jittered,
 * for at most 120 tries in a row.
 */
export const followThrottleBackoff = Schedule.min([Schedule.exponential(Duration.seconds(1)), Schedule.spaced(Duration.seconds(5))]).pipe(
  Schedule.jittered,
  Schedule.while(({ attempt }) => attempt <= 120)
)

/** A new IAM instance profile becoming visible to EC2: exponential from 1 s, at most 8 s, 10 tries. */
export const instanceProfileBackoff = Schedule.min([Schedule.exponential("1 second"), Schedule.spaced("8 seconds")]).pipe(
  Schedule.while(({ attempt }) => attempt <= 10)
)

/**
 * Watching a Batch job or an ECS task (workflows/watchLoop.ts): an adaptive poll, faster while
 * something happens, slower while nothing does, much slower while AWS throttles.
 */
export interface WatchPacing {
  /** Delay after a poll that saw something new (default 1 s). */
  readonly every: Duration.Input
  /** Longest delay while nothing happens (default 10 s); the delay grows 1.5x per idle poll. */
  readonly maxIdle: Duration.Input
  /** Longest delay after throttling (default 60 s); the delay doubles per throttled poll. */
  readonly maxThrottled: Duration.Input
  /** Give up after this many throttled polls in a row (default 20). */
  readonly throttleLimit: number
  /** Wait before the last read of the logs after the work stopped (default 1 s). */
  readonly drainAfter: Duration.Input
  /** Upper bound on polls (default 1,000,000: about 11 days at 1 s). */
  readonly maxPolls: number
}

/**
 * The pacing of job and task watches: poll every second, back off to 10 s when idle and 60 s when
 * throttled.
 */
export const defaultPacing: WatchPacing = {
  every: "1 second",
  maxIdle: "10 seconds",
  maxThrottled: "60 seconds",
  throttleLimit: 20,
  drainAfter: "1 second",
  maxPolls: 1_000_000
}

const ms = (d: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(d))

/** The next polling delay (ms): back to `every` on activity, slower when idle, much slower when throttled. */
export const nextDelay = (
  current: number,
  outcome: "activity" | "idle" | "throttled",
  pacing: WatchPacing = defaultPacing
): number => {
  switch (outcome) {
    case "activity":
      return ms(pacing.every)
    case "idle":
      return Math.min(Math.round(current * 1.5), Math.max(ms(pacing.maxIdle), ms(pacing.every)))
    case "throttled":
      return Math.min(current * 2, Math.max(ms(pacing.maxThrottled), ms(pacing.every)))
  }
}

/** The delay before the next poll, after `idle` empty polls in a row. */
export const followDelay = (idle: number, interval: number, idleCap: number) =>
  Math.min(idleCap, interval * Math.pow(1.5, idle))
