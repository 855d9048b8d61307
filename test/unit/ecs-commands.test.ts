/** `aegea ecs` through the real parser (Command.runWith) against aegea/testing layers, on the TestClock. */
import { cliSummary } from "../../src/commands/remedies.ts"
import type { AegeaError } from "../../src/errors.ts"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { ecsCommand } from "../../src/commands/ecs.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { defaults } from "../../src/defaults.ts"
import { linesOf } from "../../src/lib/shellCommand.ts"
import { Ecs } from "../../src/services/Ecs.ts"
import { Logs } from "../../src/services/Logs.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { EfsMemory } from "../../src/testing/EfsMemory.ts"
import { S3StagingMemory } from "../../src/testing/S3StagingMemory.ts"
import { EcsMemory, EcsMemoryState, type TaskScript } from "../../src/testing/EcsMemory.ts"
import { IamMemory, IamMemoryState } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const root = Command.make("aegea").pipe(Command.withSubcommands([ecsCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const layers = (script: (lines: ReadonlyArray<string>) => TaskScript = () => ({}), clusters: ReadonlyArray<string> = []) =>
  Layer.mergeAll(
    NodeServices.layer,
    EcsMemory.layer({ clusters, script: (r) => script(linesOf(r.overrides.containerOverrides[0]?.command ?? []) ?? []) }).pipe(
      Layer.provideMerge(LogsMemory.layer())
    ),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    S3StagingMemory.layer(),
    EfsMemory.layer(),
    OutputTest.layer({ format: "json" }),
    layerFromValue(structuredClone(defaults))
  )

type Failure = { _tag?: string; exitCode?: number; message?: string; summary?: string } | undefined

/** Run a command to its end on the TestClock; returns the failure, if any. */
const run = (...argv: Array<string>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as unknown), Effect.catch(() => Effect.succeed(undefined))))
    yield* TestClock.adjust("5 minutes")
    return (yield* Fiber.join(fiber)) as Failure
  })

/** `ecs run` without --watch; returns the started task's id. */
const started = (...argv: Array<string>) =>
  Effect.gen(function*() {
    const out = yield* OutputCapture
    yield* out.clear
    const error = yield* run("ecs", "run", ...argv)
    assert.isUndefined(error, error?.summary)
    const { taskId } = JSON.parse(yield* out.stdoutText) as { taskId: string }
    yield* out.clear
    return taskId
  })

describe("aegea ecs run", () => {
  it.effect("creates what is missing, runs the task, prints its log lines and succeeds", () =>
    Effect.gen(function*() {
      const error = yield* run("ecs", "run", "--command", "echo hello", "--command", "echo world", "--environment", "A=1", "--tags", "team=x", "--watch")
      assert.isUndefined(error, error?.summary)
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, ["hello", "world"])
      const stderr = yield* out.stderr
      for (const expected of [
        /^created IAM role aegea\.fargate_execution/,
        /^created security group aegea_ecs \(sg-/,
        /^created ECS cluster aegea_ecs$/,
        /^created log group \/aegea\/ecs$/,
        /^registered task definition aegea_ecs_[0-9a-f]{12}:1$/,
        /^started task [0-9a-f]{32} \(aegea_ecs_[0-9a-f]{12}:1\) in cluster aegea_ecs$/,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ task [0-9a-f]{32} \(cluster aegea_ecs\): RUNNING$/,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ task [0-9a-f]{32} \(cluster aegea_ecs\): STOPPED \(Essential container in task exited\)$/
      ]) assert.isTrue(stderr.some((l) => expected.test(l)), `${expected} in ${stderr.join("\n")}`)
      const [request] = yield* (yield* EcsMemoryState).started
      assert.deepStrictEqual(linesOf(request?.overrides.containerOverrides[0]?.command ?? []), ["echo hello", "echo world"])
      assert.deepStrictEqual(request?.overrides.containerOverrides[0]?.environment, [{ name: "A", value: "1" }])
      assert.deepStrictEqual(request?.tags, [{ key: "team", value: "x" }])
      assert.deepStrictEqual(request?.networkConfiguration?.awsvpcConfiguration.subnets, ["subnet-a", "subnet-b", "subnet-c"])
      assert.strictEqual(request?.launchType, "FARGATE")
      const roles = yield* (yield* IamMemoryState).createdRoles
      assert.deepStrictEqual(roles.map((r) => r.trustedService), ["ecs-tasks.amazonaws.com"])
    }).pipe(Effect.provide(layers((lines) => ({ logLines: lines.map((l) => l.replace(/^echo /, "")) })))))

  it.effect("exits with the container's exit code when it is not 0", () =>
    Effect.gen(function*() {
      const error = yield* run("ecs", "run", "--command", "exit 3", "--watch")
      assert.strictEqual(error?._tag, "OperationFailed")
      assert.strictEqual(error?.exitCode, 3)
      assert.match(error?.message ?? "", /^task [0-9a-f]{32} \(cluster aegea_ecs\) failed: Essential container in task exited \(exit code 3\)$/)
    }).pipe(Effect.provide(layers(() => ({ exitCode: 3 })))))

  it.effect("exits 1 with the stoppedReason when the task stopped without an exit code", () =>
    Effect.gen(function*() {
      const error = yield* run("ecs", "run", "--command", "true", "--image", "no/such:image", "--watch")
      assert.strictEqual(error?.exitCode, 1)
      assert.match(error?.message ?? "", /failed: CannotPullContainerError: pull access denied$/)
    }).pipe(Effect.provide(layers(() => ({ failBeforeRunning: "CannotPullContainerError: pull access denied" })))))

  it.effect("reuses the task definition of the same shape, registers a new one for a new shape, creates things once", () =>
    Effect.gen(function*() {
      yield* started("--command", "true")
      yield* started("--command", "false")
      const out = yield* OutputCapture
      yield* run("ecs", "run", "--command", "true", "--fargate-cpu", "1 vCPU", "--fargate-memory", "2GB")
      const registered = yield* (yield* EcsMemoryState).registered
      assert.strictEqual(registered.length, 2)
      assert.deepStrictEqual([registered[1]?.cpu, registered[1]?.memory], ["1024", "2048"])
      assert.strictEqual(registered[1]?.containerDefinitions[0]?.memory, 2048)
      assert.notStrictEqual(registered[0]?.family, registered[1]?.family)
      assert.isFalse((yield* out.stderr).some((l) => l.startsWith("created")), "the third run created nothing")
      assert.strictEqual((yield* (yield* EcsMemoryState).started).length, 3)
    }).pipe(Effect.provide(layers())))

  it.effect("--dry-run prints both requests and creates nothing", () =>
    Effect.gen(function*() {
      const error = yield* run("ecs", "run", "--command", "echo hi", "--environment", "A=1", "--dry-run")
      assert.isUndefined(error, error?.summary)
      const printed = JSON.parse(yield* (yield* OutputCapture).stdoutText) as {
        RegisterTaskDefinition: { family: string; executionRoleArn: string; cpu: string; memory: string }
        RunTask: { taskDefinition: string; cluster: string; launchType: string; overrides: { containerOverrides: Array<{ environment: Array<unknown> }> } }
      }
      assert.strictEqual(printed.RunTask.taskDefinition, printed.RegisterTaskDefinition.family)
      assert.deepStrictEqual([printed.RunTask.cluster, printed.RunTask.launchType], ["aegea_ecs", "FARGATE"])
      assert.deepStrictEqual(printed.RunTask.overrides.containerOverrides[0]?.environment, [{ name: "A", value: "1" }])
      assert.deepStrictEqual([printed.RegisterTaskDefinition.cpu, printed.RegisterTaskDefinition.memory], ["256", "512"])
      assert.strictEqual(printed.RegisterTaskDefinition.executionRoleArn, "arn:aws:iam::123456789012:role/aegea.fargate_execution")
      assert.strictEqual((yield* Stream.runCollect((yield* Ecs).clusters())).length, 0)
      assert.strictEqual((yield* Stream.runCollect((yield* Logs).groups())).length, 0)
      assert.deepStrictEqual(yield* (yield* EcsMemoryState).registered, [])
      assert.deepStrictEqual(yield* (yield* IamMemoryState).createdRoles, [])
    }).pipe(Effect.provide(layers())))

  it.effect("bad input: unknown cluster (5), bad cpu/memory (2), missing --execute file (2), nothing to run (2)", () =>
    Effect.gen(function*() {
      const cluster = yield* run("ecs", "run", "--command", "x", "--cluster", "nope")
      assert.strictEqual(cluster?._tag, "ResourceNotFound")
      assert.match(cluster?.summary ?? "", /no ECS cluster named "nope"/)
      const size = yield* run("ecs", "run", "--command", "x", "--fargate-cpu", "256", "--fargate-memory", "4096")
      assert.strictEqual(size?._tag, "UsageError")
      assert.match(cliSummary(size as AegeaError), /Fargate with 0\.25 vCPUs needs --fargate-memory 512, 1024, 2048 \(MiB\), not 4096/)
      // the error a program reads names the request field, not the flag
      assert.match(size?.summary ?? "", /^invalid cpu\/memory for Fargate: Fargate with 0\.25 vCPUs needs memory 512, 1024, 2048 \(MiB\), not 4096/)
      const words = yield* run("ecs", "run", "--command", "x", "--fargate-cpu", "lots")
      assert.strictEqual(words?._tag, "UsageError")
      const file = yield* run("ecs", "run", "--execute", "/nonexistent/job.sh")
      assert.strictEqual(file?._tag, "UsageError")
      assert.match(file?.summary ?? "", /cannot read --execute file \/nonexistent\/job\.sh: no such file/)
      assert.strictEqual((yield* run("ecs", "run"))?._tag, "UsageError")
      assert.deepStrictEqual(yield* (yield* EcsMemoryState).started, [])
      assert.deepStrictEqual(yield* (yield* IamMemoryState).createdRoles, [])
    }).pipe(Effect.provide(layers())))
})

describe("aegea ecs tasks, watch, logs, stop", () => {
  it.effect("lists clusters, tasks and task definitions; stops a task; unknown ids and clusters are not found", () =>
    Effect.gen(function*() {
      const id = yield* started("--command", "sleep 1000")
      const out = yield* OutputCapture
      yield* run("ecs", "tasks", "--status", "RUNNING")
      const rows = JSON.parse(yield* out.stdoutText) as Array<{ id: string; cluster: string; lastStatus: string; taskDefinition: string }>
      assert.deepStrictEqual(rows.map((r) => [r.id, r.cluster, r.lastStatus]), [[id, "aegea_ecs", "RUNNING"]])
      assert.match(rows[0]?.taskDefinition ?? "", /^aegea_ecs_[0-9a-f]{12}:1$/)
      yield* out.clear
      yield* run("ecs", "clusters")
      const clusters = JSON.parse(yield* out.stdoutText) as Array<{ name: string; runningTasks: number }>
      assert.deepStrictEqual(clusters.map((c) => [c.name, c.runningTasks]), [["aegea_ecs", 1]])
      yield* out.clear
      yield* run("ecs", "task-definitions")
      const definitions = JSON.parse(yield* out.stdoutText) as Array<{ family: string; revision: number }>
      assert.strictEqual(definitions.length, 1)
      yield* out.clear
      assert.isUndefined(yield* run("ecs", "stop", id, "--reason", "enough", "--yes"))
      assert.match((yield* out.stderr).join("\n"), new RegExp(`stopping task ${id} \\(cluster aegea_ecs\\), RUNNING`))
      const task = yield* (yield* Ecs).describeTask("aegea_ecs", id)
      assert.deepStrictEqual([task.lastStatus, task.stoppedReason], ["STOPPED", "enough"])
      yield* out.clear
      yield* run("ecs", "tasks", "--cluster", "aegea_ecs", "--status", "STOPPED")
      assert.deepStrictEqual((JSON.parse(yield* out.stdoutText) as Array<{ id: string }>).map((r) => r.id), [id])
      const unknown = "f".repeat(32)
      for (const argv of [["stop", unknown], ["watch", unknown], ["logs", unknown], ["tasks", "--cluster", "nope"], ["watch", id, "--cluster", "nope"]]) {
        const error = yield* run("ecs", ...argv)
        assert.strictEqual(error?._tag, "ResourceNotFound", argv.join(" "))
      }
    }).pipe(Effect.provide(layers(() => ({ runFor: "1 hour" })))))

  it.effect("watch and logs of a task in the default cluster (when it does not exist: not found)", () =>
    Effect.gen(function*() {
      const missing = yield* run("ecs", "logs", "0".repeat(32))
      assert.match(missing?.summary ?? "", /no ECS cluster named "aegea_ecs"/)
      const id = yield* started("--command", "echo")
      const out = yield* OutputCapture
      assert.isUndefined(yield* run("ecs", "watch", id))
      assert.deepStrictEqual(yield* out.stdout, ["one", "two", "three"])
      yield* out.clear
      // With --output json (these tests' format), events as objects, as `logs --json` prints them.
      const messages = Effect.map(out.stdoutText, (text) => (JSON.parse(text) as Array<{ message: string }>).map((e) => e.message))
      yield* run("ecs", "logs", id, "--tail", "2")
      assert.deepStrictEqual(yield* messages, ["two", "three"])
      yield* out.clear
      yield* run("ecs", "logs", id, "--head", "1")
      assert.deepStrictEqual(yield* messages, ["one"])
      // A task with no log lines: [] and a sentence on stderr, as `logs` and `batch logs` say it.
      const silent = yield* started("--command", "true")
      yield* out.clear
      yield* run("ecs", "logs", silent)
      assert.deepStrictEqual(JSON.parse(yield* out.stdoutText), [])
      assert.match((yield* out.stderr).join("\n"), new RegExp(`^no log events in /aegea/ecs \\(stream \\S+${silent}\\); task ${silent} \\(cluster aegea_ecs\\) is STOPPED$`))
    }).pipe(Effect.provide(layers((lines) => (lines[0] === "true" ? {} : { logLines: ["one", "two", "three"] })))))

  it.effect("Ctrl-C during watch stops the task only with --stop-on-interrupt", () =>
    Effect.gen(function*() {
      const ecs = yield* Ecs
      const keep = yield* started("--command", "sleep 1000")
      const stop = yield* started("--command", "sleep 1000")
      for (const [id, flags] of [[keep, []], [stop, ["--stop-on-interrupt"]]] as const) {
        const fiber = yield* Effect.forkChild(aegea("ecs", "watch", id, ...flags))
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.interrupt(fiber)
      }
      assert.strictEqual((yield* ecs.describeTask("aegea_ecs", keep)).lastStatus, "RUNNING")
      const stopped = yield* ecs.describeTask("aegea_ecs", stop)
      assert.deepStrictEqual([stopped.lastStatus, stopped.stoppedReason], ["STOPPED", "Stopped by aegea (watch interrupted)"])
      const stderr = (yield* (yield* OutputCapture).stderr).join("\n")
      assert.include(
        stderr,
        `stopped watching; task ${keep} keeps running: 'aegea ecs watch ${keep} --cluster aegea_ecs' resumes watching, 'aegea ecs stop ${keep} --cluster aegea_ecs' stops it`
      )
      assert.match(stderr, new RegExp(`stopped task ${stop}`))
    }).pipe(Effect.provide(layers(() => ({ runFor: "1 hour" })))))
})
