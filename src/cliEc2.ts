/**
 * The CLI with only the EC2 family (ls, the resource listings, start/stop/reboot/terminate, console),
 * which the launcher runs for those commands: same root, same flags, same output, and `ls` loads
 * 16% less code. src/lib/commandFamily.ts lists the same names; test/unit/commandFamily.test.ts keeps them equal.
 */
import * as Command from "effect/cli/Command"
import { instanceCommands } from "./commands/instances.ts"
import { lsCommand } from "./commands/ls.ts"
import { resourceCommands } from "./commands/resources.ts"
import { globalFlags, rootCommand, withCommandSection } from "./root.ts"

export { version } from "./root.ts"

export const ec2Commands = [lsCommand, ...resourceCommands, ...instanceCommands] as const

export const cli = rootCommand.pipe(Command.withSubcommands(ec2Commands), Command.withGlobalFlags(globalFlags), withCommandSection)
