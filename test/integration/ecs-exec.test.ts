// The ECS Exec contract on moto, with ExecuteCommand (which moto lacks) answered by the SSM stand-in;
// every other ECS operation goes through the stand-in to moto.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2"
import { Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { EcsLive } from "../../src/layers/EcsLive.ts"
import { ecsExecContract } from "../contract/ecsExec.ts"
import { ec2Client, motoEndpoint, resetMoto, TEST_REGION } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

let standIn: SsmStandIn
beforeAll(async () => {
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [] })
})
afterAll(async () => {
  await standIn?.close()
})

ecsExecContract("live on moto and the stand-in", async () => {
  await resetMoto()
  const ec2 = ec2Client()
  try {
    const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.SubnetId ?? ""
    const securityGroup = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups?.[0]?.GroupId ?? ""
    return {
      layer: EcsLive.pipe(Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: standIn.endpoint, maxAttempts: 1 }))),
      subnet,
      securityGroup
    }
  } finally {
    ec2.destroy()
  }
})
