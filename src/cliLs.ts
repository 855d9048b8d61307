/**
 * The CLI with only `ls` (and the global flags), which the launcher runs for `aegea ... ls ...`
 * (src/lib/commandFamily.ts, cliRoot): the EC2 family's root (src/cliEc2.ts) without the other
 * fourteen commands, whose effect/cli trees `ls` would build at start-up for nothing. The same root,
 * flags and parse of `ls`: test/cli/startupLs.test.ts compares it with the EC2 root's.
 */
import * as Command from "effect/cli/Command"
import { lsCommand } from "./commands/ls.ts"
import { globalFlags, rootCommand, withCommandSection } from "./root.ts"

export { version } from "./root.ts"

export const lsCommands = [lsCommand] as const

export const cli = rootCommand.pipe(Command.withSubcommands(lsCommands), Command.withGlobalFlags(globalFlags), withCommandSection)
