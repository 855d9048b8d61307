/** SDK shapes -> aegea's Batch domain types. */
import type * as Sdk from "@aws-sdk/client-batch"
import {
  type ComputeEnvironment,
  defaultJobLogGroup,
  type Job,
  type JobDefinition,
  type JobQueue,
  type JobStatus,
  type JobSummary
} from "../services/Batch.ts"

const opt = <K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } =>
  (value === undefined || value === null || value === "" ? {} : { [key]: value }) as { [P in K]?: V }
const date = (ms: number | undefined) => (ms === undefined || ms === 0 ? undefined : new Date(ms))

const resource = (reqs: ReadonlyArray<Sdk.ResourceRequirement> | undefined, type: string) => {
  const value = reqs?.find((r) => r.type === type)?.value
  return value === undefined ? undefined : Number(value)
}

export const toJob = (j: Sdk.JobDetail): Job => {
  const c = j.container
  return {
    id: j.jobId ?? "",
    name: j.jobName ?? "",
    status: (j.status ?? "SUBMITTED") as JobStatus,
    ...opt("statusReason", j.statusReason),
    queue: j.jobQueue ?? "",
    jobDefinition: j.jobDefinition ?? "",
    ...opt("createdAt", date(j.createdAt)),
    ...opt("startedAt", date(j.startedAt)),
    ...opt("stoppedAt", date(j.stoppedAt)),
    ...opt("exitCode", c?.exitCode),
    ...opt("containerReason", c?.reason),
    ...(c?.logStreamName ? { logGroup: c.logConfiguration?.options?.["awslogs-group"] ?? defaultJobLogGroup } : {}),
    ...opt("logStream", c?.logStreamName),
    ...opt("image", c?.image),
    ...opt("vcpus", resource(c?.resourceRequirements, "VCPU") ?? c?.vcpus),
    ...opt("memory", resource(c?.resourceRequirements, "MEMORY") ?? c?.memory),
    command: c?.command ?? [],
    environment: Object.fromEntries((c?.environment ?? []).map((e) => [e.name ?? "", e.value ?? ""])),
    parameters: { ...j.parameters },
    dependsOn: (j.dependsOn ?? []).flatMap((d) => (d.jobId ? [d.jobId] : [])),
    ...opt("arraySize", j.arrayProperties?.size),
    ...opt("platform", j.platformCapabilities?.[0]),
    // Only real ARNs (an emulator may put placeholders there).
    ...opt("containerInstanceArn", c?.containerInstanceArn?.startsWith("arn:") ? c.containerInstanceArn : undefined),
    ...opt("taskArn", c?.taskArn !== undefined && /^arn:[^:]+:ecs:.*:task\//.test(c.taskArn) ? c.taskArn : undefined),
    ...opt("execEnabled", c?.enableExecuteCommand)
  }
}

export const toJobSummary = (queue: string) => (j: Sdk.JobSummary): JobSummary => ({
  id: j.jobId ?? "",
  name: j.jobName ?? "",
  status: (j.status ?? "SUBMITTED") as JobStatus,
  ...opt("statusReason", j.statusReason),
  queue,
  ...opt("createdAt", date(j.createdAt)),
  ...opt("startedAt", date(j.startedAt)),
  ...opt("stoppedAt", date(j.stoppedAt)),
  ...opt("exitCode", j.container?.exitCode),
  ...opt("jobDefinition", j.jobDefinition)
})

export const toQueue = (q: Sdk.JobQueueDetail): JobQueue => ({
  name: q.jobQueueName ?? "",
  arn: q.jobQueueArn ?? "",
  state: q.state ?? "",
  status: q.status ?? "",
  ...opt("statusReason", q.statusReason),
  priority: q.priority ?? 0,
  computeEnvironments: [...(q.computeEnvironmentOrder ?? [])]
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .map((c) => c.computeEnvironment ?? "")
})

export const toComputeEnvironment = (c: Sdk.ComputeEnvironmentDetail): ComputeEnvironment => ({
  name: c.computeEnvironmentName ?? "",
  arn: c.computeEnvironmentArn ?? "",
  type: c.type ?? "",
  state: c.state ?? "",
  status: c.status ?? "",
  ...opt("statusReason", c.statusReason),
  ...opt("computeType", c.computeResources?.type),
  ...opt("minVcpus", c.computeResources?.minvCpus),
  ...opt("desiredVcpus", c.computeResources?.desiredvCpus),
  ...opt("maxVcpus", c.computeResources?.maxvCpus),
  instanceTypes: c.computeResources?.instanceTypes ?? [],
  subnets: c.computeResources?.subnets ?? [],
  securityGroups: c.computeResources?.securityGroupIds ?? []
})

export const toJobDefinition = (d: Sdk.JobDefinition): JobDefinition => ({
  name: d.jobDefinitionName ?? "",
  arn: d.jobDefinitionArn ?? "",
  revision: d.revision ?? 0,
  status: d.status ?? "",
  ...opt("platform", d.platformCapabilities?.[0]),
  ...opt("image", d.containerProperties?.image),
  ...opt("vcpus", resource(d.containerProperties?.resourceRequirements, "VCPU") ?? d.containerProperties?.vcpus),
  ...opt("memory", resource(d.containerProperties?.resourceRequirements, "MEMORY") ?? d.containerProperties?.memory),
  ...opt("jobRoleArn", d.containerProperties?.jobRoleArn),
  ...opt("executionRoleArn", d.containerProperties?.executionRoleArn)
})
