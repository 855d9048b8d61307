import { CreateSubnetCommand, CreateVpcCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { CreateFileSystemCommand, CreateMountTargetCommand, EFSClient } from "@aws-sdk/client-efs"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2ResourcesLive } from "../../src/layers/Ec2ResourcesLive.ts"
import { ec2ResourcesContract } from "../contract/ec2Resources.ts"
import { ec2Client, motoEndpoint, sdkConfig, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

const describeInstance = async (id: string) =>
  (await ec2Client().send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]

ec2ResourcesContract("live on moto", {
  make: async () => {
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return Ec2ResourcesLive.pipe(Layer.provide(env))
  },
  seedInstance: async () => {
    const [id] = await seedInstances(1, { names: ["seeded"] })
    const zone = (await describeInstance(id!))?.Placement?.AvailabilityZone
    if (zone === undefined) throw new Error("seeded instance has no availability zone")
    return { id: id!, availabilityZone: zone }
  },
  seedVpc: async () => {
    const ec2 = ec2Client()
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16" }))).Vpc?.VpcId ?? ""
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.42.1.0/24" }))).Subnet?.SubnetId ?? ""
    return { vpcId, subnetId }
  },
  seedFileSystem: async (name) => {
    const ec2 = ec2Client()
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.43.0.0/16" }))).Vpc?.VpcId ?? ""
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.43.1.0/24" }))).Subnet?.SubnetId ?? ""
    const efs = new EFSClient(sdkConfig())
    const fileSystemId = (await efs.send(new CreateFileSystemCommand({ CreationToken: name, Tags: [{ Key: "Name", Value: name }] }))).FileSystemId ?? ""
    const mountTargetId = (await efs.send(new CreateMountTargetCommand({ FileSystemId: fileSystemId, SubnetId: subnetId }))).MountTargetId ?? ""
    return { fileSystemId, mountTargetId }
  },
  instanceName: async (id) => (await describeInstance(id))?.Tags?.find((t) => t.Key === "Name")?.Value
})
