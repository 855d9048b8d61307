/**
 * `aegea/testing`: deterministic in-memory layers for every aegea service. Seed them, run your
 * program, drive time with TestClock, and inspect what happened through the `*State` services.
 *
 * Seeding: `Ec2Memory.layer({ instances, images, volumes, ... })`, `BatchMemory.layer({ queues,
 * computeEnvironments, jobDefinitions, jobs })`, `EcsMemory.layer({ clusters, taskDefinitions,
 * tasks })`, `LogsMemory.layer({ groups })` (group -> stream -> events), `SecretsMemory.layer({
 * secrets })`. Seeded jobs, tasks and definitions go through the fake's API at build time, with no
 * calls recorded.
 *
 * Ids: every generated id (instances, jobs, tasks, log events, queries, export tasks, secret ARNs and
 * versions) comes from a counter of that layer instance, starting at the seed's `idSeed` (default
 * 0), so ids never depend on test order or on other layers.
 *
 * Dependencies between fakes are in the types: `BatchMemory.layer` with a `script` requires
 * `LogsMemoryState` (its jobs' log lines go there); provide it underneath with
 * `Layer.provideMerge(LogsMemory.layer())`, not beside it with `Layer.mergeAll`.
 *
 * Only service fakes are here: the CLI's own `Output` and its test double are not part of the package.
 */
export { layerFromValue as AegeaConfigTest } from "./AegeaConfigTest.ts"
export { type Ec2Seed, Ec2Memory, Ec2MemoryState, instanceIdOf, makeInstance } from "./Ec2Memory.ts"
export { LogsMemory, LogsMemoryState, type LogsSeed } from "./LogsMemory.ts"
export { S3Memory, S3MemoryState } from "./S3Memory.ts"
export { S3StagingMemory, S3StagingMemoryState, type S3StagingSeed } from "./S3StagingMemory.ts"
export { CostExplorerMemory, CostExplorerMemoryState } from "./CostExplorerMemory.ts"
export { SecretsMemory, SecretsMemoryState } from "./SecretsMemory.ts"
export { EcrMemory, EcrMemoryState, type EcrImageSeed, type EcrRepositorySeed, type EcrSeed } from "./EcrMemory.ts"
export { type RdsInstanceSeed, RdsMemory, type RdsSeed } from "./RdsMemory.ts"
export { IamAdminMemory, IamAdminMemoryState, type IamAdminSeed } from "./IamAdminMemory.ts"
export { Route53Memory, Route53MemoryState, type ZoneSeed } from "./Route53Memory.ts"
export { type AliasRecord, type LoadBalancerSeed, LoadBalancersMemory, LoadBalancersMemoryState, type LoadBalancersSeed } from "./LoadBalancersMemory.ts"
export { type FunctionSeed, LambdaMemory, type MappingSeed, type UpdateScript } from "./LambdaMemory.ts"
export { type ExecutionScript, type ScriptEvent, StepFunctionsMemory } from "./StepFunctionsMemory.ts"
export { S3AdminMemory, S3AdminMemoryState, type S3AdminSeed } from "./S3AdminMemory.ts"
export { CloudWatchMemory, CloudWatchMemoryState, type CloudWatchSeed } from "./CloudWatchMemory.ts"
export { FlowLogsMemory, type FlowLogsSeed } from "./FlowLogsMemory.ts"
export { CloudTrailMemory, CloudTrailMemoryState, type CloudTrailSeed } from "./CloudTrailMemory.ts"
export { InventoryMemory, type InventorySeed } from "./InventoryMemory.ts"
export { type BatchSeed, BatchMemory, BatchMemoryState, type JobScript } from "./BatchMemory.ts"
export { IamIdentityMemory, IamMemory, IamMemoryState, type IamSeed } from "./IamMemory.ts"
export { Ec2NetworkMemory } from "./Ec2NetworkMemory.ts"
export { Ec2ResourcesMemory, emptyEc2ResourcesStore } from "./Ec2ResourcesMemory.ts"
export type { Ec2ResourcesStore, StoredInstance, StoredResource } from "./Ec2ResourcesMemory.ts"
export { Ec2LaunchMemory, Ec2LaunchMemoryState, type Ec2LaunchSeed } from "./Ec2LaunchMemory.ts"
export { publicAmiParameters, SsmMemory, SsmMemoryState, type SsmSeed } from "./SsmMemory.ts"
export { Ec2InstanceConnectMemory, Ec2InstanceConnectMemoryState } from "./Ec2InstanceConnectMemory.ts"
export { EcsMemory, EcsMemoryState, type EcsSeed, type TaskScript } from "./EcsMemory.ts"
export { EfsMemory, EfsMemoryState, type EfsSecurityGroup, type EfsVpcSeed } from "./EfsMemory.ts"
export { AuditMemory, type AuditSeed, type AuditSource } from "./AuditMemory.ts"
export { ec2PriceSeed, type PriceSeed, PricingMemory } from "./PricingMemory.ts"
export { BillingMemory, type BillingSeed } from "./BillingMemory.ts"
