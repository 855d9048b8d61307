/**
 * Process entry: argv -> root command -> exit code. The only place that prints an error: one line
 * on stderr (what went wrong and what to do), the cause chain only with --debug. The launcher
 * (src/main.ts) passes the root to run: the whole CLI, or the EC2 family's (src/cliEc2.ts).
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as CliConfig from "effect/cli/CliConfig"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import type { cli as ec2Cli } from "./cliEc2.ts"
import type { cli as wholeCli } from "./cli.ts"
import { joinRelativeTimeValues } from "./lib/argv.ts"
import { describeFailure } from "./report.ts"
import { version } from "./root.ts"

/** Help and version go to stdout; parse errors are reported below, as one line. */
const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation" ? Effect.void : CliOutput.defaultPresenter.present(event)
})
/**
 * Effect log lines (a lost answer that aegea reconciled, for one) go to stderr as one line each:
 * warnings and errors always, the rest only with --debug. Library users keep their own logger.
 */
const stderrLogger = (debug: boolean) =>
  Logger.layer([
    Logger.make(({ logLevel, message }) => {
      if (!debug && logLevel !== "Warn" && logLevel !== "Error" && logLevel !== "Fatal") return
      const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
      process.stderr.write(`aegea: ${logLevel === "Warn" ? "warning" : logLevel.toLowerCase()}: ${text}\n`)
    })
  ])

const builtIns = CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version, GlobalFlag.Completions] })

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

export const run = (cli: typeof wholeCli | typeof ec2Cli): void => {
  const argv = joinRelativeTimeValues(process.argv.slice(2))
  const program = Command.runWith(cli as typeof wholeCli, { version })(argv).pipe(
    Effect.provide(Layer.mergeAll(NodeServices.layer, presenter, builtIns, stderrLogger(argv.includes("--debug")))),
    Effect.exit,
    Effect.flatMap((exit) =>
      Effect.sync(() => {
        if (Exit.isSuccess(exit)) return 0
        const report = describeFailure(exit.cause, { debug: argv.includes("--debug"), isHelp: CliError.isCliError })
        if (report.message !== undefined) process.stderr.write(report.message + "\n")
        return report.code
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
