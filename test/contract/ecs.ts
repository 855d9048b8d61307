/**
 * The ECS scenarios every layer must pass: the in-memory one (test/unit/ecs-contract.test.ts) and the
 * live one on moto (test/integration/ecs.test.ts). Tasks there stop within a few polls, so the
 * scenarios run on the real clock with fast polling.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option, Stream } from "effect"
import type { Ec2Network } from "../../src/services/Ec2Network.ts"
import { defaultClusterName, defaultTaskLogGroup, Ecs } from "../../src/services/Ecs.ts"
import { runEcsTask, type RunInput } from "../../src/workflows/ecsRun.ts"
import type { Iam } from "../../src/services/Iam.ts"
import { Logs } from "../../src/services/Logs.ts"
import type { Output } from "../../src/services/Output.ts"
import { taskOutcome, watchTask } from "../../src/workflows/watchTask.ts"
import type { OutputCapture } from "../../src/testing/OutputTest.ts"

type Services = Ecs | Iam | Logs | Ec2Network | Output | OutputCapture
export type EcsContractLayer = Layer.Layer<Services>

const input = (lines: ReadonlyArray<string>, options: { dryRun?: boolean; cluster?: string; memoryMiB?: number } = {}): RunInput => ({
  dryRun: options.dryRun ?? false,
  shape: { image: "ubuntu", cpu: 256, memoryMiB: options.memoryMiB ?? 512, logGroup: defaultTaskLogGroup },
  run: { cluster: options.cluster ?? defaultClusterName, commandLines: lines, environment: { A: "1" }, tags: { purpose: "contract" } }
})

const fast = { pacing: { every: "50 millis", maxIdle: "100 millis", drainAfter: "10 millis" } } as const

export const ecsContract = (name: string, make: () => Promise<EcsContractLayer>) =>
  describe(`ECS contract: ${name}`, () => {
    const withLayer = <A, E>(effect: Effect.Effect<A, E, Services>) =>
      Effect.flatMap(Effect.promise(make), (layer) => Effect.provide(effect, layer))

    it.live("runs a task in the default cluster created on demand, and it stops with exit code 0", () =>
      withLayer(Effect.gen(function*() {
        const ecs = yield* Ecs
        const task = Option.getOrThrow(yield* runEcsTask(input(["echo hello"])))
        assert.strictEqual(task.cluster, defaultClusterName)
        assert.strictEqual(task.tags.purpose, "contract")
        const done = yield* watchTask(task.cluster, task.id, fast)
        assert.strictEqual(done.lastStatus, "STOPPED")
        yield* taskOutcome(done)
        const cluster = yield* ecs.describeCluster(defaultClusterName)
        assert.strictEqual(Option.getOrThrow(cluster).status, "ACTIVE")
        const listed = [...yield* Stream.runCollect(ecs.tasks(defaultClusterName, "RUNNING")), ...yield* Stream.runCollect(ecs.tasks(defaultClusterName, "STOPPED"))]
        assert.deepStrictEqual(listed.map((t) => t.id), [task.id])
        const groups = yield* Stream.runCollect((yield* Logs).groups({ prefix: defaultTaskLogGroup }))
        assert.deepStrictEqual(groups.map((g) => g.name), [defaultTaskLogGroup])
      })))

    it.live("the same shape reuses one task definition; a new shape registers another", () =>
      withLayer(Effect.gen(function*() {
        const ecs = yield* Ecs
        yield* runEcsTask(input(["echo a"]))
        yield* runEcsTask(input(["echo b"]))
        const one = yield* Stream.runCollect(ecs.taskDefinitions())
        assert.deepStrictEqual(one.map((d) => d.revision), [1])
        assert.match(one[0]?.family ?? "", /^aegea_ecs_[0-9a-f]{12}$/)
        const byFamily = yield* Stream.runCollect(ecs.taskDefinitions({ family: one[0]?.family ?? "" }))
        assert.deepStrictEqual(byFamily.map((d) => d.arn), [one[0]?.arn])
        yield* runEcsTask(input(["echo c"], { memoryMiB: 1024 }))
        const two = yield* Stream.runCollect(ecs.taskDefinitions())
        assert.strictEqual(new Set(two.map((d) => d.family)).size, 2)
        const latest = yield* ecs.latestTaskDefinition(one[0]?.family ?? "")
        assert.strictEqual(Option.getOrThrow(latest).arn, one[0]?.arn)
        assert.isFalse((yield* ecs.ensureCluster(defaultClusterName)).created)
        assert.strictEqual((yield* Stream.runCollect(ecs.clusters())).length, 1)
      })))

    it.live("a dry run changes nothing", () =>
      withLayer(Effect.gen(function*() {
        const ecs = yield* Ecs
        assert.isTrue(Option.isNone(yield* runEcsTask(input(["echo dry"], { dryRun: true }))))
        assert.strictEqual((yield* Stream.runCollect(ecs.clusters())).length, 0)
        assert.strictEqual((yield* Stream.runCollect(ecs.taskDefinitions())).length, 0)
        assert.strictEqual((yield* Stream.runCollect((yield* Logs).groups({ prefix: defaultTaskLogGroup }))).length, 0)
      })))

    it.live("stopping a task records the reason", () =>
      withLayer(Effect.gen(function*() {
        const ecs = yield* Ecs
        const task = Option.getOrThrow(yield* runEcsTask(input(["sleep 600"])))
        yield* ecs.stopTask(task.cluster, task.id, "contract stop")
        const stopped = yield* ecs.describeTask(task.cluster, task.arn)
        assert.deepStrictEqual([stopped.id, stopped.lastStatus, stopped.stoppedReason], [task.id, "STOPPED", "contract stop"])
      })))

    it.live("unknown clusters and task ids are not found", () =>
      withLayer(Effect.gen(function*() {
        const ecs = yield* Ecs
        const cluster = yield* Effect.flip(runEcsTask(input(["x"], { cluster: "no_such_cluster" })))
        assert.strictEqual(cluster._tag, "ResourceNotFound")
        assert.isTrue(Option.isNone(yield* ecs.describeCluster("no_such_cluster")))
        yield* ecs.ensureCluster(defaultClusterName)
        const task = yield* Effect.flip(ecs.describeTask(defaultClusterName, "0123456789abcdef0123456789abcdef"))
        assert.strictEqual(task._tag, "ResourceNotFound")
      })))
  })
