import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { Ecs } from "../../src/services/Ecs.ts"
import { registerTaskDefinitionRequest, runTaskRequest } from "../../src/services/ecsRequests.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { EcsMemory, EcsMemoryState } from "../../src/testing/EcsMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { ecsContract } from "../contract/ecs.ts"

ecsContract("in memory", async () =>
  Layer.mergeAll(
    EcsMemory.layer({ stateDurations: { PROVISIONING: 0, PENDING: 0 }, runFor: "300 millis" }).pipe(Layer.provideMerge(LogsMemory.layer())),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    OutputTest.layer()
  ))

// What only the in-memory layer has: seeding and per-layer ids.
describe("EcsMemory seeding and ids", () => {
  const definition = registerTaskDefinitionRequest({
    image: "ubuntu",
    cpu: 256,
    memoryMiB: 512,
    executionRoleArn: "arn:aws:iam::123456789012:role/aegea.fargate_execution",
    logGroup: "/aegea/ecs",
    region: "us-east-1"
  })
  const task = (tag: string) =>
    runTaskRequest(
      { cluster: "c", commandLines: ["echo"], environment: {}, subnets: ["subnet-1"], securityGroups: ["sg-1"], tags: { tag } },
      definition.family
    )

  it.effect("seeds task definitions and tasks without recording calls; ids count per layer from idSeed", () =>
    Effect.gen(function*() {
      const ecs = yield* Ecs
      const state = yield* EcsMemoryState
      assert.deepStrictEqual(yield* state.calls, [])
      assert.deepStrictEqual(yield* state.started, [])
      const tasks = yield* Stream.runCollect(ecs.tasks("c", "RUNNING"))
      assert.deepStrictEqual(tasks.map((t) => [t.tags.tag, t.id]), [
        ["a", "00000000000000000000000000000011"],
        ["b", "00000000000000000000000000000012"]
      ])
      const [d] = yield* Stream.runCollect(ecs.taskDefinitions())
      assert.strictEqual(d?.family, definition.family)
      assert.strictEqual(d?.revision, 1)
      const next = yield* ecs.runTask(task("c"))
      assert.strictEqual(next.id, "00000000000000000000000000000013")
    }).pipe(Effect.provide(EcsMemory.layer({ clusters: ["c"], taskDefinitions: [definition], tasks: [task("a"), task("b")], idSeed: 16 }))))
})
