/**
 * An in-memory Step Functions for tests. Each execution follows a script on Effect's Clock (run it
 * under TestClock): its events appear `at` milliseconds after the start, and it ends with `end`
 * (RUNNING forever when there is none). A stop aborts a running execution now.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import {
  type Execution,
  type ExecutionDescription,
  executionNotFound,
  type ExecutionStatus,
  type HistoryEvent,
  stateMachineNotFound,
  StepFunctions,
  type StopOptions
} from "../services/StepFunctions.ts"

/** A history event an execution of `StepFunctionsMemory` records, at a time after its start. */
export interface ScriptEvent {
  /** Milliseconds after the start. */
  readonly at: number
  readonly type: string
  readonly state?: string
}

/** How an execution of `StepFunctionsMemory` goes: its history events and how and when it ends. */
export interface ExecutionScript {
  readonly events?: ReadonlyArray<ScriptEvent>
  readonly end?: {
    readonly at: number
    readonly status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED"
    readonly output?: string
    readonly error?: string
    readonly cause?: string
  }
}

interface StoredExecution {
  readonly name: string
  readonly arn: string
  readonly stateMachineArn: string
  readonly input: string
  readonly started: number
  readonly script: ExecutionScript
  /** Set by a stop. */
  readonly aborted?: { readonly at: number; readonly error: string | undefined; readonly cause: string | undefined }
}

const accountId = "123456789012"
const endEventType = { SUCCEEDED: "ExecutionSucceeded", FAILED: "ExecutionFailed", TIMED_OUT: "ExecutionTimedOut", ABORTED: "ExecutionAborted" } as const

/** `StepFunctions` in memory: executions follow their script on Effect's Clock. */
export const StepFunctionsMemory = {
  layer: (
    options: {
      readonly region?: string
      readonly stateMachines?: ReadonlyArray<string>
      /** The script of each new execution (default: one Pass state, SUCCEEDED after 2 s). */
      readonly script?: (stateMachineName: string, input: string) => ExecutionScript
    } = {}
  ): Layer.Layer<StepFunctions> =>
    Layer.effect(
      StepFunctions,
      Effect.gen(function*() {
        const region = options.region ?? "us-east-1"
        const now = yield* Clock.currentTimeMillis
        const machines = (options.stateMachines ?? []).map((name) => ({
          name,
          arn: `arn:aws:states:${region}:${accountId}:stateMachine:${name}`,
          type: "STANDARD",
          created: new Date(now)
        }))
        const script = options.script ??
          (() => ({
            events: [{ at: 1000, type: "PassStateEntered", state: "Pass" }, { at: 2000, type: "PassStateExited", state: "Pass" }],
            end: { at: 2000, status: "SUCCEEDED" as const, output: "{}" }
          }))
        const store = yield* Ref.make<ReadonlyArray<StoredExecution>>([])
        let counter = 0

        /** What the execution looks like at `time`: its events so far, its status and end. */
        const view = (x: StoredExecution, time: number) => {
          const stoppedAt = x.aborted?.at
          const visibleUntil = Math.min(time, stoppedAt ?? Infinity)
          const scripted = (x.script.events ?? []).filter((e) => e.at + x.started <= visibleUntil)
          const end = x.script.end !== undefined && x.started + x.script.end.at <= visibleUntil ? x.script.end : undefined
          const events: Array<Omit<HistoryEvent, "id">> = [
            { timestamp: new Date(x.started), type: "ExecutionStarted" },
            ...scripted.map((e) => ({ timestamp: new Date(x.started + e.at), type: e.type, ...(e.state !== undefined ? { state: e.state } : {}) }))
          ]
          let status: string = "RUNNING"
          let stopped: number | undefined
          let error: string | undefined
          let cause: string | undefined
          if (end !== undefined) {
            status = end.status
            stopped = x.started + end.at
            error = end.error
            cause = end.cause
          } else if (x.aborted !== undefined) {
            status = "ABORTED"
            stopped = x.aborted.at
            error = x.aborted.error
            cause = x.aborted.cause
          }
          if (stopped !== undefined) {
            events.push({
              timestamp: new Date(stopped),
              type: endEventType[status as keyof typeof endEventType],
              ...(error !== undefined ? { error } : {}),
              ...(cause !== undefined ? { cause } : {})
            })
          }
          return {
            status,
            stopped,
            error,
            cause,
            output: end?.status === "SUCCEEDED" ? end.output : undefined,
            events: events.map((e, i): HistoryEvent => ({ id: i + 1, previousEventId: i, ...e }))
          }
        }

        const find = (arn: string) =>
          Effect.gen(function*() {
            const x = (yield* Ref.get(store)).find((e) => e.arn === arn)
            if (x === undefined) return yield* executionNotFound(arn, region)
            return { x, v: view(x, yield* Clock.currentTimeMillis) }
          })

        const summary = (x: StoredExecution, v: ReturnType<typeof view>): Execution => ({
          name: x.name,
          arn: x.arn,
          stateMachineArn: x.stateMachineArn,
          status: v.status,
          started: new Date(x.started),
          ...(v.stopped !== undefined ? { stopped: new Date(v.stopped) } : {})
        })

        const machineOf = (arn: string) =>
          Effect.flatMap(Effect.sync(() => machines.find((m) => m.arn === arn)), (m) =>
            m === undefined ? Effect.fail(stateMachineNotFound(arn, region)) : Effect.succeed(m))

        const executions = (stateMachineArn: string, status?: ExecutionStatus) =>
          Stream.unwrap(Effect.gen(function*() {
            yield* machineOf(stateMachineArn)
            const time = yield* Clock.currentTimeMillis
            const rows = (yield* Ref.get(store))
              .filter((x) => x.stateMachineArn === stateMachineArn)
              .map((x) => summary(x, view(x, time)))
              .filter((x) => status === undefined || x.status === status)
              .reverse()
            return Stream.fromIterable(rows)
          }))

        const describeExecution = (arn: string) =>
          Effect.map(find(arn), ({ v, x }): ExecutionDescription => ({
            ...summary(x, v),
            input: x.input,
            ...(v.output !== undefined ? { output: v.output } : {}),
            ...(v.error !== undefined ? { error: v.error } : {}),
            ...(v.cause !== undefined ? { cause: v.cause } : {})
          }))

        const history = (arn: string) => Stream.unwrap(Effect.map(find(arn), ({ v }) => Stream.fromIterable(v.events)))

        const startExecution = (stateMachineArn: string, opts: { readonly name?: string | undefined; readonly input?: string | undefined } = {}) =>
          Effect.gen(function*() {
            const machine = yield* machineOf(stateMachineArn)
            const time = yield* Clock.currentTimeMillis
            const name = opts.name ?? `execution-${++counter}`
            const arn = `arn:aws:states:${region}:${accountId}:execution:${machine.name}:${name}`
            const input = opts.input ?? "{}"
            const existing = (yield* Ref.get(store)).find((x) => x.arn === arn)
            if (existing !== undefined) return { arn, started: new Date(existing.started) }
            yield* Ref.update(store, (xs) => [...xs, { name, arn, stateMachineArn, input, started: time, script: script(machine.name, input) }])
            return { arn, started: new Date(time) }
          })

        const stopExecution = (arn: string, opts: StopOptions = {}) =>
          Effect.gen(function*() {
            const { v, x } = yield* find(arn)
            const time = yield* Clock.currentTimeMillis
            // Like AWS (and moto): stopping an execution that has ended changes nothing.
            if (v.status !== "RUNNING") return { stopped: new Date(v.stopped ?? time) }
            yield* Ref.update(store, (xs) => xs.map((e) => (e.arn === arn ? { ...x, aborted: { at: time, error: opts.error, cause: opts.cause } } : e)))
            return { stopped: new Date(time) }
          })

        return StepFunctions.of({
          region,
          stateMachines: () => Stream.fromIterable(machines),
          executions,
          describeExecution,
          history,
          startExecution,
          stopExecution
        })
      })
    )
}
