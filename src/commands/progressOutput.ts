/**
 * The CLI's rendering of workflow progress: every `ProgressEvent` a workflow emits goes through
 * `Output` exactly as the workflows printed it before they reported data (notices, creations and
 * deletions as stderr lines, warnings prefixed "warning: ", waits as the status line, a dry run's
 * requests as the document on stdout, followed lines as text).
 */
import * as Effect from "effect/Effect"
import type { UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"
import { type ProgressEvent, withProgress } from "../services/Progress.ts"

/** One event through Output. Only a dry run's document can fail (a `--query` that cannot be applied). */
export const renderProgressEvent = (output: Output["Service"], event: ProgressEvent): Effect.Effect<void, UsageError> => {
  switch (event._tag) {
    case "Created":
    case "Deleted":
    case "Notice":
      return output.info(event.message)
    case "Warning":
      return output.warn(event.message)
    case "DryRun":
      return output.document(event.requests)
    case "Status":
      return output.status(event.plain === undefined ? event.line : { line: event.line, plain: event.plain })
    case "StatusDone":
      return output.statusDone
    case "Line":
      return output.text(output.settings.format === "json" && event.json !== undefined ? JSON.stringify(event.json) : event.text)
  }
}

/**
 * Run `effect` with its progress rendered through Output. A document that cannot be rendered fails
 * the whole with that UsageError once `effect` is done (nothing after it is rendered meanwhile).
 */
export const progressThroughOutput = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | UsageError, R | Output> =>
  Effect.gen(function*() {
    const output = yield* Output
    let failed: UsageError | undefined
    const render = (event: ProgressEvent) =>
      failed !== undefined
        ? Effect.void
        : renderProgressEvent(output, event).pipe(Effect.catch((e) => Effect.sync(() => void (failed = e))))
    const result = yield* withProgress(render)(effect)
    if (failed !== undefined) return yield* Effect.fail(failed)
    return result
  })
