import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
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
import { type FaultProxy, slow, startFaultProxy } from "../support/faultProxy.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

// One reset for the file: the scenarios use names of their own (each checks what it needs absent first).
useMoto()

// moto checks a launch template's name and then stores it, with no lock between: two CreateLaunchTemplate
// requests in the same instant can both succeed there, where EC2 refuses the second with
// InvalidLaunchTemplateName.AlreadyExistsException (CI saw moto make two once). The proxy holds back one
// of the two racing creates of "two runs at once" so moto sees them one after the other, as EC2 would
// order them; both runs still find no template first, so the second still takes the AlreadyExists path.
let proxy: FaultProxy | undefined
beforeAll(async () => {
  proxy = await startFaultProxy(motoEndpoint(), {
    rules: [{
      match: (r) => r.operation === "CreateLaunchTemplate" && r.body.includes("aegea_batch_contract"),
      action: slow(400),
      times: 1
    }]
  })
})
afterAll(async () => {
  await proxy?.close()
})

imageBuildContract("live on moto", async () => {
  if (proxy === undefined) throw new Error("the proxy in front of moto did not start")
  const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: proxy.url, maxAttempts: 1 })
  return Layer.mergeAll(BatchLive, IamLive, LogsLive, Ec2NetworkLive, SsmLive, EcrLive, S3StagingLive).pipe(
    Layer.provide(env),
    Layer.merge(OutputTest.layer())
  )
})

describe("the launch-template race on moto", () => {
  it("went out as two creates, the held-back one refused as EC2 refuses it", async () => {
    await proxy?.settled(5_000)
    const creates = (proxy?.log ?? []).filter((e) => e.operation === "CreateLaunchTemplate" && e.body.includes("aegea_batch_contract"))
    // in order of arrival, and either may arrive first
    expect(creates.map((e) => `${e.action} ${e.status}`).sort()).toEqual(["forward 200", "slow 400"])
  })
})
