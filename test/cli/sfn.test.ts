// `aegea sfn` as a user runs it, against moto. moto's executions stay RUNNING until stopped and
// their histories are canned; the watch's full path (events as they happen, each end) is tested
// on the in-memory layer under TestClock (test/unit/sfn-commands.test.ts).
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { createStateMachine, startExecution } from "../support/lambdaSfnMoto.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

let etl = ""
let first = ""
let second = ""
beforeAll(async () => {
  etl = await createStateMachine("cli-etl")
  await createStateMachine("cli-report")
  first = await startExecution(etl, "first")
  second = await startExecution(etl, "second")
})

describe("aegea sfn (CLI)", () => {
  it("state-machines and ls (all, one state machine by name, --status)", async () => {
    const machines = await runCli(["sfn", "state-machines", "--json"])
    expect(machines.code, machines.stderr).toBe(0)
    expect((JSON.parse(machines.stdout) as Array<{ name: string }>).map((m) => m.name).sort()).toEqual(["cli-etl", "cli-report"])
    const all = await runCli(["sfn", "ls"])
    expect(all.code, all.stderr).toBe(0)
    const [header] = all.stdout.split("\n")
    for (const h of ["NAME", "STATUS", "STATE MACHINE", "STARTED", "STOPPED", "ARN"]) expect(header).toContain(h)
    const byName = await runCli(["sfn", "ls", "cli-etl", "--json"])
    const rows = JSON.parse(byName.stdout) as Array<{ name: string; status: string; stateMachine: string }>
    expect(rows.map((r) => r.name).sort()).toEqual(["first", "second"])
    expect(rows.every((r) => r.status === "RUNNING" && r.stateMachine === "cli-etl")).toBe(true)
    const failed = await runCli(["sfn", "ls", "cli-etl", "--status", "FAILED", "--json"])
    expect(JSON.parse(failed.stdout)).toEqual([])
    expect((await runCli(["sfn", "ls", "--status", "BOGUS"])).code).toBe(2)
    const missing = await runCli(["sfn", "ls", "cli-nope"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("aegea sfn state-machines")
  })

  it("describe and history", async () => {
    const described = await runCli(["sfn", "describe", first, "--json"])
    expect(described.code, described.stderr).toBe(0)
    expect(JSON.parse(described.stdout)).toMatchObject({ name: "first", status: "RUNNING", input: "{}", arn: first })
    const history = await runCli(["sfn", "history", first, "--json"])
    expect(history.code, history.stderr).toBe(0)
    const events = JSON.parse(history.stdout) as Array<{ id: number; type: string }>
    expect(events[0]).toMatchObject({ id: 1, type: "ExecutionStarted" })
    const table = await runCli(["sfn", "history", first])
    for (const h of ["ID", "TIME", "TYPE", "STATE"]) expect(table.stdout.split("\n")[0]).toContain(h)
    const missing = await runCli(["sfn", "describe", `${first}-gone`])
    expect(missing.code).toBe(5)
  })

  it("stop: refuses without --yes off a terminal, --dry-run changes nothing, --yes stops; watch then exits 1 ABORTED", async () => {
    const refused = await runCli(["sfn", "stop", second])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("--yes")
    const dry = await runCli(["sfn", "stop", second, "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toContain("dry run: would stop execution second")
    expect(JSON.parse((await runCli(["sfn", "describe", second, "--json"])).stdout)).toMatchObject({ status: "RUNNING" })
    const stopped = await runCli(["sfn", "stop", second, "--yes", "--json"])
    expect(stopped.code, stopped.stderr).toBe(0)
    expect((JSON.parse(stopped.stdout) as Array<{ status: string }>)[0]?.status).toBe("ABORTED")
    expect(JSON.parse((await runCli(["sfn", "describe", second, "--json"])).stdout)).toMatchObject({ status: "ABORTED" })
    const watched = await runCli(["sfn", "watch", second])
    expect(watched.code).toBe(1)
    expect(watched.stdout).toContain("ExecutionStarted")
    expect(watched.stderr).toContain("execution second ABORTED")
    const again = await runCli(["sfn", "stop", second, "--yes"])
    expect(again.code).toBe(0)
    expect(again.stderr).toContain("not running: nothing to stop")
  })
})
