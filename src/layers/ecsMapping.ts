/** SDK shapes -> aegea's ECS domain types. */
import type * as Sdk from "@aws-sdk/client-ecs"
import type { Cluster, Task, TaskContainer, TaskDefinitionRef } from "../services/Ecs.ts"

const opt = <K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } =>
  (value === undefined || value === null || value === "" ? {} : { [key]: value }) as { [P in K]?: V }

/** The last path segment of an ARN ("arn:aws:ecs:r:a:cluster/NAME" -> "NAME"). */
export const lastSegment = (arn: string) => arn.split("/").pop() ?? arn

export const toCluster = (c: Sdk.Cluster): Cluster => ({
  name: c.clusterName ?? lastSegment(c.clusterArn ?? ""),
  arn: c.clusterArn ?? "",
  status: c.status ?? "",
  runningTasks: c.runningTasksCount ?? 0,
  pendingTasks: c.pendingTasksCount ?? 0,
  activeServices: c.activeServicesCount ?? 0
})

const toContainer = (c: Sdk.Container): TaskContainer => ({
  name: c.name ?? "",
  ...opt("lastStatus", c.lastStatus),
  ...opt("exitCode", c.exitCode),
  ...opt("reason", c.reason)
})

export const toTask = (t: Sdk.Task): Task => {
  const arn = t.taskArn ?? ""
  return {
    id: lastSegment(arn),
    arn,
    cluster: lastSegment(t.clusterArn ?? ""),
    taskDefinition: t.taskDefinitionArn ?? "",
    lastStatus: t.lastStatus ?? "PROVISIONING",
    desiredStatus: t.desiredStatus ?? "RUNNING",
    ...opt("stoppedReason", t.stoppedReason),
    ...opt("stopCode", t.stopCode),
    ...opt("createdAt", t.createdAt),
    ...opt("startedAt", t.startedAt),
    ...opt("stoppedAt", t.stoppedAt),
    ...opt("launchType", t.launchType),
    containers: (t.containers ?? []).map(toContainer),
    tags: Object.fromEntries((t.tags ?? []).map((tag) => [tag.key ?? "", tag.value ?? ""]))
  }
}

/** "arn:aws:ecs:r:a:task-definition/FAMILY:REV" -> its family and revision. */
export const toTaskDefinitionRef = (arn: string): TaskDefinitionRef => {
  const [family = "", revision = "0"] = lastSegment(arn).split(":")
  return { arn, family, revision: Number(revision) }
}
