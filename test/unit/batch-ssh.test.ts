// `aegea batch ssh`: where a job's container is (jobTarget), and the shell line the EC2 path sends to the
// instance, run here by a real /bin/sh with stand-in `sudo` and `docker` commands on PATH.
import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { clusterOfArn, dockerExecLine, ec2SessionDocument, jobTarget } from "../../src/commands/batch/ssh.ts"
import type { Job } from "../../src/services/Batch.ts"
import { Ecs } from "../../src/services/Ecs.ts"
import { EcsMemory } from "../../src/testing/EcsMemory.ts"

const taskArn = "arn:aws:ecs:us-east-1:123456789012:task/aegea_batch_Batch_1a2b/0123456789abcdef0123456789abcdef"
const instanceArn = "arn:aws:ecs:us-east-1:123456789012:container-instance/aegea_batch_Batch_1a2b/fedcba9876543210fedcba9876543210"

const job = (fields: Partial<Job>): Job => ({
  id: "job-1",
  name: "nightly",
  status: "RUNNING",
  queue: "q",
  jobDefinition: "def",
  command: [],
  environment: {},
  parameters: {},
  dependsOn: [],
  ...fields
})

const failure = (j: Job) => {
  const exit = Effect.runSyncExit(jobTarget(j))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error
}

describe("batch ssh: the job's container", () => {
  it("reads the cluster from long-format task and container-instance ARNs only", () => {
    expect(clusterOfArn(taskArn)).toBe("aegea_batch_Batch_1a2b")
    expect(clusterOfArn(instanceArn)).toBe("aegea_batch_Batch_1a2b")
    expect(clusterOfArn("arn:aws:ecs:us-east-1:123456789012:task/0123456789abcdef")).toBeUndefined()
    expect(clusterOfArn("arn:aws:batch:us-east-1:123456789012:job-definition/x:1")).toBeUndefined()
  })

  it("EC2 with a container instance, Fargate without; not RUNNING or no task yet is one clear error", () => {
    expect(Effect.runSync(jobTarget(job({ taskArn, containerInstanceArn: instanceArn, platform: "EC2" })))).toEqual({
      kind: "ec2",
      cluster: "aegea_batch_Batch_1a2b",
      containerInstanceArn: instanceArn,
      taskArn
    })
    expect(Effect.runSync(jobTarget(job({ taskArn, platform: "FARGATE" })))).toEqual({ kind: "fargate", cluster: "aegea_batch_Batch_1a2b", taskArn })
    const runnable = failure(job({ status: "RUNNABLE" }))
    expect(runnable.summary).toBe(
      "job job-1 (nightly) is RUNNABLE, not RUNNING: there is no container to open a shell in. Wait for it to start ('aegea batch watch job-1' follows its status)"
    )
    expect(failure(job({ status: "SUCCEEDED" })).summary).toContain("It has ended; 'aegea batch logs job-1' prints its output")
    expect(failure(job({})).summary).toBe("AWS Batch does not report the ECS task of job job-1 (nightly). Try again in a few seconds")
    expect(failure(job({ taskArn, platform: "EC2" })).summary).toContain("does not report the container instance")
    expect(failure(job({ arraySize: 3 })).summary).toBe(
      "job job-1 (nightly) is an array job of 3: its children run the containers. Name one child, e.g. 'aegea batch ssh job-1:0'"
    )
  })

  it("the Session Manager request: AWS-StartInteractiveCommand with the docker exec line", () => {
    expect(ec2SessionDocument(taskArn, "ps aux")).toEqual({
      kind: "shell",
      document: "AWS-StartInteractiveCommand",
      parameters: { command: [dockerExecLine(taskArn, "ps aux")] }
    })
  })
})

describe("batch ssh: the docker exec line, run by sh", () => {
  const dir = mkdtempSync(join(tmpdir(), "aegea-batch-ssh-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const log = join(dir, "docker.log")
  // sudo runs its arguments; docker logs its argv, prints the ids of `containers` for ps (ECS's pause
  // container first) and a container's name label for inspect.
  const fake = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(dir, name), 0o755)
  }
  fake("sudo", 'exec "$@"')
  const containers = JSON.stringify(join(dir, "containers"))
  fake(
    "docker",
    [
      `printf '%s|' "$@" >> ${JSON.stringify(log)}; echo >> ${JSON.stringify(log)}`,
      `if [ "$1" = ps ]; then cut -d ' ' -f 1 ${containers}; fi`,
      `if [ "$1" = inspect ]; then for last; do :; done; grep "^$last " ${containers} | cut -d ' ' -f 2; fi`
    ].join("\n")
  )
  const run = (containers: string, command: string) => {
    writeFileSync(join(dir, "containers"), containers)
    writeFileSync(log, "")
    try {
      const stdout = execFileSync("/bin/sh", ["-c", dockerExecLine(taskArn, command)], {
        env: { PATH: `${dir}:/usr/bin:/bin` },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"]
      })
      return { code: 0, stdout, stderr: "", calls: readFileSync(log, "utf8").trim().split("\n") }
    } catch (e) {
      const failed = e as { status: number; stdout: string; stderr: string }
      return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr, calls: readFileSync(log, "utf8").trim().split("\n") }
    }
  }

  it("execs the command in the task's container, not ECS's pause container, with a terminal (-it)", () => {
    const r = run("aaa111 ~internal~ecs~pause\nbbb222 default\n", "ps aux")
    expect(r.code).toBe(0)
    expect(r.calls).toEqual([
      `ps|-q|-f|label=com.amazonaws.ecs.task-arn=${taskArn}|`,
      `inspect|-f|{{index .Config.Labels "com.amazonaws.ecs.container-name"}}|aaa111|`,
      `inspect|-f|{{index .Config.Labels "com.amazonaws.ecs.container-name"}}|bbb222|`,
      "exec|-it|bbb222|ps|aux|"
    ])
  })

  it("with no container of the task on the instance, says so on stderr and exits 1 without docker exec", () => {
    const r = run("aaa111 ~internal~ecs~pause\n", "/bin/bash -l")
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe(`aegea: no running container of task ${taskArn} on this instance`)
    expect(r.calls.some((c) => c.startsWith("exec|"))).toBe(false)
  })
})

describe("EcsMemory container instances (the EC2 path's DescribeContainerInstances)", () => {
  it("finds a seeded container instance by ARN or id; another is ResourceNotFound", async () => {
    const layer = EcsMemory.layer({
      clusters: ["aegea_batch_Batch_1a2b"],
      containerInstances: [{ cluster: "aegea_batch_Batch_1a2b", arn: instanceArn, ec2InstanceId: "i-0123456789abcdef0" }]
    })
    const describe = (id: string) =>
      Effect.runPromise(Effect.gen(function*() {
        return yield* (yield* Ecs).describeContainerInstance("aegea_batch_Batch_1a2b", id)
      }).pipe(Effect.provide(layer), Effect.result))
    const byArn = await describe(instanceArn)
    const byId = await describe("fedcba9876543210fedcba9876543210")
    expect(byArn._tag === "Success" ? byArn.success : undefined).toEqual({ arn: instanceArn, ec2InstanceId: "i-0123456789abcdef0", status: "ACTIVE" })
    expect(byId._tag === "Success" ? byId.success.ec2InstanceId : undefined).toBe("i-0123456789abcdef0")
    const missing = await describe("0000")
    expect(missing._tag === "Failure" ? missing.failure._tag : undefined).toBe("ResourceNotFound")
  })
})
