/** `aegea ecs`: one-shot Fargate tasks (run, watch, logs, stop) and listings of clusters, tasks and task definitions. */
import * as Command from "effect/cli/Command"
import { execCommand } from "./ecs/exec.ts"
import { runCommand } from "./ecs/run.ts"
import { clustersCommand, logsCommand, stopCommand, taskDefinitionsCommand, tasksCommand, watchCommand } from "./ecs/tasks.ts"

export const ecsCommand = Command.make("ecs").pipe(
  Command.withDescription("Run shell lines as one-shot Fargate tasks on ECS and follow them to their exit code; list clusters, tasks and task definitions."),
  Command.withExamples([
    { command: "aegea ecs run --command \"echo hello\" --watch", description: "Run a line on Fargate and follow it" },
    { command: "aegea ecs tasks --status RUNNING", description: "Running tasks of every cluster" }
  ]),
  Command.withSubcommands([runCommand, watchCommand, logsCommand, stopCommand, tasksCommand, clustersCommand, taskDefinitionsCommand, execCommand])
)
