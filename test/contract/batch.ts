/**
 * The Batch scenarios every layer must pass: the in-memory one (test/unit/batch-contract.test.ts)
 * and the live one on moto (test/integration/batch.test.ts). Jobs there finish at once, so the
 * scenarios run on the real clock.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option, Stream } from "effect"
import { Batch, defaultJobLogGroup, defaultQueueName } from "../../src/services/Batch.ts"
import { submitBatchJob } from "../../src/workflows/batchSubmit.ts"
import type { Ec2Network } from "../../src/services/Ec2Network.ts"
import type { Iam } from "../../src/services/Iam.ts"
import type { Logs } from "../../src/services/Logs.ts"
import type { Output } from "../../src/services/Output.ts"
import { jobOutcome, watchJob } from "../../src/workflows/watchJob.ts"
import type { OutputCapture } from "../../src/testing/OutputTest.ts"

export type BatchContractLayer = Layer.Layer<Batch | Iam | Logs | Ec2Network | Output | OutputCapture>

const input = (lines: ReadonlyArray<string>, dryRun = false, queue = defaultQueueName) => ({
  dryRun,
  shape: { image: "ubuntu", vcpus: 1, memoryMiB: 2048, gpus: 0, platform: "FARGATE" as const, logGroup: defaultJobLogGroup },
  run: { name: "contract", queue, commandLines: lines, environment: { A: "1" }, parameters: {}, dependsOn: [] }
})

export const batchContract = (name: string, make: () => Promise<BatchContractLayer>) =>
  describe(`Batch contract: ${name}`, () => {
    const withLayer = <A, E>(effect: Effect.Effect<A, E, Batch | Iam | Logs | Ec2Network | Output | OutputCapture>) =>
      Effect.flatMap(Effect.promise(make), (layer) => Effect.provide(effect, layer))

    it.live("submits to the default queue created on demand, and the job succeeds", () =>
      withLayer(Effect.gen(function*() {
        const batch = yield* Batch
        const job = Option.getOrThrow(yield* submitBatchJob(input(["echo hello"])))
        const done = yield* watchJob(job.id, { pacing: { every: "50 millis", drainAfter: "10 millis" } })
        assert.strictEqual(done.status, "SUCCEEDED")
        assert.strictEqual(done.name, "contract")
        assert.deepStrictEqual(done.environment.A, "1")
        yield* jobOutcome(done)
        const [queue] = yield* Stream.runCollect(batch.queues([defaultQueueName]))
        assert.strictEqual(queue?.status, "VALID")
        const [ce] = yield* Stream.runCollect(batch.computeEnvironments([defaultQueueName]))
        assert.strictEqual(ce?.computeType, "FARGATE")
        assert.isTrue((ce?.subnets.length ?? 0) > 0)
        const listed = yield* Stream.runCollect(batch.jobs({ queue: defaultQueueName, statuses: ["SUCCEEDED"] }))
        assert.deepStrictEqual(listed.map((j) => j.id), [job.id])
      })))

    it.live("two submits racing create the default infrastructure once and reuse one job definition", () =>
      withLayer(Effect.gen(function*() {
        const batch = yield* Batch
        const jobs = yield* Effect.all([submitBatchJob(input(["echo a"])), submitBatchJob(input(["echo b"]))], { concurrency: 2 })
        assert.strictEqual(jobs.filter(Option.isSome).length, 2)
        assert.strictEqual((yield* Stream.runCollect(batch.queues([defaultQueueName]))).length, 1)
        assert.strictEqual((yield* Stream.runCollect(batch.computeEnvironments([defaultQueueName]))).length, 1)
        const definitions = yield* Stream.runCollect(batch.jobDefinitions({ status: "ACTIVE" }))
        assert.isTrue(definitions.length >= 1 && definitions.length <= 2, `${definitions.length} definitions`)
        assert.strictEqual(new Set(definitions.map((d) => d.name)).size, 1)
        yield* submitBatchJob(input(["echo c"]))
        assert.strictEqual((yield* Stream.runCollect(batch.jobDefinitions({ status: "ACTIVE" }))).length, definitions.length)
      })))

    it.live("a dry run changes nothing", () =>
      withLayer(Effect.gen(function*() {
        const batch = yield* Batch
        const result = yield* submitBatchJob(input(["echo dry"], true))
        assert.isTrue(Option.isNone(result))
        assert.strictEqual((yield* Stream.runCollect(batch.queues())).length, 0)
        assert.strictEqual((yield* Stream.runCollect(batch.computeEnvironments())).length, 0)
        assert.strictEqual((yield* Stream.runCollect(batch.jobDefinitions())).length, 0)
      })))

    it.live("unknown queues and job ids are not found", () =>
      withLayer(Effect.gen(function*() {
        const batch = yield* Batch
        const queue = yield* Effect.flip(submitBatchJob(input(["x"], false, "no_such_queue")))
        assert.strictEqual(queue._tag, "ResourceNotFound")
        const job = yield* Effect.flip(batch.describeJob("00000000-0000-0000-0000-000000000000"))
        assert.strictEqual(job._tag, "ResourceNotFound")
        // Listing the jobs of a queue that does not exist is an error on AWS (and moto), not [].
        const listing = yield* Effect.flip(Stream.runCollect(batch.jobs({ queue: "no_such_queue" })))
        assert.strictEqual(listing._tag, "AwsInvalidRequest")
        if (listing._tag === "AwsInvalidRequest") {
          assert.strictEqual(listing.code, "ClientException")
          assert.match(listing.awsMessage, /no_such_queue does not exist/)
        }
      })))
  })
