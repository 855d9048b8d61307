/** LogsLive + S3Live against moto: the shared contract, plus what moto does differently from AWS. */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand
} from "@aws-sdk/client-cloudwatch-logs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { LogsLive } from "../../src/layers/LogsLive.ts"
import { S3Live } from "../../src/layers/S3Live.ts"
import { Logs } from "../../src/services/Logs.ts"
import { logsContract } from "../contract/logs.ts"
import { motoEndpoint, resetMoto, sdkConfig, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const liveLayer = () =>
  Layer.mergeAll(LogsLive, S3Live).pipe(
    Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
  )

export const putEvents = async (group: string, stream: string, events: ReadonlyArray<{ timestamp: number; message: string }>) => {
  const client = new CloudWatchLogsClient(sdkConfig())
  try {
    await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: [...events] }))
  } finally {
    client.destroy()
  }
}

export const seedLogs = async (seed: Record<string, Record<string, ReadonlyArray<{ timestamp: number; message: string }>>>) => {
  const client = new CloudWatchLogsClient(sdkConfig())
  try {
    for (const [group, streams] of Object.entries(seed)) {
      await client.send(new CreateLogGroupCommand({ logGroupName: group }))
      for (const [stream, events] of Object.entries(streams)) {
        await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
        if (events.length > 0) await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: [...events] }))
      }
    }
  } finally {
    client.destroy()
  }
}

logsContract("live on moto", {
  make: async (seed) => {
    await resetMoto()
    await seedLogs(seed)
    return { layer: liveLayer(), put: putEvents }
  }
})

describe("LogsLive on moto: known moto gaps", () => {
  it("moto ignores `filter` in Insights queries (aegea's matching is tested against LogsMemory)", async () => {
    await resetMoto()
    const now = Date.now()
    await seedLogs({ "/g": { s: [{ timestamp: now - 1000, message: "ERROR one" }, { timestamp: now - 500, message: "fine" }] } })
    const result = await Effect.runPromise(Effect.gen(function*() {
      const logs = yield* Logs
      const id = yield* logs.startQuery({
        groups: ["/g"],
        query: "fields @timestamp, @message | filter @message like /ERROR/",
        start: new Date(now - 60_000),
        end: new Date(now + 60_000)
      })
      return yield* logs.queryResults(id)
    }).pipe(Effect.provide(liveLayer())))
    assert.strictEqual(result.status, "Complete")
    // Real AWS would return only "ERROR one"; moto returns both.
    assert.deepStrictEqual(result.rows.map((r) => r["@message"]).sort(), ["ERROR one", "fine"])
  })
})
