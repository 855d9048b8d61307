import { CreateSubnetCommand, CreateVpcCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { Ec2ResourcesLive } from "../../src/layers/Ec2ResourcesLive.ts"
import { ec2ResourcesContract } from "../contract/ec2Resources.ts"
import { ec2Client, motoEndpoint, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

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
  instanceName: async (id) => (await describeInstance(id))?.Tags?.find((t) => t.Key === "Name")?.Value
})
