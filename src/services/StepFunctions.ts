/**
 * AWS Step Functions as aegea sees it: state machines, their executions, each execution's event
 * history, and stopping one.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"

/** A Step Functions state machine: name, ARN, type and creation date. */
export const StateMachine = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  /** STANDARD or EXPRESS. */
  type: Schema.optional(Schema.String),
  created: Schema.optional(Schema.Date)
})
/** A Step Functions state machine: name, ARN, type and creation date. */
export type StateMachine = typeof StateMachine.Type

/** The statuses ListExecutions filters by. */
export const executionStatuses = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"] as const
/** The status of a Step Functions execution. */
export type ExecutionStatus = typeof executionStatuses[number]

/** The statuses an execution ends in, and whether that is a success. */
export const finalStatuses: Readonly<Record<string, "succeeded" | "failed">> = {
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  TIMED_OUT: "failed",
  ABORTED: "failed"
}

/** An execution of a state machine: its status and times. */
export const Execution = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  stateMachineArn: Schema.String,
  status: Schema.String,
  started: Schema.optional(Schema.Date),
  stopped: Schema.optional(Schema.Date)
})
/** An execution of a state machine: its status and times. */
export type Execution = typeof Execution.Type

/** An execution with its input, output, error and cause. */
export const ExecutionDescription = Schema.Struct({
  ...Execution.fields,
  input: Schema.optional(Schema.String),
  output: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.String)
})
/** An execution with its input, output, error and cause. */
export type ExecutionDescription = typeof ExecutionDescription.Type

/** One event of an execution's history. */
export const HistoryEvent = Schema.Struct({
  id: Schema.Number,
  previousEventId: Schema.optional(Schema.Number),
  timestamp: Schema.Date,
  /** ExecutionStarted, TaskStateEntered, ExecutionFailed... */
  type: Schema.String,
  /** The state entered or exited, when the event is about one. */
  state: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.String)
})
/** One event of an execution's history. */
export type HistoryEvent = typeof HistoryEvent.Type

/** The error and cause `StepFunctions.stopExecution` records. */
export interface StopOptions {
  readonly error?: string | undefined
  readonly cause?: string | undefined
}

/** Why a `StepFunctions` call failed: AWS failed, or the state machine or execution does not exist. */
export type StepFunctionsError = AwsError | ResourceNotFound

/**
 * Step Functions: state machines, executions, their history; start and stop executions. Live:
 * `StepFunctionsLive`; in memory: `StepFunctionsMemory`.
 */
export class StepFunctions extends Context.Service<StepFunctions, {
  readonly region: string
  readonly stateMachines: () => Stream.Stream<StateMachine, AwsError>
  /** The executions of one state machine (by ARN), newest first, optionally with one status. */
  readonly executions: (
    stateMachineArn: string,
    status?: ExecutionStatus | undefined
  ) => Stream.Stream<Execution, StepFunctionsError>
  readonly describeExecution: (executionArn: string) => Effect.Effect<ExecutionDescription, StepFunctionsError>
  /** The events of an execution, oldest first. */
  readonly history: (executionArn: string) => Stream.Stream<HistoryEvent, StepFunctionsError>
  /** Start an execution (aegea's tests and programs; no command starts one). */
  readonly startExecution: (
    stateMachineArn: string,
    options?: { readonly name?: string | undefined; readonly input?: string | undefined }
  ) => Effect.Effect<{ readonly arn: string; readonly started: Date }, StepFunctionsError>
  readonly stopExecution: (executionArn: string, options?: StopOptions) => Effect.Effect<{ readonly stopped: Date }, StepFunctionsError>
}>()("aegea/StepFunctions") {}

/** The error for an execution that does not exist, pointing at `aegea sfn ls`. */
export const executionNotFound = (arn: string, region: string) =>
  new ResourceNotFound({ kind: "execution", name: arn, region, hint: "Run 'aegea sfn ls' to see the executions" })

/** The error for a state machine that does not exist, pointing at `aegea sfn state-machines`. */
export const stateMachineNotFound = (name: string, region: string) =>
  new ResourceNotFound({ kind: "state machine", name, region, hint: "Run 'aegea sfn state-machines' to see them" })

/** One line of an execution's history: "2024-01-02T03:04:05Z TaskStateEntered Fetch", then the error and cause. */
export const historyLine = (event: HistoryEvent) => {
  const time = event.timestamp.toISOString().replace(/\.\d{3}Z$/, "Z")
  const errorPart = event.error !== undefined || event.cause !== undefined
    ? `: ${[event.error, event.cause].filter((x) => x !== undefined && x !== "").join(": ")}`
    : ""
  return `${time} ${event.type}${event.state !== undefined ? ` ${event.state}` : ""}${errorPart}`
}
