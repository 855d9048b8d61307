// Issue 19: interruption from outside. Each long-running command is sent SIGINT (as a terminal's Ctrl-C
// does) while it runs: it must exit 130 promptly, print no stack trace, leave no child process and no
// temporary file (its TMPDIR is a fresh folder checked empty afterwards), and with the stop flag leave
// nothing running on AWS (counted in moto). Sessions (ssh, tunnel, session) are covered against the
// Session Manager stand-in in ssh.test.ts and sessionResume.test.ts.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs"
import { afterAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, runCli } from "../support/cli.ts"
import { seedLogs } from "../support/logs.ts"
import { type FaultProxy, operationIs, slow, stall, startFaultProxy } from "../support/faultProxy.ts"
import { motoEndpoint, sdkConfig, useMoto } from "../support/moto.ts"

useMoto({ each: true })

// CI interrupts each command once; `npm run bench:interrupt` repeats every scenario (15 rounds: > 100 interruptions).
const ROUNDS = Math.max(1, Math.min(50, Number(process.env.AEGEA_INTERRUPT_ROUNDS ?? "1") || 1))
const round = (name: string, i: number) => (ROUNDS === 1 ? name : `${name} (round ${i + 1})`)
let interruptions = 0
afterAll(() => console.log(`interruptions: ${interruptions} from outside, each with exit 130 and nothing left behind`))
const ecs = new ECSClient(sdkConfig())
afterAll(() => ecs.destroy())

/**
 * moto moves a task to STOPPED within seconds, so the watch would end by itself: its DescribeTasks
 * polls are held unanswered instead, and the SIGINT arrives during one.
 */
const heldPolls = async (): Promise<FaultProxy> =>
  startFaultProxy(motoEndpoint(), { rules: [{ match: operationIs("DescribeTasks"), action: stall(), times: Infinity }] })

interface Running {
  readonly child: ChildProcess
  readonly tmp: string
  readonly output: () => { stdout: string; stderr: string }
  /** Resolves once stdout or stderr has shown `pattern` (rejects after 30 s, with what was printed). */
  readonly waitFor: (pattern: RegExp) => Promise<void>
  /** SIGINT, then the exit code (rejects if the process has not exited 15 s later). */
  readonly interrupt: () => Promise<number | null>
}

const start = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Running => {
  const tmp = mkdtempSync(join(tmpdir(), "aegea-interrupt-"))
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: cliEnv({ env: { ...env, TMPDIR: tmp } }), stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  const listeners = new Set<() => void>()
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d
    for (const l of listeners) l()
  })
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d
    for (const l of listeners) l()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))))
  return {
    child,
    tmp,
    output: () => ({ stdout, stderr }),
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            listeners.delete(check)
            clearTimeout(timer)
            resolve()
          }
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`never printed ${pattern}:\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`))
        }, 30_000)
        listeners.add(check)
        check()
      }),
    interrupt: async () => {
      interruptions += 1
      child.kill("SIGINT")
      const timer = new Promise<never>((_, reject) =>
        setTimeout(() => {
          child.kill("SIGKILL")
          reject(new Error(`still running 15 s after SIGINT:\n${stderr}`))
        }, 15_000)
      )
      return Promise.race([exited, timer])
    }
  }
}

/** What an interrupted aegea must leave: nothing in its TMPDIR, no process, no stack trace. */
const leftNothing = (run: Running) => {
  expect(readdirSync(run.tmp)).toEqual([])
  rmSync(run.tmp, { recursive: true, force: true })
  expect(() => process.kill(run.child.pid!, 0)).toThrow()
  expect(run.output().stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}

/** Resolves once the proxy has received `operation` (bounded: 300 checks, 100 ms apart). */
const received = async (proxy: FaultProxy, operation: string) => {
  for (let i = 0; i < 300; i++) {
    if (proxy.received(operation) > 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${operation} never reached the proxy`)
}

describe("Ctrl-C during a creating call (SubmitJob, RunTask): the call is finished, then what it created is dealt with", () => {
  for (let i = 0; i < ROUNDS; i++) {
  it(round("batch submit --watch --terminate-on-interrupt: the job is terminated, and aegea says so", i), async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [{ match: operationIs("SubmitJob"), action: slow(2_000), times: 1 }] })
    const run = start(["batch", "submit", "--command", "sleep 600", "--name", "int_job", "--watch", "--terminate-on-interrupt"], { AWS_ENDPOINT_URL: proxy.url })
    await received(proxy, "SubmitJob")
    expect(await run.interrupt()).toBe(130)
    await proxy.close()
    expect(proxy.reached("SubmitJob")).toBe(1)
    expect(proxy.received("TerminateJob")).toBe(1)
    expect(run.output().stderr).toMatch(/terminated job [0-9a-f-]{36}/)
    leftNothing(run)
  })

  it(round("batch submit without the flag: one job, named with the command that terminates it", i), async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [{ match: operationIs("SubmitJob"), action: slow(2_000), times: 1 }] })
    const run = start(["batch", "submit", "--command", "sleep 600", "--name", "int_job2"], { AWS_ENDPOINT_URL: proxy.url })
    await received(proxy, "SubmitJob")
    expect(await run.interrupt()).toBe(130)
    await proxy.close()
    expect(proxy.received("TerminateJob")).toBe(0)
    expect(run.output().stderr).toMatch(/Ctrl-C arrived during the request; job ([0-9a-f-]{36}) keeps running \(aegea batch terminate \1 stops it\)/)
    leftNothing(run)
  })

  it(round("ecs run --stop-on-interrupt: the task is stopped", i), async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [{ match: operationIs("RunTask"), action: slow(2_000), times: 1 }] })
    const run = start(["ecs", "run", "--command", "sleep 600", "--stop-on-interrupt"], { AWS_ENDPOINT_URL: proxy.url })
    await received(proxy, "RunTask")
    expect(await run.interrupt()).toBe(130)
    await proxy.close()
    expect(proxy.reached("RunTask")).toBe(1)
    expect(proxy.received("StopTask")).toBe(1)
    expect(run.output().stderr).toMatch(/stopped task \S+/)
    const running = (await ecs.send(new ListTasksCommand({ cluster: "aegea_ecs", desiredStatus: "RUNNING" }))).taskArns ?? []
    expect(running).toEqual([])
    leftNothing(run)
  })
  }
})

describe("Ctrl-C from outside during long-running commands (SIGINT, exit 130, nothing left behind)", () => {
  for (let i = 0; i < ROUNDS; i++) {
  it(round("logs --follow", i), async () => {
    await seedLogs({ "/aegea/int": { s: [{ timestamp: Date.now() - 1_000, message: "first line" }] } })
    const run = start(["logs", "/aegea/int", "--follow"])
    await run.waitFor(/first line/)
    expect(await run.interrupt()).toBe(130)
    leftNothing(run)
  })

  it(round("ecs run --watch --stop-on-interrupt: the task is stopped, and aegea says so", i), async () => {
    const proxy = await heldPolls()
    const run = start(["ecs", "run", "--command", "sleep 600", "--watch", "--stop-on-interrupt"], { AWS_ENDPOINT_URL: proxy.url })
    await run.waitFor(/started task/)
    expect(await run.interrupt()).toBe(130)
    await proxy.close()
    expect(proxy.received("StopTask")).toBe(1)
    expect(run.output().stderr).toMatch(/stopped task \S+/)
    const arns = (await ecs.send(new ListTasksCommand({ cluster: "aegea_ecs", desiredStatus: "STOPPED" }))).taskArns ?? []
    expect(arns).toHaveLength(1)
    const [task] = (await ecs.send(new DescribeTasksCommand({ cluster: "aegea_ecs", tasks: arns }))).tasks ?? []
    expect(task?.desiredStatus).toBe("STOPPED")
    leftNothing(run)
  })

  it(round("ecs run --watch without the flag: the task keeps running, and aegea names the command that stops it", i), async () => {
    const proxy = await heldPolls()
    const run = start(["ecs", "run", "--command", "sleep 600", "--watch"], { AWS_ENDPOINT_URL: proxy.url })
    await run.waitFor(/started task/)
    expect(await run.interrupt()).toBe(130)
    await proxy.close()
    expect(run.output().stderr).toMatch(/keeps running: 'aegea ecs watch \S+.*' resumes watching, 'aegea ecs stop \S+.*' stops it/)
    expect(proxy.received("StopTask")).toBe(0)
    leftNothing(run)
  })

  it(round("grep (Logs Insights): the running query is stopped (StopQuery) on the way out", i), async () => {
    await seedLogs({ "/aegea/int": { s: [{ timestamp: Date.now() - 1_000, message: "ERROR one" }] } })
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [{ match: operationIs("GetQueryResults"), action: stall(), times: Infinity }] })
    const run = start(["grep", "ERROR", "/aegea/int", "--start-time", "1h"], { AWS_ENDPOINT_URL: proxy.url })
    await received(proxy, "GetQueryResults")
    expect(await run.interrupt()).toBe(130)
    await proxy.close()
    expect(proxy.received("StopQuery")).toBe(1)
    leftNothing(run)
  })

  it(round("launch, while it waits for the instance's SSM agent (moto never reports one)", i), async () => {
    const run = start(["launch", "int-box", "--amazon-linux-ami", "--no-dns"])
    await run.waitFor(/launched int-box/)
    expect(await run.interrupt()).toBe(130)
    leftNothing(run)
    // The instance exists (it was launched before the Ctrl-C) and `aegea ls` shows it.
    expect((await runCli(["ls", "int-box", "--columns", "name"])).stdout).toContain("int-box")
  })
  }
})
