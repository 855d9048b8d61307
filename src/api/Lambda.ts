/** AWS Lambda: functions, their code and configuration, and event source mappings. */
export { LambdaLive as layer } from "../layers/LambdaLive.ts"
export {
  type CodeSource,
  type ConfigUpdate,
  EventSourceMapping,
  type FunctionConfiguration,
  functionNotFound,
  Lambda,
  type LambdaError,
  LambdaFunction
} from "../services/Lambda.ts"
