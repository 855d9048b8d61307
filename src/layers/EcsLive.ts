/** The live ECS layer: the SDK client is imported lazily, so only `aegea ecs` commands load it. */
import { Effect, Layer, Option } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import * as map from "./ecsMapping.ts"
import { Ecs, logLocationOf, type Task } from "../services/Ecs.ts"
import { AwsInvalidRequest, ResourceNotFound } from "../errors.ts"

/** DescribeTasks takes at most 100 tasks per call. */
const describeChunk = 100

export const EcsLive: Layer.Layer<Ecs, never, AwsClients> = Layer.effect(
  Ecs,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ecs.ts"))
    const ecs = yield* client(() => new sdk.ECSClient(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "ECS", operation, action }, run)
    const next = (token: string | undefined) => (token ? { nextToken: token } : {})

    const describeClusters = (names: ReadonlyArray<string>) =>
      names.length === 0
        ? Effect.succeed([])
        : send("DescribeClusters", `describe clusters ${names.join(", ")}`, (abortSignal) =>
          ecs.send(new sdk.DescribeClustersCommand({ clusters: [...names] }), { abortSignal })).pipe(
            Effect.map((r) => (r.clusters ?? []).map(map.toCluster))
          )
    const describeCluster = (name: string) =>
      Effect.map(describeClusters([name]), (all) => Option.fromUndefinedOr(all[0]))

    const describeTasks = (cluster: string, tasks: ReadonlyArray<string>) =>
      send("DescribeTasks", `describe tasks of cluster ${cluster}`, (abortSignal) =>
        ecs.send(new sdk.DescribeTasksCommand({ cluster, tasks: [...tasks], include: ["TAGS"] }), { abortSignal })).pipe(
          Effect.map((r) => (r.tasks ?? []).map(map.toTask))
        )

    return Ecs.of({
      region: env.region,
      clusters: () =>
        paginate((token) =>
          send("ListClusters", "list clusters", (abortSignal) =>
            ecs.send(new sdk.ListClustersCommand({ maxResults: describeChunk, ...next(token) }), { abortSignal })).pipe(
              Effect.flatMap((r) =>
                Effect.map(describeClusters(r.clusterArns ?? []), (clusters) => [clusters, r.nextToken] as const)
              )
            )
        ),
      describeCluster,
      ensureCluster: (name) =>
        Effect.gen(function*() {
          const existing = yield* describeCluster(name)
          if (Option.isSome(existing) && existing.value.status === "ACTIVE") return { value: existing.value, created: false }
          // CreateCluster is idempotent: a cluster created meanwhile by someone else is returned as is.
          const created = yield* send("CreateCluster", `create cluster ${name}`, (abortSignal) =>
            ecs.send(new sdk.CreateClusterCommand({ clusterName: name, capacityProviders: ["FARGATE", "FARGATE_SPOT"] }), { abortSignal }))
          return { value: map.toCluster(created.cluster ?? { clusterName: name }), created: true }
        }),
      taskDefinitions: (filter = {}) =>
        paginate((token) =>
          send("ListTaskDefinitions", "list task definitions", (abortSignal) =>
            ecs.send(
              new sdk.ListTaskDefinitionsCommand({
                ...(filter.family !== undefined ? { familyPrefix: filter.family } : {}),
                status: filter.status ?? "ACTIVE",
                ...next(token)
              }),
              { abortSignal }
            )).pipe(Effect.map((r) => [(r.taskDefinitionArns ?? []).map(map.toTaskDefinitionRef), r.nextToken] as const))
        ),
      latestTaskDefinition: (family) =>
        send("ListTaskDefinitions", `look up task definition ${family}`, (abortSignal) =>
          ecs.send(new sdk.ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC", maxResults: 100 }), { abortSignal })).pipe(
            Effect.map((r) =>
              Option.fromUndefinedOr(
                (r.taskDefinitionArns ?? []).map(map.toTaskDefinitionRef).filter((d) => d.family === family).sort((a, b) => b.revision - a.revision)[0]
              )
            )
          ),
      taskLogLocation: (task) =>
        send("DescribeTaskDefinition", `read the task definition of task ${task.id}`, (abortSignal) =>
          ecs.send(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinition }), { abortSignal })).pipe(
            Effect.map((r) => logLocationOf(r.taskDefinition?.containerDefinitions ?? [], task.id))
          ),
      registerTaskDefinition: (request) =>
        send("RegisterTaskDefinition", `register task definition ${request.family}`, (abortSignal) =>
          ecs.send(new sdk.RegisterTaskDefinitionCommand(request as unknown as import("./sdk/ecs.ts").RegisterTaskDefinitionCommandInput), { abortSignal })).pipe(
            Effect.map((r) => map.toTaskDefinitionRef(r.taskDefinition?.taskDefinitionArn ?? `${request.family}:0`))
          ),
      runTask: (request) =>
        send("RunTask", `run a task of ${request.taskDefinition} in cluster ${request.cluster}`, (abortSignal) =>
          ecs.send(new sdk.RunTaskCommand(request as unknown as import("./sdk/ecs.ts").RunTaskCommandInput), { abortSignal })).pipe(
            Effect.flatMap((r) => {
              const task = r.tasks?.[0]
              if (task !== undefined) return Effect.succeed(map.toTask(task))
              const failure = r.failures?.[0]
              return Effect.fail(
                new AwsInvalidRequest({
                  action: `run a task of ${request.taskDefinition} in cluster ${request.cluster}`,
                  service: "ECS",
                  operation: "RunTask",
                  code: failure?.reason ?? "NoTaskStarted",
                  awsMessage: failure?.detail ?? "ECS started no task",
                  region: env.region
                })
              )
            })
          ),
      describeTask: (cluster, task) =>
        describeTasks(cluster, [task]).pipe(
          Effect.flatMap((all): Effect.Effect<Task, ResourceNotFound> => {
            const found = all[0]
            return found !== undefined
              ? Effect.succeed(found)
              : Effect.fail(
                new ResourceNotFound({
                  kind: "ECS task",
                  name: task,
                  region: env.region,
                  hint: `Run 'aegea ecs tasks --cluster ${cluster}' to see its tasks (ECS forgets stopped tasks after about an hour)`
                })
              )
          })
        ),
      tasks: (cluster, desiredStatus) =>
        paginate((token) =>
          send("ListTasks", `list ${desiredStatus} tasks of cluster ${cluster}`, (abortSignal) =>
            ecs.send(new sdk.ListTasksCommand({ cluster, desiredStatus, maxResults: describeChunk, ...next(token) }), { abortSignal })).pipe(
              Effect.flatMap((r) => {
                const arns = r.taskArns ?? []
                return arns.length === 0
                  ? Effect.succeed([[] as ReadonlyArray<Task>, r.nextToken] as const)
                  : Effect.map(describeTasks(cluster, arns), (tasks) => [tasks, r.nextToken] as const)
              })
            )
        ),
      stopTask: (cluster, task, reason) =>
        send("StopTask", `stop task ${task} of cluster ${cluster}`, (abortSignal) =>
          ecs.send(new sdk.StopTaskCommand({ cluster, task, reason }), { abortSignal })).pipe(Effect.asVoid)
    })
  })
)
