/** LogsLive + S3Live against moto: the shared contract, plus what moto does differently from AWS. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { LogsLive } from "../../src/layers/LogsLive.ts"
import { S3Live } from "../../src/layers/S3Live.ts"
import { Logs } from "../../src/services/Logs.ts"
import { logsContract } from "../contract/logs.ts"
import { putEvents, seedLogs } from "../support/logs.ts"
import { motoEndpoint, resetMoto, TEST_REGION } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const liveLayer = () =>
  Layer.mergeAll(LogsLive, S3Live).pipe(
    Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
  )

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

  it("StartQuery on an unknown group is AwsNotFound", async () => {
    await resetMoto()
    const error = await Effect.runPromise(Effect.gen(function*() {
      const logs = yield* Logs
      return yield* Effect.flip(logs.startQuery({ groups: ["/nope"], query: "fields @message", start: new Date(0), end: new Date() }))
    }).pipe(Effect.provide(liveLayer())))
    assert.strictEqual(error._tag, "AwsNotFound")
  })
})
