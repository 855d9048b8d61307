/**
 * The Pricing contract: spot prices against PricingMemory (test/unit) and PricingLive on moto
 * (test/integration). moto has no Pricing API: where `priceList` is true (the memory layer, seeded
 * with the t3.micro and m5 prices below) the on-demand scenarios run; where it is false, the same
 * query must fail with AwsUnavailable naming Pricing GetProducts (the one line users see).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { Pricing } from "../../src/services/Pricing.ts"

export interface PricingHarness {
  /** A layer over us-east-1 with t3.micro spot prices in two zones or more. */
  readonly make: () => Promise<Layer.Layer<Pricing>>
  /** Whether GetProducts is served (with t3.micro at 0.0104, m5.large at 0.096, m5.xlarge at 0.192 in us-east-1). */
  readonly priceList: boolean
}

const run = <A, E>(layer: Layer.Layer<Pricing>, f: (s: Pricing["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Pricing)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

export const pricingContract = (label: string, harness: PricingHarness) =>
  describe(`Pricing contract (${label})`, () => {
    it("spot: the latest price of one instance type in each zone, cheapest first", async () => {
      const layer = await harness.make()
      const rows = await run(layer, (p) => p.spot("t3.micro"))
      assert.isAtLeast(rows.length, 2)
      for (const r of rows) {
        assert.strictEqual(r.instanceType, "t3.micro")
        assert.match(r.availabilityZone, /^us-east-1[a-z]$/)
        assert.isAbove(Number(r.price), 0)
        assert.include(r.product, "Linux/UNIX")
      }
      assert.strictEqual(new Set(rows.map((r) => r.availabilityZone)).size, rows.length)
      const prices = rows.map((r) => Number(r.price))
      assert.deepStrictEqual(prices, [...prices].sort((a, b) => a - b))
      assert.deepStrictEqual(await run(layer, (p) => p.spot("no.such-type")), [])
    })

    it(harness.priceList
      ? "on-demand: one type by name, a family by pattern, Linux shared tenancy only"
      : "on-demand: an endpoint without the Price List fails with AwsUnavailable naming Pricing GetProducts", async () => {
      const layer = await harness.make()
      const query = { serviceCode: "AmazonEC2", regionCode: "us-east-1" }
      if (!harness.priceList) {
        const failure = await Effect.runPromise(
          Effect.flip(Effect.gen(function*() {
            return yield* Stream.runCollect((yield* Pricing).onDemand({ ...query, instanceType: "t3.micro" }))
          })).pipe(Effect.provide(layer))
        )
        assert.strictEqual(failure._tag, "AwsUnavailable")
        assert.include(failure.summary, "Pricing GetProducts")
        return
      }
      const one = await run(layer, (p) => Stream.runCollect(p.onDemand({ ...query, instanceType: "t3.micro" })))
      assert.deepStrictEqual(one.map((r) => [r.instanceType, r.price, r.unit, r.operatingSystem]), [["t3.micro", "0.0104", "Hrs", "Linux"]])
      const family = await run(layer, (p) => Stream.runCollect(p.onDemand({ ...query, instanceType: "m5.*" })))
      assert.deepStrictEqual(family.map((r) => r.instanceType).sort(), ["m5.large", "m5.xlarge"])
      const elsewhere = await run(layer, (p) => Stream.runCollect(p.onDemand({ ...query, regionCode: "eu-west-1", instanceType: "t3.micro" })))
      assert.deepStrictEqual(elsewhere, [])
    })
  })
