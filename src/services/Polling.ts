/**
 * The poll schedules of every wait in aegea's workflows and services, as one `Context.Reference`:
 * its default is aegea's own schedules (src/lib/schedules.ts), so no workflow needs it in its
 * requirements, and a program replaces any of them for a whole computation with `withPolling`:
 *
 *   submitBatchJob(input).pipe(withPolling({ state: Schedule.spaced("10 seconds") }))
 *
 * Waits that stop after a number of polls (the SSM agent, cloud-init, an image) keep that bound on
 * top of the schedule given here; waits with a time limit keep their limit.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import { agentPoll, boundedPoll, commandPoll, exportPoll, pollEvery, queryPoll, rdsPoll, statePoll } from "../lib/schedules.ts"

/** One schedule per kind of wait; each is repeated until the wait's condition holds. */
export interface PollSchedules {
  /** Resource states: instances, volumes, Batch queues, compute environments and job definitions, file systems, ... (every 2 s). */
  readonly state: Schedule.Schedule<unknown, unknown>
  /** The SSM agent of an instance coming online (every 5 s). */
  readonly agent: Schedule.Schedule<unknown, unknown>
  /** An SSM Run Command invocation finishing (every 1 s). */
  readonly command: Schedule.Schedule<unknown, unknown>
  /** cloud-init finishing on an AMI builder (every 5 s). */
  readonly cloudInit: Schedule.Schedule<unknown, unknown>
  /** A new AMI becoming available (every 10 s). */
  readonly image: Schedule.Schedule<unknown, unknown>
  /** Logs Insights results (every 1 s, for at most 20 minutes). */
  readonly query: Schedule.Schedule<unknown, unknown>
  /** RDS changes (every 5 s, for at most 2 hours). */
  readonly rds: Schedule.Schedule<unknown, unknown>
  /** A CloudWatch Logs export task (every 2 s, for at most 6 hours). */
  readonly export: Schedule.Schedule<unknown, unknown>
}

/** aegea's own schedules, the default of `Polling`. */
export const defaultPolling: PollSchedules = {
  state: statePoll,
  agent: agentPoll,
  command: commandPoll,
  cloudInit: pollEvery("5 seconds"),
  image: pollEvery("10 seconds"),
  query: queryPoll,
  rds: rdsPoll,
  export: exportPoll
}

/** The poll schedules in effect (aegea's own unless replaced with `withPolling`). */
export const Polling: Context.Reference<PollSchedules> = Context.Reference<PollSchedules>("aegea/Polling", {
  defaultValue: () => defaultPolling
})

/** Run `effect` with some poll schedules replaced (the others stay as they are). */
export const withPolling = (schedules: Partial<PollSchedules>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const current = yield* Polling
    return yield* Effect.provideService(effect, Polling, { ...current, ...schedules })
  })

/**
 * Repeat `effect` on the current `kind` schedule until `until` holds for its value (at most `polls`
 * repetitions when given), and return the last value.
 */
export const pollUntil = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  kind: keyof PollSchedules,
  until: (value: A) => boolean,
  polls?: number
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const schedules = yield* Polling
    const schedule = polls === undefined ? schedules[kind] : boundedPoll(schedules[kind], polls)
    return yield* Effect.repeat(effect, { schedule, until })
  })
