// `aegea batch ssh` end to end on loopback. moto cannot run Batch jobs on ECS, so DescribeJobs is answered
// by a small stand-in here (AWS_ENDPOINT_URL_BATCH) with jobs that point at real moto ECS tasks and
// container instances; Session Manager and ECS Exec go to the SSM stand-in (test/support/ssmStandIn.ts),
// which runs the session's command with a local /bin/sh: the Fargate path's command runs as is, the EC2
// path's `sudo docker exec` line finds no container here and says so.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2"
import {
  CreateClusterCommand,
  ECSClient,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand
} from "@aws-sdk/client-ecs"
import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dockerExecLine } from "../../src/commands/batch/ssh.ts"
import { runCli } from "../support/cli.ts"
import { ec2Client, motoEndpoint, sdkConfig, seedInstances, useMoto } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

useMoto()

const cluster = "aegea_batch_Batch_0f1e2d"
let standIn: SsmStandIn
let batchServer: Server
let batchEndpoint = ""
let instanceId = ""
const jobs = new Map<string, Record<string, unknown>>()

const job = (id: string, status: string, container: Record<string, unknown>, platform: "EC2" | "FARGATE") => {
  jobs.set(id, {
    jobId: id,
    jobName: `name-${id}`,
    jobArn: `arn:aws:batch:us-east-1:123456789012:job/${id}`,
    jobQueue: "arn:aws:batch:us-east-1:123456789012:job-queue/aegea_batch",
    jobDefinition: "arn:aws:batch:us-east-1:123456789012:job-definition/aegea_ssh:1",
    status,
    createdAt: Date.now() - 60_000,
    ...(status === "RUNNING" ? { startedAt: Date.now() - 30_000 } : {}),
    platformCapabilities: [platform],
    container: { image: "ubuntu", command: ["sleep", "600"], ...container }
  })
}

beforeAll(async () => {
  const [box] = await seedInstances(1, { names: ["batch-host"] })
  instanceId = box!
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [instanceId] })
  // ECS through the stand-in (it remembers which tasks were started with ECS Exec).
  const ecs = new ECSClient({ ...sdkConfig(), endpoint: standIn.endpoint })
  const ec2 = ec2Client()
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }))
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: "aegea_ssh",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "default", image: "ubuntu", essential: true, cpu: 256, memory: 512 }]
    }))
    const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.SubnetId ?? ""
    const securityGroup = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups?.[0]?.GroupId ?? ""
    const run = async (enableExecuteCommand: boolean) =>
      (await ecs.send(new RunTaskCommand({
        cluster,
        taskDefinition: "aegea_ssh",
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [securityGroup] } },
        enableExecuteCommand
      }))).tasks?.[0]?.taskArn ?? ""
    const withExec = await run(true)
    const withoutExec = await run(false)
    const registered = await ecs.send(new RegisterContainerInstanceCommand({
      cluster,
      instanceIdentityDocument: JSON.stringify({ instanceId, region: "us-east-1", accountId: "123456789012" })
    }))
    const containerInstanceArn = registered.containerInstance?.containerInstanceArn ?? ""
    expect(withExec).toMatch(new RegExp(`:task/${cluster}/`))
    expect(containerInstanceArn).toMatch(new RegExp(`:container-instance/${cluster}/`))
    job("fargate-exec", "RUNNING", { taskArn: withExec, enableExecuteCommand: true }, "FARGATE")
    job("fargate-off", "RUNNING", { taskArn: withoutExec, enableExecuteCommand: false }, "FARGATE")
    job("fargate-refused", "RUNNING", { taskArn: withoutExec }, "FARGATE")
    job("ec2", "RUNNING", { taskArn: withExec, containerInstanceArn }, "EC2")
    job("waiting", "RUNNABLE", {}, "EC2")
  } finally {
    ecs.destroy()
    ec2.destroy()
  }
  // DescribeJobs (REST JSON: POST /v1/describejobs) and nothing else.
  batchServer = createServer((req, res) => {
    let body = ""
    req.on("data", (d: Buffer) => (body += d.toString("utf8")))
    req.on("end", () => {
      const ids = req.url === "/v1/describejobs" ? ((JSON.parse(body || "{}") as { jobs?: Array<string> }).jobs ?? []) : undefined
      res.writeHead(ids === undefined ? 404 : 200, { "Content-Type": "application/json" })
      res.end(JSON.stringify(ids === undefined ? { __type: "ClientException", message: `not in the stand-in: ${req.url}` } : { jobs: ids.flatMap((id) => jobs.get(id) ?? []) }))
    })
  })
  await new Promise<void>((resolve) => batchServer.listen(0, "127.0.0.1", resolve))
  const address = batchServer.address()
  batchEndpoint = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : ""
})

afterAll(async () => {
  await standIn?.close()
  await new Promise<void>((resolve) => (batchServer ? batchServer.close(() => resolve()) : resolve()))
})

const env = () => ({ AWS_ENDPOINT_URL_SSM: standIn.endpoint, AWS_ENDPOINT_URL_ECS: standIn.endpoint, AWS_ENDPOINT_URL_BATCH: batchEndpoint })

describe("aegea batch ssh", () => {
  it("Fargate: runs the command in the job's task through ECS Exec; without ECS Exec, one hint line (exit 1)", async () => {
    const before = standIn.sessions.length
    const r = await runCli(["batch", "ssh", "fargate-exec", "--", "echo", "from-$((40+2))"], { env: env() })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^from-42$/m)
    const session = standIn.sessions[before]!
    expect(session.target).toMatch(new RegExp(`^ecs:arn:aws:ecs:us-east-1:\\d+:task/${cluster}/`))
    expect(session.parameters.command).toEqual(["echo from-$((40+2))"])

    const hint = /ECS Exec is turned on when a task starts: set enableExecuteCommand in the job definition's container properties and submit the job again$/
    for (const id of ["fargate-off", "fargate-refused"]) {
      const refused = await runCli(["batch", "ssh", id], { env: env() })
      expect(refused.code).toBe(1)
      expect(refused.stderr.trim().split("\n")).toHaveLength(1)
      expect(refused.stderr).toMatch(new RegExp(`^aegea: job ${id} \\(name-${id}\\) runs on Fargate without ECS Exec`))
      expect(refused.stderr.trim()).toMatch(hint)
    }
    expect(standIn.sessions.length).toBe(before + 1)
  })

  it("EC2: a Session Manager session on the job's instance runs the docker exec line; a job not running is one error line", async () => {
    const before = standIn.sessions.length
    const r = await runCli(["batch", "ssh", "ec2", "--", "ps", "aux"], { env: env() })
    const session = standIn.sessions[before]!
    expect(session.target).toBe(instanceId)
    expect(session.documentName).toBe("AWS-StartInteractiveCommand")
    const taskArn = String((jobs.get("ec2")!.container as { taskArn: string }).taskArn)
    expect(session.parameters.command).toEqual([dockerExecLine(taskArn, "ps aux")])
    // Here the line runs on this machine, where no container carries the task's label.
    expect(r.stdout + r.stderr).toContain(`aegea: no running container of task ${taskArn} on this instance`)
    expect(r.stderr).toMatch(new RegExp(`^session \\S+ on ${instanceId}, job ec2 \\(name-ec2\\): ps aux$`, "m"))

    const waiting = await runCli(["batch", "ssh", "waiting"], { env: env() })
    expect(waiting.code).toBe(1)
    expect(waiting.stderr.trim()).toBe(
      "aegea: job waiting (name-waiting) is RUNNABLE, not RUNNING: there is no container to open a shell in. Wait for it to start ('aegea batch watch waiting' follows its status)"
    )
  })
})
