/**
 * The CLI with only `logs` (and `logs export`), which the launcher runs for `aegea logs ...`: same
 * root, same flags, same output as the whole CLI, without loading the code of every other command
 * (`aegea logs GROUP`: about 0.1 s less CPU). src/lib/commandFamily.ts lists the same names;
 * test/unit/commandFamily.test.ts keeps them equal, test/cli/startup.test.ts the output.
 */
import * as Command from "effect/cli/Command"
import { logsCommand } from "./commands/logs.ts"
import { globalFlags, rootCommand, withCommandSection } from "./root.ts"

export { version } from "./root.ts"

export const logsCommands = [logsCommand] as const

export const cli = rootCommand.pipe(Command.withSubcommands(logsCommands), Command.withGlobalFlags(globalFlags), withCommandSection)
