/**
 * `aegea/testing`: deterministic in-memory layers for every aegea service. Seed them, run your
 * program, drive time with TestClock, and inspect what happened through the `*State` services.
 */
export { layerFromValue as AegeaConfigTest } from "./AegeaConfigTest.ts"
export { type Ec2Seed, Ec2Memory, Ec2MemoryState, makeInstance } from "./Ec2Memory.ts"
export { defaultTestSettings, OutputCapture, OutputTest } from "./OutputTest.ts"
export { LogsMemory, LogsMemoryState, type LogsSeed } from "./LogsMemory.ts"
export { S3Memory, S3MemoryState } from "./S3Memory.ts"
export { CostExplorerMemory, CostExplorerMemoryState } from "./CostExplorerMemory.ts"
export { SecretsMemory, SecretsMemoryState } from "./SecretsMemory.ts"
export { type BatchSeed, BatchMemory, BatchMemoryState, type JobScript } from "./BatchMemory.ts"
export { IamIdentityMemory, IamMemory, IamMemoryState, type IamSeed } from "./IamMemory.ts"
export { Ec2NetworkMemory } from "./Ec2NetworkMemory.ts"
export { Ec2LaunchMemory, Ec2LaunchMemoryState, type Ec2LaunchSeed } from "./Ec2LaunchMemory.ts"
export { publicAmiParameters, SsmMemory, SsmMemoryState, type SsmSeed } from "./SsmMemory.ts"
export { Ec2InstanceConnectMemory, Ec2InstanceConnectMemoryState } from "./Ec2InstanceConnectMemory.ts"
export { EcsMemory, EcsMemoryState, type EcsSeed, type TaskScript } from "./EcsMemory.ts"
