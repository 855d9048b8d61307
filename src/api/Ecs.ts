/**
 * Amazon ECS: clusters, task definitions and tasks (the `Ecs` service and its live layer), the request
 * builders, running a task (`runEcsTask`) and task watches as Streams (`watchTaskEvents`).
 */
export { EcsLive as layer } from "../layers/EcsLive.ts"
export {
  Cluster,
  type ContainerInstance,
  defaultClusterName,
  defaultTaskLogGroup,
  type DesiredStatus,
  Ecs,
  type ExecSession,
  type ExecuteCommandRequest,
  logLocationOf,
  Task,
  TaskContainer,
  TaskDefinitionRef,
  taskExitCode,
  taskIdOf,
  type TaskLogLocation,
  taskLogStream,
  taskStatuses
} from "../services/Ecs.ts"
export {
  containerName,
  defaultTaskName,
  logStreamPrefix,
  type RegisterTaskDefinitionRequest,
  registerTaskDefinitionRequest,
  type RunTaskRequest,
  runTaskRequest,
  type TaskRun,
  type TaskShape
} from "../services/ecsRequests.ts"
export { defaultSecurityGroupName, resolveCluster, roleArnOf, runEcsTask, type RunError, type RunInput } from "../workflows/ecsRun.ts"
export { taskOutcome, type TaskSnapshot, watchTaskEvents, type WatchTaskOptions } from "../workflows/watchTask.ts"
