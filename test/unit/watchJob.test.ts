import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Batch } from "../../src/services/Batch.ts"
import { registerJobDefinitionRequest, submitJobRequest } from "../../src/services/batchRequests.ts"
import { AwsThrottled } from "../../src/errors.ts"
import { Logs } from "../../src/services/Logs.ts"
import { jobOutcome, watchJob, watchJobEvents } from "../../src/workflows/watchJob.ts"
import { nextDelay, watchLoop } from "../../src/workflows/watchLoop.ts"
import { BatchMemory, type JobScript } from "../../src/testing/BatchMemory.ts"
import { LogsMemory, LogsMemoryState } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const shape = {
  image: "ubuntu",
  vcpus: 1,
  memoryMiB: 2048,
  gpus: 0,
  platform: "FARGATE" as const,
  executionRoleArn: "arn:aws:iam::123456789012:role/aegea.fargate_execution",
  logGroup: "/aws/batch/job"
}

const layer = (script: (lines: ReadonlyArray<string>) => JobScript, pageSize = 50) =>
  BatchMemory.layer({
    queues: [{ name: "q", priority: 1, computeEnvironments: ["ce"] }],
    computeEnvironments: [{ name: "ce", computeType: "FARGATE", maxVcpus: 4 }],
    script: (r) => script(r.containerOverrides.command.slice(5))
  }).pipe(Layer.provideMerge(LogsMemory.layer({ pageSize })), Layer.provideMerge(OutputTest.layer()))

const submit = (lines: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const batch = yield* Batch
    const definition = yield* batch.registerJobDefinition(registerJobDefinitionRequest(shape))
    const job = yield* batch.submitJob(submitJobRequest(
      { name: "test", queue: "q", commandLines: lines, environment: {}, parameters: {}, dependsOn: [] },
      definition.name
    ))
    return job.id
  })

describe("watchJob", () => {
  it.effect("as a library Stream: events with no Output in the environment (statuses, every log line once, Finished)", () =>
    Effect.gen(function*() {
      const id = yield* submit(["echo"])
      const fiber = yield* Effect.forkChild(Stream.runCollect(watchJobEvents(id)))
      yield* TestClock.adjust("60 seconds")
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        events.filter((e) => e._tag === "LogLine").map((e) => e._tag === "LogLine" ? e.message : ""),
        ["a", "b", "c"]
      )
      assert.deepStrictEqual(
        events.flatMap((e) => e._tag === "Polled" && e.changed ? [e.snapshot.status] : []),
        ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
      )
      const last = events[events.length - 1]
      assert.strictEqual(last?._tag, "Finished")
      assert.strictEqual(last?._tag === "Finished" ? last.snapshot.job.status : undefined, "SUCCEEDED")
      // Waiting flags mark the statuses before the start, and only those.
      assert.isTrue(events.some((e) => e._tag === "Polled" && e.waiting && e.snapshot.status === "RUNNABLE"))
      assert.isFalse(events.some((e) => e._tag === "Polled" && e.waiting && e.snapshot.status === "RUNNING"))
    }).pipe(Effect.provide(
      BatchMemory.layer({
        queues: [{ name: "q", priority: 1, computeEnvironments: ["ce"] }],
        computeEnvironments: [{ name: "ce", computeType: "FARGATE", maxVcpus: 4 }],
        script: () => ({ logLines: ["a", "b", "c"] })
      }).pipe(Layer.provideMerge(LogsMemory.layer({ pageSize: 2 })))
    )))

  it.effect("prints each status once and every log line once, in order, then succeeds", () =>
    Effect.gen(function*() {
      const lines = Array.from({ length: 7 }, (_, i) => `line ${i + 1}`)
      const id = yield* submit(["echo"])
      const fiber = yield* Effect.forkChild(watchJob(id))
      yield* TestClock.adjust("60 seconds")
      const job = yield* Fiber.join(fiber)
      assert.strictEqual(job.status, "SUCCEEDED")
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, lines)
      const statuses = (yield* out.stderr).map((l) => l.split(": ")[1])
      assert.deepStrictEqual(statuses, ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"])
      yield* jobOutcome(job)
    }).pipe(Effect.provide(layer(() => ({ logLines: Array.from({ length: 7 }, (_, i) => `line ${i + 1}`) }), 2))))

  it.effect("on a terminal: a status line while the job waits to start, coloured timestamped status lines, then the log", () =>
    Effect.gen(function*() {
      const id = yield* submit(["echo"])
      const fiber = yield* Effect.forkChild(watchJob(id))
      yield* TestClock.adjust("60 seconds")
      yield* Fiber.join(fiber)
      const out = yield* OutputCapture
      const waiting = (status: string) => `waiting for job ${id} (test) to start: ${status}`
      // Once running, every poll ends any status line (a no-op after the first).
      assert.deepStrictEqual((yield* out.statuses).filter((s, i, all) => s !== all[i - 1]), [
        waiting("SUBMITTED"), waiting("PENDING"), waiting("RUNNABLE"), waiting("STARTING"), "(done)"
      ])
      const stderr = (yield* out.stderr).join("\n")
      assert.include(stderr, `\u001b[2m1970-01-01T00:00:02Z\u001b[22m job ${id} (test): \u001b[33mRUNNABLE\u001b[39m`)
      assert.include(stderr, `job ${id} (test): \u001b[32mSUCCEEDED\u001b[39m`)
      assert.match(stderr, /\r\u001b\[2K⠋ waiting for job \S+ \(test\) to start: SUBMITTED · 0s/)
      // Log lines: the program's, after a dim time; never a spinner frame among them.
      const stdout = yield* out.stdout
      assert.strictEqual(stdout.length, 2)
      assert.match(stdout[0]!, /^\u001b\[2m\d\d:\d\d:\d\d\u001b\[22m line 1$/)
    }).pipe(Effect.provide(
      BatchMemory.layer({
        queues: [{ name: "q", priority: 1, computeEnvironments: ["ce"] }],
        computeEnvironments: [{ name: "ce", computeType: "FARGATE", maxVcpus: 4 }],
        script: () => ({ logLines: ["line 1", "line 2"] })
      }).pipe(Layer.provideMerge(LogsMemory.layer()), Layer.provideMerge(OutputTest.layer({ color: true }, { stderrIsTTY: true })))
    )))

  it.effect("a failed job fails with its container's exit code and reason", () =>
    Effect.gen(function*() {
      const id = yield* submit(["exit 3"])
      const fiber = yield* Effect.forkChild(watchJob(id).pipe(Effect.flatMap(jobOutcome), Effect.exit))
      yield* TestClock.adjust("60 seconds")
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error?: { exitCode?: number; message?: string } })?.error : undefined
      assert.strictEqual(error?.exitCode, 3)
      assert.match(error?.message ?? "", /^job .* \(test\) failed: Essential container in task exited \(exit code 3\)$/)
    }).pipe(Effect.provide(layer(() => ({ exitCode: 3 })))))

  it.effect("a job that fails without an exit code exits 1", () =>
    Effect.gen(function*() {
      const id = yield* submit(["x"])
      const fiber = yield* Effect.forkChild(watchJob(id).pipe(Effect.flatMap(jobOutcome), Effect.flip))
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "OperationFailed")
      assert.strictEqual(error._tag === "OperationFailed" ? error.exitCode : 0, 1)
      assert.match(error.message, /CannotPullContainerError/)
    }).pipe(Effect.provide(layer(() => ({ failBeforeRunning: "CannotPullContainerError: no such image" })))))

  it.effect("terminating a running job ends it FAILED with the reason", () =>
    Effect.gen(function*() {
      const batch = yield* Batch
      const id = yield* submit(["sleep 100"])
      yield* TestClock.adjust("4500 millis")
      assert.strictEqual((yield* batch.describeJob(id)).status, "RUNNING")
      yield* batch.terminateJob(id, "stopped by test")
      const job = yield* batch.describeJob(id)
      assert.strictEqual(job.status, "FAILED")
      assert.strictEqual(job.statusReason, "stopped by test")
    }).pipe(Effect.provide(layer(() => ({ runFor: "100 seconds" })))))

  it.effect("hints once when a job stays RUNNABLE", () =>
    Effect.gen(function*() {
      const batch = yield* Batch
      const definition = yield* batch.registerJobDefinition(
        registerJobDefinitionRequest({ ...shape, platform: "EC2", vcpus: 8, memoryMiB: 1024 })
      )
      const job = yield* batch.submitJob(submitJobRequest(
        { name: "big", queue: "q", commandLines: ["x"], environment: {}, parameters: {}, dependsOn: [] },
        definition.name
      ))
      const fiber = yield* Effect.forkChild(watchJob(job.id, { runnableHintAfter: "1 minute" }))
      yield* TestClock.adjust("10 minutes")
      yield* Fiber.interrupt(fiber)
      const warnings = (yield* (yield* OutputCapture).stderr).filter((l) => l.startsWith("warning:"))
      assert.strictEqual(warnings.length, 1)
      assert.match(warnings[0] ?? "", /RUNNABLE for a while: it needs 8 vCPUs but ce allows at most 4/)
    }).pipe(Effect.provide(
      BatchMemory.layer({
        queues: [{ name: "q", priority: 1, computeEnvironments: ["ce"] }],
        computeEnvironments: [{ name: "ce", computeType: "EC2", maxVcpus: 4 }],
        stateDurations: { RUNNABLE: "1 day" }
      }).pipe(Layer.provideMerge(LogsMemory.layer()), Layer.provideMerge(OutputTest.layer()))
    )))
})

describe("watchLoop", () => {
  it("backs off when idle and on throttling, and returns to 1 s on activity", () => {
    assert.strictEqual(nextDelay(1000, "idle"), 1500)
    assert.strictEqual(nextDelay(9000, "idle"), 10000)
    assert.strictEqual(nextDelay(1000, "throttled"), 2000)
    assert.strictEqual(nextDelay(40000, "throttled"), 60000)
    assert.strictEqual(nextDelay(10000, "activity"), 1000)
  })

  const throttle = new AwsThrottled({
    action: "describe job",
    service: "Batch",
    operation: "DescribeJobs",
    code: "TooManyRequestsException",
    awsMessage: "Too Many Requests"
  })

  it.effect("keeps watching through throttling, polling less often", () =>
    Effect.gen(function*() {
      const times: Array<number> = []
      let polls = 0
      const poll = Effect.gen(function*() {
        times.push(yield* Clock.currentTimeMillis)
        polls++
        if (polls <= 3) return yield* Effect.fail(throttle)
        return { status: polls >= 5 ? "DONE" : "RUNNING", reason: undefined, done: polls >= 5, logs: undefined }
      })
      const fiber = yield* Effect.forkChild(watchLoop({ label: "work", poll }))
      yield* TestClock.adjust("1 minute")
      const last = yield* Fiber.join(fiber)
      assert.strictEqual(last.status, "DONE")
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0))
      assert.deepStrictEqual(gaps, [2000, 4000, 8000, 1000])
    }).pipe(Effect.provide(Layer.mergeAll(LogsMemory.layer(), OutputTest.layer()))))

  it.effect("gives up after too many throttled polls in a row", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        watchLoop({ label: "work", poll: Effect.fail(throttle), pacing: { throttleLimit: 3 } }).pipe(Effect.flip)
      )
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "AwsThrottled")
    }).pipe(Effect.provide(Layer.mergeAll(LogsMemory.layer(), OutputTest.layer()))))

  it.effect("reads logs across pages without gaps or duplicates, and drains lines written after the stop", () =>
    Effect.gen(function*() {
      const logs = yield* LogsMemoryState
      let polls = 0
      const where = { group: "g", stream: "s" }
      const poll = Effect.gen(function*() {
        polls++
        if (polls === 2) yield* logs.putEvents("g", "s", [1, 2, 3, 4, 5].map((n) => ({ timestamp: n, message: `a${n}` })))
        if (polls === 3) yield* logs.putEvents("g", "s", [{ timestamp: 6, message: "a6" }])
        return { status: polls >= 3 ? "STOPPED" : "RUNNING", reason: undefined, done: polls >= 3, logs: where }
      })
      const fiber = yield* Effect.forkChild(watchLoop({ label: "work", poll }))
      yield* TestClock.adjust("2500 millis") // polls at 0, 1 s, 2 s (stopped); draining at 3 s
      yield* logs.putEvents("g", "s", [{ timestamp: 7, message: "late" }])
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(yield* (yield* OutputCapture).stdout, ["a1", "a2", "a3", "a4", "a5", "a6", "late"])
    }).pipe(Effect.provide(Layer.mergeAll(LogsMemory.layer({ pageSize: 2 }), OutputTest.layer()))))

  it.effect("reads through a tiny local Logs fake too (the Logs interface is all it needs)", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(watchLoop({
        label: "work",
        poll: Effect.succeed({ status: "STOPPED", reason: "done", done: true, logs: { group: "g", stream: "s" } })
      }))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, ["only"])
      assert.deepStrictEqual(yield* out.stderr, ["1970-01-01T00:00:00Z work: STOPPED (done)"])
    }).pipe(Effect.provide(Layer.mergeAll(
      Layer.succeed(Logs, Logs.of({
        readStream: (_g: string, _s: string, o?: { readonly token?: string | undefined }) =>
          Effect.succeed(o?.token === undefined
            ? { events: [{ id: "1", group: "g", stream: "s", timestamp: new Date(0), message: "only" }], nextToken: "t1" }
            : { events: [], nextToken: "t1" })
      } as unknown as Logs["Service"])),
      OutputTest.layer()
    ))))
})
