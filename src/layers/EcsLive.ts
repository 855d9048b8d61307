/** The live ECS layer: the SDK client is imported lazily, so only `aegea ecs` commands load it. */
import type * as Sdk from "@aws-sdk/client-ecs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate, reconciled } from "./aws.ts"
import * as map from "./ecsMapping.ts"
import { Ecs, enableExecHint, logLocationOf, type Task } from "../services/Ecs.ts"
import { AwsInvalidRequest, OperationFailed, ResourceNotFound } from "../errors.ts"

/** DescribeTasks takes at most 100 tasks per call. */
const describeChunk = 100

/**
 * The `startedBy` of one RunTask: "aegea-" and 30 hex digits of a fresh UUID (ECS allows 36
 * characters). It still says aegea started the task, and it is unique to the request, so ListTasks
 * (which filters by startedBy, on AWS and on moto) finds the task of a RunTask whose answer was lost.
 */
export const runTaskMarker = (uuid: string = randomUUID()) => `aegea-${uuid.replace(/-/g, "")}`.slice(0, 36)

/** `Ecs` against ECS, with the region, credentials and endpoint of `AwsClients`. */
export const EcsLive: Layer.Layer<Ecs, never, AwsClients> = Layer.effect(
  Ecs,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("./sdk/ecs.ts"))
    const aws = yield* makeAws("ECS", (config) => new sdk.ECSClient(config))
    const env = aws.env
    const next = (token: string | undefined) => (token ? { nextToken: token } : {})

    const describeClusters = (names: ReadonlyArray<string>) =>
      names.length === 0
        ? Effect.succeed([])
        : aws.call(new sdk.DescribeClustersCommand({ clusters: [...names] }), `describe clusters ${names.join(", ")}`, idempotent).pipe(
          Effect.map((r) => (r.clusters ?? []).map(map.toCluster))
        )
    const describeCluster = (name: string) =>
      Effect.map(describeClusters([name]), (all) => Option.fromUndefinedOr(all[0]))

    const describeSdkTasks = (cluster: string, tasks: ReadonlyArray<string>) =>
      aws.call(new sdk.DescribeTasksCommand({ cluster, tasks: [...tasks], include: ["TAGS"] }), `describe tasks of cluster ${cluster}`, idempotent).pipe(
        Effect.map((r) => r.tasks ?? [])
      )
    const describeTasks = (cluster: string, tasks: ReadonlyArray<string>) =>
      Effect.map(describeSdkTasks(cluster, tasks), (all) => all.map(map.toTask))

    /**
     * `ecs:CLUSTER_TASK_RUNTIMEID`, the target of an ECS Exec session (as the AWS CLI hands it to the
     * plugin): the container's runtime id comes from DescribeTasks. Best effort: undefined if unknown.
     */
    const execTarget = (cluster: string, taskArn: string, containerName: string | undefined) =>
      aws.call(new sdk.DescribeTasksCommand({ cluster, tasks: [taskArn] }), `describe task ${taskArn}`, idempotent).pipe(
        Effect.map((d) => {
          const task = d.tasks?.[0]
          const container = task?.containers?.find((c) => c.name === containerName) ?? task?.containers?.[0]
          const clusterName = (task?.clusterArn ?? cluster).split("/").pop()
          const taskId = (task?.taskArn ?? taskArn).split("/").pop()
          return container?.runtimeId ? `ecs:${clusterName}_${taskId}_${container.runtimeId}` : undefined
        }),
        Effect.catch(() => Effect.succeed(undefined))
      )

    return Ecs.of({
      region: env.region,
      clusters: () =>
        paginate((token) =>
          aws.call(new sdk.ListClustersCommand({ maxResults: describeChunk, ...next(token) }), "list clusters", idempotent).pipe(
            Effect.flatMap((r) => Effect.map(describeClusters(r.clusterArns ?? []), (clusters) => [clusters, r.nextToken] as const))
          )
        ),
      describeCluster,
      ensureCluster: (name) =>
        Effect.gen(function*() {
          const existing = yield* describeCluster(name)
          if (Option.isSome(existing) && existing.value.status === "ACTIVE") return { value: existing.value, created: false }
          // CreateCluster is idempotent: a cluster created meanwhile (by someone else, or by a first
          // attempt whose answer was lost) is returned as is.
          const created = yield* aws.call(
            new sdk.CreateClusterCommand({ clusterName: name, capacityProviders: ["FARGATE", "FARGATE_SPOT"] }),
            `create cluster ${name}`,
            idempotent
          )
          return { value: map.toCluster(created.cluster ?? { clusterName: name }), created: true }
        }),
      taskDefinitions: (filter = {}) =>
        paginate((token) =>
          aws.call(
            new sdk.ListTaskDefinitionsCommand({
              ...(filter.family !== undefined ? { familyPrefix: filter.family } : {}),
              status: filter.status ?? "ACTIVE",
              ...next(token)
            }),
            "list task definitions",
            idempotent
          ).pipe(Effect.map((r) => [(r.taskDefinitionArns ?? []).map(map.toTaskDefinitionRef), r.nextToken] as const))
        ),
      latestTaskDefinition: (family) =>
        aws.call(
          new sdk.ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC", maxResults: 100 }),
          `look up task definition ${family}`,
          idempotent
        ).pipe(
          Effect.map((r) =>
            Option.fromUndefinedOr(
              (r.taskDefinitionArns ?? []).map(map.toTaskDefinitionRef).filter((d) => d.family === family).sort((a, b) => b.revision - a.revision)[0]
            )
          )
        ),
      taskLogLocation: (task) =>
        aws.call(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinition }), `read the task definition of task ${task.id}`, idempotent).pipe(
          Effect.map((r) => logLocationOf(r.taskDefinition?.containerDefinitions ?? [], task.id))
        ),
      registerTaskDefinition: (request) =>
        aws.call(
          new sdk.RegisterTaskDefinitionCommand(request as unknown as Sdk.RegisterTaskDefinitionCommandInput),
          `register task definition ${request.family}`,
          reconciled(
            // Each call registers a new revision, but the family name is a hash of the definition and
            // ecs run registers only a family that has no ACTIVE revision: one found is this same definition.
            Effect.map(
              aws.call(
                new sdk.ListTaskDefinitionsCommand({ familyPrefix: request.family, status: "ACTIVE", sort: "DESC", maxResults: 100 }),
                `look for task definition ${request.family}`,
                idempotent
              ),
              (r) =>
                Option.fromUndefinedOr(
                  (r.taskDefinitionArns ?? []).filter((arn) => map.toTaskDefinitionRef(arn).family === request.family)[0]
                ).pipe(Option.map((arn): Sdk.RegisterTaskDefinitionCommandOutput => ({ taskDefinition: { taskDefinitionArn: arn }, $metadata: {} })))
            ),
            (r) => `task definition ${map.lastSegment(r.taskDefinition?.taskDefinitionArn ?? "")}`
          )
        ).pipe(
          Effect.map((r) => map.toTaskDefinitionRef(r.taskDefinition?.taskDefinitionArn ?? `${request.family}:0`))
        ),
      runTask: (request) =>
        Effect.suspend(() => {
          const action = `run a task of ${request.taskDefinition} in cluster ${request.cluster}`
          // Made once per run, before the call, so every attempt sends the same ones: AWS starts at
          // most one task per clientToken; moto ignores clientToken, so a lost answer is reconciled by
          // looking the task up by its startedBy marker.
          const marker = runTaskMarker()
          const input: Sdk.RunTaskCommandInput = {
            ...(request as unknown as Sdk.RunTaskCommandInput),
            startedBy: marker,
            clientToken: randomUUID()
          }
          const findStarted = Effect.gen(function*() {
            const arns: Array<string> = []
            // A task that failed to start at once is already desired STOPPED.
            for (const desiredStatus of ["RUNNING", "STOPPED"] as const) {
              const listed = yield* aws.call(
                new sdk.ListTasksCommand({ cluster: request.cluster, startedBy: marker, desiredStatus }),
                `look for the task started as ${marker} in cluster ${request.cluster}`,
                idempotent
              )
              arns.push(...(listed.taskArns ?? []))
            }
            if (arns.length === 0) return Option.none<Sdk.RunTaskCommandOutput>()
            const tasks = (yield* describeSdkTasks(request.cluster, arns.slice(0, describeChunk))).filter((t) => t.startedBy === marker)
            return tasks.length === 0 ? Option.none<Sdk.RunTaskCommandOutput>() : Option.some<Sdk.RunTaskCommandOutput>({ tasks, failures: [], $metadata: {} })
          })
          return aws.call(
            new sdk.RunTaskCommand(input),
            action,
            reconciled(findStarted, (r) => `task ${map.lastSegment(r.tasks?.[0]?.taskArn ?? "")}`)
          ).pipe(
            Effect.flatMap((r) => {
              const task = r.tasks?.[0]
              if (task !== undefined) return Effect.succeed(map.toTask(task))
              const failure = r.failures?.[0]
              return Effect.fail(
                new AwsInvalidRequest({
                  action,
                  service: "ECS",
                  operation: "RunTask",
                  code: failure?.reason ?? "NoTaskStarted",
                  awsMessage: failure?.detail ?? "ECS started no task",
                  region: env.region
                })
              )
            })
          )
        }),
      executeCommand: (request) =>
        aws.call(
          new sdk.ExecuteCommandCommand({
            cluster: request.cluster,
            task: request.task,
            ...(request.container !== undefined ? { container: request.container } : {}),
            command: request.command,
            interactive: true
          }),
          `open an ECS Exec session in task ${request.task} of cluster ${request.cluster}`,
          // Like StartSession: a session whose answer was lost is never connected to and times out.
          idempotent
        ).pipe(
          Effect.catchIf(
            (e) => e._tag === "AwsInvalidRequest" && /execute command was not enabled|execute command agent/i.test(e.awsMessage),
            () =>
              Effect.fail(new OperationFailed({ message: `task ${request.task} of cluster ${request.cluster} was not started with ECS Exec enabled`, hint: enableExecHint }))
          ),
          Effect.flatMap((r) =>
            r.session?.sessionId && r.session.streamUrl && r.session.tokenValue
              ? Effect.map(execTarget(r.clusterArn ?? request.cluster, r.taskArn ?? request.task, r.containerName), (target) => ({
                ticket: { sessionId: r.session!.sessionId!, streamUrl: r.session!.streamUrl!, token: Redacted.make(r.session!.tokenValue!) },
                taskArn: r.taskArn ?? request.task,
                containerName: r.containerName ?? request.container ?? "",
                target
              }))
              : Effect.fail(new OperationFailed({ message: `ECS ExecuteCommand returned no session for task ${request.task}` }))
          )
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
          aws.call(
            new sdk.ListTasksCommand({ cluster, desiredStatus, maxResults: describeChunk, ...next(token) }),
            `list ${desiredStatus} tasks of cluster ${cluster}`,
            idempotent
          ).pipe(
            Effect.flatMap((r) => {
              const arns = r.taskArns ?? []
              return arns.length === 0
                ? Effect.succeed([[] as ReadonlyArray<Task>, r.nextToken] as const)
                : Effect.map(describeTasks(cluster, arns), (tasks) => [tasks, r.nextToken] as const)
            })
          )
        ),
      // Stopping a stopped task changes nothing (ECS answers with the task as it is).
      stopTask: (cluster, task, reason) =>
        aws.call(new sdk.StopTaskCommand({ cluster, task, reason }), `stop task ${task} of cluster ${cluster}`, idempotent).pipe(Effect.asVoid),
      describeContainerInstance: (cluster, containerInstance) =>
        aws.call(
          new sdk.DescribeContainerInstancesCommand({ cluster, containerInstances: [containerInstance] }),
          `describe container instance ${containerInstance} of cluster ${cluster}`,
          idempotent
        ).pipe(
          Effect.flatMap((r) => {
            const found = r.containerInstances?.[0]
            return found === undefined
              ? Effect.fail(
                new ResourceNotFound({
                  kind: `container instance of ECS cluster ${cluster}`,
                  name: containerInstance,
                  region: env.region,
                  hint: "It may have been deregistered (its instance terminated)"
                })
              )
              : Effect.succeed({
                arn: found.containerInstanceArn ?? containerInstance,
                ec2InstanceId: found.ec2InstanceId,
                status: found.status ?? "UNKNOWN"
              })
          })
        )
    })
  })
)
