/**
 * The root command: description and version; global flags are added with the subcommands. src/cli.ts
 * gives it every command; src/cliEc2.ts only the EC2 family, which the launcher loads for those
 * commands (src/lib/commandFamily.ts) so that `aegea ls` does not load the code of batch, ecs, logs...
 */
import * as Layer from "effect/Layer"
import * as Command from "effect/cli/Command"
import { CommandSection, globalFlags, selectedPath } from "./commands/global.ts"
import { version } from "./lib/version.ts"

export { version }

/** The root without subcommands; src/cli.ts and src/cliEc2.ts add theirs, then `globalFlags`. */
export const rootCommand = Command.make("aegea").pipe(
  Command.withDescription(
    "aegea: an AWS operator CLI. List and control EC2 resources, launch instances and reach them over Systems Manager, run containers on Batch and ECS, read CloudWatch Logs, report costs, and keep secrets. Run any command with --help for its flags, and aegea help TOPIC for environment, exit-codes, config, time and columns."
  )
)

export { globalFlags }

/**
 * The finished root (subcommands and global flags added): every command runs knowing its config section
 * ("batch submit" -> batch_submit), so that section's columns, sort_by and output apply.
 */
export const withCommandSection = <Name extends string, Input, ContextInput, E, R>(
  root: Command.Command<Name, Input, ContextInput, E, R>
) =>
  Command.provide(root, (input: Input) => {
    const path = selectedPath(input)
    return Layer.succeed(CommandSection, path.length === 0 ? undefined : path.join("_").replace(/-/g, "_"))
  })
