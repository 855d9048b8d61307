import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { CostExplorerLive } from "../../src/layers/CostExplorerLive.ts"
import { CostExplorer } from "../../src/services/CostExplorer.ts"
import { motoEndpoint, useMoto } from "../support/moto.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

/** moto's canned GetCostAndUsage answer (POST /moto-api/static/ce/cost-and-usage-results). */
const seedCostResults = async (resultsByTime: ReadonlyArray<unknown>) => {
  const res = await fetch(`${motoEndpoint()}/moto-api/static/ce/cost-and-usage-results`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ results: [{ ResultsByTime: resultsByTime, DimensionValueAttributes: [] }] })
  })
  if (res.status !== 201) throw new Error(`seeding cost results: HTTP ${res.status}`)
}

const group = (key: string, amount: string) => ({ Keys: [key], Metrics: { AmortizedCost: { Amount: amount, Unit: "USD" } } })

// A region other than us-east-1: Cost Explorer must still be called in us-east-1 (moto keeps state per region).
const layer = CostExplorerLive.pipe(
  Layer.provide(AwsClients.layerStatic({ region: "eu-west-1", profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 }))
)

describe("CostExplorerLive on moto", () => {
  it("returns the periods and groups with AWS's exact amount strings", async () => {
    await seedCostResults([
      { TimePeriod: { Start: "2024-03-08", End: "2024-03-09" }, Total: {}, Groups: [group("Amazon EC2", "10.0040000001"), group("Amazon S3", "0.12")], Estimated: false },
      { TimePeriod: { Start: "2024-03-09", End: "2024-03-10" }, Total: {}, Groups: [group("Amazon EC2", "12.5")], Estimated: true }
    ])
    const periods = await Effect.runPromise(
      Effect.gen(function*() {
        return yield* (yield* CostExplorer).costAndUsage({
          start: "2024-03-08",
          end: "2024-03-10",
          granularity: "DAILY",
          metric: "AmortizedCost",
          groupBy: [{ type: "DIMENSION", key: "SERVICE" }]
        })
      }).pipe(Effect.provide(layer))
    )
    expect(periods).toEqual([
      {
        start: "2024-03-08",
        end: "2024-03-09",
        estimated: false,
        groups: [
          { keys: ["Amazon EC2"], amount: { amount: "10.0040000001", unit: "USD" } },
          { keys: ["Amazon S3"], amount: { amount: "0.12", unit: "USD" } }
        ]
      },
      { start: "2024-03-09", end: "2024-03-10", estimated: true, groups: [{ keys: ["Amazon EC2"], amount: { amount: "12.5", unit: "USD" } }] }
    ])
  })

  it("GetCostForecast is not implemented by moto: the live layer reports AWS unavailable (covered by CostExplorerMemory)", async () => {
    const error = await Effect.runPromise(
      Effect.gen(function*() {
        return yield* (yield* CostExplorer).forecast({
          start: "2024-03-10",
          end: "2024-03-17",
          granularity: "DAILY",
          metric: "AmortizedCost",
          predictionIntervalLevel: 75
        })
      }).pipe(Effect.provide(layer), Effect.flip)
    )
    expect(error._tag).toBe("AwsUnavailable")
    expect(error.operation).toBe("GetCostForecast")
  })
})
