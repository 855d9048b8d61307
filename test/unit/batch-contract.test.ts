import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { Batch } from "../../src/services/Batch.ts"
import { registerJobDefinitionRequest, submitJobRequest } from "../../src/services/batchRequests.ts"
import type { Logs } from "../../src/services/Logs.ts"
import { BatchMemory, BatchMemoryState } from "../../src/testing/BatchMemory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { batchContract } from "../contract/batch.ts"

batchContract("in memory", async () =>
  Layer.mergeAll(
    BatchMemory.layer({ stateDurations: { SUBMITTED: 0, PENDING: 0, RUNNABLE: 0, STARTING: 0 }, runFor: 0 }).pipe(
      Layer.provideMerge(LogsMemory.layer())
    ),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    OutputTest.layer()
  ))

// What only the in-memory layer has: seeding, per-layer ids, and its typed dependency on LogsMemory.
describe("BatchMemory seeding and ids", () => {
  const shape = {
    image: "ubuntu",
    vcpus: 1,
    memoryMiB: 2048,
    gpus: 0,
    platform: "FARGATE" as const,
    executionRoleArn: "arn:aws:iam::123456789012:role/aegea.fargate_execution",
    logGroup: "/aws/batch/job"
  }
  const definition = registerJobDefinitionRequest(shape)
  const run = (name: string) => ({ name, queue: "q", commandLines: ["echo"], environment: {}, parameters: {}, dependsOn: [] })
  const seed = {
    queues: [{ name: "q", priority: 1, computeEnvironments: [] }],
    jobDefinitions: [definition],
    jobs: [submitJobRequest(run("seeded-1"), definition.jobDefinitionName), submitJobRequest(run("seeded-2"), definition.jobDefinitionName)]
  }

  it.effect("seeds job definitions and jobs without recording calls; ids count per layer from idSeed", () =>
    Effect.gen(function*() {
      const batch = yield* Batch
      const state = yield* BatchMemoryState
      assert.deepStrictEqual(yield* state.calls, [])
      assert.deepStrictEqual(yield* state.submitted, [])
      const jobs = yield* Stream.runCollect(batch.jobs({ queue: "q" }))
      assert.deepStrictEqual(jobs.map((j) => [j.name, j.id]), [
        ["seeded-1", "00000000-0000-4000-8000-000000000001"],
        ["seeded-2", "00000000-0000-4000-8000-000000000002"]
      ])
      const [d] = yield* Stream.runCollect(batch.jobDefinitions())
      assert.strictEqual(d?.revision, 1)
      assert.strictEqual(d?.name, definition.jobDefinitionName)
      // Another layer built before or after does not shift this one's ids.
      const other = yield* Effect.provide(
        Effect.gen(function*() {
          return yield* (yield* Batch).submitJob(submitJobRequest(run("other"), definition.jobDefinitionName))
        }),
        BatchMemory.layer({ ...seed, idSeed: 100 })
      )
      assert.strictEqual(other.id, "00000000-0000-4000-8000-000000000067")
      const next = yield* batch.submitJob(submitJobRequest(run("third"), definition.jobDefinitionName))
      assert.strictEqual(next.id, "00000000-0000-4000-8000-000000000003")
    }).pipe(Effect.provide(BatchMemory.layer(seed))))

  it("a scripted BatchMemory requires LogsMemory underneath, in its type", () => {
    const scripted = BatchMemory.layer({ script: () => ({ logLines: ["hello"] }) })
    // @ts-expect-error LogsMemoryState is required: beside it (mergeAll), the jobs would write nowhere
    const beside: Layer.Layer<Batch | Logs> = Layer.mergeAll(scripted, LogsMemory.layer())
    const underneath: Layer.Layer<Batch | Logs> = scripted.pipe(Layer.provideMerge(LogsMemory.layer()))
    const standalone: Layer.Layer<Batch> = BatchMemory.layer({ queues: [] })
    assert.isDefined(beside)
    assert.isDefined(underneath)
    assert.isDefined(standalone)
  })
})
