/** `aegea batch watch|logs|ls|describe|terminate|cancel`: follow, read, list and stop jobs. */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { AegeaConfig, withConfigDefaults } from "../../services/AegeaConfig.ts"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { parseTimeRange } from "../../lib/timeExpr.ts"
import { listingDescription } from "../../lib/table.ts"
import { Batch, defaultJobLogGroup, defaultQueueName, type JobStatus, jobStatuses, type JobSummary } from "../../services/Batch.ts"
import { UsageError } from "../../errors.ts"
import { Output } from "../../services/Output.ts"
import { resolveQueue } from "../../workflows/batchSubmit.ts"
import { jobLogs } from "../../workflows/watchJob.ts"
import { commaList } from "../parse.ts"
import { confirmDestruction } from "../confirm.ts"
import { eventTable } from "../logGroups.ts"
import { printStreamEvents } from "../streamLogs.ts"
import { followJob } from "./follow.ts"
import { BatchLayer } from "./layer.ts"

const jobId = Argument.String("job-id").pipe(Argument.withDescription("The job's id (as batch submit and batch ls print it)."))
const jobIds = Argument.String("job-id").pipe(Argument.withDescription("Job ids."), Argument.atLeast(1))

export const watchCommand = Command.make(
  "watch",
  {
    jobId,
    terminateOnInterrupt: Flag.Boolean("terminate-on-interrupt").pipe(
      Flag.withDescription("On Ctrl-C, terminate the job before exiting (at a terminal you are asked otherwise).")
    , Flag.withDefault(false))
  },
  Effect.fn("batch watch")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch watch"), raw)
    yield* followJob(input.jobId, { terminateOnInterrupt: input.terminateOnInterrupt })
  })
).pipe(
  Command.withDescription("Follow a job: print its status changes and log lines until it ends, then exit with its exit code."),
  Command.withExamples([{ command: "aegea batch watch 3b1e9c6f-2d4a-4f7e-9a51-0c8d2e6f7a10", description: "Follow a job to its end" }]),
  Command.provide(BatchLayer)
)

export const logsCommand = Command.make(
  "logs",
  {
    jobId,
    head: Flag.Int("head").pipe(Flag.withDescription("Print only the first N lines."), Flag.optional),
    tail: Flag.Int("tail").pipe(Flag.withDescription("Print only the last N lines."), Flag.optional),
    follow: Flag.Boolean("follow").pipe(Flag.withAlias("f"), Flag.withDescription("Keep printing new lines until the job ends."), Flag.withDefault(false))
  },
  Effect.fn("batch logs")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch logs"), raw)
    const batch = yield* Batch
    const output = yield* Output
    if (input.follow) return yield* followJob(input.jobId, { terminateOnInterrupt: false })
    const job = yield* batch.describeJob(input.jobId)
    const where = jobLogs(job)
    if (where === undefined) {
      yield* output.info(`job ${job.id} (${job.name}) is ${job.status} and has no log stream yet`)
      if (output.settings.format !== "table") yield* output.table([], eventTable, { empty: null })
      return
    }
    yield* printStreamEvents(where, {
      head: Option.getOrUndefined(input.head),
      tail: Option.getOrUndefined(input.tail),
      whose: `job ${job.id} (${job.name}) is ${job.status}`
    })
  })
).pipe(
  Command.withAlias("get-logs"), // the Python aegea's `batch get-logs`
  Command.withDescription(
    `Print a job's log lines (CloudWatch Logs, group ${defaultJobLogGroup} unless its definition names another); objects like 'logs' prints with --output json.`
  ),
  Command.withExamples([
    { command: "aegea batch logs JOB_ID --tail 20", description: "The last 20 lines" },
    { command: "aegea batch logs JOB_ID --follow", description: "Keep printing until the job ends" }
  ]),
  Command.provide(BatchLayer)
)

const jobTable = {
  columns: [
    { key: "id", kind: "id" as const },
    { key: "name", kind: "name" as const },
    { key: "status", kind: "state" as const },
    { key: "statusReason", header: "REASON" },
    { key: "queue" },
    { key: "createdAt", header: "CREATED", kind: "time" as const },
    { key: "exitCode", header: "EXIT", kind: "number" as const }
  ],
  kinds: { startedAt: "time" as const, stoppedAt: "time" as const, jobDefinition: "text" as const }
}

export const lsCommand = Command.make(
  "ls",
  {
    queue: Flag.String("queue").pipe(Flag.withDescription("Only jobs of these queues (comma-separated; default: every queue)."), Flag.atLeast(0)),
    status: Flag.String("status").pipe(
      Flag.withDescription(`Only jobs in these statuses (comma-separated): ${jobStatuses.join(", ")}.`),
      Flag.atLeast(0)
    ),
    since: Flag.String("since").pipe(
      Flag.withDescription("Only jobs created at or after this time: 2h (two hours ago), 2024-05-01, today, yesterday...; see \"Times\" in the README."),
      Flag.optional
    )
  },
  Effect.fn("batch ls")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch ls"), raw)
    const batch = yield* Batch
    const output = yield* Output
    const statuses = commaList(input.status).map((s) => s.toUpperCase())
    const bad = statuses.filter((s) => !(jobStatuses as ReadonlyArray<string>).includes(s))
    if (bad.length > 0) return yield* new UsageError({ message: `invalid --status ${bad.join(", ")}`, hint: `Use ${jobStatuses.join(", ")}` })
    const since = Option.isSome(input.since)
      ? (yield* parseTimeRange({ start: input.since.value, end: undefined }, yield* Clock.currentTimeMillis, { start: "since" })).start
      : undefined
    const wanted = commaList(input.queue)
    for (const q of wanted) yield* resolveQueue(q, { create: false })
    const queues = wanted.length > 0 ? wanted : (yield* Stream.runCollect(batch.queues())).map((q) => q.name)
    const rows: Array<JobSummary> = []
    for (const queue of queues) {
      const names = (yield* Stream.runCollect(batch.queues([queue])))[0]?.name ?? queue
      const jobs = yield* Stream.runCollect(batch.jobs({ queue, ...(statuses.length > 0 ? { statuses: statuses as Array<JobStatus> } : {}) }))
      rows.push(...jobs.map((j) => ({ ...j, queue: names })))
    }
    const shown = rows
      .filter((j) => since === undefined || (j.createdAt !== undefined && j.createdAt.getTime() >= since.getTime()))
      .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))
    yield* output.table(shown, jobTable, {
      empty: `no jobs in ${wanted.length > 0 ? `queue ${wanted.join(", ")}` : "any queue"}${statuses.length > 0 ? ` with status ${statuses.join(",")}` : ""}`
    })
  })
).pipe(
  Command.withDescription(listingDescription("List jobs of every queue (or of --queue) in every status, all pages, oldest first.", jobTable)),
  Command.withShortDescription("List jobs of every queue (or of --queue) in every status, all pages, oldest first."),
  Command.withExamples([
    { command: "aegea batch ls", description: "Every job Batch still knows" },
    { command: `aegea batch ls --queue ${defaultQueueName} --status RUNNING,RUNNABLE --since 2h`, description: "Recent unfinished jobs" }
  ]),
  Command.provide(BatchLayer)
)

export const describeCommand = Command.make(
  "describe",
  { jobId },
  Effect.fn("batch describe")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("batch describe"), raw)
    const batch = yield* Batch
    yield* (yield* Output).document(yield* batch.describeJob(input.jobId))
  })
).pipe(
  Command.withDescription("Print everything about a job (status, reason, times, container, exit code) as a document."),
  Command.withExamples([{ command: "aegea batch describe JOB_ID --json", description: "A job as JSON" }]),
  Command.provide(BatchLayer)
)

const stopCommand = (name: "terminate" | "cancel") =>
  Command.make(
    name,
    {
      jobIds,
      reason: Flag.String("reason").pipe(Flag.withDescription("Why, as Batch records it."), Flag.withDefault(`${name === "terminate" ? "Terminated" : "Cancelled"} by aegea`)),
      yes: Flag.Boolean("yes").pipe(
        Flag.withAlias("y"),
        Flag.withDescription(`${name === "terminate" ? "Terminate" : "Cancel"} without asking (required when stdin or stderr is not a terminal).`),
        Flag.withDefault(false)
      )
    },
    Effect.fn(`batch ${name}`)(function*(input) {
      const batch = yield* Batch
      const output = yield* Output
      const jobs = yield* Effect.forEach(input.jobIds, (id) => batch.describeJob(id))
      yield* confirmDestruction({ verb: name, noun: ["job", "jobs"], items: jobs.map((job) => `${job.id} (${job.name}), ${job.status}`) }, input.yes)
      yield* Effect.forEach(jobs, (job) => name === "terminate" ? batch.terminateJob(job.id, input.reason) : batch.cancelJob(job.id, input.reason), {
        concurrency: 8,
        discard: true
      })
      for (const job of jobs) yield* output.info(`${name === "terminate" ? "terminating" : "cancelling"} job ${job.id} (${job.name}), ${job.status}`)
    })
  ).pipe(
    Command.withDescription(
      name === "terminate"
        ? "Terminate jobs in any status (running ones are stopped); asks on a terminal, and with no terminal refuses unless --yes."
        : "Cancel jobs that have not started (SUBMITTED, PENDING, RUNNABLE); others are left alone. Asks on a terminal, and with no terminal refuses unless --yes."
    ),
    Command.withExamples([{ command: `aegea batch ${name} JOB_ID --reason "wrong input" --yes`, description: `${name} a job without asking` }]),
    Command.provide(BatchLayer)
  )

export const terminateCommand = stopCommand("terminate")
export const cancelCommand = stopCommand("cancel")
