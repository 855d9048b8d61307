/**
 * `aegea ssh [AEGEA FLAGS] [SSH OPTIONS] [USER@]NAME [SSH OPTIONS] [COMMAND...]`: OpenSSH to an instance
 * over SSM, with its host key known in advance. The command line is taken as OpenSSH takes it (see
 * src/lib/sshArgv.ts, applied before parsing: everything after NAME goes to ssh).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { isatty } from "node:tty"
import type { OperationFailed } from "../errors.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { Ec2InstanceConnectLive } from "../layers/Ec2InstanceConnectLive.ts"
import { Ec2LaunchOnFirstUse, Ec2QueryLive } from "../layers/Ec2QueryLive.ts"
import { SshLive } from "../layers/SshLive.ts"
import { SsmJsonLive } from "../layers/SsmJsonLive.ts"
import { SsmSessionLive } from "../layers/SsmSessionLive.ts"
import { openPipes, type PipeHandoff, pipeHandoffSupported } from "../layers/pipeHandoff.ts"
import { warmUp } from "../layers/warmConnections.ts"
import { handoffFits, parseTarget, splitSshArgs, sshCommandLine } from "../lib/sshArgs.ts"
import { loginNameOption } from "../lib/sshArgv.ts"
import { whileWaiting } from "../lib/whileWaiting.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Ec2InstanceConnect } from "../services/Ec2InstanceConnect.ts"
import { Ssh } from "../services/Ssh.ts"
import { Ssm } from "../services/Ssm.ts"
import { SsmSession } from "../services/SsmSession.ts"
import { Ec2Launch } from "../services/Ec2Launch.ts"
import { Output } from "../services/Output.ts"
import { shellQuote } from "../lib/sshArgs.ts"
import { AwsLayer, BaseLayer, Debug, preferProvided } from "./global.ts"
import { type Prepared, prepareConnection, type Ready, runProgram, serveHandoff, type Transport } from "../workflows/sshConnection.ts"

// session calls signed by hand: `aegea ssh` loads no SSM SDK client (layers/SsmJsonLive.ts)
const SsmLayer = preferProvided(Ssm, SsmJsonLive)

/**
 * Everything ssh, scp, tunnel, run and ssm-proxy use; in tests, layers already provided win. Instance
 * lookups are signed by hand too (layers/Ec2QueryLive.ts: no EC2 SDK client), and Ec2Launch (an
 * image's default user) is made only when asked.
 */
export const SshCommandLayer = Layer.mergeAll(
  preferProvided(Ec2, Ec2QueryLive),
  SsmLayer,
  preferProvided(SsmSession, SsmSessionLive.pipe(Layer.provide(SsmLayer))),
  preferProvided(Ec2InstanceConnect, Ec2InstanceConnectLive),
  preferProvided(Ssh, SshLive),
  preferProvided(Ec2Launch, Ec2LaunchOnFirstUse)
).pipe(Layer.provideMerge(AwsLayer), Layer.provideMerge(BaseLayer))

export const transportFlags = {
  user: Flag.String("user").pipe(
    Flag.withDescription(
      "Log in as this OS user (config ssh.user / scp.user) unless the target names one (USER@NAME); default: the user aegea launch provisioned, else the image's default user (ec2-user, ubuntu, admin...)."
    ),
    Flag.optional
  ),
  noSsm: Flag.Boolean("no-ssm").pipe(
    Flag.withDescription("Connect directly to the instance's public address (or private, with --private) instead of through Session Manager."),
    Flag.withDefault(false)
  ),
  ssmPlugin: Flag.Boolean("ssm-plugin").pipe(
    Flag.withDescription("Use AWS's session-manager-plugin (which must be on PATH) instead of aegea's own Session Manager client."),
    Flag.withDefault(false)
  ),
  privateAddress: Flag.Boolean("private").pipe(
    Flag.withDescription("With --no-ssm, connect to the private IP address (from inside the VPC)."),
    Flag.withDefault(false)
  ),
  noInstanceConnect: Flag.Boolean("no-ec2-instance-connect").pipe(
    Flag.withDescription("Do not push your public key with EC2 Instance Connect; rely on keys the instance already trusts."),
    Flag.withDefault(false)
  ),
  serverAliveInterval: Flag.Int("server-alive-interval").pipe(
    Flag.withDescription("Seconds between ssh's keep-alive probes (ServerAliveInterval, default 15)."),
    Flag.optional
  ),
  serverAliveCountMax: Flag.Int("server-alive-count-max").pipe(
    Flag.withDescription("Unanswered keep-alive probes before ssh gives up (ServerAliveCountMax, default 20)."),
    Flag.optional
  )
}

/** The keep-alive settings of the transport flags, for prepareConnection. */
export const keepAliveOf = (input: {
  readonly serverAliveInterval: Option.Option<number>
  readonly serverAliveCountMax: Option.Option<number>
}) => ({
  serverAliveInterval: Option.getOrUndefined(input.serverAliveInterval),
  serverAliveCountMax: Option.getOrUndefined(input.serverAliveCountMax)
})

/** With --debug, the program's command line on stderr before it runs. */
export const showCommandLine = (program: string, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (yield* Debug) yield* (yield* Output).info(`aegea: running ${[program, ...args].map(shellQuote).join(" ")}`)
  })

export const transportOf = (input: { readonly noSsm: boolean; readonly ssmPlugin: boolean }): Transport =>
  input.noSsm ? "direct" : input.ssmPlugin ? "ssm-plugin" : "ssm"

/**
 * Whether the session may go to OpenSSH through named pipes this process relays (layers/pipeHandoff.ts:
 * no second aegea to start): through aegea's own client, where that is tested, unless
 * AEGEA_SSH_HANDOFF=proxy-command. (The caller also checks the program's own arguments.) Otherwise,
 * and when the pipes cannot be made, `aegea ssm-proxy` is the ProxyCommand.
 */
export const handoffWanted = (input: { readonly noSsm: boolean; readonly ssmPlugin: boolean }): boolean =>
  transportOf(input) === "ssm" && process.env.AEGEA_SSH_HANDOFF !== "proxy-command" && pipeHandoffSupported()

/**
 * Where a session's WebSocket will most likely go, for `warmUp`: Session Manager's message endpoint of
 * the SSM endpoint's region (ssm.REGION.amazonaws.com -> ssmmessages.REGION.amazonaws.com); for any
 * other endpoint (a local emulator), the same one. A wrong guess only leaves a connection unused.
 */
export const sessionMessagesUrl = (ssmUrl: string): string => {
  try {
    const url = new URL(ssmUrl)
    url.hostname = url.hostname.replace(/^ssm\.([a-z0-9-]+\.amazonaws\.com(\.cn)?)$/, "ssmmessages.$1")
    return url.href
  } catch {
    return ssmUrl
  }
}

/**
 * The connections a session's StartSession and WebSocket will use, opened while the first AWS call
 * waits for its answer (layers/warmConnections.ts): on AWS, a TCP and a TLS handshake less before each.
 * For a command that starts its session right after that call (looking up the instance).
 */
export const warmSessionConnections = Effect.gen(function*() {
  const { ssmUrl } = (yield* Ssm).endpoint
  whileWaiting(() => {
    void warmUp(ssmUrl)
    void warmUp(sessionMessagesUrl(ssmUrl))
  })
})

/**
 * The pipes of a handoff, in the caller's scope. They are made, the WebSocket client and the
 * child-process spawner loaded and the session's connections opened (`warmSessionConnections`) while
 * the first AWS call waits for its answer (lib/whileWaiting.ts): done before the call went out, they
 * would delay it (making the pipes starts a process). Made when first asked for otherwise (no such
 * call: the SDK's). `command`: for prepareConnection's `handoffCommand` (undefined when not wanted);
 * `serve`: once prepared, relays the session it started for them.
 */
export const handoffPipes = (wanted: boolean) =>
  Effect.gen(function*() {
    const open = Deferred.makeUnsafe<void>()
    const opening = wanted ? yield* Effect.forkScoped(Effect.andThen(Deferred.await(open), Effect.option(openPipes()))) : undefined
    let pipes = Option.none<PipeHandoff>()
    const command = opening === undefined ? undefined : Effect.gen(function*() {
      Deferred.doneUnsafe(open, Exit.void)
      pipes = yield* Fiber.join(opening)
      return Option.isSome(pipes) ? pipes.value.proxyCommand : undefined
    })
    if (wanted) {
      yield* warmSessionConnections
      whileWaiting(() => {
        Deferred.doneUnsafe(open, Exit.void)
        import("ws").catch(() => undefined)
        import("@effect/platform-node/NodeChildProcessSpawner").catch(() => undefined)
      })
    }
    const serve = (prepared: Prepared, name: string) =>
      Effect.gen(function*() {
        if (prepared.handoff === undefined || Option.isNone(pipes)) return
        const output = yield* Output
        const served = pipes.value
        // a session that cannot be served closes the pipes, so the program fails at once with its own message
        yield* serveHandoff(prepared.handoff, served, (e) => Effect.andThen(served.close, output.info(`aegea ${name}: ${e.message}`)))
      })
    return { command, serve }
  })

export const sshCommand = Command.make(
  "ssh",
  {
    target: Argument.String("user@name").pipe(Argument.withDescription("The instance (Name tag, id or DNS name), optionally preceded by the OS user and @.")),
    sshArgs: Argument.String("ssh-args").pipe(
      Argument.withDescription(
        "Everything after the instance goes to ssh untouched: options (-L 8080:localhost:80 -N, -v, ...), then the remote command; no -- needed. ssh's own options may also come before the instance, aegea's flags must."
      ),
      Argument.variadic()
    ),
    ...transportFlags
  },
  Effect.fn("ssh")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("ssh"), raw)
    const target = parseTarget(input.target)
    // ssh's -l names the user as USER@ does (ssh itself lets -l win, so the key is pushed for that user)
    const loginName = loginNameOption(splitSshArgs(input.sshArgs).options)
    const user = target.user ?? loginName ?? Option.getOrUndefined(input.user)
    const handoff = yield* handoffPipes(handoffWanted(input) && handoffFits(input.sshArgs))
    const commandLine = (ready: Ready) => {
      const host = ready.hosts.get(target.name)!
      return sshCommandLine(ready.connection, { user: host.user, host: host.host }, input.sshArgs)
    }
    // On the pipes, ssh starts as soon as its command line is known, while the key push and
    // StartSession run: its ProxyCommand starts, and it waits there for the session's banner. Anything that fails
    // after that ends it (interrupted with this scope: SIGTERM, before it has printed anything).
    let started: Fiber.Fiber<void, OperationFailed> | undefined
    const prepared = yield* prepareConnection({
      program: "ssh",
      targets: [target],
      ...(user !== undefined ? { user } : {}),
      transport: transportOf(input),
      privateAddress: input.privateAddress,
      instanceConnect: !input.noInstanceConnect,
      handoffCommand: handoff.command,
      // (not when ssh would start by saying it allocates no terminal: no command, stdin not one)
      ...(handoff.command !== undefined && (splitSshArgs(input.sshArgs).command.length > 0 || isatty(0))
        ? {
          onReady: (ready: Ready) =>
            Effect.gen(function*() {
              const args = commandLine(ready)
              yield* showCommandLine(ready.program, args)
              started = yield* Effect.forkScoped(runProgram(ready.program, "ssh", args, {}))
            })
        }
        : {}),
      ...keepAliveOf(input)
    })
    yield* handoff.serve(prepared, "ssh")
    if (started !== undefined) return yield* Fiber.join(started)
    const args = commandLine(prepared)
    yield* showCommandLine(prepared.program, args)
    yield* runProgram(prepared.program, "ssh", args, prepared.env)
  }, Effect.scoped)
).pipe(
  Command.withDescription(
    "Open a shell on an instance, or run a command there, with OpenSSH through Session Manager: no inbound port, and the host key comes from the instance's tags (no trust-on-first-use prompt). The exit status is the remote command's."
  ),
  Command.withExamples([
    { command: "aegea ssh box", description: "A shell on the instance named box" },
    { command: "aegea ssh ubuntu@box uname -a", description: "Run a command as the user ubuntu" },
    { command: "aegea ssh box -L 8888:localhost:8888 -N", description: "Pass options to ssh (here a port forward): everything after the instance goes to ssh" },
    { command: "aegea ssh -v box", description: "ssh's own options may come before the instance too" },
    { command: "aegea ssh --no-ssm --no-ec2-instance-connect box", description: "Connect to the public address with your own keys (aegea's flags before the instance)" }
  ]),
  Command.provide(SshCommandLayer)
)
