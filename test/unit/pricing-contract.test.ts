import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { productFilters, productPrices } from "../../src/services/Pricing.ts"
import { ec2PriceSeed, PricingMemory } from "../../src/testing/PricingMemory.ts"
import { pricingContract } from "../contract/pricing.ts"
import { Pricing } from "../../src/services/Pricing.ts"

const at = (minutesAgo: number) => new Date(Date.UTC(2026, 0, 1, 12, 0) - minutesAgo * 60_000)

export const pricingSeed = {
  products: [
    ec2PriceSeed("t3.micro", "0.0104", { memory: "1 GiB" }),
    ec2PriceSeed("t3.micro", "0.0200", { operatingSystem: "Windows" }),
    ec2PriceSeed("t3.micro", "0.0114", { regionCode: "us-west-2" }),
    ec2PriceSeed("m5.large", "0.096"),
    ec2PriceSeed("m5.xlarge", "0.192", { vcpu: "4", memory: "16 GiB" }),
    ec2PriceSeed("m5a.large", "0.086")
  ],
  spot: [
    { instanceType: "t3.micro", availabilityZone: "us-east-1b", product: "Linux/UNIX", price: "0.0040", timestamp: at(5) },
    { instanceType: "t3.micro", availabilityZone: "us-east-1b", product: "Linux/UNIX", price: "0.0090", timestamp: at(50) },
    { instanceType: "t3.micro", availabilityZone: "us-east-1a", product: "Linux/UNIX", price: "0.0035", timestamp: at(10) },
    { instanceType: "m5.large", availabilityZone: "us-east-1a", product: "Linux/UNIX", price: "0.0400", timestamp: at(10) }
  ]
}

pricingContract("in-memory", { make: async () => PricingMemory.layer(pricingSeed), priceList: true })

describe("Pricing helpers", () => {
  it("EC2 filters: Linux, shared, no software, used capacity; an exact type is a filter, a pattern is not", () => {
    const base = productFilters({ serviceCode: "AmazonEC2", regionCode: "eu-west-1" }).map((f) => `${f.field}=${f.value}`)
    assert.deepStrictEqual(base, ["regionCode=eu-west-1", "operatingSystem=Linux", "tenancy=Shared", "preInstalledSw=NA", "capacitystatus=Used"])
    assert.include(productFilters({ serviceCode: "AmazonEC2", regionCode: "x", instanceType: "c5.large" }).map((f) => f.field), "instanceType")
    assert.notInclude(productFilters({ serviceCode: "AmazonEC2", regionCode: "x", instanceType: "c5.*" }).map((f) => f.field), "instanceType")
    assert.deepStrictEqual(productFilters({ serviceCode: "AmazonS3", regionCode: "x" }).map((f) => f.field), ["regionCode"])
  })

  it("reads every on-demand price dimension of a Price List document; not JSON gives none", () => {
    const doc = JSON.stringify({
      product: { sku: "ABC", attributes: { servicecode: "AmazonS3", regionCode: "us-east-1" } },
      terms: {
        OnDemand: {
          "ABC.T": {
            priceDimensions: {
              "ABC.T.1": { unit: "GB-Mo", description: "first 50 TB", pricePerUnit: { USD: "0.023" } },
              "ABC.T.2": { unit: "GB-Mo", description: "next 450 TB", pricePerUnit: { USD: "0.022" } }
            }
          }
        }
      }
    })
    assert.deepStrictEqual(productPrices(doc, "AmazonS3").map((p) => [p.service, p.sku, p.description, p.price, p.unit]), [
      ["AmazonS3", "ABC", "first 50 TB", "0.023", "GB-Mo"],
      ["AmazonS3", "ABC", "next 450 TB", "0.022", "GB-Mo"]
    ])
    assert.deepStrictEqual(productPrices("<html>", "AmazonS3"), [])
  })

  it("spot keeps only the newest price per zone; patterns use * and ?", async () => {
    const rows = await Effect.runPromise(Effect.flatMap(Pricing, (p) => p.spot("t3.micr?")).pipe(Effect.provide(PricingMemory.layer(pricingSeed))))
    assert.deepStrictEqual(rows.map((r) => [r.availabilityZone, r.price]), [["us-east-1a", "0.0035"], ["us-east-1b", "0.0040"]])
    const all = await Effect.runPromise(Effect.flatMap(Pricing, (p) => Stream.runCollect(p.onDemand({ serviceCode: "AmazonEC2", regionCode: "us-east-1", instanceType: "m5*" }))).pipe(Effect.provide(PricingMemory.layer(pricingSeed))))
    assert.deepStrictEqual(all.map((r) => r.instanceType).sort(), ["m5.large", "m5.xlarge", "m5a.large"])
  })
})
