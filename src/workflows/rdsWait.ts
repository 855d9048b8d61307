/**
 * Waiting for a DB instance (`aegea rds create|restore|delete --wait`) or a DB snapshot
 * (`rds snapshot --wait`): poll its status on a Schedule until it is available (or gone), show each
 * status as it changes (a `Status` progress event), and give up after a bound. A status RDS does not leave by
 * itself (failed, incompatible-...) ends the wait as a failure.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { OperationFailed } from "../errors.ts"
import { rdsPoll } from "../lib/schedules.ts"
import { emitProgress } from "../services/Progress.ts"
import { failedStatus, Rds, type RdsError, settledStatus } from "../services/Rds.ts"
import { Polling } from "../services/Polling.ts"

export { rdsPoll }

/** What `waitForRds` waits for: a database instance available or gone, or a snapshot available. */
export type RdsTarget =
  | { readonly kind: "instance"; readonly name: string; readonly until: "available" | "gone" }
  | { readonly kind: "snapshot"; readonly name: string; readonly until: "available" }

const label = (target: RdsTarget) => `DB ${target.kind} ${target.name}`

/** Wait for `target`; returns its last status ("gone" once a deleted instance no longer exists). */
export const waitForRds = (target: RdsTarget, schedule?: Schedule.Schedule<unknown, unknown>) =>
  Effect.gen(function*() {
    const every = schedule ?? (yield* Polling).rds
    const rds = yield* Rds
    const read: Effect.Effect<string, RdsError> = target.kind === "snapshot"
      ? Effect.map(rds.describeSnapshot(target.name), (s) => s.status)
      : Effect.map(rds.describe(target.name), (d) => d.status)
    const poll = (target.until === "gone"
      ? read.pipe(Effect.catchTag("ResourceNotFound", () => Effect.succeed("gone")))
      : read).pipe(
        Effect.tap((status) =>
          emitProgress({ _tag: "Status", line: `waiting for ${label(target)}: ${status} → ${target.until}`, plain: [`${label(target)}: ${status}`] })
        )
      )
    const done = (status: string) => status === target.until || (target.until === "available" && settledStatus(status)) || failedStatus(status)
    const status = yield* poll.pipe(
      Effect.repeat({ schedule: every, until: done }),
      Effect.ensuring(emitProgress({ _tag: "StatusDone" }))
    )
    if (failedStatus(status)) {
      return yield* new OperationFailed({
        message: `${label(target)} is ${status}`,
        hint: "Run 'aws rds describe-events --source-identifier " + target.name + "' to see why"
      })
    }
    if (!done(status)) {
      return yield* new OperationFailed({
        message: `gave up waiting for ${label(target)}: it is still ${status}`,
        hint: "Run 'aegea rds ls' to see its status"
      })
    }
    return status
  })
