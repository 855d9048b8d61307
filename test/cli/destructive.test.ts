// Destructive commands as a user runs them (dist/aegea.js) against moto: with no terminal to ask on
// (the test's pipes), they refuse without --yes (exit 2, one line) and change nothing; --dry-run needs
// no --yes; at a terminal the question lists what will change, with a count.
import { BatchClient, DescribeComputeEnvironmentsCommand, DescribeJobQueuesCommand, DescribeJobsCommand } from "@aws-sdk/client-batch"
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { DescribeTasksCommand, ECSClient } from "@aws-sdk/client-ecs"
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { afterAll, describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { ec2Client, sdkConfig, seedInstances, useMoto } from "../support/moto.ts"

useMoto({ each: true })
const batch = new BatchClient(sdkConfig())
const ecs = new ECSClient(sdkConfig())
const secrets = new SecretsManagerClient(sdkConfig())
afterAll(() => {
  batch.destroy()
  ecs.destroy()
  secrets.destroy()
})

/** Exit 2 and exactly one line on stderr: the refusal and its hint. */
const expectRefused = (r: { code: number; stderr: string }, what: string) => {
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1)
  expect(r.stderr.trimEnd()).toBe(`aegea: refusing to ${what} without --yes: no terminal to ask on. Pass --yes to confirm`)
  expect(r.code).toBe(2)
}

const instanceStates = async (ids: ReadonlyArray<string>) => {
  const r = await ec2Client().send(new DescribeInstancesCommand({ InstanceIds: [...ids] }))
  return (r.Reservations ?? []).flatMap((res) => res.Instances ?? []).map((i) => i.State?.Name)
}

const atTerminal = (args: ReadonlyArray<string>, answer: string) =>
  runCliOnTerminal(args, { answer: { after: "(y/N)", send: answer } })

describe("destructive commands without a terminal", () => {
  it("terminate refuses without --yes and changes nothing; --dry-run needs no --yes; -y terminates", async () => {
    const ids = await seedInstances(2, { names: ["one", "two"] })
    expectRefused(await runCli(["terminate", "one", "two"]), "terminate 2 instances")
    expectRefused(await runCli(["terminate", "one"]), `terminate instance ${ids[0]} (one)`)
    expect(await instanceStates(ids)).toEqual(["running", "running"])
    const dry = await runCli(["terminate", "one", "two", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(await instanceStates(ids)).toEqual(["running", "running"])
    // stop is not destructive: it never asks and needs no --yes
    expect((await runCli(["stop", "two"])).code).toBe(0)
    const done = await runCli(["terminate", "one", "-y", "--json"])
    expect(done.code, done.stderr).toBe(0)
    expect((await instanceStates([ids[0]!]))[0]).toMatch(/shutting-down|terminated/)
  })

  it("secrets delete refuses without --yes and changes nothing; --dry-run needs no --yes; -y deletes", async () => {
    expect((await runCli(["secrets", "put", "gone/soon"], { input: "v" })).code).toBe(0)
    expectRefused(await runCli(["secrets", "delete", "gone/soon"]), "delete secret gone/soon")
    expectRefused(await runCli(["secrets", "delete", "gone/soon", "--force"]), "delete secret gone/soon")
    expect((await runCli(["secrets", "delete", "gone/soon", "--dry-run"])).code).toBe(0)
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: "gone/soon" }))).DeletedDate).toBeUndefined()
    const done = await runCli(["secrets", "delete", "gone/soon", "--recovery-days", "7", "-y"])
    expect(done.code, done.stderr).toBe(0)
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: "gone/soon" }))).DeletedDate).toBeDefined()
  })

  it("batch terminate, cancel, delete-queue and delete-compute-environment refuse without --yes", async () => {
    const submitted = await runCli(["batch", "submit", "--command", "sleep 1000", "--name", "long", "--no-watch", "--json"], { timeoutMs: 60_000 })
    expect(submitted.code, submitted.stderr).toBe(0)
    const { jobId } = JSON.parse(submitted.stdout) as { jobId: string }
    const statusOf = async () => (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0]
    const before = await statusOf()
    for (const verb of ["terminate", "cancel"]) {
      const r = await runCli(["batch", verb, jobId])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^aegea: refusing to ${verb} job ${jobId} \\(long\\), \\w+ without --yes: no terminal to ask on\\. Pass --yes to confirm\\n$`))
    }
    expect((await statusOf())?.statusReason).toBe(before?.statusReason)
    expectRefused(await runCli(["batch", "delete-queue", "aegea_batch"]), "delete job queue aegea_batch")
    expectRefused(await runCli(["batch", "delete-compute-environment", "aegea_batch"]), "delete compute environment aegea_batch")
    expect((await batch.send(new DescribeJobQueuesCommand({ jobQueues: ["aegea_batch"] }))).jobQueues?.[0]?.state).toBe("ENABLED")
    expect((await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: ["aegea_batch"] }))).computeEnvironments?.[0]?.state).toBe("ENABLED")
    const terminated = await runCli(["batch", "terminate", jobId, "--reason", "enough", "-y"])
    expect(terminated.code, terminated.stderr).toBe(0)
    expect((await statusOf())?.statusReason).toBe("enough")
  })

  it("ecs stop refuses without --yes and leaves the task running; --yes stops it", async () => {
    const started = await runCli(["ecs", "run", "--command", "sleep 600", "--json"], { timeoutMs: 60_000 })
    expect(started.code, started.stderr).toBe(0)
    const { taskId } = JSON.parse(started.stdout) as { taskId: string }
    const r = await runCli(["ecs", "stop", taskId])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(new RegExp(`^aegea: refusing to stop task ${taskId} \\(cluster aegea_ecs\\), \\w+ without --yes: no terminal to ask on\\. Pass --yes to confirm\\n$`))
    const desired = async () => (await ecs.send(new DescribeTasksCommand({ cluster: "aegea_ecs", tasks: [taskId] }))).tasks?.[0]?.desiredStatus
    expect(await desired()).toBe("RUNNING")
    expect((await runCli(["ecs", "stop", taskId, "--yes"])).code).toBe(0)
    expect(await desired()).toBe("STOPPED")
  })
})

describe("destructive commands at a terminal", () => {
  it("terminate asks with a count and one line per instance; no changes nothing", async () => {
    const ids = await seedInstances(2, { names: ["left", "right"] })
    const r = await atTerminal(["terminate", "left", "right"], "n\r")
    expect(r.output).toContain("Terminate 2 instances?")
    expect(r.output).toMatch(new RegExp(`\\n[^\\n]*  ${ids[0]} \\(left\\)`))
    expect(r.output).toMatch(new RegExp(`\\n[^\\n]*  ${ids[1]} \\(right\\)`))
    expect(r.output).toContain("cancelled: nothing was changed")
    expect(r.code).toBe(1)
    expect(await instanceStates(ids)).toEqual(["running", "running"])
  })
})
