/** AWS Step Functions: state machines, executions and their history, and following an execution to its end (`watchExecution`). */
export { StepFunctionsLive as layer } from "../layers/StepFunctionsLive.ts"
export {
  Execution,
  ExecutionDescription,
  executionNotFound,
  type ExecutionStatus,
  executionStatuses,
  finalStatuses,
  HistoryEvent,
  StateMachine,
  stateMachineNotFound,
  StepFunctions,
  type StepFunctionsError,
  type StopOptions
} from "../services/StepFunctions.ts"
export { executionOutcome, watchExecution } from "../workflows/watchExecution.ts"
