/** The root command: global flags and the list of subcommands. No logic here. */
import { Command } from "effect/cli"
import { sshCommands } from "../src/commands/sshFamily.ts"
import { batchCommand } from "../src/commands/batch/index.ts"
import { configCommand } from "../src/commands/config.ts"
import { costCommand } from "../src/commands/cost.ts"
import { grepCommand } from "../src/commands/grep.ts"
import { logsCommand } from "../src/commands/logs.ts"
import { secretsCommand } from "../src/commands/secrets.ts"
import { globalFlags } from "../src/commands/global.ts"
import { instanceCommands } from "../src/commands/instances.ts"
import { lsCommand } from "../src/commands/ls.ts"
import { resourceCommands } from "../src/commands/resources.ts"

import packageJson from "../package.json" with { type: "json" }

export const version: string = packageJson.version

export const cli = Command.make("aegea").pipe(
  Command.withDescription(
    "aegea: an AWS operator CLI. List and control EC2 resources; run with --help after any command for its flags."
  ),
  Command.withSubcommands([lsCommand, ...resourceCommands, ...instanceCommands, batchCommand, logsCommand, grepCommand, costCommand, secretsCommand, configCommand, ...sshCommands]),
  Command.withGlobalFlags(globalFlags)
)
