/** `aegea batch` through the real parser (Command.runWith) against aegea/testing layers, on the TestClock. */
import { cliSummary } from "../../src/commands/remedies.ts"
import type { AegeaError } from "../../src/errors.ts"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { batchCommand } from "../../src/commands/batch/index.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { Batch } from "../../src/services/Batch.ts"
import { linesOf } from "../../src/lib/shellCommand.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { BatchMemory, BatchMemoryState, type JobScript } from "../../src/testing/BatchMemory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { EfsMemory } from "../../src/testing/EfsMemory.ts"
import { S3StagingMemory } from "../../src/testing/S3StagingMemory.ts"
import { IamMemory, IamMemoryState } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { defaults } from "../../src/defaults.ts"

const root = Command.make("aegea").pipe(Command.withSubcommands([batchCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const layers = (script: (lines: ReadonlyArray<string>) => JobScript = () => ({}), config: Record<string, unknown> = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    BatchMemory.layer({ script: (r) => script(linesOf(r.containerOverrides.command) ?? []) }).pipe(
      Layer.provideMerge(LogsMemory.layer())
    ),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    S3StagingMemory.layer(),
    EfsMemory.layer(),
    OutputTest.layer({ format: "json" }),
    layerFromValue({ ...structuredClone(defaults), ...config })
  )

/** Run a command to its end on the TestClock; returns the failure, if any. */
const run = (...argv: Array<string>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as unknown), Effect.catch(() => Effect.succeed(undefined))))
    yield* TestClock.adjust("5 minutes")
    return (yield* Fiber.join(fiber)) as { _tag?: string; exitCode?: number; message?: string; summary?: string } | undefined
  })

describe("aegea batch submit", () => {
  it.effect("batch_submit.watch: true in config watches by default; --no-watch turns it off", () =>
    Effect.gen(function*() {
      const out = yield* OutputCapture
      yield* run("batch", "submit", "--command", "echo hi")
      assert.isTrue((yield* out.stderr).some((l) => /: SUCCEEDED$/.test(l)), "watched because of the config")
      yield* out.clear
      yield* run("batch", "submit", "--command", "echo hi", "--no-watch")
      assert.isFalse((yield* out.stderr).some((l) => /: SUCCEEDED$/.test(l)), "--no-watch wins over the config")
    }).pipe(Effect.provide(layers(() => ({}), { batch_submit: { ...structuredClone(defaults).batch_submit, watch: true } }))))

  it.effect("creates the default infrastructure once, runs the job, prints its logs and succeeds", () =>
    Effect.gen(function*() {
      const error = yield* run("batch", "submit", "--command", "echo hello", "--memory", "4096", "--vcpus", "2", "--watch")
      assert.isUndefined(error)
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, ["hello"])
      const stderr = yield* out.stderr
      for (const expected of [
        /^created security group aegea_batch/,
        /^created Fargate compute environment aegea_batch/,
        /^created job queue aegea_batch$/,
        /^created IAM role aegea\.fargate_execution/,
        /^registered job definition aegea_batch_[0-9a-f]{12}:1$/,
        /^submitted job .* \(aegea_echo\) to queue aegea_batch$/,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ job .* \(aegea_echo\): SUCCEEDED$/
      ]) assert.isTrue(stderr.some((l) => expected.test(l)), `${expected} in ${stderr.join("\n")}`)
      const [request] = yield* (yield* BatchMemoryState).submitted
      assert.deepStrictEqual(linesOf(request?.containerOverrides.command ?? []), ["echo hello"])
      const roles = yield* (yield* IamMemoryState).createdRoles
      assert.deepStrictEqual(roles.map((r) => r.trustedService), ["ecs-tasks.amazonaws.com"])
    }).pipe(Effect.provide(layers((lines) => ({ logLines: lines.map((l) => l.replace(/^echo /, "")) })))))

  it.effect("exits with the container's exit code when the job fails", () =>
    Effect.gen(function*() {
      const error = yield* run("batch", "submit", "--command", "exit 3", "--watch")
      assert.strictEqual(error?._tag, "OperationFailed")
      assert.strictEqual(error?.exitCode, 3)
      assert.match(error?.message ?? "", /^job .* \(aegea_exit\) failed: .*\(exit code 3\)$/)
    }).pipe(Effect.provide(layers(() => ({ exitCode: 3 })))))

  it.effect("reuses the job definition of the same shape, registers a new one for a new shape", () =>
    Effect.gen(function*() {
      yield* run("batch", "submit", "--command", "true")
      yield* run("batch", "submit", "--command", "false")
      yield* run("batch", "submit", "--command", "true", "--memory", "4096")
      const registered = yield* (yield* BatchMemoryState).registered
      assert.strictEqual(registered.length, 2)
      assert.notStrictEqual(registered[0]?.jobDefinitionName, registered[1]?.jobDefinitionName)
    }).pipe(Effect.provide(layers())))

  it.effect("two submits racing create the default queue once", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.all([aegea("batch", "submit", "--command", "a"), aegea("batch", "submit", "--command", "b")], { concurrency: 2 }))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      const batch = yield* Batch
      assert.strictEqual((yield* Stream.runCollect(batch.queues())).length, 1)
      assert.strictEqual((yield* Stream.runCollect(batch.computeEnvironments())).length, 1)
      assert.strictEqual((yield* (yield* BatchMemoryState).submitted).length, 2)
    }).pipe(Effect.provide(layers())))

  it.effect("--dry-run prints both requests and creates nothing", () =>
    Effect.gen(function*() {
      const error = yield* run("batch", "submit", "--command", "echo hi", "--environment", "A=1", "--dry-run")
      assert.isUndefined(error)
      const printed = JSON.parse(yield* (yield* OutputCapture).stdoutText) as {
        RegisterJobDefinition: { jobDefinitionName: string; containerProperties: { executionRoleArn: string } }
        SubmitJob: { jobDefinition: string; jobQueue: string; containerOverrides: { command: Array<string>; environment: Array<unknown> } }
      }
      assert.strictEqual(printed.SubmitJob.jobDefinition, printed.RegisterJobDefinition.jobDefinitionName)
      assert.strictEqual(printed.SubmitJob.jobQueue, "aegea_batch")
      assert.deepStrictEqual(printed.SubmitJob.containerOverrides.environment, [{ name: "A", value: "1" }])
      assert.strictEqual(printed.RegisterJobDefinition.containerProperties.executionRoleArn, "arn:aws:iam::123456789012:role/aegea.fargate_execution")
      const batch = yield* Batch
      assert.strictEqual((yield* Stream.runCollect(batch.queues())).length, 0)
      assert.deepStrictEqual(yield* (yield* BatchMemoryState).registered, [])
      assert.deepStrictEqual(yield* (yield* IamMemoryState).createdRoles, [])
    }).pipe(Effect.provide(layers())))

  it.effect("bad input: unknown queue (5), bad memory (2), missing --execute file (2), nothing to run (2)", () =>
    Effect.gen(function*() {
      const unknown = yield* run("batch", "submit", "--command", "x", "--queue", "nope")
      assert.strictEqual(unknown?._tag, "ResourceNotFound")
      assert.match(unknown?.summary ?? "", /no job queue named "nope"/)
      const memory = yield* run("batch", "submit", "--command", "x", "--memory", "1000")
      assert.strictEqual(memory?._tag, "UsageError")
      assert.match(cliSummary(memory as AegeaError), /Fargate with 1 vCPU needs --memory 2048 to 8192 in steps of 1024/)
      // the error a program reads names the request field, not the flag
      assert.match(memory?.summary ?? "", /Fargate with 1 vCPU needs memory 2048 to 8192 in steps of 1024/)
      const file = yield* run("batch", "submit", "--execute", "/nonexistent/job.sh")
      assert.strictEqual(file?._tag, "UsageError")
      assert.match(file?.summary ?? "", /cannot read --execute file \/nonexistent\/job\.sh: no such file/)
      assert.strictEqual((yield* run("batch", "submit"))?._tag, "UsageError")
      assert.deepStrictEqual(yield* (yield* BatchMemoryState).submitted, [])
    }).pipe(Effect.provide(layers())))
})

describe("aegea batch jobs", () => {
  it.effect("ls, describe, terminate; an unknown job id is not found", () =>
    Effect.gen(function*() {
      yield* run("batch", "submit", "--command", "sleep 1000", "--name", "long")
      const out = yield* OutputCapture
      const { jobId } = JSON.parse(yield* out.stdoutText) as { jobId: string }
      yield* out.clear
      yield* run("batch", "ls", "--status", "RUNNING")
      const rows = JSON.parse(yield* out.stdoutText) as Array<{ id: string; name: string; status: string }>
      assert.deepStrictEqual(rows.map((r) => [r.id, r.name, r.status]), [[jobId, "long", "RUNNING"]])
      yield* out.clear
      yield* run("batch", "terminate", jobId, "--reason", "enough", "--yes")
      yield* run("batch", "describe", jobId)
      const job = JSON.parse(yield* out.stdoutText) as { status: string; statusReason: string }
      assert.deepStrictEqual([job.status, job.statusReason], ["FAILED", "enough"])
      assert.strictEqual((yield* run("batch", "describe", "no-such-job"))?._tag, "ResourceNotFound")
      assert.strictEqual((yield* run("batch", "ls", "--queue", "nope"))?._tag, "ResourceNotFound")
    }).pipe(Effect.provide(layers(() => ({ runFor: "1 hour" })))))

  it.effect("batch logs --json prints events as objects, as logs --json does; no lines says so on stderr", () =>
    Effect.gen(function*() {
      const out = yield* OutputCapture
      const submitted = Effect.gen(function*() {
        return (JSON.parse(yield* out.stdoutText) as { jobId: string }).jobId
      })
      yield* run("batch", "submit", "--command", "echo hi", "--no-watch")
      const talker = yield* submitted
      yield* out.clear
      yield* run("batch", "submit", "--command", "true", "--no-watch")
      const silent = yield* submitted
      yield* out.clear
      yield* run("batch", "logs", talker)
      const events = JSON.parse(yield* out.stdoutText) as Array<Record<string, unknown>>
      assert.deepStrictEqual(events.map((e) => Object.keys(e)), [["timestamp", "group", "stream", "message"], ["timestamp", "group", "stream", "message"]])
      assert.deepStrictEqual(events.map((e) => [e.group, e.message]), [["/aws/batch/job", "one"], ["/aws/batch/job", "two"]])
      yield* out.clear
      yield* run("batch", "logs", silent)
      assert.deepStrictEqual(JSON.parse(yield* out.stdoutText), [])
      assert.match((yield* out.stderr).join("\n"), /^no log events in \/aws\/batch\/job \(stream \S+\); job \S+ \(aegea_true\) is SUCCEEDED$/)
    }).pipe(Effect.provide(layers((lines) => (lines[0] === "true" ? {} : { logLines: ["one", "two"] })))))
})
