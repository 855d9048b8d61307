/**
 * EC2: instances, images, volumes, snapshots, networks and launch templates (the `Ec2`, `Ec2Network`,
 * `Ec2Launch`, `Ec2Resources` and `Ec2InstanceConnect` services and their live layers), instance launch
 * (`planLaunch`, `executeLaunch`, `waitForLaunch`) and AMI builds (`planBuild`, `executeBuild`, ...).
 */
export { Ec2Live as layer } from "../layers/Ec2Live.ts"
export { Ec2NetworkLive as layerNetwork } from "../layers/Ec2NetworkLive.ts"
export { Ec2LaunchLive as layerLaunch } from "../layers/Ec2LaunchLive.ts"
export { Ec2ResourcesLive as layerResources } from "../layers/Ec2ResourcesLive.ts"
export { Ec2InstanceConnectLive as layerInstanceConnect } from "../layers/Ec2InstanceConnectLive.ts"
export {
  Ec2,
  Image,
  Instance,
  type InstanceFilter,
  InstanceState,
  isInstanceId,
  KeyPair,
  type ListingFilter,
  Region,
  type ResolveError,
  SecurityGroupRule,
  Snapshot,
  type StateAction,
  type StateChange,
  Subnet,
  targetState,
  Volume,
  Vpc,
  waitForState,
  Zone
} from "../services/Ec2.ts"
export { type DefaultNetwork, Ec2Network, type LaunchTemplate, type LaunchTemplateSpec } from "../services/Ec2Network.ts"
export {
  type BlockDevice,
  type CreateImageRequest,
  Ec2Launch,
  type ImageQuery,
  LaunchImage,
  type RunInstanceRequest
} from "../services/Ec2Launch.ts"
export type { SpotPrice } from "../lib/spotPrice.ts"
export {
  type DryRun,
  Ec2Resources,
  kindOfId,
  type NewVolume,
  type Removable,
  type RemovableKind,
  removableKinds,
  type VolumeChange
} from "../services/Ec2Resources.ts"
export { Ec2InstanceConnect, type PublicKeyGrant } from "../services/Ec2InstanceConnect.ts"
export type { Ec2Filters } from "../lib/ec2Filters.ts"
export {
  type AmiSource,
  executeLaunch,
  type LaunchPlan,
  type LaunchSpec,
  planLaunch,
  type StorageRequest,
  waitForLaunch
} from "../workflows/launch.ts"
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
} from "../workflows/buildAmi.ts"
