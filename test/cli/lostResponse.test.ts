// Issue 11: a creating request whose response is lost must not create a second resource.
//
// The CLI talks to moto through test/support/faultProxy.ts, which forwards the FIRST creating request
// (Batch SubmitJob, ECS RunTask, EC2 RunInstances) to moto, waits for moto's whole answer and then drops
// the connection without sending it: the request reached AWS, the answer was lost. With AWS_MAX_ATTEMPTS=3
// aegea may retry; what it must do is find what its first request created (by the token/tag it set in the
// request) and carry on with it, not create a second one. Each command also runs once with no fault (a
// control: the proxy passes traffic through faithfully).
//
// moto facts these tests rely on (checked on moto 5.2.1): Batch keeps SubmitJob's `tags` (DescribeJobs,
// ListTagsForResource) and ListJobs honours jobStatus and the JOB_NAME filter; ECS keeps RunTask's tags
// (DescribeTasks include TAGS) and ListTasks honours startedBy; EC2 DescribeInstances honours tag:KEY
// filters. moto does NOT honour idempotency tokens: RunInstances ClientToken and RunTask clientToken
// repeated start a second instance/task (and the `client-token` filter of DescribeInstances is HTTP 500),
// so on moto only finding the resource by its tag keeps the count at one.
import { BatchClient, DescribeJobsCommand, type JobStatus, ListJobsCommand } from "@aws-sdk/client-batch"
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { DescribeTasksCommand, type DesiredStatus, ECSClient, ListTasksCommand } from "@aws-sdk/client-ecs"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/cli.ts"
import { dropResponse, type FaultProxy, type FaultRule, operationIs, startFaultProxy } from "../support/faultProxy.ts"
import { ec2Client, motoEndpoint, sdkConfig, useMoto } from "../support/moto.ts"

useMoto({ each: true })
const batch = new BatchClient(sdkConfig())
const ecs = new ECSClient(sdkConfig())
const ec2 = ec2Client()
afterAll(() => {
  batch.destroy()
  ecs.destroy()
  ec2.destroy()
})

const proxies: Array<FaultProxy> = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})

const proxyWith = async (rules: ReadonlyArray<FaultRule>) => {
  const proxy = await startFaultProxy(motoEndpoint(), { rules })
  proxies.push(proxy)
  return proxy
}

/** aegea through the proxy, with retries on (awsTestEnv's AWS_MAX_ATTEMPTS=1 would retry nothing). */
const viaProxy = (proxy: FaultProxy, args: ReadonlyArray<string>): Promise<CliResult> =>
  runCli(args, { env: { AWS_ENDPOINT_URL: proxy.url, AWS_MAX_ATTEMPTS: "3" }, timeoutMs: 45_000 })

/** Fails with the command's output when the setup run did not succeed. */
const ok = (r: CliResult, what: string) => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`)
  return r
}

const stackTrace = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m

const jobStatuses: ReadonlyArray<JobStatus> = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"]
/** Ids of the Batch jobs named `name` in queue aegea_batch, any status. */
const jobsNamed = async (name: string): Promise<Array<string>> => {
  const ids = new Set<string>()
  for (const jobStatus of jobStatuses) {
    const r = await batch.send(new ListJobsCommand({ jobQueue: "aegea_batch", jobStatus }))
    for (const j of r.jobSummaryList ?? []) if (j.jobName === name && j.jobId) ids.add(j.jobId)
  }
  return [...ids].sort()
}

/** Ids of the tasks of cluster aegea_ecs tagged `key=value`, running or stopped. */
const tasksTagged = async (key: string, value: string): Promise<Array<string>> => {
  const arns = new Set<string>()
  for (const desiredStatus of ["RUNNING", "STOPPED"] satisfies Array<DesiredStatus>) {
    for (const arn of (await ecs.send(new ListTasksCommand({ cluster: "aegea_ecs", desiredStatus }))).taskArns ?? []) arns.add(arn)
  }
  if (arns.size === 0) return []
  const described = await ecs.send(new DescribeTasksCommand({ cluster: "aegea_ecs", tasks: [...arns], include: ["TAGS"] }))
  return (described.tasks ?? [])
    .filter((t) => (t.tags ?? []).some((tag) => tag.key === key && tag.value === value))
    .map((t) => t.taskArn?.split("/").pop() ?? "")
    .sort()
}

/** Ids of the instances named `name` that are not terminated (or shutting down). */
const instancesNamed = async (name: string): Promise<Array<string>> => {
  const r = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: "tag:Name", Values: [name] },
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }
      ]
    })
  )
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => i.InstanceId ?? "").sort()
}

describe("a lost response to a creating request creates nothing twice (CLI through a fault proxy on moto)", () => {
  describe("aegea batch submit", () => {
    /** The default queue aegea_batch, made by a first submit straight to moto. */
    const setUpQueue = async () => ok(await runCli(["batch", "submit", "--command", "true", "--name", "setup"], { timeoutMs: 45_000 }), "setup submit")
    const submit = (proxy: FaultProxy, name: string) => viaProxy(proxy, ["batch", "submit", "--command", "echo lost", "--name", name, "--json"])

    it("control: with no fault, one SubmitJob reaches moto and one job exists", async () => {
      await setUpQueue()
      const proxy = await proxyWith([])
      const r = await submit(proxy, "control_job")
      expect(r.stderr).not.toMatch(stackTrace)
      expect(r.code).toBe(0)
      const jobs = await jobsNamed("control_job")
      expect(jobs).toHaveLength(1)
      expect((JSON.parse(r.stdout) as { jobId: string }).jobId).toBe(jobs[0])
      expect(proxy.reached("SubmitJob")).toBe(1)
      expect(proxy.log.every((e) => e.action === "forward" && e.error === undefined)).toBe(true)
    })

    it("the response to SubmitJob is lost: exactly one job, found and reported, exit 0", async () => {
      await setUpQueue()
      const proxy = await proxyWith([
        { name: "lose the first SubmitJob response", match: (r) => operationIs("SubmitJob")(r) && r.body.includes(`"lost_job"`), action: dropResponse(), times: 1 }
      ])
      const r = await submit(proxy, "lost_job")
      const jobs = await jobsNamed("lost_job")
      // all at once, so that a failure shows the whole picture
      expect({ jobs: jobs.length, submitJobsThatReachedMoto: proxy.reached("SubmitJob"), code: r.code }).toEqual({
        jobs: 1,
        submitJobsThatReachedMoto: 1,
        code: 0
      })
      expect(proxy.log.find((e) => e.operation === "SubmitJob")).toMatchObject({ action: "dropResponse", status: 200 })
      expect(r.stderr).not.toMatch(stackTrace)
      expect(r.stderr).toMatch(/lost/i)
      expect(r.stderr).toContain(jobs[0])
      expect((JSON.parse(r.stdout) as { jobId: string }).jobId).toBe(jobs[0])
    })
  })

  describe("aegea ecs run", () => {
    /** The cluster aegea_ecs (and its security group, log group, roles), made by a first run straight to moto. */
    const setUpCluster = async () => ok(await runCli(["ecs", "run", "--command", "true", "--tags", "run=setup"], { timeoutMs: 45_000 }), "setup run")
    const run = (proxy: FaultProxy, tag: string) => viaProxy(proxy, ["ecs", "run", "--command", "sleep 600", "--tags", `run=${tag}`, "--json"])

    it("control: with no fault, one RunTask reaches moto and one task exists", async () => {
      await setUpCluster()
      const proxy = await proxyWith([])
      const r = await run(proxy, "control")
      expect(r.stderr).not.toMatch(stackTrace)
      expect(r.code).toBe(0)
      const tasks = await tasksTagged("run", "control")
      expect(tasks).toHaveLength(1)
      expect((JSON.parse(r.stdout) as { taskId: string }).taskId).toBe(tasks[0])
      expect(proxy.reached("RunTask")).toBe(1)
      expect(proxy.log.every((e) => e.action === "forward" && e.error === undefined)).toBe(true)
    })

    it("the response to RunTask is lost: exactly one task, found and reported, exit 0", async () => {
      await setUpCluster()
      const proxy = await proxyWith([
        { name: "lose the first RunTask response", match: (r) => operationIs("RunTask")(r) && r.body.includes(`"lost"`), action: dropResponse(), times: 1 }
      ])
      const r = await run(proxy, "lost")
      const tasks = await tasksTagged("run", "lost")
      expect({ tasks: tasks.length, runTasksThatReachedMoto: proxy.reached("RunTask"), code: r.code }).toEqual({
        tasks: 1,
        runTasksThatReachedMoto: 1,
        code: 0
      })
      expect(proxy.log.find((e) => e.operation === "RunTask")).toMatchObject({ action: "dropResponse", status: 200 })
      // had it been sent again, it would have had to carry the same client token (the SDK makes a new one per command)
      const tokens = proxy.log.filter((e) => e.operation === "RunTask").map((e) => (JSON.parse(e.body) as { clientToken?: string }).clientToken)
      expect(new Set(tokens).size).toBe(1)
      expect(r.stderr).not.toMatch(stackTrace)
      expect(r.stderr).toMatch(/lost/i)
      expect(r.stderr).toContain(tasks[0])
      expect((JSON.parse(r.stdout) as { taskId: string }).taskId).toBe(tasks[0])
    })
  })

  describe("aegea launch", () => {
    const launch = (proxy: FaultProxy, name: string) => viaProxy(proxy, ["launch", name, "--amazon-linux-ami", "--no-wait", "--json"])

    it("control: with no fault, one RunInstances reaches moto and one instance exists", async () => {
      const proxy = await proxyWith([])
      const r = await launch(proxy, "control-box")
      expect(r.stderr).not.toMatch(stackTrace)
      expect(r.code).toBe(0)
      const instances = await instancesNamed("control-box")
      expect(instances).toHaveLength(1)
      expect((JSON.parse(r.stdout) as Array<{ id: string }>)[0]?.id).toBe(instances[0])
      expect(proxy.reached("RunInstances")).toBe(1)
      expect(proxy.log.every((e) => e.action === "forward" && e.error === undefined)).toBe(true)
    })

    it("the response to RunInstances is lost: exactly one instance, found and reported, exit 0", async () => {
      const proxy = await proxyWith([
        { name: "lose the first RunInstances response", match: operationIs("RunInstances"), action: dropResponse(), times: 1 }
      ])
      const r = await launch(proxy, "lost-box")
      const instances = await instancesNamed("lost-box")
      expect({ instances: instances.length, runInstancesThatReachedMoto: proxy.reached("RunInstances"), code: r.code }).toEqual({
        instances: 1,
        runInstancesThatReachedMoto: 1,
        code: 0
      })
      expect(proxy.log.find((e) => e.operation === "RunInstances")).toMatchObject({ action: "dropResponse", status: 200 })
      // had it been sent again, it would have had to carry the same ClientToken (moto ignores it; AWS does not)
      const tokens = proxy.log.filter((e) => e.operation === "RunInstances").map((e) => new URLSearchParams(e.body).get("ClientToken"))
      expect(new Set(tokens).size).toBe(1)
      expect(r.stderr).not.toMatch(stackTrace)
      expect(r.stderr).toMatch(/lost/i)
      expect(r.stderr).toContain(instances[0])
      expect((JSON.parse(r.stdout) as Array<{ id: string }>)[0]?.id).toBe(instances[0])
    })
  })
})
