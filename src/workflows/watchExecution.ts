/**
 * Following a Step Functions execution to its end: poll its status and read the history events
 * that arrived since the last poll, reporting each one once (a `Line` progress event: the CLI prints
 * a line, or a JSON object per line with --output json), pace the polls like the Batch and ECS
 * watches (faster while events arrive, slower while none do, much slower while AWS throttles), and
 * report the execution's status (`Status` events: a status line on a terminal) while it runs.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type AwsError, OperationFailed } from "../errors.ts"
import { defaultPacing, nextDelay, type WatchPacing } from "../lib/schedules.ts"
import { emitProgress } from "../services/Progress.ts"
import {
  type ExecutionDescription,
  finalStatuses,
  type HistoryEvent,
  historyLine,
  StepFunctions,
  type StepFunctionsError
} from "../services/StepFunctions.ts"

const ms = (d: Duration.Input) => Duration.toMillis(Duration.fromInputUnsafe(d))

const isThrottled = (e: unknown): e is AwsError => (e as { _tag?: string } | undefined)?._tag === "AwsThrottled"

/** Report one event as a `Line`: the CLI prints its line in text formats, one JSON object per line with json. */
export const printEvent = (event: HistoryEvent) => emitProgress({ _tag: "Line", text: historyLine(event), json: event })

/** Follow the execution until it ends; returns its last description (the caller decides the exit). */
export const watchExecution = (
  arn: string,
  options: { readonly pacing?: Partial<WatchPacing> } = {}
): Effect.Effect<ExecutionDescription, StepFunctionsError | OperationFailed, StepFunctions> =>
  follow(arn, options.pacing ?? {}).pipe(Effect.ensuring(emitProgress({ _tag: "StatusDone" })))

const follow = (arn: string, given: Partial<WatchPacing>) =>
  Effect.gen(function*() {
    const sfn = yield* StepFunctions
    const pacing = { ...defaultPacing, ...given }
    let lastId = 0
    let state: string | undefined
    let delay = ms(pacing.every)
    let throttledInARow = 0

    interface Polled {
      readonly described: ExecutionDescription
      readonly events: ReadonlyArray<HistoryEvent>
    }
    const poll = Effect.gen(function*(): Effect.fn.Return<Polled, StepFunctionsError> {
      const described = yield* sfn.describeExecution(arn)
      // Read after the status, so a finished execution's history holds its last event.
      const events = yield* Stream.runCollect(Stream.filter(sfn.history(arn), (e) => e.id > lastId))
      return { described, events }
    })

    for (let polls = 0; polls < pacing.maxPolls; polls++) {
      const result: Polled | undefined = yield* poll.pipe(
        Effect.map((r): Polled | undefined => r),
        Effect.catchIf(isThrottled, (e): Effect.Effect<Polled | undefined, StepFunctionsError> =>
          Effect.suspend(() => {
            throttledInARow++
            if (throttledInARow > pacing.throttleLimit) return Effect.fail(e)
            delay = nextDelay(delay, "throttled", pacing)
            return Effect.succeed(undefined)
          }))
      )
      if (result !== undefined) {
        throttledInARow = 0
        for (const event of result.events) {
          yield* emitProgress({ _tag: "StatusDone" })
          yield* printEvent(event)
          lastId = Math.max(lastId, event.id)
          if (event.state !== undefined && event.type.endsWith("StateEntered")) state = event.state
        }
        const { described } = result
        if (finalStatuses[described.status] !== undefined) return described
        yield* emitProgress({
          _tag: "Status",
          line: `execution ${described.name}: ${described.status}${state !== undefined ? ` in state ${state}` : ""}`,
          plain: []
        })
        delay = nextDelay(delay, result.events.length > 0 ? "activity" : "idle", pacing)
      }
      yield* Effect.sleep(Duration.millis(delay))
    }
    return yield* new OperationFailed({
      message: `stopped watching execution ${arn} after ${pacing.maxPolls} polls`,
      hint: `It is still running: 'aegea sfn watch ${arn}' watches it again, 'aegea sfn stop ${arn}' stops it`
    })
  })

/** Success for SUCCEEDED; exit 1 with the status, error and cause for FAILED, TIMED_OUT and ABORTED. */
export const executionOutcome = (execution: ExecutionDescription): Effect.Effect<void, OperationFailed> => {
  if (finalStatuses[execution.status] !== "failed") return Effect.void
  const why = [execution.error, execution.cause].filter((x) => x !== undefined && x !== "").join(": ")
  return Effect.fail(
    new OperationFailed({
      message: `execution ${execution.name} ${execution.status}${why !== "" ? `: ${why}` : ""}`,
      hint: `'aegea sfn history ${execution.arn}' shows its events`,
      exitCode: 1
    })
  )
}
