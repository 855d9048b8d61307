/**
 * Process entry: argv -> root command -> exit code. The only place that prints an error: one line
 * on stderr (what went wrong and what to do), the cause chain only with --debug. The launcher
 * (src/main.ts) passes the root to run: the whole CLI, the EC2 family's (src/cliEc2.ts) or that of
 * `logs` (src/cliLogs.ts).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as CliConfig from "effect/cli/CliConfig"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import type { HelpDoc } from "effect/cli/HelpDoc"
import type { cli as ec2Cli } from "./cliEc2.ts"
import type { cli as logsCli } from "./cliLogs.ts"
import type { cli as wholeCli } from "./cli.ts"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { cliEnvironment } from "./cliEnvironment.ts"
import { joinRelativeTimeValues } from "./lib/argv.ts"
import { commandPaths } from "./lib/commandFlags.ts"
import { openSshArgv } from "./lib/sshArgv.ts"
import { helpColors, helpFormatter, helpWidth, toPlainHelpDoc } from "./lib/helpFormat.ts"
import { type CommandTree, describeFailure } from "./report.ts"
import { redactSecrets } from "./lib/redact.ts"
import { version } from "./root.ts"

/**
 * Help and version go to stdout; parse errors are reported below, as one line, with the usage of the
 * command they are about (kept from the help document effect/cli hands over with them).
 */
let invalidInvocation: HelpDoc | undefined
const presenter = CliOutput.layerPresenter({
  present: (event) => {
    if (event._tag !== "InvalidInvocation") return CliOutput.defaultPresenter.present(event)
    invalidInvocation = event.helpDoc
    return Effect.void
  }
})

/**
 * aegea's help layout (src/lib/helpFormat.ts), at the terminal's width or 80 on a pipe. The build
 * (scripts/build.mjs) asks for the root's help document as JSON (AEGEA_HELP_DOC=json), which the
 * launcher renders at a terminal's width without loading the CLI.
 */
const helpStyle = {
  width: helpWidth(process.stdout),
  colors: helpColors(process.env, process.stdout.isTTY === true) && !process.argv.includes("--no-color")
}
const baseFormatter = helpFormatter(helpStyle)
const formatter = CliOutput.layer(
  process.env.AEGEA_HELP_DOC === "json"
    ? { ...baseFormatter, formatHelpDoc: (doc: HelpDoc) => JSON.stringify(toPlainHelpDoc(doc)) }
    : baseFormatter
)
/**
 * Effect log lines (a lost answer that aegea reconciled, for one) go to stderr as one line each:
 * warnings and errors always, the rest only with --debug. Library users keep their own logger.
 */
const stderrLogger = (debug: boolean) =>
  Logger.layer([
    Logger.make(({ logLevel, message }) => {
      if (!debug && logLevel !== "Warn" && logLevel !== "Error" && logLevel !== "Fatal") return
      const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
      process.stderr.write(redactSecrets(`aegea: ${logLevel === "Warn" ? "warning" : logLevel.toLowerCase()}: ${text}\n`))
    })
  ])

/**
 * `--completions bash|zsh|fish`: a small script that asks `aegea __complete` on every Tab (subcommands,
 * flags, choices and values from AWS; src/lib/completion.ts). PowerShell keeps effect/cli's static script.
 */
const completions = GlobalFlag.Action({
  flag: GlobalFlag.Completions.flag,
  run: (shell, context) =>
    Option.isNone(shell)
      ? Effect.void
      : shell.value === "powershell"
      ? GlobalFlag.Completions.run(shell, context)
      : Effect.promise(() => import("./lib/completion.ts")).pipe(
        Effect.map((m) => void process.stdout.write(m.completionScript(shell.value as "bash" | "zsh" | "fish", context.command.name)))
      )
})

const builtIns = CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version, completions] })

/**
 * The command is done and its scopes are closed (clients, tunnels, child processes, temporary files):
 * exit now if stdout and stderr hold nothing unwritten (Node writes to files and terminals, and on
 * Linux to pipes, synchronously), else let them drain first. Waiting for the event loop to empty
 * would only let V8 finish the garbage collection it started while the command ran (`aegea ls` of 300
 * instances: ~20 ms of CPU).
 */
const exitOnceWritten = (code: number): void => {
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code)
}

/**
 * The build's help of every command (AEGEA_HELP_DOCS=DIR, scripts/build.mjs): one document per command
 * path, DIR/ls.json, DIR/batch.submit.json..., which the launcher lays out for `aegea COMMAND --help`
 * without loading the CLI. The same run of effect/cli as a user's `--help`, its document kept.
 */
const writeHelpDocs = (cli: typeof wholeCli, dir: string) =>
  Effect.forEach(commandPaths(cli), (path) => {
    let captured: unknown
    const capture = CliOutput.layer({
      ...baseFormatter,
      formatHelpDoc: (doc: HelpDoc) => {
        captured = toPlainHelpDoc(doc)
        return ""
      }
    })
    return Command.runWith(cli, { version })([...path, "--help"]).pipe(
      Effect.provide(Layer.mergeAll(cliEnvironment, presenter, capture, builtIns)),
      Effect.exit,
      Effect.andThen(Effect.sync(() => {
        if (captured !== undefined) writeFileSync(join(dir, `${path.join(".")}.json`), JSON.stringify(captured))
      }))
    )
  }, { discard: true })

export const run = (cli: typeof wholeCli | typeof ec2Cli | typeof logsCli): void => {
  const helpDocs = process.env.AEGEA_HELP_DOCS
  if (helpDocs !== undefined && helpDocs !== "") {
    NodeRuntime.runMain(writeHelpDocs(cli as typeof wholeCli, helpDocs), { disableErrorReporting: false })
    return
  }
  // `aegea ssh box -v uname -a`: OpenSSH's words after the target are put behind `--` first (src/lib/sshArgv.ts)
  const argv = joinRelativeTimeValues(openSshArgv(process.argv.slice(2)))
  const program = Command.runWith(cli as typeof wholeCli, { version })(argv).pipe(
    Effect.provide(Layer.mergeAll(cliEnvironment, presenter, formatter, builtIns, stderrLogger(argv.includes("--debug")))),
    Effect.exit,
    Effect.flatMap((exit) =>
      Effect.sync(() => {
        // `aegea` alone prints the help and exits 2 (a usage error), as the Python aegea did.
        const noArguments = argv.length === 0
        if (Exit.isSuccess(exit)) return noArguments ? 2 : 0
        const report = describeFailure(exit.cause, {
          debug: argv.includes("--debug"),
          isHelp: CliError.isCliError,
          command: cli as unknown as CommandTree,
          ...(invalidInvocation !== undefined ? { helpDoc: invalidInvocation } : {})
        })
        if (report.message !== undefined) process.stderr.write(report.message + "\n")
        return noArguments && report.code === 0 ? 2 : report.code
      })
    )
  )

  NodeRuntime.runMain(
    program.pipe(
      Effect.flatMap((code) =>
        Effect.sync(() => {
          process.exitCode = code
          exitOnceWritten(code)
        })
      ),
      // Ctrl-C: inner scopes (tunnels, child processes, running queries) are released first; then one line.
      Effect.onInterrupt(() => Effect.sync(() => process.stderr.write("aegea: interrupted\n")))
    ),
    { disableErrorReporting: true }
  )
}
