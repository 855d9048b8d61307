/**
 * `aegea sfn state-machines | ls | describe | watch | history | stop`: AWS Step Functions state
 * machines and their executions.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { StepFunctionsLive } from "../layers/StepFunctionsLive.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import {
  Execution,
  executionStatuses,
  HistoryEvent,
  StateMachine,
  stateMachineNotFound,
  StepFunctions
} from "../services/StepFunctions.ts"
import { executionOutcome, watchExecution } from "../workflows/watchExecution.ts"
import { progressThroughOutput } from "./progressOutput.ts"
import { confirmDestruction, watchStoppingOnInterrupt } from "./confirm.ts"
import { awsService, BaseLayer } from "./global.ts"

export const StepFunctionsLayer = awsService(StepFunctions, StepFunctionsLive).pipe(Layer.provideMerge(BaseLayer))

const executionArn = Argument.String("execution-arn").pipe(Argument.withDescription("The execution's ARN (from 'aegea sfn ls')."))

/** The state machine's name in a state machine or execution ARN. */
const machineNameOf = (arn: string) => arn.split(":")[6] ?? arn

const stateMachineTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "type" },
    { key: "created", kind: "time" },
    { key: "arn", kind: "id" }
  ],
  fields: Object.keys(StateMachine.fields)
}

const stateMachines = Command.make(
  "state-machines",
  {},
  Effect.fn("sfn.state-machines")(function*() {
    const sfn = yield* StepFunctions
    const output = yield* Output
    yield* output.table(yield* Stream.runCollect(sfn.stateMachines()), stateMachineTable, { empty: `no state machines in ${sfn.region}` })
  })
).pipe(
  Command.withDescription(listingDescription("List the Step Functions state machines.", stateMachineTable)),
  Command.withShortDescription("List the Step Functions state machines."),
  Command.withExamples([{ command: "aegea sfn state-machines --json", description: "The state machines as JSON" }])
)

const executionTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "status", kind: "state" },
    { key: "stateMachine", header: "STATE MACHINE" },
    { key: "started", kind: "time" },
    { key: "stopped", kind: "time" },
    { key: "arn", kind: "id" }
  ],
  kinds: { stateMachineArn: "id" },
  fields: [...Object.keys(Execution.fields), "stateMachine"],
  aliases: { start_date: "started", stop_date: "stopped", state_machine: "stateMachine" }
}

const ls = Command.make(
  "ls",
  {
    stateMachine: Argument.String("state-machine").pipe(
      Argument.withDescription("Only the executions of this state machine (name or ARN); every state machine's when left out."),
      Argument.optional
    ),
    status: Flag.Literals("status", executionStatuses).pipe(
      Flag.withDescription("Only executions with this status."),
      Flag.optional
    )
  },
  Effect.fn("sfn.ls")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("sfn ls"), raw)
    const sfn = yield* StepFunctions
    const output = yield* Output
    let machines: ReadonlyArray<string>
    if (Option.isSome(input.stateMachine)) {
      const wanted = input.stateMachine.value
      if (wanted.startsWith("arn:")) machines = [wanted]
      else {
        const found = (yield* Stream.runCollect(sfn.stateMachines())).find((m) => m.name === wanted)
        if (found === undefined) return yield* stateMachineNotFound(wanted, sfn.region)
        machines = [found.arn]
      }
    } else {
      machines = (yield* Stream.runCollect(sfn.stateMachines())).map((m) => m.arn)
    }
    const status = Option.getOrUndefined(input.status)
    const rows: Array<Execution & { readonly stateMachine: string }> = []
    for (const arn of machines) {
      for (const x of yield* Stream.runCollect(sfn.executions(arn, status))) rows.push({ ...x, stateMachine: machineNameOf(x.stateMachineArn) })
    }
    rows.sort((a, b) => (b.started?.getTime() ?? 0) - (a.started?.getTime() ?? 0))
    yield* output.table(rows, executionTable, {
      empty: `no ${status !== undefined ? `${status} ` : ""}executions${Option.isSome(input.stateMachine) ? ` of ${input.stateMachine.value}` : ""} in ${sfn.region}`
    })
  })
).pipe(
  Command.withDescription(listingDescription("List Step Functions executions, newest first.", executionTable)),
  Command.withShortDescription("List Step Functions executions, newest first."),
  Command.withExamples([
    { command: "aegea sfn ls", description: "The executions of every state machine" },
    { command: "aegea sfn ls nightly-etl --status FAILED", description: "One state machine's failed executions" }
  ])
)

const describe = Command.make(
  "describe",
  { arn: executionArn },
  Effect.fn("sfn.describe")(function*(input) {
    const sfn = yield* StepFunctions
    const output = yield* Output
    yield* output.document(yield* sfn.describeExecution(input.arn))
  })
).pipe(
  Command.withDescription("Show one execution: status, dates, input, output, and the error and cause of a failure (YAML; JSON with --json)."),
  Command.withExamples([{ command: "aegea sfn describe arn:aws:states:us-east-1:123456789012:execution:etl:run-1", description: "One execution" }])
)

const watch = Command.make(
  "watch",
  { arn: executionArn },
  Effect.fn("sfn.watch")(function*(input) {
    const sfn = yield* StepFunctions
    const output = yield* Output
    const first = yield* sfn.describeExecution(input.arn)
    const label = `execution ${first.name}`
    const last = yield* watchStoppingOnInterrupt(watchExecution(input.arn), {
      stopOnInterrupt: false,
      label,
      verb: "Stop",
      done: "stopped",
      stop: Effect.asVoid(sfn.stopExecution(input.arn)),
      stopCommand: `aegea sfn stop ${input.arn}`,
      resumeCommand: `aegea sfn watch ${input.arn}`
    })
    if (last.status === "SUCCEEDED") yield* output.info(`${label} SUCCEEDED`)
    yield* executionOutcome(last)
  }, progressThroughOutput)
).pipe(
  Command.withDescription(
    "Follow an execution to its end, printing each history event as it happens (one line each on stdout; one JSON object per line with --output json); exit 0 when it SUCCEEDED, 1 when it FAILED, TIMED_OUT or was ABORTED, with the error and cause."
  ),
  Command.withExamples([{ command: "aegea sfn watch arn:aws:states:us-east-1:123456789012:execution:etl:run-1", description: "Follow one execution" }])
)

const historyTable: TableSpec = {
  columns: [
    { key: "id", kind: "number" },
    { key: "timestamp", header: "TIME", kind: "time" },
    { key: "type" },
    { key: "state" },
    { key: "error" },
    { key: "cause" }
  ],
  fields: Object.keys(HistoryEvent.fields),
  aliases: { previous_event_id: "previousEventId" }
}

const history = Command.make(
  "history",
  { arn: executionArn },
  Effect.fn("sfn.history")(function*(input) {
    const sfn = yield* StepFunctions
    const output = yield* Output
    yield* output.table(yield* Stream.runCollect(sfn.history(input.arn)), historyTable, { empty: `no events for ${input.arn}` })
  })
).pipe(
  Command.withDescription(listingDescription("List an execution's history events, oldest first.", historyTable)),
  Command.withShortDescription("List an execution's history events, oldest first."),
  Command.withExamples([{ command: "aegea sfn history arn:aws:states:us-east-1:123456789012:execution:etl:run-1 --json", description: "Every event as JSON" }])
)

const stop = Command.make(
  "stop",
  {
    arn: executionArn,
    error: Flag.String("error").pipe(Flag.withDescription("The error code to record on the execution."), Flag.optional),
    cause: Flag.String("cause").pipe(Flag.withDescription("A longer explanation to record on the execution."), Flag.optional),
    yes: Flag.Boolean("yes").pipe(
      Flag.withAlias("y"),
      Flag.withDescription("Stop without asking (required when stdin or stderr is not a terminal)."),
      Flag.withDefault(false)
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print one line of text on stderr naming the execution that would be stopped (\"dry run: would stop ...\"), and change nothing."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("sfn.stop")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("sfn stop"), raw)
    const sfn = yield* StepFunctions
    const output = yield* Output
    const execution = yield* sfn.describeExecution(input.arn)
    if (execution.status !== "RUNNING") {
      yield* output.info(`execution ${execution.name} is ${execution.status}, not running: nothing to stop`)
      return
    }
    if (input.dryRun) {
      yield* output.info(`dry run: would stop execution ${execution.name} (${execution.arn}); nothing was changed`)
      return
    }
    yield* confirmDestruction({ verb: "stop", noun: ["execution", "executions"], items: [`${execution.name} (${execution.arn})`] }, input.yes)
    const result = yield* sfn.stopExecution(execution.arn, { error: Option.getOrUndefined(input.error), cause: Option.getOrUndefined(input.cause) })
    yield* output.table([{ name: execution.name, status: "ABORTED", stopped: result.stopped, arn: execution.arn }], {
      columns: [{ key: "name", kind: "name" }, { key: "status", kind: "state" }, { key: "stopped", kind: "time" }, { key: "arn", kind: "id" }]
    })
  })
).pipe(
  Command.withDescription("Stop a running execution (it ends ABORTED); asks on a terminal, and with no terminal refuses unless --yes."),
  Command.withExamples([
    { command: "aegea sfn stop arn:aws:states:us-east-1:123456789012:execution:etl:run-1 --yes", description: "Stop without asking" },
    { command: "aegea sfn stop arn:aws:states:us-east-1:123456789012:execution:etl:run-1 --dry-run", description: "Say what would be stopped" }
  ])
)

export const sfnCommand = Command.make("sfn").pipe(
  Command.withDescription("List AWS Step Functions state machines and executions, follow an execution, read its history, stop it."),
  Command.withSubcommands([
    stateMachines.pipe(Command.provide(StepFunctionsLayer)),
    ls.pipe(Command.provide(StepFunctionsLayer)),
    describe.pipe(Command.provide(StepFunctionsLayer)),
    watch.pipe(Command.provide(StepFunctionsLayer)),
    history.pipe(Command.provide(StepFunctionsLayer)),
    stop.pipe(Command.provide(StepFunctionsLayer))
  ])
)
