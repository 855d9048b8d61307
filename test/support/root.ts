/** A command under an `aegea` root with the global flags, as src/cli.ts mounts it: run with ["name", ...args]. */
import { Command } from "effect/cli"
import { globalFlags } from "../../src/commands/global.ts"

export const rootOf = <Name extends string, Input, ContextInput, E, R>(command: Command.Command<Name, Input, ContextInput, E, R>) =>
  Command.make("aegea").pipe(Command.withSubcommands([command]), Command.withGlobalFlags(globalFlags))
