/**
 * `batch watch` and `batch submit --watch`: follow a job to SUCCEEDED or FAILED with its log lines
 * (watchLoop.ts), explain a job stuck in RUNNABLE, and turn the end into an exit code.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Batch, defaultJobLogGroup, isFinished, type Job } from "../services/Batch.ts"
import { type AwsError, OperationFailed, type ResourceNotFound } from "../errors.ts"
import type { Logs } from "../services/Logs.ts"
import type { Output } from "../services/Output.ts"
import { renderWatch, type Snapshot, type WatchEvent, watchEvents, type WatchPacing } from "./watchLoop.ts"

/** A job in these has not started yet: `batch watch` shows a status line while it waits. */
export const jobWaitingStatuses: ReadonlyArray<string> = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING"]

export const jobLabel = (job: Pick<Job, "id" | "name">) => `job ${job.id} (${job.name})`

/** Where a job's log lines are, once Batch has named its stream. */
export const jobLogs = (job: Job): Snapshot["logs"] =>
  job.logStream !== undefined ? { group: job.logGroup ?? defaultJobLogGroup, stream: job.logStream } : undefined

/** How `watchJobEvents` follows a job: when to explain a job stuck in RUNNABLE, and the poll pacing. */
export interface WatchJobOptions {
  /** Explain a job that stays RUNNABLE this long (default 1 minute). */
  readonly runnableHintAfter?: Duration.Input
  readonly pacing?: Partial<WatchPacing>
}

/** What a job's watch reports at each poll. */
export interface JobSnapshot extends Snapshot {
  readonly job: Job
}

/**
 * Follow a job until it SUCCEEDED or FAILED, as a Stream of events: each poll's status, its log
 * lines, a hint when it stays RUNNABLE (and why), then `Finished` with its last description. Needs
 * no Output: render it as you like, or collect the log lines with `Stream.filter`.
 */
export const watchJobEvents = (
  jobId: string,
  options: WatchJobOptions = {}
): Stream.Stream<WatchEvent<JobSnapshot>, AwsError | ResourceNotFound | OperationFailed, Batch | Logs> =>
  Stream.unwrap(Effect.gen(function*() {
    const batch = yield* Batch
    const first = yield* batch.describeJob(jobId)
    const poll = batch.describeJob(jobId).pipe(
      Effect.map((job): JobSnapshot => ({
        job,
        status: job.status,
        reason: job.statusReason,
        done: isFinished(job.status),
        logs: jobLogs(job)
      }))
    )
    return watchEvents({
      label: jobLabel(first),
      poll,
      stuck: {
        status: "RUNNABLE",
        after: options.runnableHintAfter ?? "1 minute",
        explain: (s) => explainRunnable(batch, s.job)
      },
      waiting: jobWaitingStatuses,
      ...(options.pacing !== undefined ? { pacing: options.pacing } : {})
    })
  }))

/** The CLI's watch of a job (renderWatch of watchJobEvents); returns its last description. */
export const watchJob = (
  jobId: string,
  options: WatchJobOptions = {}
): Effect.Effect<Job, AwsError | ResourceNotFound | OperationFailed, Batch | Logs | Output> =>
  Effect.map(renderWatch(watchJobEvents(jobId, options)), (last) => last.job)

/**
 * Why a job may be stuck in RUNNABLE: the queue or a compute environment disabled or invalid, or
 * more vCPUs asked for than the environments allow. Never fails (a hint is best effort).
 */
export const explainRunnable = (batch: Batch["Service"], job: Job): Effect.Effect<string | undefined> =>
  Effect.gen(function*() {
    const [queue] = yield* Stream.runCollect(batch.queues([job.queue]))
    const head = `${jobLabel(job)} has been RUNNABLE for a while`
    if (queue === undefined) return `${head}: its queue ${job.queue} no longer exists`
    if (queue.state !== "ENABLED") return `${head}: its queue ${queue.name} is ${queue.state}`
    const environments = yield* Stream.runCollect(batch.computeEnvironments(queue.computeEnvironments))
    const problems = environments.flatMap((ce) => {
      if (ce.state !== "ENABLED") return [`compute environment ${ce.name} is ${ce.state}`]
      if (ce.status === "INVALID") return [`compute environment ${ce.name} is INVALID (${ce.statusReason ?? "no reason given"})`]
      if (job.vcpus !== undefined && ce.maxVcpus !== undefined && job.vcpus > ce.maxVcpus) {
        return [`it needs ${job.vcpus} vCPUs but ${ce.name} allows at most ${ce.maxVcpus}`]
      }
      return []
    })
    if (problems.length > 0) return `${head}: ${problems.join("; ")}`
    const names = environments.map((ce) =>
      `${ce.name} (${ce.computeType ?? ce.type}, max ${ce.maxVcpus ?? "?"} vCPUs${ce.instanceTypes.length > 0 ? `, ${ce.instanceTypes.join(" ")}` : ""})`
    )
    return `${head}: Batch is waiting for capacity in ${names.join(", ") || "no compute environment"}. ` +
      "Check that the memory and vCPUs fit the instance types, and your EC2 or Fargate vCPU quotas"
  }).pipe(Effect.catch(() => Effect.succeed(undefined)))

/** Succeed for SUCCEEDED; fail with the container's exit code (1 without one) otherwise. */
export const jobOutcome = (job: Job): Effect.Effect<void, OperationFailed> => {
  if (job.status === "SUCCEEDED") return Effect.void
  const reason = job.containerReason ?? job.statusReason ?? `it ended ${job.status}`
  const code = job.exitCode !== undefined && job.exitCode !== 0 ? job.exitCode : undefined
  return Effect.fail(
    new OperationFailed({
      message: `${jobLabel(job)} failed: ${reason}${code !== undefined ? ` (exit code ${code})` : ""}`,
      hint: `See its logs with 'aegea batch logs ${job.id}'`,
      exitCode: code ?? 1
    })
  )
}

