// Only the EC2 client pieces aegea uses. Importing this module (lazily, from Ec2Live) instead of the
// package barrel lets esbuild drop the other ~700 commands and their schemas from the chunk, which
// is most of the parse and compile time of `aegea ls` (see bench/startup.mjs).
export {
  CreateSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImages$,
  DescribeImagesCommand,
  DescribeInstances$,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshots$,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVolumes$,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand
} from "@aws-sdk/client-ec2"

// --- the small listings (src/layers/InventoryLive.ts) ---
export {
  DescribeAccountAttributesCommand,
  DescribeNetworkAclsCommand,
  DescribeSpotFleetRequestsCommand,
  DescribeSpotInstanceRequestsCommand
} from "@aws-sdk/client-ec2"

// --- rm, rename, ebs (src/layers/Ec2ResourcesLive.ts) ---
export {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteFlowLogsCommand,
  DeleteInternetGatewayCommand,
  DeleteKeyPairCommand,
  DeleteLaunchTemplateCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteSubnetCommand,
  DeleteVolumeCommand,
  DeleteVpcCommand,
  DeregisterImageCommand,
  DescribeInternetGatewaysCommand,
  DescribeLaunchTemplatesCommand,
  DetachInternetGatewayCommand,
  DetachVolumeCommand,
  ModifyVolumeCommand
} from "@aws-sdk/client-ec2"

// --- efs create's NFS security group (src/layers/EfsLive.ts) ---
export { AuthorizeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2"

// --- what launch needs ---
export { DescribeSpotPriceHistoryCommand, RunInstancesCommand } from "@aws-sdk/client-ec2"

// --- what build-ami needs (DeregisterImage and DeleteSnapshot are above) ---
export { CreateImageCommand } from "@aws-sdk/client-ec2"

// --- what flow-logs needs ---
export { CreateFlowLogsCommand, DescribeFlowLogsCommand, DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2"

// --- batch compute environments' launch templates (src/layers/Ec2NetworkLive.ts) ---
export { CreateLaunchTemplateCommand } from "@aws-sdk/client-ec2"
