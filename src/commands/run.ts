/**
 * `aegea run NAME COMMAND...`: run a shell command on an instance with SSM Run Command
 * (AWS-RunShellScript), print its output as it grows, and exit with its exit status. Ctrl-C cancels
 * the command on the instance. Output comes from GetCommandInvocation, which AWS truncates at
 * 24,000 characters of stdout and 8,000 of stderr.
 */
import { commandPoll } from "../lib/schedules.ts"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { Ec2 } from "../services/Ec2.ts"
import { OperationFailed, UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"
import { type CommandInvocation, finalCommandStatuses, Ssm } from "../services/Ssm.ts"
import { SshCommandLayer } from "./ssh.ts"
import { checkSsmTarget } from "../workflows/sshConnection.ts"

/** Prints the complete lines of a growing text once each; `flush` prints a last partial line. */
export const lineTracker = (print: (line: string) => Effect.Effect<void>) => {
  let printed = 0
  const emit = (text: string, final: boolean) =>
    Effect.gen(function*() {
      const fresh = text.slice(printed)
      const end = final ? fresh.length : fresh.lastIndexOf("\n") + 1
      if (end <= 0) return
      printed += end
      const lines = fresh.slice(0, end).replace(/\n$/, "").split("\n")
      for (const line of lines) yield* print(line)
    })
  return { update: (text: string) => emit(text, false), flush: (text: string) => emit(text, true) }
}

export const runCommand = Command.make(
  "run",
  {
    target: Argument.String("name").pipe(Argument.withDescription("The instance (Name tag, id or DNS name).")),
    command: Argument.String("command").pipe(
      Argument.withDescription("The shell command; several words are joined with spaces (put them after --)."),
      Argument.atLeast(1)
    ),
    timeout: Flag.Int("timeout").pipe(
      Flag.withDescription("Seconds the command may run on the instance before SSM stops it (default 3600, config run.timeout)."),
      Flag.optional
    )
  },
  Effect.fn("run")(function*(raw) {
    const configured = withConfigDefaults((yield* AegeaConfig).section("run"), raw)
    const input = { ...configured, timeout: Option.getOrElse(configured.timeout, () => 3600) }
    if (input.timeout < 1) return yield* new UsageError({ message: "--timeout must be at least 1 second" })
    const ssm = yield* Ssm
    const output = yield* Output
    const instance = yield* (yield* Ec2).resolveInstance(input.target)
    yield* checkSsmTarget(instance)
    const script = input.command.join(" ")
    const commandId = yield* ssm.sendCommand(instance.id, [script], { executionTimeoutSeconds: input.timeout, comment: "aegea run" })
    const stdout = lineTracker(output.text)
    const stderr = lineTracker(output.info)
    const poll = ssm.commandInvocation(commandId, instance.id).pipe(
      Effect.tap((i) => Effect.andThen(stdout.update(i.stdout), stderr.update(i.stderr)))
    )
    const final: CommandInvocation = yield* poll.pipe(
      Effect.repeat({ schedule: commandPoll, until: (i) => finalCommandStatuses.has(i.status) }),
      Effect.timeoutOrElse({
        duration: Duration.seconds(input.timeout + 300),
        orElse: () => Effect.fail(new OperationFailed({ message: `command ${commandId} on ${instance.id} did not finish in time` }))
      }),
      Effect.onInterrupt(() => ssm.cancelCommand(commandId, instance.id).pipe(Effect.ignore))
    )
    yield* stdout.flush(final.stdout)
    yield* stderr.flush(final.stderr)
    if (final.status === "Success") return
    const code = final.exitCode
    if (final.status === "Failed" && code !== undefined && code > 0) {
      return yield* new OperationFailed({ message: `the command exited with status ${code} on ${instance.id}`, exitCode: code })
    }
    return yield* new OperationFailed({ message: `the command ${final.status === "TimedOut" ? "timed out" : final.status.toLowerCase()} on ${instance.id} (command id ${commandId})` })
  })
).pipe(
  Command.withDescription(
    "Run a shell command on an instance through SSM Run Command (no SSH), print its output as it arrives, and exit with its status. Ctrl-C cancels it."
  ),
  Command.withExamples([
    { command: "aegea run box -- df -h /", description: "Show the root file system's usage on box" },
    { command: "aegea run box --timeout 60 -- 'sudo systemctl restart app'", description: "Restart a service, allowing a minute" }
  ]),
  Command.provide(SshCommandLayer)
)

