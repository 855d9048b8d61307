/**
 * Waiting for load balancer targets: until instances are healthy (after registering) or drained
 * (no longer registered, after deregistering). Polled on `Polling`'s state schedule (or `options.schedule`), bounded by a timeout, with
 * progress as `Status` events through `Progress` (the CLI shows a status line on a terminal, a line
 * per change elsewhere).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import { OperationFailed } from "../errors.ts"
import { waitingLine, waitingPlain } from "../lib/progress.ts"
import { isDrained, type LoadBalancerError, LoadBalancers, type TargetHealth } from "../services/LoadBalancers.ts"
import { emitProgress } from "../services/Progress.ts"
import { Polling } from "../services/Polling.ts"

/** What `waitForTargets` waits for: every target healthy, or every target drained (deregistered). */
export type TargetGoal = "healthy" | "drained"

/**
 * How `waitForTargets` waits: the target group, labels for the instances, a time limit and the poll
 * schedule.
 */
export interface WaitTargetsOptions {
  readonly targetGroup?: string | undefined
  /** Labels by instance id, e.g. "i-0abc (web-1)". */
  readonly labels?: Readonly<Record<string, string>>
  /** Default 15 minutes (a deregistration delay is 5 minutes unless changed). */
  readonly timeout?: Duration.Input
  readonly schedule?: Schedule.Schedule<unknown, unknown>
}

/** The state a target shows in a wait: its health, or "drained" once it is no longer registered. */
const shown = (target: TargetHealth | undefined, goal: TargetGoal) =>
  goal === "drained" && isDrained(target) ? "drained" : target?.state ?? "not registered"

/**
 * Wait until the instances behind a load balancer are healthy or drained, failing past the time
 * limit; returns their last health.
 */
export const waitForTargets = (
  loadBalancer: string,
  ids: ReadonlyArray<string>,
  goal: TargetGoal,
  options: WaitTargetsOptions = {}
): Effect.Effect<ReadonlyArray<TargetHealth>, LoadBalancerError | OperationFailed, LoadBalancers> =>
  Effect.gen(function*() {
    if (ids.length === 0) return []
    const lbs = yield* LoadBalancers
    const timeout = options.timeout ?? "15 minutes"
    const reached = (list: ReadonlyArray<TargetHealth>) =>
      ids.every((id) => {
        const target = list.find((t) => t.id === id)
        return goal === "healthy" ? target?.state === "healthy" : isDrained(target)
      })
    const poll = lbs.targets(loadBalancer, { targetGroup: options.targetGroup }).pipe(
      Effect.tap((list) => {
        const seen = ids.map((id) => ({ label: options.labels?.[id] ?? id, state: shown(list.find((t) => t.id === id), goal) }))
        return emitProgress({ _tag: "Status", line: waitingLine(seen, goal, "targets"), plain: waitingPlain(seen) })
      })
    )
    return yield* poll.pipe(
      Effect.repeat({ schedule: options.schedule ?? (yield* Polling).state, until: reached }),
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new OperationFailed({
              message: `timed out after ${Duration.format(Duration.fromInputUnsafe(timeout))} waiting for ${ids.join(", ")} to be ${goal} in ${loadBalancer}`,
              hint: `Run 'aegea elb targets ${loadBalancer}' to see their health`
            })
          )
      }),
      Effect.ensuring(emitProgress({ _tag: "StatusDone" }))
    )
  })
