/**
 * `aegea session NAME`: an interactive shell on an instance through Session Manager's standard shell
 * (StartSession without a document), spoken natively: no session-manager-plugin, no OpenSSH. The
 * terminal is in raw mode for the life of the session (Ctrl-C goes to the remote side as a byte) and
 * restored on every exit path: the shell's exit, a dropped connection, an error, SIGTERM.
 */
import * as Effect from "effect/Effect"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Option from "effect/Option"
import { OperationFailed, UsageError } from "../errors.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Ec2, type Instance } from "../services/Ec2.ts"
import { Ssm } from "../services/Ssm.ts"
import { Output } from "../services/Output.ts"
import type { DataChannel } from "../services/SsmSession.ts"
import { SsmSession } from "../services/SsmSession.ts"
import { relay } from "../workflows/relay.ts"
import { SshCommandLayer, warmSessionConnections } from "./ssh.ts"

interface TerminalIo {
  readonly input: NodeJS.ReadStream
  readonly output: NodeJS.WriteStream
}

/**
 * The local terminal wired to a shell channel: raw mode (when stdin is a terminal), the terminal's
 * size at the start and on every SIGWINCH, keystrokes to the remote side, its output to stdout, until
 * the remote side closes the channel. Raw mode and the SIGWINCH handler are scoped resources.
 */
export const interactive = (channel: DataChannel, io: TerminalIo = { input: process.stdin, output: process.stdout }) =>
  Effect.scoped(Effect.gen(function*() {
    const { input, output } = io
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const raw = input.isTTY === true && typeof input.setRawMode === "function"
        if (raw) input.setRawMode(true)
        return raw
      }),
      (raw) =>
        Effect.sync(() => {
          if (raw) input.setRawMode(false)
          input.pause()
        })
    )
    const size = () => channel.sendSize(output.columns ?? 80, output.rows ?? 24)
    yield* size()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const onResize = () => Effect.runSync(size())
        process.on("SIGWINCH", onResize)
        return onResize
      }),
      (onResize) => Effect.sync(() => void process.off("SIGWINCH", onResize))
    )
    yield* relay(channel, { input, output, onInputEnd: "keep-reading" })
  }))

const label = (i: Instance) => (i.name !== undefined ? `${i.id} (${i.name})` : i.id)

/** Before StartSession: the instance is running and its SSM agent online (hints name no ssh flags). */
export const checkShellTarget = (instance: Instance) =>
  Effect.gen(function*() {
    if (instance.state !== "running") {
      return yield* new OperationFailed({
        message: `instance ${label(instance)} is ${instance.state}, not running`,
        ...(instance.state === "stopped" ? { hint: `Start it with 'aegea start ${instance.name ?? instance.id}'` } : {})
      })
    }
    const agent = yield* (yield* Ssm).agentInfo(instance.id)
    if (Option.isNone(agent)) {
      return yield* new OperationFailed({
        message: `instance ${label(instance)} has no SSM agent registered with Systems Manager`,
        hint: "Give it an instance profile with AmazonSSMManagedInstanceCore (aegea launch does) and wait for its agent"
      })
    }
    if (agent.value.pingStatus !== "Online") {
      return yield* new OperationFailed({
        message: `the SSM agent of ${label(instance)} is ${agent.value.pingStatus}, not Online`,
        hint: "Wait a minute for the agent to reconnect"
      })
    }
  })

/** `--parameters K=V` (repeatable; a key given twice gets both values) as StartSession's Parameters. */
export const parseSessionParameters = (pairs: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const parameters: Record<string, Array<string>> = {}
    for (const pair of pairs) {
      const at = pair.indexOf("=")
      if (at <= 0) {
        return yield* new UsageError({ message: `invalid --parameters ${pair}`, hint: "Write it as KEY=VALUE, e.g. --parameters command='top -b'" })
      }
      ;(parameters[pair.slice(0, at)] ??= []).push(pair.slice(at + 1))
    }
    return parameters
  })

export const sessionCommand = Command.make(
  "session",
  {
    target: Argument.String("name").pipe(Argument.withDescription("The instance (Name tag, id or DNS name).")),
    document: Flag.String("document").pipe(
      Flag.withDescription("A Session Manager document to start instead of the standard shell, e.g. AWS-StartInteractiveCommand."),
      Flag.optional
    ),
    parameters: Flag.String("parameters").pipe(
      Flag.withDescription("A parameter of the document as KEY=VALUE, e.g. command=top; repeat for several."),
      Flag.atLeast(0)
    )
  },
  Effect.fn("session")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("session"), raw)
    const parameters = yield* parseSessionParameters(input.parameters)
    const document = input.document._tag === "Some" ? input.document.value : undefined
    if (document === undefined && Object.keys(parameters).length > 0) {
      return yield* new UsageError({ message: "--parameters needs --document", hint: "Name the document, e.g. --document AWS-StartInteractiveCommand --parameters command=top" })
    }
    const output = yield* Output
    yield* warmSessionConnections
    const instance = yield* (yield* Ec2).resolveInstance(input.target)
    yield* checkShellTarget(instance)
    const channel = yield* (yield* SsmSession).open(instance.id, {
      kind: "shell",
      ...(document !== undefined ? { document } : {}),
      parameters
    })
    yield* output.info(`session ${channel.sessionId} on ${instance.id}${instance.name ? ` (${instance.name})` : ""}; exit the shell to end it`)
    yield* interactive(channel)
    yield* output.info(`session ${channel.sessionId} ended`)
  }, Effect.scoped)
).pipe(
  Command.withDescription(
    "Open an interactive shell on an instance through Session Manager (its standard shell, or --document). Needs no session-manager-plugin and no OpenSSH; Ctrl-C goes to the remote shell."
  ),
  Command.withExamples([
    { command: "aegea session box", description: "A shell on the instance named box" },
    { command: "aegea session box --document AWS-StartInteractiveCommand --parameters command=top", description: "Run top interactively" }
  ]),
  Command.provide(SshCommandLayer)
)
