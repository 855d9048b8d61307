import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Fiber, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { defaultTaskLogGroup, Ecs, logLocationOf } from "../../src/services/Ecs.ts"
import { registerTaskDefinitionRequest, runTaskRequest } from "../../src/services/ecsRequests.ts"
import { linesOf } from "../../src/lib/shellCommand.ts"
import { taskOutcome, watchTask } from "../../src/workflows/watchTask.ts"
import { EcsMemory, type TaskScript } from "../../src/testing/EcsMemory.ts"
import { LogsMemory, LogsMemoryState } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"

const shape = {
  image: "ubuntu",
  cpu: 256,
  memoryMiB: 512,
  executionRoleArn: "arn:aws:iam::123456789012:role/aegea.fargate_execution",
  logGroup: defaultTaskLogGroup,
  region: "us-east-1"
}

const layer = (script: (lines: ReadonlyArray<string>) => TaskScript, pageSize = 50) =>
  EcsMemory.layer({
    clusters: ["c"],
    script: (r) => script(linesOf(r.overrides.containerOverrides[0]?.command ?? []) ?? [])
  }).pipe(Layer.provideMerge(LogsMemory.layer({ pageSize })), Layer.provideMerge(OutputTest.layer()))

const start = (lines: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const definition = yield* ecs.registerTaskDefinition(registerTaskDefinitionRequest(shape))
    const task = yield* ecs.runTask(runTaskRequest(
      { cluster: "c", commandLines: lines, environment: {}, subnets: ["subnet-a"], securityGroups: ["sg-1"], tags: {} },
      definition.family
    ))
    return task.id
  })

/** The failure of `watchTask(...) + taskOutcome` after the clock ran `for`. */
const outcome = (id: string, forTime: Duration.Input = "60 seconds") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(watchTask("c", id).pipe(Effect.flatMap(taskOutcome), Effect.exit))
    yield* TestClock.adjust(forTime)
    const exit = yield* Fiber.join(fiber)
    return Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error?: { _tag: string; exitCode?: number; message: string } })?.error : undefined
  })

describe("watchTask", () => {
  it.effect("prints each status once and every log line once, in order, across pages, then succeeds", () =>
    Effect.gen(function*() {
      const id = yield* start(["echo"])
      assert.isUndefined(yield* outcome(id))
      const out = yield* OutputCapture
      assert.deepStrictEqual(yield* out.stdout, Array.from({ length: 7 }, (_, i) => `line ${i + 1}`))
      // Each change once, after the time it was seen (the TestClock's: 1970).
      assert.deepStrictEqual(yield* out.stderr, [
        `1970-01-01T00:00:00Z task ${id} (cluster c): PROVISIONING`,
        `1970-01-01T00:00:01Z task ${id} (cluster c): PENDING`,
        `1970-01-01T00:00:02Z task ${id} (cluster c): RUNNING`,
        `1970-01-01T00:00:07Z task ${id} (cluster c): STOPPED (Essential container in task exited)`
      ])
    }).pipe(Effect.provide(layer(() => ({ logLines: Array.from({ length: 7 }, (_, i) => `line ${i + 1}`) }), 2))))

  it.effect("the log lines come from the awslogs stream <prefix>/<container>/<task id>", () =>
    Effect.gen(function*() {
      const id = yield* start(["echo"])
      yield* outcome(id)
      const calls = yield* (yield* LogsMemoryState).calls
      assert.isTrue(calls.includes("GetLogEvents"))
      const ecs = yield* Ecs
      assert.strictEqual((yield* ecs.describeTask("c", id)).lastStatus, "STOPPED")
    }).pipe(Effect.provide(layer(() => ({ logLines: ["x"] })))))

  it.effect("a non-zero exit code fails with that code and the reason", () =>
    Effect.gen(function*() {
      const id = yield* start(["exit 3"])
      const error = yield* outcome(id)
      assert.strictEqual(error?._tag, "OperationFailed")
      assert.strictEqual(error?.exitCode, 3)
      assert.strictEqual(error?.message, `task ${id} (cluster c) failed: Essential container in task exited (exit code 3)`)
    }).pipe(Effect.provide(layer(() => ({ exitCode: 3 })))))

  it.effect("a task that stopped without an exit code exits 1 with the stoppedReason", () =>
    Effect.gen(function*() {
      const id = yield* start(["x"])
      const error = yield* outcome(id)
      assert.strictEqual(error?.exitCode, 1)
      assert.match(error?.message ?? "", /failed: CannotPullContainerError: no such image$/)
    }).pipe(Effect.provide(layer(() => ({ failBeforeRunning: "CannotPullContainerError: no such image" })))))

  it.effect("keeps watching through throttled log reads and loses no line", () =>
    Effect.gen(function*() {
      const id = yield* start(["echo"])
      const fiber = yield* Effect.forkChild(watchTask("c", id))
      yield* TestClock.adjust("3500 millis") // RUNNING since 2 s: some lines are out
      yield* (yield* LogsMemoryState).throttle(3)
      yield* TestClock.adjust("2 minutes")
      const task = yield* Fiber.join(fiber)
      assert.strictEqual(task.lastStatus, "STOPPED")
      assert.deepStrictEqual(yield* (yield* OutputCapture).stdout, ["a", "b", "c", "d"])
    }).pipe(Effect.provide(layer(() => ({ logLines: ["a", "b", "c", "d"], runFor: "10 seconds" })))))

  it.effect("a task stopped while running ends STOPPED with the stop reason and SIGTERM's exit code", () =>
    Effect.gen(function*() {
      const ecs = yield* Ecs
      const id = yield* start(["sleep 100"])
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual((yield* ecs.describeTask("c", id)).lastStatus, "RUNNING")
      yield* ecs.stopTask("c", id, "stopped by test")
      const task = yield* ecs.describeTask("c", id)
      assert.deepStrictEqual([task.lastStatus, task.desiredStatus, task.stoppedReason], ["STOPPED", "STOPPED", "stopped by test"])
      const error = yield* outcome(id)
      assert.strictEqual(error?.exitCode, 143)
    }).pipe(Effect.provide(layer(() => ({ runFor: "100 seconds" })))))

  it.effect("an unknown task id is not found", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(watchTask("c", "0".repeat(32)))
      assert.strictEqual(error._tag, "ResourceNotFound")
    }).pipe(Effect.provide(layer(() => ({})))))
})

describe("logLocationOf", () => {
  it("reads the awslogs group and stream prefix of the aegea container, else the first logging container", () => {
    const awslogs = (group: string, prefix?: string) => ({
      logDriver: "awslogs",
      options: { "awslogs-group": group, ...(prefix !== undefined ? { "awslogs-stream-prefix": prefix } : {}) }
    })
    assert.deepStrictEqual(logLocationOf([{ name: "web", logConfiguration: awslogs("/ecs/web", "ecs") }], "abc"),
      Option.some({ group: "/ecs/web", stream: "ecs/web/abc" })
    )
    assert.deepStrictEqual(
      logLocationOf([{ name: "side", logConfiguration: awslogs("/x", "p") }, { name: "aegea", logConfiguration: awslogs("/aegea/ecs", "aegea") }], "t1")
    , Option.some({ group: "/aegea/ecs", stream: "aegea/aegea/t1" }))
    assert.deepStrictEqual(logLocationOf([{ name: "web", logConfiguration: awslogs("/ecs/web") }], "abc"), Option.none())
    assert.deepStrictEqual(logLocationOf([{ name: "web" }], "abc"), Option.none())
  })
})
