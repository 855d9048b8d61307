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

// --- what launch needs ---
export { DescribeSpotPriceHistoryCommand, RunInstancesCommand } from "@aws-sdk/client-ec2"
