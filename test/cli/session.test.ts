// `aegea session` and `aegea ecs exec` end to end on loopback: the built aegea on a pseudo-terminal
// (util-linux `script`) speaks the data channel to the SSM stand-in, which runs a real local /bin/sh on
// pipes as the "instance" (or the "container"). The terminal's settings (`stty -g`) must be the same
// after aegea as before: after the shell exits, after Ctrl-C (a byte for the remote shell) and after
// the stand-in drops the connection.
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, REPO_ROOT, runCli, shellQuote } from "../support/cli.ts"
import { motoEndpoint, seedInstances, useMoto } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

useMoto()

let standIn: SsmStandIn

beforeAll(async () => {
  const [box] = await seedInstances(1, { names: ["box"] })
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [box!], dropOn: "drop-connection" })
})

afterAll(async () => {
  await standIn?.close()
})

const env = () => ({ AWS_ENDPOINT_URL_SSM: standIn.endpoint, AWS_ENDPOINT_URL_ECS: standIn.endpoint })

interface Step {
  readonly after: string
  /** Text to type, or "SIGTERM" to send that signal to aegea. */
  readonly send: string
}

/** The pid of the aegea process under `script` (a descendant of it), found through /proc. */
const aegeaPid = (root: number): number | undefined => {
  const queue = [root]
  for (let i = 0; i < 50 && queue.length > 0; i++) {
    const pid = queue.shift()!
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : ""
    if (cmdline.startsWith(`${process.execPath}\0${CLI_PATH}\0`)) return pid
    const children = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8") : ""
    queue.push(...children.trim().split(/\s+/).filter((c) => c !== "").map(Number))
  }
  return undefined
}

/**
 * `stty -g; aegea ...; stty -g` in one pseudo-terminal of 100x30, typing each step's text once its
 * `after` text has appeared (each after the previous one). Returns aegea's exit code, the output, and
 * the terminal's settings before and after (Node resets a terminal it put in raw mode when it exits
 * normally, so this guards the CLI as a whole; test/unit/session-terminal.test.ts checks that aegea
 * itself leaves raw mode on every path). `raw` is the output before "\r\n" is turned into "\n".
 */
const onTerminal = (args: ReadonlyArray<string>, steps: ReadonlyArray<Step>) => {
  const aegea = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(" ")
  const command = `stty cols 100 rows 30; echo "before=$(stty -g)"; ${aegea}; echo "code=$?"; echo "after=$(stty -g)"`
  return new Promise<{ code: number; output: string; raw: string; before: string; after: string }>((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, env: cliEnv({ env: env() }), stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    let seen = 0
    const pending = [...steps]
    const onData = (d: string) => {
      output += d
      const next = pending[0]
      const at = next === undefined ? -1 : output.indexOf(next.after, seen)
      if (next !== undefined && at >= 0) {
        pending.shift()
        seen = at + next.after.length
        if (next.send !== "SIGTERM") child.stdin.write(next.send)
        else {
          const pid = aegeaPid(child.pid!)
          if (pid === undefined) output += "(aegea's pid not found)"
          else process.kill(pid, "SIGTERM")
        }
      }
    }
    child.stdout.setEncoding("utf8").on("data", onData)
    child.stderr.setEncoding("utf8").on("data", onData)
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${command} did not finish within 30 s:\n${output}`))
    }, 30_000)
    child.once("close", () => {
      clearTimeout(timer)
      const text = output.replace(/\r\n/g, "\n")
      const field = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(text)?.[1] ?? `(no ${name})`
      resolve({ code: Number(field("code")), output: text, raw: output, before: field("before"), after: field("after") })
    })
  })
}

/** A marker only the remote shell's output contains (the terminal's echo of the command does not). */
const ready = { after: "exit the shell to end it", send: "echo ready-$((40+2))\n" }

describe("aegea session", () => {
  it("runs a shell through Session Manager's standard shell, sends the terminal's size, and restores the terminal on exit", async () => {
    const before = standIn.sessions.length
    const r = await onTerminal(["session", "box"], [ready, { after: "ready-42", send: "echo hi; exit\n" }])
    expect(r.output).toMatch(/^hi$/m)
    expect(r.raw).toMatch(/session \S+ ended\r\n/)
    expect(r.code).toBe(0)
    expect(r.after).toBe(r.before)
    expect(r.before).toMatch(/^[0-9a-f:]+$/)
    const session = standIn.sessions[before]!
    expect(session.documentName).toBe("SSM-SessionManagerRunShell")
    expect(session.sizes[0]).toEqual({ cols: 100, rows: 30 })
    expect(session.terminatedByApi).toBe(true)
  })

  it("delivers Ctrl-C to the remote side as a byte and keeps running until the shell ends", async () => {
    const before = standIn.sessions.length
    const r = await onTerminal(["session", "box"], [ready, { after: "ready-42", send: "\x03\necho after-ctrl-c; exit\n" }])
    expect(r.output).toMatch(/^after-ctrl-c$/m)
    expect(r.raw).toMatch(/session \S+ ended\r\n/)
    expect(r.output).not.toMatch(/interrupted/)
    expect(r.code).toBe(0)
    expect(r.after).toBe(r.before)
    expect([...standIn.sessions[before]!.input]).toContain(3)
  })

  it("restores the terminal on SIGTERM and ends the session", async () => {
    const before = standIn.sessions.length
    const r = await onTerminal(["session", "box"], [ready, { after: "ready-42", send: "SIGTERM" }])
    expect(r.output).not.toMatch(/pid not found/)
    expect(r.raw).toMatch(/aegea: interrupted\r\n/)
    expect(r.code).not.toBe(0)
    expect(r.after).toBe(r.before)
    expect(standIn.sessions[before]!.terminatedByApi).toBe(true)
  })

  it("restores the terminal when the connection drops, with one error line", async () => {
    const r = await onTerminal(["session", "box"], [ready, { after: "ready-42", send: "drop-connection\n" }])
    expect(r.raw).toMatch(/aegea: the Session Manager connection for i-\w+ \(session [^)]+\) closed unexpectedly[^\n]*\r\n/)
    expect(r.code).not.toBe(0)
    expect(r.after).toBe(r.before)
  })
})

describe("aegea ecs exec", () => {
  it("runs a command in the container of a task started with --enable-exec, and explains a task without it", async () => {
    const started = await runCli(["ecs", "run", "--enable-exec", "--command", "sleep 600", "--json"], { env: env() })
    expect(started.code).toBe(0)
    const { taskId } = JSON.parse(started.stdout) as { taskId: string }
    const before = standIn.sessions.length
    const r = await onTerminal(["ecs", "exec", taskId, "--", "echo", "from-container"], [])
    expect(r.output).toMatch(/^from-container$/m)
    expect(r.code).toBe(0)
    expect(r.after).toBe(r.before)
    const session = standIn.sessions[before]!
    expect(session.parameters.command).toEqual(["echo from-container"])
    expect(session.sizes[0]).toEqual({ cols: 100, rows: 30 })

    const plain = await runCli(["ecs", "run", "--command", "sleep 600", "--json"], { env: env() })
    const refused = await runCli(["ecs", "exec", (JSON.parse(plain.stdout) as { taskId: string }).taskId], { env: env() })
    expect(refused.stderr).toMatch(/^aegea: task \S+ of cluster aegea_ecs was not started with ECS Exec enabled\. .*'aegea ecs run --enable-exec/m)
    expect(refused.stderr.trim().split("\n")).toHaveLength(1)
    expect(refused.code).toBe(1)
  })
})
