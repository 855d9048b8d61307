/**
 * What `aegea ssh` and `aegea scp` do before OpenSSH runs, in the order that reports each failure as
 * itself: the program is installed, every name resolves to one running instance, its SSM agent is
 * online (or it has an address), then the OS user, the host key file, and the EC2 Instance Connect
 * key push with StartSession (at once; a failed push reported first), which proves the caller may
 * open a session before ssh starts. For one instance through SSM the agent is looked up only when
 * StartSession refuses it (TargetNotConnected), or when a check before it fails, so the errors and
 * their order stay those of the agent check; named by its id, its session is asked for while it is
 * described. The session
 * goes to ssh through aegea's ProxyCommand (a ticket it claims), or, for `aegea ssh` on Linux, through
 * named pipes this process relays (`serveHandoff`, layers/pipeHandoff.ts): no second aegea to start.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { fallbackImageUser, imageDefaultUser, taggedUser } from "../lib/linuxUser.ts"
import { hostKeyFromTags, knownHostsLine } from "../lib/hostKeys.ts"
import { type ConnectionOptions, pluginProxyCommand, proxyCommand, type Target } from "../lib/sshArgs.ts"
import { Ec2, type Instance, isInstanceId } from "../services/Ec2.ts"
import { Ec2InstanceConnect } from "../services/Ec2InstanceConnect.ts"
import { type AwsError, OperationFailed, UsageError } from "../errors.ts"
import { Output } from "../services/Output.ts"
import { Ec2Launch } from "../services/Ec2Launch.ts"
import { Ssh } from "../services/Ssh.ts"
import { type SessionTicket, Ssm } from "../services/Ssm.ts"
import { SsmSession } from "../services/SsmSession.ts"
import { relay } from "./relay.ts"
import { requestsWritten } from "../lib/whileWaiting.ts"

export type Transport = "ssm" | "ssm-plugin" | "direct"

export interface ConnectRequest<R = never> {
  readonly program: "ssh" | "scp"
  readonly targets: ReadonlyArray<Target>
  readonly transport: Transport
  /** With the direct transport: the private address instead of the public one. */
  readonly privateAddress: boolean
  readonly instanceConnect: boolean
  /** The OS user for targets without USER@ (--user, config ssh.user, ssh's -l); else the instance's default user. */
  readonly user?: string | undefined
  /** ssh's ServerAliveInterval (seconds, default 15) and ServerAliveCountMax (default 20). */
  readonly serverAliveInterval?: number | undefined
  readonly serverAliveCountMax?: number | undefined
  /**
   * With the ssm transport and one instance: hand the session to ssh through the ProxyCommand this
   * gives, which reaches pipes the caller opened and relays with `serveHandoff`, instead of through
   * `aegea ssm-proxy`; asked for once the instance is resolved. Undefined: through `aegea ssm-proxy`.
   */
  readonly handoffCommand?: Effect.Effect<string | undefined> | undefined
  /**
   * With `handoffCommand`: called once the hosts, the host key file and the key to log in with are
   * known, before the key push and StartSession have answered, so that ssh starts (and waits on the
   * pipes for the session's banner) while they run. What it starts in the
   * caller's scope must end when that scope closes: a failure after it is reported once whatever it
   * started has ended (e.g. a forked ssh, interrupted).
   */
  readonly onReady?: ((ready: Ready) => Effect.Effect<void, OperationFailed, R | Scope.Scope>) | undefined
}

/** What `onReady` is given: everything ssh's command line needs. */
export interface Ready {
  readonly program: string
  readonly hosts: ReadonlyMap<string, PreparedHost>
  readonly connection: ConnectionOptions
}

export interface PreparedHost {
  readonly instance: Instance
  readonly user: string
  /** What ssh connects to: the instance id through SSM, else its address. */
  readonly host: string
}

export interface Prepared {
  readonly program: string
  readonly hosts: ReadonlyMap<string, PreparedHost>
  readonly connection: ConnectionOptions
  readonly env: Readonly<Record<string, string>>
  /**
   * With `handoffCommand`: the session started for ssh, for `serveHandoff`, which ends it (nothing
   * else does: serve it in the same scope).
   */
  readonly handoff?: { readonly instanceId: string; readonly ticket: SessionTicket } | undefined
}

/** The aegea that ssh should run as its ProxyCommand: this very script under this very Node. */
export const currentAegea = () => ({ node: process.execPath, script: process.argv[1] ?? "aegea" })

/** The key aegea creates when ssh-agent has none to push. */
export const aegeaKeyPath = () => join(homedir(), ".ssh", "aegea.ed25519")

const label = (i: Instance) => (i.name !== undefined ? `${i.id} (${i.name})` : i.id)

/**
 * Running, and an address (direct) or, through SSM, an online agent (unless `deferAgent`: then
 * StartSession's own refusal says so, see prepareConnection).
 */
const checkInstance = (instance: Instance, request: ConnectRequest<unknown>, deferAgent = false) =>
  Effect.gen(function*() {
    if (instance.state !== "running") {
      return yield* new OperationFailed({
        message: `instance ${label(instance)} is ${instance.state}, not running`,
        ...(instance.state === "stopped" ? { hint: `Start it with 'aegea start ${instance.name ?? instance.id}'` } : {})
      })
    }
    if (request.transport === "direct") {
      const address = request.privateAddress ? instance.privateIp : instance.publicIp ?? instance.publicDns
      if (address === undefined || address === "") {
        return yield* new OperationFailed({
          message: `instance ${label(instance)} has no ${request.privateAddress ? "private" : "public"} address`,
          hint: request.privateAddress ? "Connect through SSM (drop --no-ssm)" : "Connect through SSM (drop --no-ssm), or use --private from inside its VPC"
        })
      }
      return address
    }
    if (!deferAgent) yield* checkAgent(instance)
    return instance.id
  })

/** The instance's SSM agent is registered and online (DescribeInstanceInformation), else the error that says which. */
const checkAgent = (instance: Instance) =>
  Effect.gen(function*() {
    const agent = yield* (yield* Ssm).agentInfo(instance.id)
    if (Option.isNone(agent)) {
      return yield* new OperationFailed({
        message: `instance ${label(instance)} has no SSM agent registered with Systems Manager`,
        hint: "Give it an instance profile with AmazonSSMManagedInstanceCore (aegea launch does) and wait for its agent, or connect without SSM: 'aegea ssh --no-ssm'"
      })
    }
    if (agent.value.pingStatus !== "Online") {
      return yield* new OperationFailed({
        message: `the SSM agent of ${label(instance)} is ${agent.value.pingStatus}, not Online`,
        hint: "Wait a minute for the agent to reconnect, or connect without SSM: 'aegea ssh --no-ssm'"
      })
    }
  })

/** The checks before any Session Manager session: running, and its SSM agent online. */
export const checkSsmTarget = (instance: Instance) =>
  checkInstance(instance, { program: "ssh", targets: [], transport: "ssm", privateAddress: false, instanceConnect: false })

/**
 * Each target's OS user, the private directory and the known_hosts file of the instances' host keys
 * (from their tags); the warnings for instances without one are returned, for the caller to print.
 */
const prepareHosts = (request: ConnectRequest<unknown>, resolved: ReadonlyMap<string, { readonly instance: Instance; readonly host: string }>) =>
  Effect.gen(function*() {
    const ssh = yield* Ssh
    const hosts = new Map<string, PreparedHost>()
    for (const t of request.targets) {
      const r = resolved.get(t.name)!
      const user = t.user ?? request.user ?? (yield* defaultUser(r.instance))
      hosts.set(t.name, { instance: r.instance, host: r.host, user })
    }

    const dir = yield* ssh.privateDirectory
    const lines: Array<string> = []
    const warnings: Array<string> = []
    for (const { instance, host } of resolved.values()) {
      const key = hostKeyFromTags(instance.tags)
      if (key._tag === "Invalid") {
        return yield* new OperationFailed({
          message: `the host key in the tags of ${label(instance)} is unreadable: ${key.reason}`,
          hint: "Fix or remove the tags SSHHostPublicKeyPart1/SSHHostPublicKeyPart2"
        })
      }
      if (key._tag === "Missing") {
        warnings.push(
          `${label(instance)} has no host key in its tags (SSHHostPublicKeyPart1/2): OpenSSH will verify it with ~/.ssh/known_hosts and may ask you to trust it`
        )
        continue
      }
      lines.push(knownHostsLine([...new Set([instance.id, host])], key.key))
    }
    const knownHostsFile = lines.length === resolved.size ? join(dir, "known_hosts") : undefined
    if (knownHostsFile !== undefined) {
      yield* Effect.try({
        try: () => writeFileSync(knownHostsFile, lines.join("\n") + "\n", { mode: 0o600 }),
        catch: (cause) => new OperationFailed({ message: `could not write ${knownHostsFile}`, cause })
      })
    }
    return { hosts, dir, knownHostsFile, warnings }
  })

export const prepareConnection = <R = never>(request: ConnectRequest<R>) =>
  Effect.gen(function*() {
    const ssh = yield* Ssh
    const ec2 = yield* Ec2
    const output = yield* Output
    const program = yield* Effect.flatMap(ssh.which(request.program), Option.match({
      onSome: Effect.succeed,
      onNone: () =>
        Effect.fail(new OperationFailed({ message: `${request.program} is not installed (not found on PATH)`, hint: "Install OpenSSH's client, e.g. apt-get install openssh-client" }))
    }))
    const plugin = request.transport === "ssm-plugin" ? yield* ssh.which("session-manager-plugin") : Option.none<string>()
    if (request.transport === "ssm-plugin" && Option.isNone(plugin)) {
      return yield* new OperationFailed({
        message: "--ssm-plugin needs session-manager-plugin on PATH, and it is not there",
        hint: "Install it (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html) or drop --ssm-plugin to use aegea's own client"
      })
    }

    const names = [...new Set(request.targets.map((t) => t.name))]
    if (request.transport === "ssm-plugin" && names.length > 1) {
      return yield* new UsageError({ message: "--ssm-plugin connects to one instance at a time", hint: "Copy between instances in two steps" })
    }
    // One instance through SSM: its agent is not looked up first (DescribeInstanceInformation, a round
    // trip before ssh can start); StartSession refuses a target whose agent is not connected
    // (TargetNotConnected), and only then is the agent looked up, so the error is the one it was. A
    // failure found before StartSession looks the agent up first too: errors come in the same order.
    const deferAgent = request.transport !== "direct" && names.length === 1
    // Named by its id, the instance's session is asked for at once, while DescribeInstances runs (a
    // round trip less before ssh starts). Whatever fails first is still reported as before; a session
    // started for a command that then fails is ended.
    const earlyId = deferAgent && isInstanceId(names[0]!) ? names[0]! : undefined
    let early: { readonly id: string; readonly fiber: Fiber.Fiber<Exit.Exit<SessionTicket, AwsError>> } | undefined
    let earlyUsed = false
    /** StartSession for `id` in a fiber of its own, ended if it is never used (a failure before it is handed over). */
    const startEarly = (id: string) =>
      Effect.gen(function*() {
        const ssm = yield* Ssm
        const fiber = yield* Effect.forkScoped(Effect.exit(ssm.startSession(id, { kind: "ssh", port: 22 })))
        // (on Ctrl-C the call is abandoned, as any call in flight is; else its answer is awaited)
        yield* Effect.addFinalizer((scopeExit) =>
          Effect.flatMap(Effect.andThen(Exit.hasInterrupts(scopeExit) ? Fiber.interrupt(fiber) : Effect.void, Fiber.await(fiber)), (exit) =>
            Exit.isSuccess(exit) && Exit.isSuccess(exit.value) && !earlyUsed
              ? ssm.terminateSession(exit.value.value.sessionId).pipe(Effect.ignore)
              : Effect.void)
        )
        early = { id, fiber }
      })
    if (earlyId !== undefined) yield* startEarly(earlyId)
    const resolved = new Map<string, { readonly instance: Instance; readonly host: string }>()
    for (const name of names) {
      const instance = yield* ec2.resolveInstance(name)
      resolved.set(name, { instance, host: yield* checkInstance(instance, request, deferAgent) })
    }
    // On the handoff path, a session for an instance named otherwise is asked for as soon as the
    // name resolves, while the hosts and keys are prepared and ssh starts (`onReady`)
    const handoffCommand = request.transport === "ssm" && request.handoffCommand !== undefined && resolved.size === 1 ? yield* request.handoffCommand : undefined
    const handingOff = handoffCommand !== undefined
    if (handingOff && early === undefined && deferAgent) {
      yield* startEarly([...resolved.values()][0]!.instance.id)
      // let it make its request now (after its credentials' promise: a turn of the event loop)
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    }
    const agentFirst = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      deferAgent ? effect.pipe(Effect.catch((e) => Effect.andThen(checkAgent([...resolved.values()][0]!.instance), Effect.fail(e)))) : effect
    let agentProblem: OperationFailed | AwsError | undefined
    /** StartSession, with a target that is not connected reported as the agent check reports it. */
    const startSession = (ssm: Ssm["Service"], instance: Instance) =>
      (early !== undefined && instance.id === early.id
        ? Effect.flatMap(Fiber.join(early.fiber), (exit) => {
          earlyUsed = true
          return exit
        })
        : ssm.startSession(instance.id, { kind: "ssh", port: 22 })).pipe(
        Effect.catchIf(
          (e) => deferAgent && e.code === "TargetNotConnected",
          (e) =>
            checkAgent(instance).pipe(
              Effect.tapError((problem) => Effect.sync(() => (agentProblem = problem))),
              Effect.andThen(Effect.fail(e))
            )
        )
      )

    const { hosts, dir, knownHostsFile, warnings } = yield* agentFirst(prepareHosts(request, resolved))
    // printed once StartSession has answered (before any other error), as they were before it was sent
    const warn = Effect.forEach(warnings, (w) => output.warn(w), { discard: true })

    let identityFile: string | undefined
    /** The key to push: ssh-agent's first, else aegea's own (made if missing), which ssh is then told to use. */
    const chooseKey = Effect.gen(function*() {
      const agentKey = (yield* ssh.agentPublicKeys)[0]
      return agentKey ?? (yield* Effect.map(ssh.ensureKey(aegeaKeyPath()), (k) => {
        identityFile = k.privateKeyPath
        return k.publicKey
      }))
    })
    // On the handoff path the key is chosen first, so ssh can start before the push (`onReady`)
    const chosenKey = handingOff && request.instanceConnect && request.onReady !== undefined ? yield* agentFirst(chooseKey) : undefined
    const pushKeys = Effect.gen(function*() {
      if (!request.instanceConnect) return
      const publicKey = chosenKey ?? (yield* chooseKey)
      const eic = yield* Ec2InstanceConnect
      const pushed = new Set<string>()
      for (const h of hosts.values()) {
        const key = `${h.instance.id}/${h.user}`
        if (pushed.has(key)) continue
        pushed.add(key)
        yield* eic.sendPublicKey({
          instanceId: h.instance.id,
          osUser: h.user,
          publicKey,
          ...(h.instance.availabilityZone !== undefined ? { availabilityZone: h.instance.availabilityZone } : {})
        })
      }
    })

    const env: Record<string, string> = {}
    let proxy: string | undefined
    let handoff: Prepared["handoff"]
    const startSessions = Effect.gen(function*() {
      if (handingOff) {
        const { instance } = [...resolved.values()][0]!
        handoff = { instanceId: instance.id, ticket: yield* startSession(yield* Ssm, instance) }
      } else if (request.transport !== "direct") {
        const ssm = yield* Ssm
        for (const { instance } of resolved.values()) {
          const ticket = yield* startSession(ssm, instance)
          // ends the session if ssh never gets to use it; harmless after the proxy has ended it
          yield* Effect.addFinalizer(() => ssm.terminateSession(ticket.sessionId).pipe(Effect.ignore))
          const response = JSON.stringify({ SessionId: ticket.sessionId, TokenValue: Redacted.value(ticket.token), StreamUrl: ticket.streamUrl })
          if (request.transport === "ssm-plugin") env.AWS_SSM_START_SESSION_RESPONSE = response
          else {
            yield* Effect.try({
              try: () => writeFileSync(join(dir, `ticket-${instance.id}.json`), response, { mode: 0o600 }),
              catch: (cause) => new OperationFailed({ message: "could not write the session ticket", cause })
            })
          }
        }
        const { region, profile, endpointUrl, ssmUrl } = ssm.endpoint
        const settings = { region, profile, endpointUrl }
        proxy = request.transport === "ssm-plugin"
          ? pluginProxyCommand(Option.getOrThrow(plugin), { ...settings, ssmEndpoint: ssmUrl }, [...resolved.values()][0]!.instance.id)
          : proxyCommand(currentAegea(), settings, dir)
      }
    })

    const connectionOf = (proxyCommand: string | undefined): ConnectionOptions => ({
      knownHostsFile,
      hostKeyAlias: resolved.size === 1 && knownHostsFile !== undefined ? [...resolved.values()][0]!.instance.id : undefined,
      proxyCommand,
      handoffCommand,
      identityFile,
      serverAliveInterval: request.serverAliveInterval ?? 15,
      serverAliveCountMax: request.serverAliveCountMax ?? 20
    })
    // ssh starts now, on the pipes, while the key push and StartSession run: its ProxyCommand starts
    // and it waits for the session's banner (its own start-up is off the path)
    // (once StartSession's request is out: spawning blocks this thread, which would hold it back)
    if (handingOff && request.onReady !== undefined) {
      yield* Effect.promise(requestsWritten)
      yield* request.onReady({ program, hosts, connection: connectionOf(undefined) })
    }

    // The key push and StartSession do not depend on each other: both at once (a round trip less
    // before ssh starts). A failed push is still reported first, and ends a session started for it.
    const [pushing, starting] = yield* Effect.all([Effect.exit(pushKeys), Effect.exit(startSessions)], { concurrency: 2 })
    // no agent: what the agent check said before anything was pushed or started
    if (agentProblem !== undefined) return yield* agentProblem
    yield* warn
    if (Exit.isFailure(pushing)) {
      if (handoff !== undefined) yield* (yield* Ssm).terminateSession(handoff.ticket.sessionId).pipe(Effect.ignore)
      return yield* Effect.failCause(pushing.cause)
    }
    if (Exit.isFailure(starting)) return yield* Effect.failCause(starting.cause)

    const connection: ConnectionOptions = connectionOf(proxy)
    return { program, hosts, connection, env, handoff } satisfies Prepared
  })

/**
 * The session `prepareConnection` started for the handoff, relayed to the pipes of the ssh aegea runs
 * (`pipes`), in a fiber of the caller's scope: its data channel opens at once, while ssh starts; a
 * lost WebSocket is resumed as in every channel. The relay ends when ssh's side of the pipes ends,
 * when the session does (then `pipes.close`: ssh sees its connection end), or when the scope closes
 * (ssh exited), and the session is ended (TerminateSession) either way, also when it never attached.
 * A failure goes to `onFailure` (the caller closes the pipes, so ssh fails at once).
 */
export const serveHandoff = <R>(
  handoff: { readonly instanceId: string; readonly ticket: SessionTicket },
  pipes: { readonly input: NodeJS.ReadableStream; readonly output: NodeJS.WritableStream; readonly close: Effect.Effect<void> },
  onFailure: (error: OperationFailed) => Effect.Effect<void, never, R>
) =>
  Effect.gen(function*() {
    const ssm = yield* Ssm
    const sessions = yield* SsmSession
    let attached = false
    // attach ends the session from when it is called; this covers the time before
    yield* Effect.addFinalizer(() => (attached ? Effect.void : ssm.terminateSession(handoff.ticket.sessionId).pipe(Effect.ignore)))
    const serve = Effect.gen(function*() {
      const channel = yield* sessions.attach(handoff.instanceId, handoff.ticket, "port")
      attached = true
      yield* relay(channel, { input: pipes.input, output: pipes.output, onInputEnd: "finish" })
      yield* pipes.close
    }).pipe(Effect.scoped, Effect.catch(onFailure))
    yield* Effect.forkScoped(serve)
  })

/** $XDG_CACHE_HOME/aegea/image-users.json (else ~/.cache/aegea): "REGION/ami-..." -> the image's default user. */
const imageUserCacheFile = () =>
  join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? homedir(), ".cache"), "aegea", "image-users.json")

const readImageUserCache = (file: string): Record<string, string> => {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {}
  } catch {
    return {}
  }
}

/** Best effort: a cache that cannot be written only costs a DescribeImages next time. */
const writeImageUserCache = (file: string, key: string, user: string) => {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify({ ...readImageUserCache(file), [key]: user }), { mode: 0o600 })
    renameSync(temporary, file)
  } catch {
    // ignored
  }
}

/**
 * The user to log in as when none was named: the user `aegea launch` provisioned (its tag), else the
 * default user of the instance's image, from its name or description (ec2-user, ubuntu, admin...).
 * An image's name never changes, so its user is cached on disk by region and image id; an image
 * that cannot be described (deregistered, not shared) means ec2-user.
 */
export const defaultUser = (instance: Instance) =>
  Effect.gen(function*() {
    const tagged = taggedUser(instance.tags)
    if (typeof tagged === "string") return tagged
    if (instance.imageId === undefined) return fallbackImageUser
    const file = imageUserCacheFile()
    const key = `${(yield* Ec2).region}/${instance.imageId}`
    const cached = readImageUserCache(file)[key]
    if (typeof cached === "string" && cached !== "") return cached
    const images = yield* (yield* Ec2Launch).findImages({ ids: [instance.imageId] }).pipe(
      Effect.orElseSucceed(() => [])
    )
    const image = images[0]
    const user = image !== undefined ? imageDefaultUser(image) : undefined
    if (image !== undefined) writeImageUserCache(file, key, user ?? fallbackImageUser)
    return user ?? fallbackImageUser
  })

/** Run the program; a non-zero exit becomes an OperationFailed carrying that exit code. */
export const runProgram = (program: string, name: string, args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const code = yield* (yield* Ssh).run(program, args, { env })
    if (code !== 0) return yield* new OperationFailed({ message: `${name} exited with status ${code}`, exitCode: code })
  })
