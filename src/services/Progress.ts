/**
 * What a workflow reports while it works, as data: a small union of typed events (a resource
 * created, a status that changed, a notice, a warning, the requests a dry run would send). Workflows
 * emit them through `Progress`, a `Context.Reference` whose default ignores every event, so no
 * workflow needs it in its requirements. A program that wants the events collects them
 * (`collectProgress`, `progressEvents`, `withProgress`); the CLI renders each one through `Output`.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"

/**
 * Something now exists that did not: a resource created, registered, submitted, started or uploaded.
 * `kind` names it ("security group", "job queue", "job definition", "job", "task", "object"...),
 * `id` is its id, ARN, name or URL, and `message` is the sentence the CLI prints.
 */
export interface Created {
  readonly _tag: "Created"
  readonly kind: string
  readonly id: string
  readonly message: string
}

/** A resource deleted (a staged `--execute` file after its job). */
export interface Deleted {
  readonly _tag: "Deleted"
  readonly kind: string
  readonly id: string
  readonly message: string
}

/** Something worth knowing that changed nothing: a dry run's findings, a rule added, a step reached. */
export interface Notice {
  readonly _tag: "Notice"
  readonly message: string
}

/** Something went wrong that did not fail the workflow (a clean-up that could not be done). */
export interface Warning {
  readonly _tag: "Warning"
  readonly message: string
}

/** A dry run's result: the exact requests that would be sent, by API action (e.g. `{ SubmitJob: {...} }`). */
export interface DryRun {
  readonly _tag: "DryRun"
  readonly requests: Readonly<Record<string, unknown>>
}

/**
 * A wait's state: `line` describes it now ("waiting for i-0abc (web-1): pending → running"),
 * `plain` lists the states a log should get when they change ([] for none; absent: `line`). The CLI
 * shows a status line redrawn in place on a terminal and a timestamped line per change elsewhere.
 */
export interface Status {
  readonly _tag: "Status"
  readonly line: string
  readonly plain?: ReadonlyArray<string> | undefined
}

/** The wait that emitted `Status` events is over (however it ended). */
export interface StatusDone {
  readonly _tag: "StatusDone"
}

/** A line of data the workflow follows (an execution's history): the CLI prints it on stdout. */
export interface Line {
  readonly _tag: "Line"
  readonly text: string
  /** The line's JSON form, for machine output. */
  readonly json?: unknown
}

/** Everything a workflow reports while it works; match on `_tag`. */
export type ProgressEvent = Created | Deleted | Notice | Warning | DryRun | Status | StatusDone | Line

/** Where progress events go. The default ignores them; provide another with `withProgress`. */
export interface ProgressSink {
  readonly emit: (event: ProgressEvent) => Effect.Effect<void>
}

/** The progress of the workflows run in this fiber: ignored unless a program provides a sink. */
export const Progress: Context.Reference<ProgressSink> = Context.Reference<ProgressSink>("aegea/Progress", {
  defaultValue: () => ({ emit: () => Effect.void })
})

/** Report an event to the current `Progress` (nothing happens by default). */
export const emitProgress = (event: ProgressEvent): Effect.Effect<void> =>
  Effect.gen(function*() {
    const sink = yield* Progress
    yield* sink.emit(event)
  })

/** Run `effect` with every progress event it emits handed to `handle`. */
export const withProgress = (handle: (event: ProgressEvent) => Effect.Effect<void>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => Effect.provideService(effect, Progress, { emit: handle })

/** Run `effect` and return its result with the progress events it emitted, in order. */
export const collectProgress = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly result: A; readonly events: ReadonlyArray<ProgressEvent> }, E, R> =>
  Effect.suspend(() => {
    const events: Array<ProgressEvent> = []
    return Effect.map(
      withProgress((event) => Effect.sync(() => void events.push(event)))(effect),
      (result) => ({ result, events })
    )
  })

/**
 * The progress events of `effect` as a Stream, as they happen; the stream ends when the effect
 * succeeds (its result is dropped: use `collectProgress` or `withProgress` to keep it) and fails
 * with its failure.
 */
export const progressEvents = <A, E, R>(effect: Effect.Effect<A, E, R>): Stream.Stream<ProgressEvent, E, R> =>
  Stream.callback<ProgressEvent, E, R>((queue) =>
    withProgress((event) => Effect.asVoid(Queue.offer(queue, event)))(effect).pipe(
      Effect.matchCauseEffect({
        onFailure: (cause) => Queue.failCause(queue, cause),
        onSuccess: () => Queue.end(queue)
      }),
      Effect.forkScoped
    )
  )
