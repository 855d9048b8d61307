/** The whole CLI: the root command (src/root.ts) with every command family. No logic here. */
import * as Command from "effect/cli/Command"
import { ec2Commands } from "./cliEc2.ts"
import { batchCommand } from "./commands/batch/index.ts"
import { completeCommand } from "./commands/complete.ts"
import { configCommand } from "./commands/config.ts"
import { costCommand } from "./commands/cost.ts"
import { ecsCommand } from "./commands/ecs.ts"
import { grepCommand } from "./commands/grep.ts"
import { helpCommand } from "./commands/help.ts"
import { launchCommand } from "./commands/launch.ts"
import { logsCommand } from "./commands/logs.ts"
import { secretsCommand } from "./commands/secrets.ts"
import { sshCommands } from "./commands/sshFamily.ts"
import { globalFlags, rootCommand, withCommandSection } from "./root.ts"

export { version } from "./root.ts"

export const cli = rootCommand.pipe(
  Command.withSubcommands([
    ...ec2Commands,
    launchCommand,
    ...sshCommands,
    batchCommand,
    ecsCommand,
    logsCommand,
    grepCommand,
    costCommand,
    secretsCommand,
    configCommand,
    helpCommand,
    completeCommand((): unknown => cli)
  ]),
  Command.withGlobalFlags(globalFlags),
  withCommandSection
)
