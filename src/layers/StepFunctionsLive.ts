/** The live Step Functions layer: one call per method, each with its policy. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws } from "./aws.ts"
import type { AwsError, ResourceNotFound } from "../errors.ts"
import {
  type Execution,
  type ExecutionDescription,
  executionNotFound,
  type ExecutionStatus,
  type HistoryEvent,
  stateMachineNotFound,
  StepFunctions,
  type StepFunctionsError,
  type StopOptions
} from "../services/StepFunctions.ts"

const toDate = (d: unknown) => (d instanceof Date ? d : undefined)

/** The state name, error and cause of an event, from whichever `...EventDetails` it carries. */
export const toHistoryEvent = (e: Record<string, unknown>): HistoryEvent => {
  let state: string | undefined
  let error: string | undefined
  let cause: string | undefined
  for (const [key, value] of Object.entries(e)) {
    if (!key.endsWith("EventDetails") || typeof value !== "object" || value === null) continue
    const details = value as Record<string, unknown>
    if (key.startsWith("state") && typeof details.name === "string") state = details.name
    if (typeof details.error === "string") error = details.error
    if (typeof details.cause === "string") cause = details.cause
  }
  return {
    id: typeof e.id === "number" ? e.id : 0,
    ...(typeof e.previousEventId === "number" ? { previousEventId: e.previousEventId } : {}),
    timestamp: toDate(e.timestamp) ?? new Date(0),
    type: typeof e.type === "string" ? e.type : "",
    ...(state !== undefined ? { state } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(cause !== undefined ? { cause } : {})
  }
}

const notFoundCodes = {
  execution: new Set(["ExecutionDoesNotExist", "ResourceNotFound"]),
  stateMachine: new Set(["StateMachineDoesNotExist", "ResourceNotFound"])
}

/** `StepFunctions` against Step Functions, with the region, credentials and endpoint of `AwsClients`. */
export const StepFunctionsLive: Layer.Layer<StepFunctions, never, AwsClients> = Layer.effect(
  StepFunctions,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-sfn"))
    const aws = yield* makeAws("Step Functions", (config) => new sdk.SFNClient(config))
    const region = aws.region
    const missing = (e: AwsError, codes: ReadonlySet<string>, error: () => ResourceNotFound): StepFunctionsError =>
      (e._tag === "AwsNotFound" || e._tag === "AwsInvalidRequest") && codes.has(e.code) ? error() : e
    const executionMissing = (arn: string) => (e: AwsError) => missing(e, notFoundCodes.execution, () => executionNotFound(arn, region))

    const stateMachines = () =>
      aws.pages(
        (token) => new sdk.ListStateMachinesCommand({ maxResults: 100, ...(token ? { nextToken: token } : {}) }),
        "list state machines",
        (r) =>
          [
            (r.stateMachines ?? []).map((m) => ({
              name: m.name ?? "",
              arn: m.stateMachineArn ?? "",
              ...(m.type ? { type: m.type } : {}),
              ...(toDate(m.creationDate) ? { created: m.creationDate! } : {})
            })),
            r.nextToken
          ] as const
      )

    const executions = (stateMachineArn: string, status?: ExecutionStatus) =>
      aws.pages(
        (token) =>
          new sdk.ListExecutionsCommand({
            stateMachineArn,
            maxResults: 100,
            ...(status !== undefined ? { statusFilter: status } : {}),
            ...(token ? { nextToken: token } : {})
          }),
        `list the executions of ${stateMachineArn}`,
        (r) =>
          [
            (r.executions ?? []).map((x): Execution => ({
              name: x.name ?? "",
              arn: x.executionArn ?? "",
              stateMachineArn: x.stateMachineArn ?? stateMachineArn,
              status: x.status ?? "",
              ...(toDate(x.startDate) ? { started: x.startDate! } : {}),
              ...(toDate(x.stopDate) ? { stopped: x.stopDate! } : {})
            })),
            r.nextToken
          ] as const
      ).pipe(
        Stream.mapError((e) => missing(e, notFoundCodes.stateMachine, () => stateMachineNotFound(stateMachineArn, region)))
      )

    const describeExecution = (arn: string) =>
      aws.call(new sdk.DescribeExecutionCommand({ executionArn: arn }), `describe execution ${arn}`, idempotent).pipe(
        Effect.map((x): ExecutionDescription => ({
          name: x.name ?? "",
          arn: x.executionArn ?? arn,
          stateMachineArn: x.stateMachineArn ?? "",
          status: x.status ?? "",
          ...(toDate(x.startDate) ? { started: x.startDate! } : {}),
          ...(toDate(x.stopDate) ? { stopped: x.stopDate! } : {}),
          ...(x.input !== undefined ? { input: x.input } : {}),
          ...(x.output !== undefined ? { output: x.output } : {}),
          ...(x.error ? { error: x.error } : {}),
          ...(x.cause ? { cause: x.cause } : {})
        })),
        Effect.mapError(executionMissing(arn))
      )

    const history = (arn: string) =>
      aws.pages(
        (token) => new sdk.GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, ...(token ? { nextToken: token } : {}) }),
        `read the history of execution ${arn}`,
        (r) => [(r.events ?? []).map((e) => toHistoryEvent(e as unknown as Record<string, unknown>)), r.nextToken] as const
      ).pipe(Stream.mapError(executionMissing(arn)))

    const startExecution = (stateMachineArn: string, options: { readonly name?: string | undefined; readonly input?: string | undefined } = {}) =>
      aws.call(
        new sdk.StartExecutionCommand({ stateMachineArn, name: options.name ?? randomUUID(), ...(options.input !== undefined ? { input: options.input } : {}) }),
        `start an execution of ${stateMachineArn}`,
        // A name is unique per state machine: AWS starts one execution per name (the same input twice is not a second one).
        idempotent
      ).pipe(
        Effect.map((r) => ({ arn: r.executionArn ?? "", started: toDate(r.startDate) ?? new Date() })),
        Effect.mapError((e) => missing(e, notFoundCodes.stateMachine, () => stateMachineNotFound(stateMachineArn, region)))
      )

    const stopExecution = (arn: string, options: StopOptions = {}) =>
      aws.call(
        new sdk.StopExecutionCommand({
          executionArn: arn,
          ...(options.error !== undefined ? { error: options.error } : {}),
          ...(options.cause !== undefined ? { cause: options.cause } : {})
        }),
        `stop execution ${arn}`,
        // The same execution stopped twice is stopped once.
        idempotent
      ).pipe(
        Effect.map((r) => ({ stopped: toDate(r.stopDate) ?? new Date() })),
        Effect.mapError(executionMissing(arn))
      )

    return StepFunctions.of({ region, stateMachines, executions, describeExecution, history, startExecution, stopExecution })
  })
)
