import { CreateVpcCommand } from "@aws-sdk/client-ec2"
import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { FlowLogsLive } from "../../src/layers/FlowLogsLive.ts"
import { flowLogsContract } from "../contract/flowlogs.ts"
import { ec2Client, motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

flowLogsContract("live on moto", {
  make: async () => {
    const ec2 = ec2Client()
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }))
    ec2.destroy()
    const layer = FlowLogsLive.pipe(
      Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
    )
    return { layer, vpcId: vpc.Vpc?.VpcId ?? "" }
  }
})
