// `aegea ecs` as a user runs it (dist/aegea.js) against moto: exit codes, stdout, stderr, nothing left behind.
import { DescribeClustersCommand, ECSClient, ListClustersCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto({ each: true })
const ecs = new ECSClient(sdkConfig())
afterAll(() => ecs.destroy())

describe("aegea ecs (CLI on moto)", () => {
  it("run --watch goes from an empty account to STOPPED and exit 0", async () => {
    const r = await runCli(["ecs", "run", "--command", "echo hello", "--watch"], { timeoutMs: 60_000 })
    expect(r.stderr).toMatch(/^created ECS cluster aegea_ecs$/m)
    expect(r.stderr).toMatch(/^created log group \/aegea\/ecs$/m)
    expect(r.stderr).toMatch(/^registered task definition aegea_ecs_[0-9a-f]{12}:1$/m)
    expect(r.stderr).toMatch(/^\S+Z task \S+ \(cluster aegea_ecs\): STOPPED$/m)
    expect(r.code).toBe(0)
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ["aegea_ecs"] }))
    expect(clusters.clusters?.[0]?.status).toBe("ACTIVE")
  })

  it("run, tasks, stop and watch a task by id", async () => {
    const started = await runCli(["ecs", "run", "--command", "sleep 600", "--json"])
    expect(started.code).toBe(0)
    const { taskId } = JSON.parse(started.stdout) as { taskId: string }
    const tasks = await runCli(["ecs", "tasks", "--cluster", "aegea_ecs", "--json"])
    expect((JSON.parse(tasks.stdout) as Array<{ id: string }>).map((t) => t.id)).toEqual([taskId])
    const stop = await runCli(["ecs", "stop", taskId, "--reason", "enough", "--yes"])
    expect(stop.stderr).toMatch(new RegExp(`stopping task ${taskId} \\(cluster aegea_ecs\\)`))
    expect(stop.code).toBe(0)
    const watch = await runCli(["ecs", "watch", taskId])
    expect(watch.stderr).toMatch(new RegExp(`task ${taskId} \\(cluster aegea_ecs\\): STOPPED \\(enough\\)`))
    expect(watch.code).toBe(0)
  })

  it("--dry-run prints both requests as JSON and creates nothing", async () => {
    const r = await runCli(["ecs", "run", "--command", "echo hi", "--dry-run", "--json"])
    expect(r.code).toBe(0)
    const printed = JSON.parse(r.stdout) as { RegisterTaskDefinition: { family: string }; RunTask: { taskDefinition: string; launchType: string } }
    expect(printed.RunTask.taskDefinition).toBe(printed.RegisterTaskDefinition.family)
    expect(printed.RunTask.launchType).toBe("FARGATE")
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([])
    expect((await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns).toEqual([])
  })

  it("bad input gets one clear line and the right exit code", async () => {
    const unknownTask = "0123456789abcdef0123456789abcdef"
    const cases: Array<[Array<string>, number, RegExp]> = [
      [["ecs", "run", "--command", "x", "--cluster", "nope"], 5, /no ECS cluster named "nope"/],
      [["ecs", "run", "--command", "x", "--fargate-cpu", "256", "--fargate-memory", "4096"], 2, /needs --fargate-memory 512, 1024, 2048/],
      [["ecs", "run", "--command", "x", "--fargate-cpu", "lots"], 2, /invalid --fargate-cpu "lots"/],
      [["ecs", "run", "--execute", "/nonexistent/job.sh"], 2, /cannot read --execute file \/nonexistent\/job\.sh/],
      [["ecs", "tasks", "--cluster", "nope"], 5, /no ECS cluster named "nope"/],
      [["ecs", "logs", unknownTask], 5, /no ECS cluster named "aegea_ecs"/]
    ]
    for (const [args, code, message] of cases) {
      const r = await runCli(args)
      expect(r.stderr.trim().split("\n")).toHaveLength(1)
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(code)
    }
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([])
    expect((await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns).toEqual([])
  })

  it("an unknown task id in an existing cluster is not found (exit 5)", async () => {
    expect((await runCli(["ecs", "run", "--command", "true"])).code).toBe(0)
    for (const sub of ["watch", "logs", "stop"]) {
      const r = await runCli(["ecs", sub, "0123456789abcdef0123456789abcdef"])
      expect(r.stderr).toMatch(/no ECS task named "0123456789abcdef0123456789abcdef"/)
      expect(r.code).toBe(5)
    }
  })
})
