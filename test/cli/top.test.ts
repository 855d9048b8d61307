// `aegea top` as a user runs it, against moto: one snapshot as JSON, and the live screen under a
// pseudo-terminal (draws, refreshes on its --interval, moves between panels, quits on q and gives the
// terminal back: alternate screen left, cursor shown). Panel logic: test/unit/top.test.ts.
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch"
import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs"
import { spawn } from "node:child_process"
import { beforeAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, REPO_ROOT, runCli, runCliOnTerminal, shellQuote } from "../support/cli.ts"
import { sdkConfig, seedInstances, useMoto } from "../support/moto.ts"

useMoto()

beforeAll(async () => {
  await seedInstances(2, { namePrefix: "top-", instanceType: "t3.small" })
  await seedInstances(1, { namePrefix: "top-west-", instanceType: "m5.large", region: "us-west-2" })
  const ecs = new ECSClient(sdkConfig())
  await ecs.send(new CreateClusterCommand({ clusterName: "top-cluster" }))
  ecs.destroy()
  const cw = new CloudWatchClient(sdkConfig())
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: "top-cpu-high",
    Namespace: "AWS/EC2",
    MetricName: "CPUUtilization",
    Statistic: "Average",
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 90,
    ComparisonOperator: "GreaterThanThreshold"
  }))
  await cw.send(new SetAlarmStateCommand({ AlarmName: "top-cpu-high", StateValue: "ALARM", StateReason: "test" }))
  cw.destroy()
})

describe("aegea top (CLI)", () => {
  it("--once --output json --regions: one snapshot with every panel, each region's rows", async () => {
    const r = await runCli(["top", "--once", "--output", "json", "--regions", "us-east-1,us-west-2"])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as {
      regions: Array<string>
      instances: Array<{ region: string; state: string; type: string; count: number }>
      batch: Array<unknown>
      ecs: Array<{ cluster: string; running: number }>
      alarms: Array<{ name: string }>
      cost: Array<{ period: string }>
      errors: Record<string, Array<string>>
    }
    expect(doc.regions).toEqual(["us-east-1", "us-west-2"])
    expect(doc.instances).toEqual([
      { region: "us-east-1", state: "running", type: "t3.small", count: 2 },
      { region: "us-west-2", state: "running", type: "m5.large", count: 1 }
    ])
    expect(doc.batch).toEqual([])
    expect(doc.ecs).toContainEqual(expect.objectContaining({ cluster: "top-cluster", running: 0 }))
    expect(doc.alarms.map((a) => a.name)).toEqual(["top-cpu-high"])
    expect(doc.cost.map((c) => c.period)).toEqual(["this month to date", "last month, same days", "last month"])
    expect(doc.errors).toEqual({})
  })

  it("on a terminal: draws every panel, refreshes every --interval, Tab moves, q quits and restores the terminal", async () => {
    const rows = 24
    const r = await runCliOnTerminal(["top", "--interval", "1"], {
      rows,
      columns: 100,
      answer: [
        { after: "us-east-1 · updated", send: "\t" },
        // A refresh that nobody asked for: the interval's.
        { after: "refreshing…", send: "\x1b[B" },
        { after: "us-east-1 · updated", send: "q" }
      ]
    })
    expect(r.code, r.output).toBe(0)
    const out = r.output
    // Entered first: the alternate screen, the cursor hidden, cleared.
    const enter = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"
    expect(out.indexOf(enter)).toBeGreaterThanOrEqual(0)
    // Left last: the cursor shown again and the alternate screen left, after the last frame.
    const leave = out.lastIndexOf("\x1b[?25h\x1b[?1049l")
    expect(leave).toBeGreaterThan(out.lastIndexOf("\x1b[H"))
    for (const title of ["EC2 instances by state and type", "Batch queues", "ECS: running tasks per cluster", "CloudWatch alarms in ALARM", "Cost (month to date"]) {
      expect(out).toContain(title)
    }
    expect(out).toMatch(/running\s+t3\.small\s+2/)
    expect(out).toContain("top-cpu-high")
    // Never scrolls: every frame is exactly `rows` lines (rows - 1 line breaks, none after the last).
    const frames = out.slice(out.indexOf(enter) + enter.length, leave).split("\x1b[H").filter((f) => f !== "")
    expect(frames.length).toBeGreaterThanOrEqual(3)
    for (const frame of frames) expect(frame.split("\n")).toHaveLength(rows)
    // After Tab, the Batch panel is the selected one (marked, even without colour: NO_COLOR is set).
    expect(out).toContain("▸ EC2 instances")
    expect(out).toContain("▸ Batch queues")
  })

  it("SIGTERM while on screen: the terminal is given back (cursor shown, alternate screen left) before the process ends", async () => {
    // `exec` makes the shell's pid the CLI's, printed first so the test can signal it.
    const command = `stty rows 20 cols 100; echo "pid=$$"; exec ${[process.execPath, CLI_PATH, "top", "--interval", "60"].map(shellQuote).join(" ")}`
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, env: cliEnv(), stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    const done = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        reject(new Error(`top did not end on SIGTERM:\n${output}`))
      }, 30_000)
      child.once("close", (code) => {
        clearTimeout(timer)
        resolve(code ?? -1)
      })
    })
    const onData = (d: string) => {
      output += d
      const pid = /pid=(\d+)/.exec(output)?.[1]
      if (pid !== undefined && output.includes("us-east-1 · updated")) {
        child.stdout.removeListener("data", onData)
        child.stdout.on("data", (more: string) => (output += more))
        process.kill(Number(pid), "SIGTERM")
      }
    }
    child.stdout.setEncoding("utf8").on("data", onData)
    await done
    const leave = output.lastIndexOf("\x1b[?25h\x1b[?1049l")
    expect(leave, output.slice(-400)).toBeGreaterThan(output.lastIndexOf("\x1b[H"))
    expect(output.slice(leave)).toContain("aegea: interrupted")
  })
})
