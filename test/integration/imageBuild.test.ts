import { Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { BatchLive } from "../../src/layers/BatchLive.ts"
import { Ec2NetworkLive } from "../../src/layers/Ec2NetworkLive.ts"
import { EcrLive } from "../../src/layers/EcrLive.ts"
import { IamLive } from "../../src/layers/IamLive.ts"
import { LogsLive } from "../../src/layers/LogsLive.ts"
import { S3StagingLive } from "../../src/layers/S3StagingLive.ts"
import { SsmLive } from "../../src/layers/SsmLive.ts"
import { OutputTest } from "../../src/testing/OutputTest.ts"
import { imageBuildContract } from "../contract/imageBuild.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

// One reset for the file: the scenarios use names of their own (each checks what it needs absent first).
useMoto()

imageBuildContract("live on moto", async () => {
  const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
  return Layer.mergeAll(BatchLive, IamLive, LogsLive, Ec2NetworkLive, SsmLive, EcrLive, S3StagingLive).pipe(
    Layer.provide(env),
    Layer.merge(OutputTest.layer())
  )
})
