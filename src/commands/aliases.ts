/**
 * The Python aegea's spellings, as commands of their own that reuse another command's definition or
 * handler (no logic of their own): `filter PATTERN GROUP` (= `logs GROUP --filter PATTERN`, exit 65
 * when nothing matched), `cost-forecast` (= `cost forecast`), and top-level `clusters`, `tasks`,
 * `taskdefs` (= `ecs clusters`, `ecs tasks`, `ecs task-definitions`). The aliases inside a family
 * (`configure ls/get/set`, `batch get-logs`, `ecs launch`) are `Command.withAlias` where those
 * commands are defined; `-c/--columns`, `-f/--filter` and `-t/--tag` are flag aliases.
 */
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { costForecastCommand } from "./cost.ts"
import { clustersCommand, taskDefinitionsCommand, tasksCommand } from "./ecs/tasks.ts"
import { LogsLayer, logsFlags, logsProgram } from "./logs.ts"

/** The exit code of `aegea filter` when no event matched (the Python aegea's, EX_DATAERR). */
export const noMatchExitCode = 65

export const filterCommand = Command.make(
  "filter",
  {
    pattern: Argument.String("pattern").pipe(
      Argument.withDescription("A CloudWatch filter pattern, e.g. ERROR, \"exact phrase\", ?ERROR ?WARN, or { $.level = \"error\" }.")
    ),
    group: Argument.String("group").pipe(
      Argument.withDescription("A log group name; several separated by commas, or a name prefix ending in * (quote it).")
    ),
    stream: logsFlags.stream,
    startTime: logsFlags.startTime,
    endTime: logsFlags.endTime,
    follow: logsFlags.follow
  },
  (input) =>
    logsProgram(
      {
        group: Option.some(input.group),
        stream: input.stream,
        startTime: input.startTime,
        endTime: input.endTime,
        follow: input.follow,
        filter: Option.some(input.pattern)
      },
      { noEventsExit: noMatchExitCode }
    )
).pipe(
  Command.withDescription(
    "Print the events of GROUP matching PATTERN: 'aegea logs GROUP --filter PATTERN' under the Python aegea's name. " +
      `Exits ${noMatchExitCode} when no event matched (without --follow).`
  ),
  Command.withShortDescription(`Same as 'aegea logs GROUP --filter PATTERN'; exit ${noMatchExitCode} when nothing matched.`),
  Command.withExamples([{ command: "aegea filter ERROR /aws/batch/job --start-time 2h", description: "Errors of the last two hours" }]),
  Command.provide(LogsLayer)
)

export const aliasCommands = [
  filterCommand,
  costForecastCommand,
  clustersCommand,
  tasksCommand,
  taskDefinitionsCommand.pipe(Command.withAlias("taskdefs"))
] as const
