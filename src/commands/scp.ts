/**
 * `aegea scp [AEGEA FLAGS] [SCP OPTIONS] SOURCE... TARGET`: copy files to and from instances named as
 * [USER@]NAME:PATH; from the first word that is not one of aegea's flags, scp's arguments (no --
 * needed; see src/lib/sshArgv.ts).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { remotePaths, rewriteScpArgs, scpHandoffFits } from "../lib/sshArgs.ts"
import { connectionOptions } from "../lib/sshArgs.ts"
import { UsageError } from "../errors.ts"
import { handoffPipes, handoffWanted, keepAliveOf, showCommandLine, SshCommandLayer, transportFlags, transportOf } from "./ssh.ts"
import { prepareConnection, runProgram } from "../workflows/sshConnection.ts"

export const scpCommand = Command.make(
  "scp",
  {
    args: Argument.String("scp-args").pipe(
      Argument.withDescription("scp's arguments, untouched (no -- needed): options, then sources and target; [USER@]NAME:PATH names a file on an instance."),
      Argument.variadic()
    ),
    ...transportFlags
  },
  Effect.fn("scp")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("scp"), raw)
    const remotes = remotePaths(input.args)
    if (remotes.length === 0) {
      return yield* new UsageError({ message: "no remote path among the arguments", hint: "Name instance files as NAME:PATH, e.g. aegea scp box:/etc/hostname ." })
    }
    // one connection (one remote path): through the pipes this process relays, as for `aegea ssh`
    const handoff = yield* handoffPipes(handoffWanted(input) && scpHandoffFits(input.args))
    const prepared = yield* prepareConnection({
      program: "scp",
      targets: remotes.map((r) => ({ user: r.user, name: r.name })),
      ...Option.match(input.user, { onNone: () => ({}), onSome: (user) => ({ user }) }),
      transport: transportOf(input),
      privateAddress: input.privateAddress,
      instanceConnect: !input.noInstanceConnect,
      handoffCommand: handoff.command,
      ...keepAliveOf(input)
    })
    yield* handoff.serve(prepared, "scp")
    const rewritten = rewriteScpArgs(input.args, (remote) => {
      const host = prepared.hosts.get(remote.name)!
      return { user: remote.user ?? host.user, host: host.host }
    })
    const args = [...connectionOptions(prepared.connection), ...rewritten]
    yield* showCommandLine(prepared.program, args)
    yield* runProgram(prepared.program, "scp", args, prepared.env)
  }, Effect.scoped)
).pipe(
  Command.withDescription("Copy files to or from instances with OpenSSH's scp, through Session Manager and with host keys from the instances' tags."),
  Command.withExamples([
    { command: "aegea scp notes.txt box:/tmp/", description: "Copy a file to the instance named box" },
    { command: "aegea scp -r ubuntu@box:/var/log/app ./logs", description: "Copy a directory from it, as the user ubuntu" },
    { command: "aegea scp --no-ssm -P 2222 box:/etc/hostname .", description: "aegea's flags first, then scp's arguments" }
  ]),
  Command.provide(SshCommandLayer)
)
