// End to end on loopback: the built aegea runs a real OpenSSH client against a real sshd on
// 127.0.0.1, through aegea's own Session Manager client and the local SSM stand-in (which relays the
// data channel to that sshd), with the host key taken from the instance's tags on moto.
import { CreateTagsCommand } from "@aws-sdk/client-ec2"
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect, createServer, type AddressInfo, type Server } from "node:net"
import { tmpdir, userInfo } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hostKeyTags } from "../../src/lib/hostKeys.ts"
import { pipeHandoffSupported } from "../../src/layers/pipeHandoff.ts"
import { CLI_PATH, cliEnv, runCli, runCliOnTerminal } from "../support/cli.ts"
import { ec2Client, makeTestHome, motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"
import { type Sshd, type SsmStandIn, startSshd, startSsmStandIn } from "../support/ssmStandIn.ts"

useMoto()

const USER = userInfo().username
let sshd: Sshd
let standIn: SsmStandIn
let echo: Server
let box = ""
let wrongKeyBox = ""
let noAgentBox = ""
let deniedBox = ""
const work = mkdtempSync(join(tmpdir(), "aegea-ssh-cli-"))

const tag = async (id: string, tags: Record<string, string>) => {
  const ec2 = ec2Client()
  try {
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }))
  } finally {
    ec2.destroy()
  }
}

beforeAll(async () => {
  sshd = await startSshd()
  echo = createServer((s) => {
    s.on("error", () => {})
    s.pipe(s)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  const ids = await seedInstances(4, { names: ["box", "wrong-key", "no-agent", "denied"] })
  const id = (i: number) => ids[i] ?? ""
  box = id(0)
  wrongKeyBox = id(1)
  noAgentBox = id(2)
  deniedBox = id(3)
  expect(noAgentBox).toMatch(/^i-/)
  await tag(box, hostKeyTags(sshd.hostPublicKey))
  const otherKey = join(work, "other")
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey])
  await tag(wrongKeyBox, hostKeyTags(readFileSync(`${otherKey}.pub`, "utf8")))
  standIn = await startSsmStandIn({
    motoEndpoint: motoEndpoint(),
    onlineInstances: [box, wrongKeyBox, deniedBox],
    deniedSessions: [deniedBox],
    portMap: { 22: sshd.port, 7: (echo.address() as AddressInfo).port }
  })
})

afterAll(async () => {
  await standIn?.close()
  await sshd?.stop()
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
  rmSync(work, { recursive: true, force: true })
})

const env = () => ({ AWS_ENDPOINT_URL_SSM: standIn.endpoint, AWS_ENDPOINT_URL_EC2_INSTANCE_CONNECT: standIn.endpoint })
const ownKey = () => ["-i", sshd.clientKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]

describe("aegea ssh over Session Manager", () => {
  it("runs a remote command with strict host-key checking from the tags, and ends its session", async () => {
    const before = standIn.sessions.length
    const r = await runCli(["ssh", `${USER}@box`, "--no-ec2-instance-connect", "--", ...ownKey(), "echo", "ok"], { env: env() })
    expect(r.stderr).not.toMatch(/Permanently added|authenticity/)
    expect(r.stdout).toBe("ok\n")
    expect(r.code).toBe(0)
    const session = standIn.sessions[before]!
    expect(session.documentName).toBe("AWS-StartSSHSession")
    expect(session.channels).toBe(1)
    expect(session.terminatedByApi).toBe(true)
  })

  it("named by its id: StartSession asked for at once, no agent lookup, and the session ended", async () => {
    const before = standIn.sessions.length
    const lookups = standIn.operations.filter((o) => o === "DescribeInstanceInformation").length
    const r = await runCli(["ssh", `${USER}@${box}`, "--no-ec2-instance-connect", "--", ...ownKey(), "echo", "by-id"], { env: env() })
    expect(r.stdout).toBe("by-id\n")
    expect(r.code).toBe(0)
    expect(standIn.sessions.length).toBe(before + 1)
    expect(standIn.sessions[before]!.terminatedByApi).toBe(true)
    expect(standIn.operations.filter((o) => o === "DescribeInstanceInformation").length).toBe(lookups)
  })

  it("exits with the remote command's status", async () => {
    const r = await runCli(["ssh", `${USER}@box`, "--no-ec2-instance-connect", "--", ...ownKey(), "exit", "3"], { env: env() })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("ssh exited with status 3")
  })

  it("refuses a host whose key differs from the one in its tags", async () => {
    const r = await runCli(["ssh", `${USER}@wrong-key`, "--no-ec2-instance-connect", "--", ...ownKey(), "echo", "ok"], { env: env() })
    expect(r.code).toBe(255)
    expect(r.stdout).toBe("")
    expect(r.stderr).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/)
  })

  it("pushes the key with EC2 Instance Connect before connecting, creating ~/.ssh/aegea.ed25519", async () => {
    const home = makeTestHome()
    mkdirSync(join(home, ".ssh"), { mode: 0o700 })
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(home, ".ssh", "aegea.ed25519")])
    sshd.authorize(readFileSync(join(home, ".ssh", "aegea.ed25519.pub"), "utf8"))
    const pushes = standIn.operations.filter((o) => o.endsWith("SendSSHPublicKey")).length
    const r = await runCli(["ssh", `${USER}@box`, "--", "-o", "BatchMode=yes", "echo", "eic"], { env: env(), home })
    expect(r.stderr).toBe("")
    expect(r.stdout).toBe("eic\n")
    expect(standIn.operations.filter((o) => o.endsWith("SendSSHPublicKey")).length).toBe(pushes + 1)
  })

  it("reports what fails before connecting as itself: no agent, not authorized, unknown name", async () => {
    const noAgent = await runCli(["ssh", `${USER}@no-agent`, "--no-ec2-instance-connect"], { env: env() })
    expect(noAgent.code).toBe(1)
    expect(noAgent.stderr).toContain("no SSM agent registered")
    // StartSession was refused first: no warning about its host key (it has none) before the error
    expect(noAgent.stderr).not.toContain("no host key")
    const denied = await runCli(["ssh", `${USER}@denied`, "--no-ec2-instance-connect"], { env: env() })
    expect(denied.code).toBe(4)
    expect(denied.stderr).toContain("ssm:StartSession")
    // with a command, ssh starts on the pipes while StartSession runs (src/commands/ssh.ts): a
    // refusal ends it before it prints anything, so aegea's report is all there is
    const noAgentCommand = await runCli(["ssh", `${USER}@no-agent`, "--no-ec2-instance-connect", "true"], { env: env() })
    expect(noAgentCommand.code).toBe(1)
    expect(noAgentCommand.stderr).toContain("no SSM agent registered")
    const deniedCommand = await runCli(["ssh", "--debug", `${USER}@denied`, "--no-ec2-instance-connect", "true"], { env: env() })
    expect(deniedCommand.code).toBe(4)
    expect(deniedCommand.stderr).toMatch(/aegea: running .*ssh .*ProxyCommand=.*\/to-ssh/)
    for (const failed of [noAgent, denied, noAgentCommand]) {
      expect(failed.stderr.split("\n").filter((l) => l !== "" && !/^(aegea|warning):/.test(l) && !/^\s/.test(l)), failed.stderr).toEqual([])
    }
    // (with --debug: ssh had started, and still said nothing)
    for (const failed of [noAgent, denied, noAgentCommand, deniedCommand]) {
      expect(failed.stderr).not.toMatch(/kex_exchange|Connection closed|Connection reset|ssh:|Pseudo-terminal/)
    }
    const unknown = await runCli(["ssh", "nonesuch", "--no-ec2-instance-connect"], { env: env() })
    expect(unknown.code).toBe(5)
  })
})

/** Resolves once `predicate()` holds, checking every 20 ms, at most `tries` times. */
const until = async (predicate: () => boolean, what: () => string, tries = 1000) => {
  for (let i = 0; i < tries; i++) {
    if (predicate()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`gave up waiting: ${what()}`)
}

// `aegea ssh` hands its session to OpenSSH through named pipes it relays itself (no second aegea)
describe.runIf(pipeHandoffSupported())("aegea ssh's pipe handoff", () => {
  it("relays ssh itself, resumes a WebSocket dropped mid-session, and ends the session when ssh exits", async () => {
    const before = standIn.sessions.length
    // the remote command waits for a line, so the drop surely happens while ssh is connected
    const child = spawn(
      process.execPath,
      [CLI_PATH, "ssh", "--debug", "--no-ec2-instance-connect", `${USER}@box`, ...ownKey(), "echo ready; read line; echo got $line"],
      { env: cliEnv({ env: env() }), stdio: ["pipe", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    try {
      await until(() => stdout.includes("ready\n"), () => `no ready: ${stdout} ${stderr}`)
      const running = /^aegea: running .*$/m.exec(stderr)?.[0] ?? ""
      for (const option of ["to-ssh", "from-ssh", "ControlPath=none", `HostKeyAlias=${box}`]) expect(running).toContain(option)
      expect(running).not.toContain("ssm-proxy")
      const session = standIn.sessions[before]!
      expect(session.documentName).toBe("AWS-StartSSHSession")
      expect(standIn.drop(session.sessionId)).toBe(true)
      await until(() => /resumed/.test(stderr), () => `no resumption: ${stderr}`)
      child.stdin.end("after-the-drop\n")
      expect(await exited).toBe(0)
      expect(stdout).toBe("ready\ngot after-the-drop\n")
      expect(session.resumes).toBe(1)
      expect(session.terminatedByApi).toBe(true)
      expect(standIn.sessions.length, "one session").toBe(before + 1)
    } finally {
      child.kill("SIGKILL")
    }
  }, 60_000)
})

describe.runIf(pipeHandoffSupported())("aegea ssh at a terminal", () => {
  it("opens an interactive shell on a remote terminal through the pipes, and exits with it", async () => {
    const before = standIn.sessions.length
    // typed as soon as anything comes back (the shell reads it once it is ready); the sum shows the
    // remote shell ran it (the typed line itself holds no "pty-42")
    const r = await runCliOnTerminal(["ssh", "--no-ec2-instance-connect", `${USER}@box`, ...ownKey()], {
      env: env(),
      answer: [{ after: "", send: "tty >/dev/null && echo pty-$((40+2)); exit 3\r" }]
    })
    expect(r.output).toContain("pty-42")
    expect(r.code).toBe(3)
    expect(standIn.sessions.length).toBe(before + 1)
    expect(standIn.sessions[before]!.terminatedByApi).toBe(true)
  })
})

describe("aegea ssh --ssm-plugin", () => {
  it("runs session-manager-plugin as the ProxyCommand, handing it the session in its environment", async () => {
    const bin = join(work, "plugin-bin")
    mkdirSync(bin, { recursive: true })
    const plugin = join(bin, "session-manager-plugin")
    const fake = join(import.meta.dirname, "..", "support", "fake-session-manager-plugin.mjs")
    writeFileSync(plugin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fake)} "$@"\n`, { mode: 0o755 })
    const log = join(work, "plugin.log")
    const before = standIn.sessions.length
    const r = await runCli(["ssh", `${USER}@box`, "--ssm-plugin", "--no-ec2-instance-connect", "--", ...ownKey(), "echo", "plugin-ok"], {
      env: { ...env(), PATH: `${bin}:${process.env.PATH ?? ""}`, FAKE_PLUGIN_LOG: log }
    })
    expect(r.stdout, r.stderr).toBe("plugin-ok\n")
    expect(r.code).toBe(0)
    const [call] = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, string>)
    expect(call).toMatchObject({ responseVariable: "AWS_SSM_START_SESSION_RESPONSE", region: "us-east-1", operation: "StartSession" })
    expect(JSON.parse(call!.parameters!)).toEqual({ Target: box, DocumentName: "AWS-StartSSHSession", Parameters: { portNumber: ["22"] } })
    expect(call!.sessionId).toBe(standIn.sessions[before]!.sessionId)
  })

  it("without the plugin on PATH, fails before starting a session", async () => {
    const before = standIn.sessions.length
    const r = await runCli(["ssh", "box", "--ssm-plugin"], { env: { ...env(), PATH: "/usr/bin:/bin" } })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("session-manager-plugin")
    expect(standIn.sessions.length).toBe(before)
  })
})

describe("aegea scp", () => {
  it("copies a file to the instance and back", async () => {
    const local = join(work, "up.txt")
    const remote = join(work, "remote.txt")
    const back = join(work, "down.txt")
    writeFileSync(local, "payload\n".repeat(1000))
    const up = await runCli(["scp", "--no-ec2-instance-connect", "--", ...ownKey(), local, `${USER}@box:${remote}`], { env: env() })
    expect(up.stderr).toBe("")
    expect(up.code).toBe(0)
    expect(readFileSync(remote, "utf8")).toBe(readFileSync(local, "utf8"))
    const down = await runCli(["scp", "--debug", "--no-ec2-instance-connect", "--", ...ownKey(), `${USER}@box:${remote}`, back], { env: env() })
    expect(down.code).toBe(0)
    // one connection: through the pipes aegea relays (no second aegea), where the handoff is supported
    const running = /^aegea: running \S*scp .*$/m.exec(down.stderr)?.[0] ?? ""
    expect(running).toContain(pipeHandoffSupported() ? "to-ssh" : "ssm-proxy")
    expect(readFileSync(back, "utf8")).toBe(readFileSync(local, "utf8"))
  })
})

describe("aegea tunnel", () => {
  it("carries bytes, and after SIGINT leaves no listener, no session and no process", async () => {
    const child = spawn(process.execPath, [CLI_PATH, "tunnel", "box", "0:7"], { env: cliEnv({ env: env() }), stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no tunnel line: ${stderr}`)), 20_000)
      child.stderr.on("data", () => {
        const m = /127\.0\.0\.1:(\d+) ->/.exec(stderr)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      })
    })
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port }, () => s.write("hello through ssm"))
      let got = ""
      s.setEncoding("utf8").on("data", (d: string) => {
        got += d
        if (got.length >= "hello through ssm".length) {
          s.end()
          resolve(got)
        }
      })
      s.on("error", reject)
    })
    expect(reply).toBe("hello through ssm")
    const tunnelSessions = () => standIn.sessions.filter((s) => s.documentName === "AWS-StartPortForwardingSession")
    child.kill("SIGINT")
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))
    expect(code).toBe(130)
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => {
        s.destroy()
        resolve(false)
      })
      s.on("error", () => resolve(true))
    })
    expect(refused).toBe(true)
    expect(() => process.kill(child.pid!, 0)).toThrow()
    // one session: the stand-in's agent multiplexes (smux), so the first session carries the connection
    expect(tunnelSessions().length).toBe(1)
    expect(tunnelSessions().every((s) => s.openSockets === 0 && s.terminatedByApi)).toBe(true)
  })
})

describe("aegea run", () => {
  it("sends the command with AWS-RunShellScript and exits with its status (moto runs nothing)", async () => {
    const r = await runCli(["run", "box", "--", "echo", "hi"], { env: env() })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(standIn.operations).toContain("SendCommand")
    expect(standIn.operations).toContain("GetCommandInvocation")
  })
})
