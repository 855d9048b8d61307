/**
 * aegea as a library: compose its services in your own Effect programs. One namespace per AWS
 * capability, each with its service tags, live layers (`layer`, ...), domain types and workflows;
 * the errors are exported flat, to match with `Effect.catchTag`.
 *
 *   import * as Effect from "effect/Effect"
 *   import * as Layer from "effect/Layer"
 *   import * as Stream from "effect/Stream"
 *   import { Aws, Ec2 } from "aegea"
 *
 *   const running = Effect.gen(function*() {
 *     const ec2 = yield* Ec2.Ec2
 *     return yield* Stream.runCollect(ec2.instances({ states: ["running"] }))
 *   }).pipe(Effect.provide(Ec2.layer.pipe(Layer.provide(Aws.layer({ region: "eu-west-1" })))))
 *
 * Tests swap the live layers for the in-memory ones of `aegea/testing`. The CLI's own rendering,
 * flag parsing and table formatting are not part of this API.
 */

/** The errors, flat: `AegeaError` (the closed union), each tagged error class and `exitCodeOf`. */
export * from "./api/Errors.ts"

/** The AWS environment (`Aws.layer({ region })`, under every live layer) and the SDK boundary for layers of your own. */
export * as Aws from "./api/Aws.ts"
/** aegea's configuration files, merged as the CLI merges them. */
export * as Config from "./api/Config.ts"
/** Every retry and poll Schedule, to pass your own where a workflow takes one. */
export * as Schedules from "./api/Schedules.ts"
/** What workflows report while they work (resources created, statuses, notices) as typed events, ignored unless you collect them. */
export * as Progress from "./api/Progress.ts"
/** Watches of jobs and tasks as Streams of typed events (status, log lines, hints, the end). */
export * as Watch from "./api/Watch.ts"

/** EC2: instances, images, volumes, networks, launch templates, instance launch and AMI builds. */
export * as Ec2 from "./api/Ec2.ts"
/** Systems Manager: Run Command, Session Manager data channels, OpenSSH through them, host keys. */
export * as Ssm from "./api/Ssm.ts"
/** AWS Batch: queues, compute environments, job definitions, jobs, submission, image builds, watches. */
export * as Batch from "./api/Batch.ts"
/** Amazon ECS: clusters, task definitions, tasks, running a task and watching it. */
export * as Ecs from "./api/Ecs.ts"
/** Amazon ECR: repositories and images. */
export * as Ecr from "./api/Ecr.ts"
/** CloudWatch Logs: groups, streams, events, following, Insights queries, exports. */
export * as Logs from "./api/Logs.ts"
/** Amazon S3: objects, bucket administration and the staging bucket. */
export * as S3 from "./api/S3.ts"
/** AWS Secrets Manager. */
export * as Secrets from "./api/Secrets.ts"
/** Route 53: hosted zones, record sets, instance names in a private zone. */
export * as Route53 from "./api/Route53.ts"
/** Amazon RDS: databases and snapshots. */
export * as Rds from "./api/Rds.ts"
/** IAM: on-demand roles and instance profiles, the caller's identity, administration. */
export * as Iam from "./api/Iam.ts"
/** Elastic Load Balancing (classic and v2) and waits for target health. */
export * as Elb from "./api/Elb.ts"
/** Amazon EFS: file systems and mount targets. */
export * as Efs from "./api/Efs.ts"
/** Cost Explorer: costs and forecasts. */
export * as CostExplorer from "./api/CostExplorer.ts"
/** The AWS Price List and Spot price history. */
export * as Pricing from "./api/Pricing.ts"
/** Cost and Usage Report definitions. */
export * as Billing from "./api/Billing.ts"
/** The CIS AWS Foundations checks. */
export * as Audit from "./api/Audit.ts"
/** AWS Lambda: functions and event source mappings. */
export * as Lambda from "./api/Lambda.ts"
/** AWS Step Functions: state machines and executions. */
export * as StepFunctions from "./api/StepFunctions.ts"
/** CloudWatch alarms and metrics. */
export * as CloudWatch from "./api/CloudWatch.ts"
/** CloudTrail: trails and management events. */
export * as CloudTrail from "./api/CloudTrail.ts"
/** VPC flow logs. */
export * as FlowLogs from "./api/FlowLogs.ts"
/** The account's small listings: network ACLs, spot requests, KMS keys, certificates, tables, quotas. */
export * as Inventory from "./api/Inventory.ts"
