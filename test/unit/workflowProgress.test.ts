/**
 * The library's workflows report progress as typed events and return their results as data: run
 * on the in-memory layers with no Output anywhere in the environment, their events are collected
 * and checked. The type-level checks below (compiled by `npx tsc --noEmit`) hold every exported
 * workflow's requirements free of Output.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Stream } from "effect"
import { TestClock } from "effect/testing"
import { progressThroughOutput } from "../../src/commands/progressOutput.ts"
import { defaultJobLogGroup, defaultQueueName } from "../../src/services/Batch.ts"
import { defaultClusterName, defaultTaskLogGroup } from "../../src/services/Ecs.ts"
import type { Instance } from "../../src/services/Ec2.ts"
import type { Output } from "../../src/services/Output.ts"
import type * as Aegea from "../../src/index.ts"
import { collectProgress, emitProgress, Progress, progressEvents, type ProgressEvent, withProgress } from "../../src/services/Progress.ts"
import { BatchMemory } from "../../src/testing/BatchMemory.ts"
import { Ec2LaunchMemory, Ec2LaunchMemoryState } from "../../src/testing/Ec2LaunchMemory.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { EcsMemory } from "../../src/testing/EcsMemory.ts"
import { IamIdentityMemory, IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { SsmMemory } from "../../src/testing/SsmMemory.ts"
import { ensureDefaultQueue, resolveQueue, submitBatchJob } from "../../src/workflows/batchSubmit.ts"
import { awaitCloudInit, executeBuild, executePrune, snapshotHost, waitForImage } from "../../src/workflows/buildAmi.ts"
import { buildDockerImage } from "../../src/workflows/buildDockerImage.ts"
import { ensureComputeEnvironment } from "../../src/workflows/computeEnvironment.ts"
import { runEcsTask } from "../../src/workflows/ecsRun.ts"
import { waitForTargets } from "../../src/workflows/elbWait.ts"
import { executeLaunch, type LaunchPlan, planLaunch, waitForLaunch } from "../../src/workflows/launch.ts"
import { waitForRds } from "../../src/workflows/rdsWait.ts"
import { executeFile, removeStaged } from "../../src/workflows/stageExecute.ts"
import { watchExecution } from "../../src/workflows/watchExecution.ts"
import { defaultAmiParameterPrefixes } from "../../src/workflows/launchImage.ts"

// ---- Type level: no exported workflow requires Output ----------------------------------------

type Requirements<T> = T extends Effect.Effect<any, any, infer R> ? R
  : T extends (...args: Array<any>) => Effect.Effect<any, any, infer R> ? R
  : never
/**
 * true when the workflow (an Effect, or a function returning one) needs Output. A generic function
 * whose requirements are its type parameter (`R`, read as unknown here) says nothing: false.
 */
type HasOutput<T> = unknown extends Requirements<T> ? false
  : [Output] extends [Requirements<T>] ? ([Requirements<T>] extends [never] ? false : true)
  : false
/** The names of a module's exports that need Output. */
type NeedingOutput<M> = { [K in keyof M]: HasOutput<M[K]> extends true ? K : never }[keyof M]
/** Every export of the library (`aegea`), namespace by namespace, that needs Output: none. */
type LibraryNeedingOutput = { [N in keyof typeof Aegea]: NeedingOutput<(typeof Aegea)[N]> }[keyof typeof Aegea]
const libraryNeedsNoOutput: [LibraryNeedingOutput] extends [never] ? true : LibraryNeedingOutput = true
// The helper finds an export that needs Output (an Effect, or a function returning one).
type Probe = NeedingOutput<{
  readonly plain: Effect.Effect<void>
  readonly generic: <R>(effect: Effect.Effect<void, never, R>) => Effect.Effect<void, never, R>
  readonly printing: Effect.Effect<void, never, Output>
  readonly printer: (line: string) => Effect.Effect<void, never, Output | OutputCapture>
}>
const probe: [Probe] extends ["printing" | "printer"] ? (["printing" | "printer"] extends [Probe] ? true : false) : false = true

const noOutput: {
  readonly submitBatchJob: HasOutput<typeof submitBatchJob>
  readonly ensureDefaultQueue: HasOutput<typeof ensureDefaultQueue>
  readonly resolveQueue: HasOutput<typeof resolveQueue>
  readonly ensureComputeEnvironment: HasOutput<typeof ensureComputeEnvironment>
  readonly buildDockerImage: HasOutput<typeof buildDockerImage>
  readonly runEcsTask: HasOutput<typeof runEcsTask>
  readonly planLaunch: HasOutput<typeof planLaunch>
  readonly executeLaunch: HasOutput<typeof executeLaunch>
  readonly waitForLaunch: HasOutput<typeof waitForLaunch>
  readonly executeBuild: HasOutput<typeof executeBuild>
  readonly executePrune: HasOutput<typeof executePrune>
  readonly awaitCloudInit: HasOutput<typeof awaitCloudInit>
  readonly snapshotHost: HasOutput<typeof snapshotHost>
  readonly waitForImage: HasOutput<typeof waitForImage>
  readonly waitForTargets: HasOutput<typeof waitForTargets>
  readonly waitForRds: HasOutput<typeof waitForRds>
  readonly executeFile: HasOutput<typeof executeFile>
  readonly removeStaged: HasOutput<typeof removeStaged>
  readonly watchExecution: HasOutput<typeof watchExecution>
} = {
  submitBatchJob: false,
  ensureDefaultQueue: false,
  resolveQueue: false,
  ensureComputeEnvironment: false,
  buildDockerImage: false,
  runEcsTask: false,
  planLaunch: false,
  executeLaunch: false,
  waitForLaunch: false,
  executeBuild: false,
  executePrune: false,
  awaitCloudInit: false,
  snapshotHost: false,
  waitForImage: false,
  waitForTargets: false,
  waitForRds: false,
  executeFile: false,
  removeStaged: false,
  watchExecution: false
}
// The check itself can fail: the CLI's renderer does need Output.
const rendererNeedsOutput: HasOutput<typeof progressThroughOutput<void, never, never>> = true
// The Progress reference never shows up in a requirement either.
const emitNeedsNothing: Requirements<ReturnType<typeof emitProgress>> extends never ? true : false = true

// ---- Run level: events as data, results as data ------------------------------------------------

const tags = (events: ReadonlyArray<ProgressEvent>) => events.map((e) => e._tag)
const created = (events: ReadonlyArray<ProgressEvent>) =>
  events.flatMap((e) => (e._tag === "Created" ? [`${e.kind}: ${e.message}`] : []))

const batchLayer = () =>
  Layer.mergeAll(
    BatchMemory.layer({ stateDurations: { SUBMITTED: 0, PENDING: 0, RUNNABLE: 0, STARTING: 0 }, runFor: 0 }).pipe(Layer.provideMerge(LogsMemory.layer())),
    IamMemory.layer(),
    Ec2NetworkMemory.layer()
  )

const batchInput = (dryRun: boolean) => ({
  dryRun,
  shape: { image: "ubuntu", vcpus: 1, memoryMiB: 2048, gpus: 0, platform: "FARGATE" as const, logGroup: defaultJobLogGroup },
  run: { name: "progress", queue: defaultQueueName, commandLines: ["echo hi"], environment: {}, parameters: {}, dependsOn: [] }
})

const ecsLayer = () =>
  Layer.mergeAll(EcsMemory.layer().pipe(Layer.provideMerge(LogsMemory.layer())), IamMemory.layer(), Ec2NetworkMemory.layer())

const ecsInput = (dryRun: boolean) => ({
  dryRun,
  shape: { image: "ubuntu", cpu: 256, memoryMiB: 512, logGroup: defaultTaskLogGroup },
  run: { cluster: defaultClusterName, commandLines: ["echo hi"], environment: {}, tags: {} }
})

describe("workflow progress as data", () => {
  it("the type-level checks hold", () => {
    assert.isTrue(Object.values(noOutput).every((v) => v === false))
    assert.isTrue(rendererNeedsOutput)
    assert.isTrue(emitNeedsNothing)
    assert.isTrue(libraryNeedsNoOutput)
    assert.isTrue(probe)
  })

  it.effect("submitBatchJob: creations and the submission as events, the job as the result", () =>
    Effect.gen(function*() {
      const { result, events } = yield* collectProgress(submitBatchJob(batchInput(false)))
      const job = Option.getOrThrow(result)
      assert.strictEqual(job.name, "progress")
      assert.deepStrictEqual(Array.from(new Set(tags(events))), ["Created"])
      const kinds = events.flatMap((e) => (e._tag === "Created" ? [e.kind] : []))
      assert.deepStrictEqual(kinds, ["IAM role", "security group", "service-linked role", "compute environment", "job queue", "job definition", "job"])
      const submitted = events.at(-1)
      assert.deepInclude(submitted, { _tag: "Created", kind: "job", id: job.id })
      assert.strictEqual(submitted?._tag === "Created" ? submitted.message : "", `submitted job ${job.id} (progress) to queue ${defaultQueueName}`)
      // Run again: everything exists, only the job is new.
      const again = yield* collectProgress(submitBatchJob(batchInput(false)))
      assert.deepStrictEqual(created(again.events).map((c) => c.split(":")[0]), ["job"])
    }).pipe(Effect.provide(batchLayer())))

  it.effect("submitBatchJob dry run: the requests as a DryRun event, nothing created, none returned", () =>
    Effect.gen(function*() {
      const { result, events } = yield* collectProgress(submitBatchJob(batchInput(true)))
      assert.isTrue(Option.isNone(result))
      assert.deepStrictEqual(tags(events), ["Notice", "DryRun", "Notice"])
      const dry = events[1]
      assert.isTrue(dry?._tag === "DryRun" && Object.keys(dry.requests).join() === "RegisterJobDefinition,SubmitJob")
      assert.deepInclude(events[2], { message: "dry run: nothing was created or submitted" })
    }).pipe(Effect.provide(batchLayer())))

  it.effect("runEcsTask: events as a Stream, then the task", () =>
    Effect.gen(function*() {
      const events = yield* Stream.runCollect(progressEvents(runEcsTask(ecsInput(false))))
      assert.deepStrictEqual(
        events.map((e) => (e._tag === "Created" ? e.kind : e._tag)),
        ["IAM role", "security group", "ECS cluster", "log group", "task definition", "task"]
      )
      const started = events.at(-1)
      assert.isTrue(started?._tag === "Created" && /^started task \S+ \(.+:1\) in cluster aegea_ecs$/.test(started.message))
      const { result, events: second } = yield* collectProgress(runEcsTask(ecsInput(false)))
      const task = Option.getOrThrow(result)
      assert.deepStrictEqual(second.map((e) => (e._tag === "Created" ? e.kind : e._tag)), ["task"])
      assert.deepInclude(second[0], { id: task.arn })
      // A failure ends the stream with that failure.
      const failed = yield* Effect.flip(Stream.runCollect(progressEvents(runEcsTask({ ...ecsInput(false), run: { ...ecsInput(false).run, cluster: "nope" } }))))
      assert.strictEqual(failed._tag, "ResourceNotFound")
    }).pipe(Effect.provide(ecsLayer())))

  it.effect("runEcsTask dry run: the RegisterTaskDefinition and RunTask requests as data", () =>
    Effect.gen(function*() {
      const { result, events } = yield* collectProgress(runEcsTask(ecsInput(true)))
      assert.isTrue(Option.isNone(result))
      const dry = events.find((e) => e._tag === "DryRun")
      assert.deepStrictEqual(dry?._tag === "DryRun" ? Object.keys(dry.requests) : [], ["RegisterTaskDefinition", "RunTask"])
      assert.notInclude(tags(events), "Created")
    }).pipe(Effect.provide(ecsLayer())))

  const launchLayer = () =>
    Layer.mergeAll(
      Ec2LaunchMemory.layer().pipe(Layer.provideMerge(Ec2Memory.layer({
        images: [{ id: "ami-0000000000000b0b1", name: "aegea-x86_64-2025", state: "available", architecture: "x86_64", public: false, ownerId: "123456789012", tags: { AegeaVersion: "3.0" } }],
        subnets: [{ id: "subnet-a", vpcId: "vpc-default", cidr: "172.31.0.0/20", availabilityZone: "us-east-1a", availableIps: 4000, defaultForAz: true, mapPublicIp: true, state: "available", tags: {} }]
      }))),
      Ec2NetworkMemory.layer(),
      IamMemory.layer(),
      IamIdentityMemory.layer(),
      SsmMemory.layer()
    )

  it.effect("executeLaunch: the group, role and profile it creates as events; the instance as the result", () =>
    Effect.gen(function*() {
      const plan: LaunchPlan = yield* planLaunch({
        name: "box",
        ami: { kind: "own" },
        amiParameterPrefixes: defaultAmiParameterPrefixes,
        instanceType: "t3a.micro",
        securityGroups: [],
        iamRole: "aegea.launch",
        manageIam: true,
        storage: [],
        tags: {},
        userConfigs: []
      })
      const { result, events } = yield* collectProgress(executeLaunch(plan))
      assert.deepStrictEqual(created(events).map((c) => c.split(":")[0]), ["security group", "IAM role", "instance profile"])
      assert.deepStrictEqual(events.map((e) => (e._tag === "Created" ? e.message : "")), result.ensured.map((e) => `created ${e}`))
      const requests = yield* (yield* Ec2LaunchMemoryState).requests
      const group = events[0]
      assert.strictEqual(requests.length, 1)
      assert.include(requests[0]?.securityGroupIds ?? [], group?._tag === "Created" ? group.id : "none")
    }).pipe(Effect.provide(launchLayer())))

  it.effect("waitForLaunch reports each state as a Status event and ends with StatusDone", () =>
    Effect.gen(function*() {
      const plan = yield* planLaunch({
        name: "web",
        ami: { kind: "own" },
        amiParameterPrefixes: defaultAmiParameterPrefixes,
        instanceType: "t3a.micro",
        securityGroups: [],
        iamRole: undefined,
        manageIam: false,
        storage: [],
        tags: {},
        userConfigs: []
      })
      const { instance } = yield* executeLaunch(plan)
      const fiber = yield* Effect.forkChild(collectProgress(waitForLaunch(instance as Instance, { agent: false })))
      for (let i = 0; i < 20 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("2 seconds")
      const { result, events } = yield* Fiber.join(fiber)
      assert.strictEqual(result.state, "running")
      assert.strictEqual(events.at(-1)?._tag, "StatusDone")
      const lines = events.flatMap((e) => (e._tag === "Status" ? [e.line] : []))
      assert.isAbove(lines.length, 0)
      assert.isTrue(lines.every((l) => l.includes(instance.id)), lines.join("\n"))
    }).pipe(Effect.provide(launchLayer())))

  it.effect("a custom handler sees every event; the default Progress ignores them", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      yield* withProgress((e) => Effect.sync(() => void seen.push(e._tag)))(emitProgress({ _tag: "Notice", message: "hello" }))
      assert.deepStrictEqual(seen, ["Notice"])
      yield* emitProgress({ _tag: "Notice", message: "nobody listens" })
      const sink = yield* Progress
      assert.isFunction(sink.emit)
    }))

  it.effect("the CLI's rendering: notices to stderr, a dry run's document to stdout, the same text as before", () =>
    Effect.gen(function*() {
      yield* progressThroughOutput(submitBatchJob(batchInput(true)))
      const capture = yield* OutputCapture
      const stderr = (yield* capture.stderr).join("\n")
      assert.strictEqual(stderr, `dry run: queue ${defaultQueueName} does not exist yet and would be created\ndry run: nothing was created or submitted`)
      const document = JSON.parse(yield* capture.stdoutText) as Record<string, unknown>
      assert.deepStrictEqual(Object.keys(document), ["RegisterJobDefinition", "SubmitJob"])
    }).pipe(Effect.provide(Layer.mergeAll(batchLayer(), OutputTest.layer({ format: "json" })))))

  it.effect("a dry run's document that --query cannot render fails the command with that UsageError, nothing on stdout", () =>
    Effect.gen(function*() {
      const failure = yield* Effect.flip(progressThroughOutput(submitBatchJob(batchInput(true))))
      assert.strictEqual(failure._tag, "UsageError")
      assert.strictEqual(yield* (yield* OutputCapture).stdoutText, "")
    }).pipe(Effect.provide(Layer.mergeAll(batchLayer(), OutputTest.layer({ format: "json", query: "abs(@)" })))))
})
