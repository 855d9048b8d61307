/** `aegea batch`: run and follow containers on AWS Batch, and manage its queues and compute environments. */
import * as Command from "effect/cli/Command"
import {
  computeEnvironmentsCommand,
  createComputeEnvironmentCommand,
  createQueueCommand,
  deleteComputeEnvironmentCommand,
  deleteQueueCommand,
  jobDefinitionsCommand,
  queuesCommand,
  updateComputeEnvironmentCommand
} from "./infra.ts"
import { cancelCommand, describeCommand, logsCommand, lsCommand, terminateCommand, watchCommand } from "./jobs.ts"
import { submitCommand } from "./submit.ts"
import { sshCommand } from "./ssh.ts"

export const batchCommand = Command.make("batch").pipe(
  Command.withDescription("Run shell lines in containers on AWS Batch and follow them to their exit code; manage queues and compute environments."),
  Command.withExamples([
    { command: "aegea batch submit --command \"echo hello\" --watch", description: "Run a line on Fargate and follow it" },
    { command: "aegea batch ls --status RUNNING", description: "Running jobs" }
  ]),
  Command.withSubcommands([
    submitCommand,
    watchCommand,
    lsCommand,
    describeCommand,
    logsCommand,
    terminateCommand,
    cancelCommand,
    sshCommand,
    queuesCommand,
    computeEnvironmentsCommand,
    jobDefinitionsCommand,
    createComputeEnvironmentCommand,
    updateComputeEnvironmentCommand,
    deleteComputeEnvironmentCommand,
    createQueueCommand,
    deleteQueueCommand
  ])
)
