/**
 * An in-memory Pricing for tests (moto has no Pricing API): seeded products are written as Price
 * List documents and read back through the same parser as the live layer, filtered like GetProducts
 * (every filter is an exact match on an attribute) and paged. Spot prices are seeded rows.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import {
  latestSpotPrices,
  matchesPattern,
  matchesQuery,
  type PriceQuery,
  Pricing,
  productFilters,
  productPrices,
  type SpotPriceRow
} from "../services/Pricing.ts"

/** A Price List product in `PricingMemory`: its attributes and prices. */
export interface PriceSeed {
  readonly serviceCode: string
  readonly sku: string
  /** The product's attributes: regionCode, instanceType, vcpu, memory, operatingSystem, tenancy... */
  readonly attributes: Readonly<Record<string, string>>
  readonly prices: ReadonlyArray<{ readonly description: string; readonly unit: string; readonly usd: string }>
}

/** A Linux, shared-tenancy EC2 instance type's hourly on-demand price, as the filters expect. */
export const ec2PriceSeed = (
  instanceType: string,
  usd: string,
  options: { readonly regionCode?: string; readonly vcpu?: string; readonly memory?: string; readonly operatingSystem?: string } = {}
): PriceSeed => ({
  serviceCode: "AmazonEC2",
  sku: `SKU-${instanceType}-${options.regionCode ?? "us-east-1"}-${options.operatingSystem ?? "Linux"}`,
  attributes: {
    servicecode: "AmazonEC2",
    regionCode: options.regionCode ?? "us-east-1",
    instanceType,
    vcpu: options.vcpu ?? "2",
    memory: options.memory ?? "8 GiB",
    operatingSystem: options.operatingSystem ?? "Linux",
    tenancy: "Shared",
    preInstalledSw: "NA",
    capacitystatus: "Used"
  },
  prices: [{ description: `$${usd} per On Demand Linux ${instanceType} Instance Hour`, unit: "Hrs", usd }]
})

/** The Price List document AWS would return for a seed. */
const documentOf = (seed: PriceSeed) =>
  JSON.stringify({
    product: { sku: seed.sku, productFamily: "Compute Instance", attributes: seed.attributes },
    serviceCode: seed.serviceCode,
    terms: {
      OnDemand: {
        [`${seed.sku}.JRTCKXETXF`]: {
          offerTermCode: "JRTCKXETXF",
          sku: seed.sku,
          priceDimensions: Object.fromEntries(seed.prices.map((p, i) => [
            `${seed.sku}.JRTCKXETXF.${i}`,
            { unit: p.unit, description: p.description, pricePerUnit: { USD: p.usd } }
          ]))
        }
      }
    }
  })

const pageSize = 2

/** `Pricing` in memory: on-demand prices and Spot price history from the seed. */
export const PricingMemory = {
  layer: (options: {
    readonly region?: string
    readonly products?: ReadonlyArray<PriceSeed>
    readonly spot?: ReadonlyArray<SpotPriceRow>
  } = {}): Layer.Layer<Pricing> =>
    Layer.succeed(
      Pricing,
      Pricing.of({
        region: options.region ?? "us-east-1",
        onDemand: (query: PriceQuery) => {
          const filters = productFilters(query)
          const documents = (options.products ?? [])
            .filter((p) => p.serviceCode === query.serviceCode && filters.every((f) => p.attributes[f.field] === f.value))
            .map(documentOf)
          // Paged like GetProducts, so a consumer that stops early reads less.
          return Stream.fromIterable(Array.from({ length: Math.ceil(documents.length / pageSize) }, (_, i) => i)).pipe(
            Stream.flatMap((page) =>
              Stream.fromIterable(
                documents.slice(page * pageSize, (page + 1) * pageSize)
                  .flatMap((d) => productPrices(d, query.serviceCode))
                  .filter((p) => matchesQuery(query, p))
              )
            )
          )
        },
        spot: (instanceType) =>
          Effect.succeed(latestSpotPrices(
            (options.spot ?? []).filter((p) => instanceType === undefined || matchesPattern(instanceType, p.instanceType))
          ))
      })
    )
}
