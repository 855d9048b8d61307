/**
 * The CLI with only the ssh family (ssh, scp, tunnel, run, ssm-proxy), which the launcher runs for
 * those commands: same root, same flags, same output as the whole CLI, without loading the code of
 * every other command (`aegea ssh` reaches OpenSSH sooner). src/lib/commandFamily.ts lists the same
 * names; test/unit/commandFamily.test.ts keeps them equal.
 */
import * as Command from "effect/cli/Command"
import { sshCommands } from "./commands/sshFamily.ts"
import { globalFlags, rootCommand, withCommandSection } from "./root.ts"

export { version } from "./root.ts"

export { sshCommands }

export const cli = rootCommand.pipe(Command.withSubcommands(sshCommands), Command.withGlobalFlags(globalFlags), withCommandSection)
