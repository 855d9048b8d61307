/** The live AWS Batch layer: the SDK client is imported lazily, so only batch commands load it. */
import { Effect, Layer, Stream } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import * as map from "./batchMapping.ts"
import { Batch, jobStatuses } from "../services/Batch.ts"
import { type AwsError, ResourceNotFound } from "../errors.ts"

/** Batch reports a duplicate name as ClientException "... already exists". */
const alreadyExists = (e: AwsError) => e._tag === "AwsInvalidRequest" && /already exists/i.test(e.awsMessage)

export const BatchLive: Layer.Layer<Batch, never, AwsClients> = Layer.effect(
  Batch,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-batch"))
    const batch = yield* client(() => new sdk.BatchClient(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "Batch", operation, action }, run)
    const next = (token: string | undefined) => (token ? { nextToken: token } : {})

    const queues = (names: ReadonlyArray<string> = []) =>
      paginate((token) =>
        send("DescribeJobQueues", "list job queues", (abortSignal) =>
          batch.send(new sdk.DescribeJobQueuesCommand({ ...(names.length > 0 ? { jobQueues: [...names] } : {}), ...next(token) }), { abortSignal })).pipe(
            Effect.map((r) => [(r.jobQueues ?? []).map(map.toQueue), r.nextToken] as const)
          )
      )
    const computeEnvironments = (names: ReadonlyArray<string> = []) =>
      paginate((token) =>
        send("DescribeComputeEnvironments", "list compute environments", (abortSignal) =>
          batch.send(
            new sdk.DescribeComputeEnvironmentsCommand({ ...(names.length > 0 ? { computeEnvironments: [...names] } : {}), ...next(token) }),
            { abortSignal }
          )).pipe(Effect.map((r) => [(r.computeEnvironments ?? []).map(map.toComputeEnvironment), r.nextToken] as const))
      )
    const first = <A>(stream: Stream.Stream<A, AwsError>) => Effect.map(Stream.runCollect(Stream.take(stream, 1)), (all) => all[0])

    return Batch.of({
      region: env.region,
      describeJob: (jobId) =>
        send("DescribeJobs", `describe job ${jobId}`, (abortSignal) =>
          batch.send(new sdk.DescribeJobsCommand({ jobs: [jobId] }), { abortSignal })).pipe(
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
            send("ListJobs", `list ${jobStatus} jobs of queue ${filter.queue}`, (abortSignal) =>
              batch.send(new sdk.ListJobsCommand({ jobQueue: filter.queue, jobStatus, ...next(token) }), { abortSignal })).pipe(
                Effect.map((r) => [(r.jobSummaryList ?? []).map(map.toJobSummary(filter.queue)).filter((j) => j.status === jobStatus), r.nextToken] as const)
              )
          )),
      submitJob: (request) =>
        send("SubmitJob", `submit job ${request.jobName} to queue ${request.jobQueue}`, (abortSignal) =>
          batch.send(new sdk.SubmitJobCommand(request as unknown as import("@aws-sdk/client-batch").SubmitJobCommandInput), { abortSignal })).pipe(
            Effect.map((r) => ({ id: r.jobId ?? "", name: r.jobName ?? request.jobName, arn: r.jobArn }))
          ),
      terminateJob: (jobId, reason) =>
        send("TerminateJob", `terminate job ${jobId}`, (abortSignal) =>
          batch.send(new sdk.TerminateJobCommand({ jobId, reason }), { abortSignal })).pipe(Effect.asVoid),
      cancelJob: (jobId, reason) =>
        send("CancelJob", `cancel job ${jobId}`, (abortSignal) =>
          batch.send(new sdk.CancelJobCommand({ jobId, reason }), { abortSignal })).pipe(Effect.asVoid),
      queues,
      createQueue: (spec) =>
        send("CreateJobQueue", `create job queue ${spec.name}`, (abortSignal) =>
          batch.send(
            new sdk.CreateJobQueueCommand({
              jobQueueName: spec.name,
              priority: spec.priority,
              state: "ENABLED",
              computeEnvironmentOrder: spec.computeEnvironments.map((computeEnvironment, order) => ({ order: order + 1, computeEnvironment })),
              ...(spec.tags ? { tags: { ...spec.tags } } : {})
            }),
            { abortSignal }
          )).pipe(
            Effect.as(true),
            Effect.catchIf(alreadyExists, () => Effect.succeed(false)),
            Effect.flatMap((created) => Effect.map(first(queues([spec.name])), (q) => ({ value: q ?? map.toQueue({ jobQueueName: spec.name } as import("@aws-sdk/client-batch").JobQueueDetail), created })))
          ),
      updateQueue: (name, update) =>
        send("UpdateJobQueue", `update job queue ${name}`, (abortSignal) =>
          batch.send(new sdk.UpdateJobQueueCommand({ jobQueue: name, ...update }), { abortSignal })).pipe(Effect.asVoid),
      deleteQueue: (name) =>
        send("DeleteJobQueue", `delete job queue ${name}`, (abortSignal) =>
          batch.send(new sdk.DeleteJobQueueCommand({ jobQueue: name }), { abortSignal })).pipe(Effect.asVoid),
      computeEnvironments,
      createComputeEnvironment: (spec) => {
        const fargate = spec.computeType === "FARGATE" || spec.computeType === "FARGATE_SPOT"
        return send("CreateComputeEnvironment", `create compute environment ${spec.name}`, (abortSignal) =>
          batch.send(
            new sdk.CreateComputeEnvironmentCommand({
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
                    ...(spec.computeType === "SPOT" ? { allocationStrategy: "SPOT_CAPACITY_OPTIMIZED" as const } : {})
                  })
              },
              ...(spec.tags ? { tags: { ...spec.tags } } : {})
            }),
            { abortSignal }
          )).pipe(
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
        send("UpdateComputeEnvironment", `update compute environment ${name}`, (abortSignal) =>
          batch.send(
            new sdk.UpdateComputeEnvironmentCommand({
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
            }),
            { abortSignal }
          )).pipe(Effect.asVoid),
      deleteComputeEnvironment: (name) =>
        send("DeleteComputeEnvironment", `delete compute environment ${name}`, (abortSignal) =>
          batch.send(new sdk.DeleteComputeEnvironmentCommand({ computeEnvironment: name }), { abortSignal })).pipe(Effect.asVoid),
      jobDefinitions: (filter = {}) =>
        paginate((token) =>
          send("DescribeJobDefinitions", "list job definitions", (abortSignal) =>
            batch.send(
              new sdk.DescribeJobDefinitionsCommand({
                ...(filter.name !== undefined ? { jobDefinitionName: filter.name } : {}),
                ...(filter.status !== undefined ? { status: filter.status } : {}),
                ...next(token)
              }),
              { abortSignal }
            )).pipe(Effect.map((r) => [(r.jobDefinitions ?? []).map(map.toJobDefinition), r.nextToken] as const))
        ),
      registerJobDefinition: (request) =>
        send("RegisterJobDefinition", `register job definition ${request.jobDefinitionName}`, (abortSignal) =>
          batch.send(
            new sdk.RegisterJobDefinitionCommand(request as unknown as import("@aws-sdk/client-batch").RegisterJobDefinitionCommandInput),
            { abortSignal }
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
