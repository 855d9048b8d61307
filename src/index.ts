/**
 * aegea as a library: compose its services in your own Effect programs.
 *
 *   import * as Effect from "effect/Effect"
 *   import * as Layer from "effect/Layer"
 *   import * as Stream from "effect/Stream"
 *   import { AwsClients, Ec2, Ec2Live } from "aegea"
 *
 *   const running = Effect.gen(function*() {
 *     const ec2 = yield* Ec2
 *     return yield* Stream.runCollect(ec2.instances({ states: ["running"] }))
 *   }).pipe(Effect.provide(Ec2Live.pipe(Layer.provide(AwsClients.layer({ region: "eu-west-1" })))))
 *
 * Tests swap the live layers for the in-memory ones of `aegea/testing`.
 */

// Errors (one closed union; each carries its exit code and a one-line summary)
export * from "./errors.ts"

// Environment tier and the SDK boundary
export { AwsClients, type AwsEnvironment, type AwsSettings, type ClientOptions, resolveAwsEnvironment } from "./layers/AwsClients.ts"
export {
  type Aws,
  awsCalls,
  type CallContext,
  type CallerIdentity,
  type CallPolicy,
  callWith,
  type Category,
  classify,
  idempotent,
  makeAws,
  mayRetry,
  once,
  paginate,
  reconciled,
  toAwsError,
  tokenized
} from "./layers/aws.ts"
// Every retry and poll schedule, to pass your own where a workflow takes one
export * as Schedules from "./lib/schedules.ts"

// Configuration and output
export { AegeaConfig, type ConfigEntry, withConfigDefaults } from "./services/AegeaConfig.ts"
export { AegeaConfigLive, loadConfig } from "./layers/AegeaConfigLive.ts"
export { mergeLayer } from "./lib/merge.ts"
export {
  type ColumnKind,
  type ColumnSpec,
  Output,
  type OutputFormat,
  type OutputSettings,
  type Row,
  type StatusUpdate,
  type TableSpec
} from "./services/Output.ts"
export { OutputLive } from "./layers/OutputLive.ts"
export { detectSettings } from "./commands/global.ts"

// EC2
export * from "./services/Ec2.ts"
export * from "./services/Ec2Network.ts"
export * from "./services/Ec2Launch.ts"
export { Ec2Live } from "./layers/Ec2Live.ts"
export { Ec2LaunchLive } from "./layers/Ec2LaunchLive.ts"

// launch, ssh, scp, tunnel, run (Systems Manager, the Session Manager data channel, OpenSSH)
export { executeLaunch, type LaunchPlan, type LaunchSpec, planLaunch, waitForLaunch } from "./workflows/launch.ts"
export {
  awaitCloudInit,
  type BuildPlan as AmiBuildPlan,
  type BuildSpec as AmiBuildSpec,
  executeBuild,
  executePrune,
  planBuild,
  planPrune,
  snapshotHost,
  waitForImage
} from "./workflows/buildAmi.ts"
export { generateHostKey, type HostKey } from "./lib/hostKey.ts"
export { hostKeyFromTags, hostKeyTags, knownHostsLine } from "./lib/hostKeys.ts"
export * from "./services/Ssm.ts"
export { SsmLive } from "./layers/SsmLive.ts"
export { type ChannelKind, type DataChannel, SsmSession } from "./services/SsmSession.ts"
export { type ResumeOptions, ssmSessionLayer, SsmSessionLive } from "./layers/SsmSessionLive.ts"
export { defaultSessionTimings, type SessionTimings } from "./lib/ssm/resume.ts"
export { relay, type RelayStreams } from "./workflows/relay.ts"
export { linuxUserName, Ssh } from "./services/Ssh.ts"
export { SshLive } from "./layers/SshLive.ts"
export { Ec2InstanceConnect, type PublicKeyGrant } from "./services/Ec2InstanceConnect.ts"
export { Ec2InstanceConnectLive } from "./layers/Ec2InstanceConnectLive.ts"

// Batch (and the IAM roles and network pieces it creates on demand)
export * from "./services/Batch.ts"
export { BatchLive } from "./layers/BatchLive.ts"
export { ensureDefaultQueue, resolveQueue, submitBatchJob, type SubmitInput } from "./workflows/batchSubmit.ts"
export { type ComputeEnvironmentInput, type ComputeEnvironmentPlan, ensureComputeEnvironment } from "./workflows/computeEnvironment.ts"
export { buildDockerImage, type BuildInput, type BuildPlan, buildQueueName, buildRoleName } from "./workflows/buildDockerImage.ts"
export { configDigest, dockerfileFromCloudConfig } from "./lib/dockerfile.ts"
// Watches as Streams of typed events (statuses, log lines, hints, the end): no Output needed.
// watchJob/watchTask/watchLoop are the CLI's renderings of them (they print through Output).
export { type JobSnapshot, jobOutcome, watchJob, watchJobEvents, type WatchJobOptions } from "./workflows/watchJob.ts"
export { defaultPacing, isLogLine, renderWatch, type Snapshot, type WatchEvent, watchEvents, watchLoop, type WatchOptions, type WatchPacing } from "./workflows/watchLoop.ts"
export { fargateExecutionRole, Iam, IamIdentity, type PolicyDocument, type Principal, type Role, type RoleSpec } from "./services/Iam.ts"
export { IamIdentityLive, IamLive } from "./layers/IamLive.ts"
export { Ec2NetworkLive } from "./layers/Ec2NetworkLive.ts"
export * from "./services/Ec2Resources.ts"
export { Ec2ResourcesLive } from "./layers/Ec2ResourcesLive.ts"

// ECS
export * from "./services/Ecs.ts"
export { EcsLive } from "./layers/EcsLive.ts"
export { defaultSecurityGroupName, resolveCluster, roleArnOf, runEcsTask, type RunInput } from "./workflows/ecsRun.ts"
export { taskLabel, taskOutcome, type TaskSnapshot, watchTask, watchTaskEvents, type WatchTaskOptions } from "./workflows/watchTask.ts"
export * from "./services/ecsRequests.ts"
export * from "./services/batchRequests.ts"

// CloudWatch Logs (and the S3 side of log exports)
export * from "./services/Logs.ts"
export { LogsLive } from "./layers/LogsLive.ts"
export * from "./services/S3.ts"
export { S3Live } from "./layers/S3Live.ts"
// The staging bucket (large --execute files of batch submit and ecs run, presigned URLs)
export * from "./services/S3Staging.ts"
export { S3StagingLive } from "./layers/S3StagingLive.ts"
export { executeFile, executeKey, type ExecuteLines, removeStaged, type StagedObject } from "./workflows/stageExecute.ts"
export { followEvents } from "./workflows/followEvents.ts"
export { runInsightsQuery } from "./workflows/insightsQuery.ts"
export { parseTimeFlag } from "./lib/timeExpr.ts"

// Cost Explorer
export * from "./services/CostExplorer.ts"
export { CostExplorerLive } from "./layers/CostExplorerLive.ts"

// Route 53 (aegea zones; instance names in a private zone)
export * from "./services/Route53.ts"
export { Route53Live } from "./layers/Route53Live.ts"
export * from "./workflows/instanceDns.ts"
// Secrets Manager
export * from "./services/Secrets.ts"
export { SecretsLive } from "./layers/SecretsLive.ts"
// ECR (aegea ecr; image builds)
export * from "./services/Ecr.ts"
export { EcrLive } from "./layers/EcrLive.ts"
// RDS
export * from "./services/Rds.ts"
export { RdsLive } from "./layers/RdsLive.ts"
// IAM administration
export * from "./services/IamAdmin.ts"
export { IamAdminLive } from "./layers/IamAdminLive.ts"
// Elastic Load Balancing (classic and v2)
export * from "./services/LoadBalancers.ts"
export { LoadBalancersLive } from "./layers/LoadBalancersLive.ts"
export { type TargetGoal, waitForTargets, type WaitTargetsOptions } from "./workflows/elbWait.ts"
// EFS, the CIS audit, prices
export {
  Efs,
  type EfsNetwork,
  type FileSystem as EfsFileSystem,
  type MountTarget as EfsMountTarget,
  nfsSecurityGroupName
} from "./services/Efs.ts"
export { EfsLive } from "./layers/EfsLive.ts"
export {
  type Alarm as AuditAlarm,
  Audit,
  type ConfigRecorder as AuditConfigRecorder,
  type CredentialUser,
  type MetricFilter as AuditMetricFilter,
  parseCredentialReport,
  type PasswordPolicy,
  type Trail as AuditTrail
} from "./services/Audit.ts"
export { AuditLive } from "./layers/AuditLive.ts"
export { type AuditResult, type AuditStatus, eventChecks, runAudit } from "./workflows/audit.ts"
export { type PriceQuery, Pricing, type ProductPrice, productPrices, type SpotPriceRow } from "./services/Pricing.ts"
export { PricingLive } from "./layers/PricingLive.ts"
export { Billing, curRegion, ReportDefinition } from "./services/Billing.ts"
export { BillingLive } from "./layers/BillingLive.ts"
// Lambda and Step Functions
export {
  type CodeSource,
  type ConfigUpdate,
  type EventSourceMapping,
  type FunctionConfiguration,
  functionNotFound,
  Lambda,
  type LambdaError,
  type LambdaFunction
} from "./services/Lambda.ts"
export { LambdaLive } from "./layers/LambdaLive.ts"
export {
  type Execution as StepFunctionsExecution,
  type ExecutionDescription,
  type ExecutionStatus,
  executionStatuses,
  type HistoryEvent as StepFunctionsHistoryEvent,
  type StateMachine,
  StepFunctions,
  type StepFunctionsError
} from "./services/StepFunctions.ts"
export { StepFunctionsLive } from "./layers/StepFunctionsLive.ts"
export { executionOutcome, watchExecution } from "./workflows/watchExecution.ts"
// The small listings (network ACLs, spot requests, account attributes, KMS, ACM, DynamoDB, SNS)
export * from "./services/Inventory.ts"
export { InventoryLive } from "./layers/InventoryLive.ts"

// S3 bucket administration, CloudWatch alarms and metrics (with SNS topics), VPC flow logs
export { type BucketSettings, type LifecycleRule, type ObjectVersion, type RestoreRequest, S3Admin } from "./services/S3Admin.ts"
export { S3AdminLive } from "./layers/S3AdminLive.ts"
export { type Alarm, type AlarmSpec, CloudWatch, type Datapoint, type MetricQuery } from "./services/CloudWatch.ts"
export { CloudWatchLive } from "./layers/CloudWatchLive.ts"
export { type FlowLog, type FlowLogRequest, FlowLogs } from "./services/FlowLogs.ts"
export { FlowLogsLive } from "./layers/FlowLogsLive.ts"
export {
  CloudTrail,
  type LookupAttribute as CloudTrailLookupAttribute,
  type LookupQuery as CloudTrailLookupQuery,
  type TrailEvent,
  type TrailInfo
} from "./services/CloudTrail.ts"
export { CloudTrailLive } from "./layers/CloudTrailLive.ts"

// The CLI itself, for programs that embed or extend it
export { cli, version } from "./cli.ts"
