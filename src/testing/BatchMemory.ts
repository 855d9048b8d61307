/**
 * An in-memory AWS Batch for tests. Jobs move SUBMITTED -> PENDING -> RUNNABLE -> STARTING ->
 * RUNNING -> SUCCEEDED/FAILED on Effect's Clock (TestClock in tests), with the durations, exit
 * codes and log lines a test chooses. A running job's log lines are written into the `LogsMemory`
 * provided underneath (`BatchMemory.layer(seed).pipe(Layer.provideMerge(LogsMemory.layer()))`) as
 * their time comes (whenever the job is read), so a submit-and-watch program sees them through
 * `Logs.readStream`. That dependency is in the types: a layer seeded with a `script` (the only way
 * to get log lines) requires `LogsMemoryState`, so `Layer.mergeAll(BatchMemory.layer({ script }),
 * LogsMemory.layer())`, which would silently drop the lines, leaves `LogsMemoryState` unsatisfied
 * and does not type-check. Without a script the layer stands alone.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import {
  Batch,
  type ComputeEnvironment,
  type ComputeEnvironmentSpec,
  defaultJobLogGroup,
  type Job,
  type JobDefinition,
  type JobQueue,
  type JobQueueSpec,
  type JobStatus,
  jobStatuses
} from "../services/Batch.ts"
import type { RegisterJobDefinitionRequest, SubmitJobRequest } from "../services/batchRequests.ts"
import { AwsInvalidRequest, ResourceNotFound } from "../errors.ts"
import { LogsMemoryState } from "./LogsMemory.ts"

/** How a submitted job behaves. */
export interface JobScript {
  /** Exit code of the container (default 0: SUCCEEDED; anything else: FAILED). */
  readonly exitCode?: number
  /** Log lines, written evenly over the RUNNING time. */
  readonly logLines?: ReadonlyArray<string>
  /** How long it stays RUNNING (default: the seed's `runFor`). */
  readonly runFor?: Duration.Input
  /** Make the job fail before it runs (e.g. "CannotPullContainerError"): FAILED straight from STARTING. */
  readonly failBeforeRunning?: string
}

/** A compute environment that exists from the start (subnets and security groups optional). */
export type SeedComputeEnvironment = Omit<ComputeEnvironmentSpec, "subnets" | "securityGroups"> & Partial<ComputeEnvironmentSpec>

/**
 * What `BatchMemory` starts with and how its jobs behave: queues, compute environments, job definitions and
 * jobs, state durations, a script per job, deterministic ids.
 */
export interface BatchSeed {
  readonly region?: string
  readonly accountId?: string
  /** Time in each state before RUNNING (default 1 second each). */
  readonly stateDurations?: Partial<Record<"SUBMITTED" | "PENDING" | "RUNNABLE" | "STARTING", Duration.Input>>
  /** Default time RUNNING (default 5 seconds). */
  readonly runFor?: Duration.Input
  /** The behaviour of each submitted job (default: exit 0, no log lines). */
  readonly script?: (request: SubmitJobRequest) => JobScript
  readonly queues?: ReadonlyArray<JobQueueSpec>
  readonly computeEnvironments?: ReadonlyArray<SeedComputeEnvironment>
  /** Page size of listings (default 100). */
  readonly pageSize?: number
  /** Job definitions registered from the start, in order (revisions 1, 2, ... per name). */
  readonly jobDefinitions?: ReadonlyArray<RegisterJobDefinitionRequest>
  /**
   * Jobs submitted from the start (at the layer's build time on the Clock), in order, behaving as
   * `script` says; their queue must be in `queues` and their definition in `jobDefinitions`.
   * Seeding records no calls and no `submitted`/`registered` requests.
   */
  readonly jobs?: ReadonlyArray<SubmitJobRequest>
  /**
   * Generated job ids count from this number in this layer (default 0: the first is
   * 00000000-0000-4000-8000-000000000001), so they do not depend on other layers or on test order.
   */
  readonly idSeed?: number
}

interface StoredJob {
  readonly id: string
  readonly request: SubmitJobRequest
  readonly definition: JobDefinition | undefined
  readonly logGroup: string
  readonly script: JobScript
  readonly createdAt: number
  readonly ended?: { readonly at: number; readonly reason: string }
  readonly linesWritten: number
}

/** Inspect the in-memory state from a test. */
export class BatchMemoryState extends Context.Service<BatchMemoryState, {
  readonly jobs: Effect.Effect<ReadonlyArray<Job>>
  /** Every SubmitJob request, in order. */
  readonly submitted: Effect.Effect<ReadonlyArray<SubmitJobRequest>>
  readonly registered: Effect.Effect<ReadonlyArray<RegisterJobDefinitionRequest>>
  /** Every API-like call, e.g. "SubmitJob", "DescribeJobs". */
  readonly calls: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/BatchMemoryState") {}

const ms = (d: Duration.Input | undefined, fallback: number) =>
  d === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(d))

/** The layer; the exported `BatchMemory.layer` types its dependency on LogsMemory (see its overloads). */
const makeLayer = (seed: BatchSeed): Layer.Layer<Batch | BatchMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const region = seed.region ?? "us-east-1"
        const account = seed.accountId ?? "123456789012"
        const arn = (kind: string, name: string) => `arn:aws:batch:${region}:${account}:${kind}/${name}`
        const pageSize = seed.pageSize ?? 100
        let counter = seed.idSeed ?? 0
        const logsState = yield* Effect.serviceOption(LogsMemoryState)
        const steps = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING"] as const
        const durations = steps.map((s) => ms(seed.stateDurations?.[s], 1000))
        const calls = yield* Ref.make<ReadonlyArray<string>>([])
        const record = (op: string) => Ref.update(calls, (c) => [...c, op])
        const jobsRef = yield* Ref.make<ReadonlyArray<StoredJob>>([])
        const submitted = yield* Ref.make<ReadonlyArray<SubmitJobRequest>>([])
        const registered = yield* Ref.make<ReadonlyArray<RegisterJobDefinitionRequest>>([])
        const definitions = yield* Ref.make<ReadonlyArray<JobDefinition & { readonly logGroup: string }>>([])
        const toCe = (s: SeedComputeEnvironment): ComputeEnvironment => ({
          name: s.name,
          arn: arn("compute-environment", s.name),
          type: "MANAGED",
          state: "ENABLED",
          status: "VALID",
          computeType: s.computeType,
          maxVcpus: s.maxVcpus,
          ...(s.minVcpus !== undefined ? { minVcpus: s.minVcpus } : {}),
          ...(s.desiredVcpus !== undefined ? { desiredVcpus: s.desiredVcpus } : {}),
          instanceTypes: s.instanceTypes ?? [],
          subnets: s.subnets ?? [],
          securityGroups: s.securityGroups ?? []
        })
        const toQueue = (s: JobQueueSpec): JobQueue => ({
          name: s.name,
          arn: arn("job-queue", s.name),
          state: "ENABLED",
          status: "VALID",
          priority: s.priority,
          computeEnvironments: s.computeEnvironments.map((c) => (c.startsWith("arn:") ? c : arn("compute-environment", c)))
        })
        const ces = yield* Ref.make<ReadonlyArray<ComputeEnvironment>>((seed.computeEnvironments ?? []).map(toCe))
        const queues = yield* Ref.make<ReadonlyArray<JobQueue>>((seed.queues ?? []).map(toQueue))
        const now = Clock.currentTimeMillis
        const invalid = (operation: string, action: string, awsMessage: string) =>
          new AwsInvalidRequest({ action, service: "Batch", operation, code: "ClientException", awsMessage, region })
        const byName = (name: string) => (x: { readonly name: string; readonly arn: string }) => x.name === name || x.arn === name

        /** Where a job is on its timeline at `t`. */
        const statusAt = (j: StoredJob, t: number): { status: JobStatus; reason?: string; startedAt?: number; stoppedAt?: number } => {
          let at = j.createdAt
          for (const [i, step] of steps.entries()) {
            const next = at + (durations[i] ?? 1000)
            if (j.ended && j.ended.at < next && j.ended.at <= t) return { status: "FAILED", reason: j.ended.reason, stoppedAt: j.ended.at }
            if (t < next) return { status: step }
            if (step === "STARTING" && j.script.failBeforeRunning !== undefined) {
              return { status: "FAILED", reason: j.script.failBeforeRunning, stoppedAt: next }
            }
            at = next
          }
          const stop = at + ms(j.script.runFor, ms(seed.runFor, 5000))
          if (j.ended && j.ended.at < stop && j.ended.at <= t) {
            return { status: "FAILED", reason: j.ended.reason, startedAt: at, stoppedAt: j.ended.at }
          }
          if (t < stop) return { status: "RUNNING", startedAt: at }
          const failed = (j.script.exitCode ?? 0) !== 0
          return { status: failed ? "FAILED" : "SUCCEEDED", ...(failed ? { reason: "Essential container in task exited" } : {}), startedAt: at, stoppedAt: stop }
        }

        const toJob = (j: StoredJob, t: number): Job => {
          const s = statusAt(j, t)
          const ran = s.startedAt !== undefined
          const finished = s.status === "SUCCEEDED" || s.status === "FAILED"
          const env = j.request.containerOverrides.environment
          return {
            id: j.id,
            name: j.request.jobName,
            status: s.status,
            ...(s.reason !== undefined ? { statusReason: s.reason } : {}),
            queue: j.request.jobQueue,
            jobDefinition: j.definition?.arn ?? j.request.jobDefinition,
            createdAt: new Date(j.createdAt),
            ...(s.startedAt !== undefined ? { startedAt: new Date(s.startedAt) } : {}),
            ...(s.stoppedAt !== undefined ? { stoppedAt: new Date(s.stoppedAt) } : {}),
            ...(finished && ran && j.ended === undefined ? { exitCode: j.script.exitCode ?? 0 } : {}),
            ...(ran ? { logGroup: j.logGroup, logStream: `${j.definition?.name ?? "job"}/default/${j.id}` } : {}),
            ...(j.definition?.image !== undefined ? { image: j.definition.image } : {}),
            ...(j.definition?.vcpus !== undefined ? { vcpus: j.definition.vcpus } : {}),
            ...(j.definition?.memory !== undefined ? { memory: j.definition.memory } : {}),
            command: [...j.request.containerOverrides.command],
            environment: Object.fromEntries(env.map((e) => [e.name, e.value])),
            parameters: { ...j.request.parameters },
            dependsOn: (j.request.dependsOn ?? []).map((d) => d.jobId),
            ...(j.request.arrayProperties ? { arraySize: j.request.arrayProperties.size } : {})
          }
        }

        /** Write the log lines whose time has come, then describe every job. */
        const current = Effect.gen(function*() {
          const t = yield* now
          const all = yield* Ref.get(jobsRef)
          const updated: Array<StoredJob> = []
          for (const j of all) {
            const s = statusAt(j, t)
            const lines = j.script.logLines ?? []
            if (s.startedAt === undefined || lines.length === 0 || j.linesWritten >= lines.length) {
              updated.push(j)
              continue
            }
            const end = s.stoppedAt ?? (s.startedAt + ms(j.script.runFor, ms(seed.runFor, 5000)))
            const timeOf = (i: number) => s.startedAt! + Math.floor(((i + 1) * (end - s.startedAt!)) / (lines.length + 1))
            let due = j.linesWritten
            while (due < lines.length && timeOf(due) <= Math.min(t, end)) due++
            if (s.stoppedAt !== undefined && j.ended === undefined) due = lines.length
            if (due > j.linesWritten && Option.isSome(logsState)) {
              const events = lines.slice(j.linesWritten, due).map((message, k) => ({ timestamp: timeOf(j.linesWritten + k), message }))
              yield* logsState.value.putEvents(j.logGroup, toJob(j, t).logStream ?? "", events)
            }
            updated.push({ ...j, linesWritten: due })
          }
          yield* Ref.set(jobsRef, updated)
          return updated.map((j) => toJob(j, t))
        })

        const pages = <A>(op: string, items: ReadonlyArray<A>) =>
          Stream.paginate(0, (offset: number) =>
            record(op).pipe(
              Effect.as([items.slice(offset, offset + pageSize), offset + pageSize < items.length ? Option.some(offset + pageSize) : Option.none()] as const)
            ))
        const listed = <A, E>(op: string, items: Effect.Effect<ReadonlyArray<A>, E>) => Stream.unwrap(Effect.map(items, (all) => pages(op, all)))

        const endJob = (op: string, jobId: string, reason: string, cancelOnly: boolean) =>
          Effect.gen(function*() {
            yield* record(op)
            const t = yield* now
            yield* Ref.update(jobsRef, (all) =>
              all.map((j) => {
                if (j.id !== jobId || j.ended !== undefined) return j
                const s = statusAt(j, t).status
                const cancellable = s === "SUBMITTED" || s === "PENDING" || s === "RUNNABLE"
                if (s === "SUCCEEDED" || s === "FAILED" || (cancelOnly && !cancellable)) return j
                return { ...j, ended: { at: t, reason } }
              }))
          })

        const batch = Batch.of({
          region,
          describeJob: (jobId) =>
            Effect.gen(function*() {
              yield* record("DescribeJobs")
              const found = (yield* current).find((j) => j.id === jobId)
              if (found) return found
              return yield* new ResourceNotFound({ kind: "Batch job", name: jobId, region, hint: "Run 'aegea batch ls' to see the jobs" })
            }),
          jobs: (filter) =>
            listed(
              "ListJobs",
              // As AWS (and moto): listing the jobs of a queue that does not exist is a ClientException.
              Effect.flatMap(Ref.get(queues), (all) =>
                all.some(byName(filter.queue))
                  ? current
                  : Effect.fail(invalid("ListJobs", `list jobs of queue ${filter.queue}`, `Job queue ${filter.queue} does not exist`))).pipe(Effect.map((all) =>
                all.filter((j) =>
                  (j.queue === filter.queue || arn("job-queue", j.queue) === filter.queue || j.queue === arn("job-queue", filter.queue)) &&
                  (filter.statuses ?? jobStatuses).includes(j.status)
                )))
            ),
          submitJob: (request) =>
            Effect.gen(function*() {
              yield* record("SubmitJob")
              const queue = (yield* Ref.get(queues)).find(byName(request.jobQueue))
              if (!queue) return yield* invalid("SubmitJob", `submit job ${request.jobName}`, `JobQueue ${request.jobQueue} not found`)
              const defs = (yield* Ref.get(definitions)).filter((d) =>
                (d.name === request.jobDefinition || d.arn === request.jobDefinition || `${d.name}:${d.revision}` === request.jobDefinition) && d.status === "ACTIVE"
              )
              const definition = defs[defs.length - 1]
              if (!definition) return yield* invalid("SubmitJob", `submit job ${request.jobName}`, `Job definition ${request.jobDefinition} not found`)
              const id = `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`
              const createdAt = yield* now
              yield* Ref.update(submitted, (s) => [...s, request])
              yield* Ref.update(jobsRef, (all) => [
                ...all,
                { id, request, definition, logGroup: definition.logGroup, script: seed.script?.(request) ?? {}, createdAt, linesWritten: 0 }
              ])
              return { id, name: request.jobName, arn: arn("job", id) }
            }),
          terminateJob: (jobId, reason) => endJob("TerminateJob", jobId, reason, false),
          cancelJob: (jobId, reason) => endJob("CancelJob", jobId, reason, true),
          queues: (names = []) =>
            listed("DescribeJobQueues", Effect.map(Ref.get(queues), (all) => all.filter((q) => names.length === 0 || names.some((n) => byName(n)(q))))),
          createQueue: (spec) =>
            Effect.gen(function*() {
              yield* record("CreateJobQueue")
              const existing = (yield* Ref.get(queues)).find(byName(spec.name))
              if (existing) return { value: existing, created: false }
              const queue = toQueue(spec)
              yield* Ref.update(queues, (all) => [...all, queue])
              return { value: queue, created: true }
            }),
          updateQueue: (name, update) =>
            record("UpdateJobQueue").pipe(
              Effect.andThen(Ref.update(queues, (all) => all.map((q) => (byName(name)(q) ? { ...q, ...update } : q))))
            ),
          deleteQueue: (name) =>
            Effect.gen(function*() {
              yield* record("DeleteJobQueue")
              const queue = (yield* Ref.get(queues)).find(byName(name))
              if (queue?.state === "ENABLED") return yield* invalid("DeleteJobQueue", `delete job queue ${name}`, "Job queue must be DISABLED before it is deleted")
              yield* Ref.update(queues, (all) => all.filter((q) => !byName(name)(q)))
            }),
          computeEnvironments: (names = []) =>
            listed("DescribeComputeEnvironments", Effect.map(Ref.get(ces), (all) => all.filter((c) => names.length === 0 || names.some((n) => byName(n)(c))))),
          createComputeEnvironment: (spec) =>
            Effect.gen(function*() {
              yield* record("CreateComputeEnvironment")
              const existing = (yield* Ref.get(ces)).find(byName(spec.name))
              if (existing) return { value: existing, created: false }
              const ce = toCe(spec)
              yield* Ref.update(ces, (all) => [...all, ce])
              return { value: ce, created: true }
            }),
          updateComputeEnvironment: (name, update) =>
            record("UpdateComputeEnvironment").pipe(
              Effect.andThen(Ref.update(ces, (all) => all.map((c) => (byName(name)(c) ? { ...c, ...update } : c))))
            ),
          deleteComputeEnvironment: (name) =>
            Effect.gen(function*() {
              yield* record("DeleteComputeEnvironment")
              const ce = (yield* Ref.get(ces)).find(byName(name))
              if (ce?.state === "ENABLED") return yield* invalid("DeleteComputeEnvironment", `delete compute environment ${name}`, "Compute environment must be DISABLED before it is deleted")
              yield* Ref.update(ces, (all) => all.filter((c) => !byName(name)(c)))
            }),
          jobDefinitions: (filter = {}) =>
            listed("DescribeJobDefinitions", Effect.map(Ref.get(definitions), (all) =>
              all.filter((d) => (filter.name === undefined || d.name === filter.name) && (filter.status === undefined || d.status === filter.status)))),
          registerJobDefinition: (request) =>
            Effect.gen(function*() {
              yield* record("RegisterJobDefinition")
              yield* Ref.update(registered, (r) => [...r, request])
              const revision = (yield* Ref.get(definitions)).filter((d) => d.name === request.jobDefinitionName).length + 1
              const resource = (type: string) => request.containerProperties.resourceRequirements.find((r) => r.type === type)?.value
              const definition = {
                name: request.jobDefinitionName,
                arn: arn("job-definition", `${request.jobDefinitionName}:${revision}`),
                revision,
                status: "ACTIVE",
                platform: request.platformCapabilities[0],
                image: request.containerProperties.image,
                vcpus: Number(resource("VCPU") ?? 1),
                memory: Number(resource("MEMORY") ?? 0),
                ...(request.containerProperties.jobRoleArn ? { jobRoleArn: request.containerProperties.jobRoleArn } : {}),
                ...(request.containerProperties.executionRoleArn ? { executionRoleArn: request.containerProperties.executionRoleArn } : {}),
                logGroup: request.containerProperties.logConfiguration.options["awslogs-group"] ?? defaultJobLogGroup
              }
              yield* Ref.update(definitions, (all) => [...all, definition])
              const { logGroup: _, ...shown } = definition
              return shown
            })
        })
        // Seeds go through the API itself, so they are stored exactly as requests would be; a seed AWS
        // would reject (an unknown queue or definition) is a bug in the test: the layer dies saying so.
        for (const request of seed.jobDefinitions ?? []) yield* Effect.orDie(batch.registerJobDefinition(request))
        for (const request of seed.jobs ?? []) yield* Effect.orDie(batch.submitJob(request))
        yield* Ref.set(calls, [])
        yield* Ref.set(submitted, [])
        yield* Ref.set(registered, [])
        const state = BatchMemoryState.of({
          jobs: current,
          submitted: Ref.get(submitted),
          registered: Ref.get(registered),
          calls: Ref.get(calls)
        })
        return Context.make(Batch, batch).pipe(Context.add(BatchMemoryState, state))
      })
    )

function layer(seed?: BatchSeed & { readonly script?: undefined }): Layer.Layer<Batch | BatchMemoryState>
function layer(seed: BatchSeed): Layer.Layer<Batch | BatchMemoryState, never, LogsMemoryState>
function layer(seed: BatchSeed = {}): Layer.Layer<Batch | BatchMemoryState, never, LogsMemoryState> {
  return makeLayer(seed)
}

/**
 * `Batch` in memory, with `BatchMemoryState` to inspect it: jobs move through their states on Effect's Clock
 * (drive them with `TestClock`).
 */
export const BatchMemory = {
  /**
   * An in-memory Batch. With a `script` in the seed, jobs may write log lines into LogsMemory, so
   * the layer requires `LogsMemoryState`: provide it underneath with
   * `.pipe(Layer.provideMerge(LogsMemory.layer()))` (not beside it with `Layer.mergeAll`, which
   * would give the program a LogsMemory the jobs never write to).
   */
  layer
}
