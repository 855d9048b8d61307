/** The root command: global flags and the list of subcommands. No logic here. */
import { Command } from "effect/cli"
import { batchCommand } from "./commands/batch/index.ts"
import { configCommand } from "./commands/config.ts"
import { ecsCommand } from "./commands/ecs.ts"
import { costCommand } from "./commands/cost.ts"
import { grepCommand } from "./commands/grep.ts"
import { logsCommand } from "./commands/logs.ts"
import { secretsCommand } from "./commands/secrets.ts"
import { globalFlags } from "./commands/global.ts"
import { instanceCommands } from "./commands/instances.ts"
import { launchCommand } from "./commands/launch.ts"
import { lsCommand } from "./commands/ls.ts"
import { resourceCommands } from "./commands/resources.ts"
import { sshCommands } from "./commands/sshFamily.ts"

import packageJson from "../package.json" with { type: "json" }

export const version: string = packageJson.version

export const cli = Command.make("aegea").pipe(
  Command.withDescription(
    "aegea: an AWS operator CLI. List and control EC2 resources, launch instances and reach them over Systems Manager, run containers on Batch and ECS, read CloudWatch Logs, report costs, and keep secrets. Run any command with --help for its flags."
  ),
  Command.withSubcommands([lsCommand, ...resourceCommands, ...instanceCommands, launchCommand, ...sshCommands, batchCommand, ecsCommand, logsCommand, grepCommand, costCommand, secretsCommand, configCommand]),
  Command.withGlobalFlags(globalFlags)
)
