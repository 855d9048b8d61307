/** The live AWS Batch layer: the SDK client is imported lazily, so only batch commands load it. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate, reconciled, requestTokenTag } from "./aws.ts"
import * as map from "./batchMapping.ts"
import { Batch, jobStatuses } from "../services/Batch.ts"
import { type AwsError, ResourceNotFound } from "../errors.ts"


/** Batch reports a duplicate name as ClientException "... already exists". */
const alreadyExists = (e: AwsError) => e._tag === "AwsInvalidRequest" && /already exists/i.test(e.awsMessage)

/** `Batch` against AWS Batch, with the region, credentials and endpoint of `AwsClients`. */
export const BatchLive: Layer.Layer<Batch, never, AwsClients> = Layer.effect(
  Batch,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-batch"))
    const aws = yield* makeAws("Batch", (config) => new sdk.BatchClient(config))
    const env = aws.env
    const next = (token: string | undefined) => (token ? { nextToken: token } : {})

    const queues = (names: ReadonlyArray<string> = []) =>
      paginate((token) =>
        aws.call(new sdk.DescribeJobQueuesCommand({ ...(names.length > 0 ? { jobQueues: [...names] } : {}), ...next(token) }), "list job queues", idempotent).pipe(
            Effect.map((r) => [(r.jobQueues ?? []).map(map.toQueue), r.nextToken] as const)
          )
      )
    const computeEnvironments = (names: ReadonlyArray<string> = []) =>
      paginate((token) =>
        aws.call(new sdk.DescribeComputeEnvironmentsCommand({ ...(names.length > 0 ? { computeEnvironments: [...names] } : {}), ...next(token) }), "list compute environments", idempotent).pipe(Effect.map((r) => [(r.computeEnvironments ?? []).map(map.toComputeEnvironment), r.nextToken] as const))
      )
    const first = <A>(stream: Stream.Stream<A, AwsError>) => Effect.map(Stream.runCollect(Stream.take(stream, 1)), (all) => all[0])

    return Batch.of({
      region: env.region,
      describeJob: (jobId) =>
        aws.call(new sdk.DescribeJobsCommand({ jobs: [jobId] }), `describe job ${jobId}`, idempotent).pipe(
            Effect.flatMap((r) => {
              const job = r.jobs?.[0]
              return job
                ? Effect.succeed(map.toJob(job))
                : Effect.fail(new ResourceNotFound({ kind: "Batch job", name: jobId, region: env.region, hint: "Run 'aegea batch ls' to see the jobs" }))
            })
          ),
      jobs: (filter) =>
        Stream.flatMap(Stream.fromIterable(filter.statuses ?? jobStatuses), (jobStatus) =>
          paginate((token) =>
            aws.call(new sdk.ListJobsCommand({ jobQueue: filter.queue, jobStatus, ...next(token) }), `list ${jobStatus} jobs of queue ${filter.queue}`, idempotent).pipe(
                Effect.map((r) => [(r.jobSummaryList ?? []).map(map.toJobSummary(filter.queue)).filter((j) => j.status === jobStatus), r.nextToken] as const)
              )
          )),
      submitJob: (request) => {
        // A fresh token tags the job; if the answer is lost, the job it names is the one submitted.
        const token = randomUUID()
        const input = {
          ...(request as unknown as import("@aws-sdk/client-batch").SubmitJobCommandInput),
          tags: { [requestTokenTag]: token }
        }
        const toSubmitted = (id: string, name: string, arn: string | undefined) => ({ id, name, arn })
        const findSubmitted = Effect.gen(function*() {
          const listed = yield* aws.call(
            new sdk.ListJobsCommand({ jobQueue: request.jobQueue, filters: [{ name: "JOB_NAME", values: [request.jobName] }] }),
            `look for job ${request.jobName} in queue ${request.jobQueue}`,
            idempotent
          )
          const ids = (listed.jobSummaryList ?? []).map((j) => j.jobId ?? "").filter((id) => id !== "")
          if (ids.length === 0) return Option.none()
          const described = yield* aws.call(new sdk.DescribeJobsCommand({ jobs: ids.slice(0, 100) }), `describe jobs named ${request.jobName}`, idempotent)
          const job = (described.jobs ?? []).find((j) => j.tags?.[requestTokenTag] === token)
          return job === undefined ? Option.none() : Option.some(toSubmitted(job.jobId ?? "", job.jobName ?? request.jobName, job.jobArn))
        })
        return aws.call(
          new sdk.SubmitJobCommand(input),
          `submit job ${request.jobName} to queue ${request.jobQueue}`,
          reconciled(
            Effect.map(findSubmitted, Option.map((j): import("@aws-sdk/client-batch").SubmitJobCommandOutput => ({ jobId: j.id, jobName: j.name, ...(j.arn !== undefined ? { jobArn: j.arn } : {}), $metadata: {} }))),
            (r) => `job ${r.jobId} (${r.jobName})`
          )
        ).pipe(Effect.map((r) => toSubmitted(r.jobId ?? "", r.jobName ?? request.jobName, r.jobArn)))
      },
      terminateJob: (jobId, reason) =>
        aws.call(new sdk.TerminateJobCommand({ jobId, reason }), `terminate job ${jobId}`, idempotent).pipe(Effect.asVoid),
      cancelJob: (jobId, reason) =>
        aws.call(new sdk.CancelJobCommand({ jobId, reason }), `cancel job ${jobId}`, idempotent).pipe(Effect.asVoid),
      queues,
      createQueue: (spec) =>
        aws.call(new sdk.CreateJobQueueCommand({
              jobQueueName: spec.name,
              priority: spec.priority,
              state: "ENABLED",
              computeEnvironmentOrder: spec.computeEnvironments.map((computeEnvironment, order) => ({ order: order + 1, computeEnvironment })),
              ...(spec.tags ? { tags: { ...spec.tags } } : {})
            }), `create job queue ${spec.name}`, idempotent).pipe(
            Effect.as(true),
            Effect.catchIf(alreadyExists, () => Effect.succeed(false)),
            Effect.flatMap((created) => Effect.map(first(queues([spec.name])), (q) => ({ value: q ?? map.toQueue({ jobQueueName: spec.name } as import("@aws-sdk/client-batch").JobQueueDetail), created })))
          ),
      updateQueue: (name, update) =>
        aws.call(new sdk.UpdateJobQueueCommand({ jobQueue: name, ...update }), `update job queue ${name}`, idempotent).pipe(Effect.asVoid),
      deleteQueue: (name) =>
        aws.call(new sdk.DeleteJobQueueCommand({ jobQueue: name }), `delete job queue ${name}`, idempotent).pipe(Effect.asVoid),
      computeEnvironments,
      createComputeEnvironment: (spec) => {
        const fargate = spec.computeType === "FARGATE" || spec.computeType === "FARGATE_SPOT"
        return aws.call(new sdk.CreateComputeEnvironmentCommand({
              computeEnvironmentName: spec.name,
              type: "MANAGED",
              state: "ENABLED",
              ...(spec.serviceRole !== undefined ? { serviceRole: spec.serviceRole } : {}),
              computeResources: {
                type: spec.computeType,
                maxvCpus: spec.maxVcpus,
                subnets: [...spec.subnets],
                securityGroupIds: [...spec.securityGroups],
                ...(fargate
                  ? {}
                  : {
                    minvCpus: spec.minVcpus ?? 0,
                    desiredvCpus: spec.desiredVcpus ?? 0,
                    instanceTypes: [...(spec.instanceTypes ?? ["optimal"])],
                    ...(spec.instanceRole !== undefined ? { instanceRole: spec.instanceRole } : {}),
                    ...(spec.launchTemplate !== undefined ? { launchTemplate: { launchTemplateName: spec.launchTemplate } } : {}),
                    ...(spec.image !== undefined ? { ec2Configuration: [{ imageType: spec.image.type, imageIdOverride: spec.image.id }] } : {}),
                    ...(spec.ec2KeyPair !== undefined ? { ec2KeyPair: spec.ec2KeyPair } : {}),
                    ...(spec.computeType === "SPOT" ? { allocationStrategy: "SPOT_CAPACITY_OPTIMIZED" as const } : {})
                  })
              },
              ...(spec.tags ? { tags: { ...spec.tags } } : {})
            }), `create compute environment ${spec.name}`, idempotent).pipe(
            Effect.as(true),
            Effect.catchIf(alreadyExists, () => Effect.succeed(false)),
            Effect.flatMap((created) =>
              Effect.map(first(computeEnvironments([spec.name])), (c) => ({
                value: c ?? map.toComputeEnvironment({ computeEnvironmentName: spec.name } as import("@aws-sdk/client-batch").ComputeEnvironmentDetail),
                created
              }))
            )
          )
      },
      updateComputeEnvironment: (name, update) =>
        aws.call(new sdk.UpdateComputeEnvironmentCommand({
              computeEnvironment: name,
              ...(update.state !== undefined ? { state: update.state } : {}),
              ...(update.minVcpus !== undefined || update.maxVcpus !== undefined || update.desiredVcpus !== undefined
                ? {
                  computeResources: {
                    ...(update.minVcpus !== undefined ? { minvCpus: update.minVcpus } : {}),
                    ...(update.maxVcpus !== undefined ? { maxvCpus: update.maxVcpus } : {}),
                    ...(update.desiredVcpus !== undefined ? { desiredvCpus: update.desiredVcpus } : {})
                  }
                }
                : {})
            }), `update compute environment ${name}`, idempotent).pipe(Effect.asVoid),
      deleteComputeEnvironment: (name) =>
        aws.call(new sdk.DeleteComputeEnvironmentCommand({ computeEnvironment: name }), `delete compute environment ${name}`, idempotent).pipe(Effect.asVoid),
      jobDefinitions: (filter = {}) =>
        paginate((token) =>
          aws.call(new sdk.DescribeJobDefinitionsCommand({
                ...(filter.name !== undefined ? { jobDefinitionName: filter.name } : {}),
                ...(filter.status !== undefined ? { status: filter.status } : {}),
                ...next(token)
              }), "list job definitions", idempotent).pipe(Effect.map((r) => [(r.jobDefinitions ?? []).map(map.toJobDefinition), r.nextToken] as const))
        ),
      registerJobDefinition: (request) =>
        aws.call(new sdk.RegisterJobDefinitionCommand(request as unknown as import("@aws-sdk/client-batch").RegisterJobDefinitionCommandInput), `register job definition ${request.jobDefinitionName}`, reconciled(
            // The name is a hash of the definition: an ACTIVE revision of it is this same definition.
            Effect.map(
              aws.call(
                new sdk.DescribeJobDefinitionsCommand({ jobDefinitionName: request.jobDefinitionName, status: "ACTIVE" }),
                `look for job definition ${request.jobDefinitionName}`,
                idempotent
              ),
              (r) =>
                Option.fromUndefinedOr(r.jobDefinitions?.[0]).pipe(
                  Option.map((d) => ({ jobDefinitionName: d.jobDefinitionName, jobDefinitionArn: d.jobDefinitionArn, revision: d.revision, $metadata: {} }))
                )
            ),
            (d) => `job definition ${d.jobDefinitionName}:${d.revision}`
          )).pipe(
            Effect.map((r) =>
              map.toJobDefinition({
                jobDefinitionName: r.jobDefinitionName ?? request.jobDefinitionName,
                jobDefinitionArn: r.jobDefinitionArn ?? "",
                revision: r.revision ?? 0,
                status: "ACTIVE",
                type: "container",
                platformCapabilities: [...request.platformCapabilities],
                containerProperties: request.containerProperties as unknown as import("@aws-sdk/client-batch").ContainerProperties
              })
            )
          )
    })
  })
)
