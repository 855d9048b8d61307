/** Argument building for ssh/scp/tunnel, and the ssh and run commands through the real parser against in-memory layers. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Fiber, Layer, Option } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { globalFlags } from "../../src/commands/global.ts"
import { lineTracker } from "../../src/commands/run.ts"
import { sshCommands } from "../../src/commands/sshFamily.ts"
import { parseForwardSpec } from "../../src/commands/tunnel.ts"
import { hostKeyTags } from "../../src/lib/hostKeys.ts"
import { pipeHandoffSupported } from "../../src/layers/pipeHandoff.ts"
import { handoffFits, parseTarget, proxyCommand, remotePaths, rewriteScpArgs, scpHandoffFits, splitSshArgs, sshCommandLine } from "../../src/lib/sshArgs.ts"
import { generateEd25519KeyPair } from "../../src/lib/sshKey.ts"
import { AwsAccessDenied } from "../../src/errors.ts"
import { Ec2InstanceConnect } from "../../src/services/Ec2InstanceConnect.ts"
import { Ssh } from "../../src/services/Ssh.ts"
import { Ssm } from "../../src/services/Ssm.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2InstanceConnectMemory, Ec2InstanceConnectMemoryState } from "../../src/testing/Ec2InstanceConnectMemory.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { SsmMemory, SsmMemoryState } from "../../src/testing/SsmMemory.ts"

describe("ssh arguments", () => {
  it("splits user@name at the last @", () => {
    assert.deepStrictEqual(parseTarget("box"), { user: undefined, name: "box" })
    assert.deepStrictEqual(parseTarget("ubuntu@box"), { user: "ubuntu", name: "box" })
    assert.deepStrictEqual(parseTarget("jane@example.com@box"), { user: "jane@example.com", name: "box" })
  })

  it("separates pass-through ssh options (with their values) from the remote command", () => {
    assert.deepStrictEqual(splitSshArgs(["-v", "-L", "8080:localhost:80", "-oBatchMode=yes", "ls", "-la"]), {
      options: ["-v", "-L", "8080:localhost:80", "-oBatchMode=yes"],
      command: ["ls", "-la"]
    })
    assert.deepStrictEqual(splitSshArgs(["-vi", "key", "--", "-x"]), { options: ["-vi", "key"], command: ["-x"] })
    assert.deepStrictEqual(splitSshArgs(["echo", "-v"]), { options: [], command: ["echo", "-v"] })
  })

  it("puts aegea's options, then the user's, then user@host, then the command", () => {
    const args = sshCommandLine(
      { knownHostsFile: "/tmp/d/known_hosts", hostKeyAlias: "i-0abc", proxyCommand: "node aegea.js ssm-proxy %h %p", serverAliveInterval: 15 },
      { user: "ubuntu", host: "i-0abc" },
      ["-v", "uname", "-a"]
    )
    assert.deepStrictEqual(args, [
      "-o", "UserKnownHostsFile=/tmp/d/known_hosts", "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "HostKeyAlias=i-0abc", "-o", "ProxyCommand=node aegea.js ssm-proxy %h %p", "-o", "ServerAliveInterval=15",
      "-v", "ubuntu@i-0abc", "uname", "-a"
    ])
  })

  it("quotes the ProxyCommand for the shell and passes the AWS settings on", () => {
    const line = proxyCommand({ node: "/opt/my node/bin/node", script: "/x/dist/aegea.js" }, { region: "eu-west-1", profile: "dev's", endpointUrl: undefined }, "/tmp/aegea-ssh-1")
    assert.strictEqual(line, `'/opt/my node/bin/node' /x/dist/aegea.js ssm-proxy %h %p --region eu-west-1 --profile 'dev'\\''s' --ticket-directory /tmp/aegea-ssh-1`)
  })

  it("hands scp's session over through the pipes only for one remote path and one connection", () => {
    for (const fits of [["a.txt", "box:/tmp/"], ["-r", "-P", "22", "box:/var/log", "."], ["-o", "ServerAliveInterval=5", "-i", "key", "./a:b", "box:x"]]) {
      assert.isTrue(scpHandoffFits(fits), fits.join(" "))
    }
    for (const unfit of [["a", "b"], ["box:/a", "web:/b"], ["box:/a", "box:/b"], ["-3", "box:/a", "."], ["-R", "box:/a", "."], ["-S", "prog", "box:/a", "."], ["-J", "jump", "box:/a", "."], ["-o", "ControlMaster=auto", "box:/a", "."], ["-oProxyCommand=x", "box:/a", "."]]) {
      assert.isFalse(scpHandoffFits(unfit), unfit.join(" "))
    }
  })

  it("finds scp's remote paths and rewrites them, leaving options and local paths alone", () => {
    const args = ["-P", "22", "-r", "box:/var/log", "./a:b", "/abs:c", "ubuntu@web-1:x y", "local"]
    assert.deepStrictEqual(remotePaths(args).map((r) => [r.index, r.user, r.name, r.path]), [
      [3, undefined, "box", "/var/log"],
      [6, "ubuntu", "web-1", "x y"]
    ])
    const rewritten = rewriteScpArgs(args, (r) => ({ user: r.user ?? "jane", host: r.name === "box" ? "i-01" : "i-02" }))
    assert.deepStrictEqual(rewritten, ["-P", "22", "-r", "jane@i-01:/var/log", "./a:b", "/abs:c", "ubuntu@i-02:x y", "local"])
  })

  it("hands the session over through its pipes only to an ssh that keeps its connection in the foreground, unshared", () => {
    for (const fits of [[], ["-v", "uname", "-a"], ["-L", "8080:localhost:80", "-N"], ["-p", "2222", "-o", "ServerAliveInterval=5", "true"], ["-t", "--", "-f"], ["-i", "-f"]]) {
      assert.isTrue(handoffFits(fits), fits.join(" "))
    }
    for (const unfit of [["-f", "-N"], ["-vf"], ["-M"], ["-S", "sock"], ["-O", "exit"], ["-J", "jump"], ["-W", "h:22"], ["-6"], ["-b", "10.0.0.1"], ["-o", "ControlMaster=auto"], ["-oControlPersist yes"], ["-o", "proxyjump=jump"], ["-o", "HostName=elsewhere"]]) {
      assert.isFalse(handoffFits(unfit), unfit.join(" "))
    }
  })

  it("parses tunnel forwards", () => {
    assert.deepStrictEqual(parseForwardSpec("8080:80"), { localPort: 8080, remoteHost: undefined, remotePort: 80 })
    assert.deepStrictEqual(parseForwardSpec("0:db.internal:5432"), { localPort: 0, remoteHost: "db.internal", remotePort: 5432 })
    for (const bad of ["80", "a:80", "1:2:3:4", "8080:0", "8080::80", "70000:80"]) assert.isUndefined(parseForwardSpec(bad), bad)
  })
})

const BOX = "i-0000000000000b0c5"
const hostKey = generateEd25519KeyPair().publicKey

/** An Ssh that records what it would run instead of running it. */
const recordingSsh = (
  ran: Array<{ program: string; args: ReadonlyArray<string>; env?: Readonly<Record<string, string>> | undefined }>,
  exitCode = 0,
  options: { readonly plugin?: boolean; readonly onRun?: (args: ReadonlyArray<string>) => void } = {}
) =>
  Layer.succeed(Ssh, Ssh.of({
    which: (p) => Effect.succeed(p === "session-manager-plugin" && !options.plugin ? Option.none() : Option.some(`/usr/bin/${p}`)),
    run: (program, args, runOptions) =>
      Effect.sync(() => {
        options.onRun?.(args)
        ran.push({ program, args, env: runOptions?.env })
      }).pipe(Effect.as(exitCode)),
    agentPublicKeys: Effect.succeed(["ssh-ed25519 AAAAagentkey me@laptop"]),
    ensureKey: (path) => Effect.succeed({ privateKeyPath: path, publicKey: "ssh-ed25519 AAAAnew aegea" }),
    privateDirectory: Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "aegea-ssh-unit-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
  }))

const root = Command.make("aegea").pipe(Command.withSubcommands(sshCommands), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(["--region", "us-east-1", ...argv])

const layers = (
  ssh: Layer.Layer<Ssh>,
  ssmSeed: Parameters<typeof SsmMemory.layer>[0] = { agents: [{ instanceId: BOX }] },
  eic: Layer.Layer<Ec2InstanceConnect | Ec2InstanceConnectMemoryState> = Ec2InstanceConnectMemory.layer({ callerName: "jane.doe@example.com" })
) =>
  Layer.mergeAll(
    NodeServices.layer,
    Ec2Memory.layer({ instances: [{ id: BOX, name: "box", tags: { ...hostKeyTags(hostKey), AegeaProvisionUser: "jane.doe" } }, { id: "i-0000000000000057f", name: "off", state: "stopped" }] }),
    SsmMemory.layer(ssmSeed),
    eic,
    OutputTest.layer(),
    layerFromValue({}),
    ssh
  )

describe("aegea ssh (in memory)", () => {
  it.effect("logs in as the user aegea launch provisioned (its tag), pushes the agent's key, starts the session, runs ssh through the proxy", () => {
    const ran: Array<{ program: string; args: ReadonlyArray<string> }> = []
    return Effect.gen(function*() {
      yield* aegea("ssh", "box", "--", "uname", "-a")
      const grants = yield* (yield* Ec2InstanceConnectMemoryState).grants
      assert.deepStrictEqual(grants, [{ instanceId: BOX, osUser: "jane.doe", publicKey: "ssh-ed25519 AAAAagentkey me@laptop", availabilityZone: "us-east-1a" }])
      const sessions = yield* (yield* SsmMemoryState).sessions
      assert.strictEqual(sessions.length, 1)
      assert.isTrue(sessions[0]!.terminated)
      assert.strictEqual(ran[0]!.program, "/usr/bin/ssh")
      const args = ran[0]!.args
      assert.include(args, "StrictHostKeyChecking=yes")
      assert.include(args, `HostKeyAlias=${BOX}`)
      if (pipeHandoffSupported()) {
        // the session is handed over through named pipes this process relays: no second aegea
        assert.include(args, "ControlPath=none")
        assert.isTrue(args.some((a) => /^ProxyCommand=\/bin\/sh -c 'exec 2>\/dev\/null; cat <"\$0" & exec cat >"\$1"' \S+\/to-ssh \S+\/from-ssh$/.test(a)), args.join(" "))
        assert.isFalse(args.some((a) => a.includes("ssm-proxy")))
      } else {
        assert.isTrue(args.some((a) => a.startsWith("ProxyCommand=") && a.includes(" ssm-proxy %h %p --region us-east-1 ")))
      }
      assert.deepStrictEqual(args.slice(-3), [`jane.doe@${BOX}`, "uname", "-a"])
    }).pipe(Effect.provide(layers(recordingSsh(ran))))
  })

  it.effect("keeps the ProxyCommand (and leaves it the session's ticket) when ssh goes to the background or shares its connection", () => {
    const ran: Array<{ program: string; args: ReadonlyArray<string> }> = []
    const tickets: Array<ReadonlyArray<string>> = []
    // what the ProxyCommand would find in the ticket directory while ssh runs
    const ssh = recordingSsh(ran, 0, {
      onRun: (args) => {
        const dir = /--ticket-directory (\S+)/.exec(args.find((a) => a.startsWith("ProxyCommand=")) ?? "")?.[1]
        tickets.push(dir === undefined ? [] : readdirSync(dir))
      }
    })
    return Effect.gen(function*() {
      yield* aegea("ssh", "box", "--no-ec2-instance-connect", "--", "-f", "-N", "-L", "8080:localhost:80")
      const args = ran[0]!.args
      assert.isTrue(args.some((a) => a.startsWith("ProxyCommand=") && a.includes(" ssm-proxy %h %p --region us-east-1 ")))
      assert.notInclude(args, "HostName=127.0.0.1")
      assert.deepStrictEqual(tickets.map((files) => files.filter((f) => f.startsWith("ticket-"))), [[`ticket-${BOX}.json`]])
      const sessions = yield* (yield* SsmMemoryState).sessions
      assert.isTrue(sessions[0]!.terminated)
    }).pipe(Effect.provide(layers(ssh)))
  })

  it.effect("turns ssh's exit status into the command's, and checks before connecting", () =>
    Effect.gen(function*() {
      const failed = yield* aegea("ssh", "root@box", "--no-ec2-instance-connect", "--", "false").pipe(Effect.flip)
      assert.strictEqual(failed._tag === "OperationFailed" && failed.exitCode, 7)
      const stopped = yield* aegea("ssh", "off").pipe(Effect.flip)
      assert.match(stopped._tag === "OperationFailed" ? stopped.message : "", /is stopped, not running/)
      const calls = yield* (yield* SsmMemoryState).calls
      assert.deepStrictEqual(calls.filter((c) => c === "StartSession").length, 1)
    }).pipe(Effect.provide(layers(recordingSsh([], 7)))))

  it.effect("--ssm-plugin runs the official plugin as ProxyCommand with the session in its environment, never on the command line", () => {
    const ran: Array<{ program: string; args: ReadonlyArray<string>; env?: Readonly<Record<string, string>> | undefined }> = []
    return Effect.gen(function*() {
      yield* aegea("ssh", "box", "--ssm-plugin", "--no-ec2-instance-connect", "--", "true")
      const args = ran[0]!.args
      const proxy = args.find((a) => a.startsWith("ProxyCommand="))!
      assert.match(proxy, /^ProxyCommand='?\/usr\/bin\/session-manager-plugin'? AWS_SSM_START_SESSION_RESPONSE '?us-east-1'? StartSession /)
      assert.include(proxy, "AWS-StartSSHSession")
      const sessions = yield* (yield* SsmMemoryState).sessions
      const response = JSON.parse(ran[0]!.env?.AWS_SSM_START_SESSION_RESPONSE ?? "{}") as { SessionId?: string; TokenValue?: string }
      assert.strictEqual(response.SessionId, sessions[0]!.sessionId)
      assert.isString(response.TokenValue)
      assert.isFalse(args.some((a) => a.includes(response.TokenValue!)), "the token stays off the command line")
    }).pipe(Effect.provide(layers(recordingSsh(ran, 0, { plugin: true }))))
  })

  it.effect("pushes the key while the session starts; a refused push fails the command, runs no ssh and ends that session", () => {
    const ran: Array<{ program: string; args: ReadonlyArray<string> }> = []
    const denied = Layer.succeed(Ec2InstanceConnect, Ec2InstanceConnect.of({
      sendPublicKey: () =>
        Effect.fail(new AwsAccessDenied({ action: "push your key", service: "EC2InstanceConnect", operation: "SendSSHPublicKey", code: "AccessDeniedException", awsMessage: "no" })),
      callerName: Effect.succeed("jane.doe")
    }))
    return Effect.gen(function*() {
      const error = yield* aegea("ssh", "box", "--", "true").pipe(Effect.flip)
      assert.strictEqual(error._tag, "AwsAccessDenied")
      assert.deepStrictEqual(ran, [])
      const sessions = yield* (yield* SsmMemoryState).sessions
      assert.isTrue(sessions.every((s) => s.terminated), "no session left open")
    }).pipe(Effect.provide(layers(recordingSsh(ran), undefined, Layer.merge(Ec2InstanceConnectMemory.layer(), denied))))
  })

  it.effect("an ssh started while StartSession runs is ended before a refusal is reported", () => {
    const events: Array<string> = []
    const base = recordingSsh([])
    const waiting = Layer.effect(Ssh, Effect.map(Effect.service(Ssh), (ssh) => Ssh.of({
      ...ssh,
      run: () =>
        Effect.sync(() => events.push("ssh started")).pipe(
          Effect.andThen(Effect.never),
          Effect.onInterrupt(() => Effect.sync(() => events.push("ssh ended")))
        )
    }))).pipe(Layer.provide(base))
    // StartSession answers after a few turns of the scheduler, as a real call would, so ssh has started
    const slowStart = Layer.effect(Ssm, Effect.map(Effect.service(Ssm), (ssm) => Ssm.of({
      ...ssm,
      startSession: (id, document) => Effect.andThen(Effect.repeat(Effect.yieldNow, { times: 20 }), ssm.startSession(id, document))
    })))
    return Effect.gen(function*() {
      const error = yield* aegea("ssh", "root@box", "--no-ec2-instance-connect", "--", "true").pipe(Effect.flip)
      events.push("error")
      assert.match(error._tag === "OperationFailed" ? error.message : "", /no SSM agent registered/)
      assert.deepStrictEqual(events, pipeHandoffSupported() ? ["ssh started", "ssh ended", "error"] : ["error"])
      assert.deepStrictEqual(yield* (yield* SsmMemoryState).sessions, [])
    }).pipe(Effect.provide(Layer.provideMerge(slowStart, layers(waiting, {}))))
  })

  it.effect("--ssm-plugin without the plugin on PATH fails before starting a session", () =>
    Effect.gen(function*() {
      const error = yield* aegea("ssh", "box", "--ssm-plugin").pipe(Effect.flip)
      assert.include(error._tag === "OperationFailed" || error._tag === "UsageError" ? error.message : String(error), "session-manager-plugin")
      assert.strictEqual((yield* (yield* SsmMemoryState).sessions).length, 0)
    }).pipe(Effect.provide(layers(recordingSsh([])))))

  it.effect("asks for no agent before StartSession; an instance whose agent is not registered or not online fails as the agent check says, with no session and no ssh", () => {
    const ran: Array<{ program: string; args: ReadonlyArray<string> }> = []
    return Effect.gen(function*() {
      const error = yield* aegea("ssh", "root@box").pipe(Effect.flip)
      assert.match(error._tag === "OperationFailed" ? error.message : "", /no SSM agent registered/)
      // StartSession was refused (TargetNotConnected), and only then was the agent looked up
      assert.deepStrictEqual(yield* (yield* SsmMemoryState).calls, ["StartSession", "DescribeInstanceInformation"])
      assert.deepStrictEqual(yield* (yield* SsmMemoryState).sessions, [])
      assert.deepStrictEqual(ran, [])
    }).pipe(Effect.provide(layers(recordingSsh(ran), {})))
  })

  it.effect("an agent that lost its connection is named as such; an online one costs no DescribeInstanceInformation", () =>
    Effect.gen(function*() {
      const error = yield* aegea("ssh", "root@box", "--no-ec2-instance-connect").pipe(Effect.flip)
      assert.match(error._tag === "OperationFailed" ? error.message : "", /the SSM agent of .* is ConnectionLost, not Online/)
    }).pipe(Effect.provide(layers(recordingSsh([]), { agents: [{ instanceId: BOX, pingStatus: "ConnectionLost" }] }))))

  it.effect("named by its id, the session is asked for while the instance is described, and used", () => {
    const ran: Array<{ program: string; args: ReadonlyArray<string> }> = []
    return Effect.gen(function*() {
      yield* aegea("ssh", `root@${BOX}`, "--no-ec2-instance-connect", "--", "true")
      const sessions = yield* (yield* SsmMemoryState).sessions
      assert.deepStrictEqual(sessions.map((x) => [x.instanceId, x.terminated]), [[BOX, true]])
      assert.include(ran[0]!.args, `HostKeyAlias=${BOX}`)
      assert.deepStrictEqual(ran[0]!.args.slice(-2), [`root@${BOX}`, "true"])
    }).pipe(Effect.provide(layers(recordingSsh(ran))))
  })

  it.effect("a session asked for early is ended when the instance then fails its checks (stopped)", () =>
    Effect.gen(function*() {
      const error = yield* aegea("ssh", "root@i-0000000000000057f", "--no-ec2-instance-connect").pipe(Effect.flip)
      assert.match(error._tag === "OperationFailed" ? error.message : "", /is stopped, not running/)
      const sessions = yield* (yield* SsmMemoryState).sessions
      assert.deepStrictEqual(sessions.map((x) => [x.instanceId, x.terminated]), [["i-0000000000000057f", true]])
    }).pipe(Effect.provide(layers(recordingSsh([]), { agents: [{ instanceId: "i-0000000000000057f" }] }))))

  it.effect("the happy path makes one SSM call before ssh: StartSession", () =>
    Effect.gen(function*() {
      yield* aegea("ssh", "root@box", "--no-ec2-instance-connect", "--", "true")
      const calls = yield* (yield* SsmMemoryState).calls
      assert.deepStrictEqual(calls.filter((c) => c !== "TerminateSession"), ["StartSession"])
    }).pipe(Effect.provide(layers(recordingSsh([])))))
})

describe("aegea run (in memory, TestClock)", () => {
  it("prints complete lines once, and the last partial line at the end", async () => {
    const printed: Array<string> = []
    const t = lineTracker((l) => Effect.sync(() => printed.push(l)))
    await Effect.runPromise(Effect.gen(function*() {
      yield* t.update("a\nb")
      yield* t.update("a\nb\nc\n")
      yield* t.flush("a\nb\nc\nd")
    }))
    assert.deepStrictEqual(printed, ["a", "b", "c", "d"])
  })

  it.effect("streams output as it grows and exits with the command's status", () =>
    Effect.gen(function*() {
      const fiber = yield* aegea("run", "box", "--", "make", "test").pipe(Effect.exit, Effect.forkChild)
      yield* TestClock.adjust("1 second")
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, ["building"])
      yield* TestClock.adjust("5 seconds")
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(yield* out.stdout, ["building", "testing"])
      assert.deepStrictEqual(yield* out.stderr, ["1 test failed"])
      assert.isTrue(Exit.isFailure(exit))
      const commands = yield* (yield* SsmMemoryState).commands
      assert.deepStrictEqual(commands[0]!.commands, ["make test"])
    }).pipe(Effect.provide(layers(recordingSsh([]), {
      agents: [{ instanceId: BOX }],
      commandScript: () => ({ steps: [{ after: "500 millis", stdout: "building\n" }, { after: "2 seconds", stdout: "testing\n", stderr: "1 test failed\n" }], exitCode: 2 })
    }))))

  it.effect("cancels the command when interrupted", () =>
    Effect.gen(function*() {
      const fiber = yield* aegea("run", "box", "--", "sleep", "100").pipe(Effect.forkChild)
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.interrupt(fiber)
      const commands = yield* (yield* SsmMemoryState).commands
      assert.isTrue(commands[0]!.cancelled)
    }).pipe(Effect.provide(layers(recordingSsh([]), {
      agents: [{ instanceId: BOX }],
      commandScript: () => ({ steps: [{ after: "100 seconds", stdout: "done\n" }] })
    }))))
})
