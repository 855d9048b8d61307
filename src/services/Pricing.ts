/**
 * Prices: on-demand prices from the AWS Price List (Pricing GetProducts, served from us-east-1 only)
 * and the latest spot prices of the region (EC2 DescribeSpotPriceHistory). Instance-type patterns
 * use EC2's filter wildcards: `*` (any characters) and `?` (one character).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

/** One price dimension of one product: an instance type's hourly price, a service's per-GB rate. */
export type ProductPrice = {
  readonly service: string
  readonly sku: string
  readonly regionCode: string
  readonly instanceType?: string | undefined
  readonly vcpu?: string | undefined
  readonly memory?: string | undefined
  readonly operatingSystem?: string | undefined
  readonly description: string
  readonly unit: string
  /** USD, as the Price List writes it ("0.0416000000"). */
  readonly price: string
}

/** One Spot price of an instance type in a zone, in USD per hour, with its time. */
export type SpotPriceRow = {
  readonly instanceType: string
  readonly availabilityZone: string
  readonly product: string
  /** USD per hour, as EC2 writes it. */
  readonly price: string
  readonly timestamp: Date
}

/** What `Pricing.onDemand` reads from the Price List: a service, a region and, for EC2, an instance type or pattern. */
export interface PriceQuery {
  /** A Price List service code: AmazonEC2 (the default), AmazonS3, AmazonRDS... */
  readonly serviceCode: string
  /** The region whose prices are wanted (the Price List's `regionCode` attribute). */
  readonly regionCode: string
  /** An instance type or pattern (`m5.*`); EC2 only. */
  readonly instanceType?: string | undefined
}

/**
 * Prices: on-demand prices from the Price List and Spot price history of the region. Live: `PricingLive`; in
 * memory: `PricingMemory`.
 */
export class Pricing extends Context.Service<Pricing, {
  /** The user's region: spot prices are this region's. */
  readonly region: string
  /** On-demand prices; for AmazonEC2 only Linux, shared tenancy, no pre-installed software, capacity used. */
  readonly onDemand: (query: PriceQuery) => Stream.Stream<ProductPrice, AwsError>
  /** The latest Linux/UNIX spot price of each matching instance type in each zone of the region. */
  readonly spot: (instanceType: string | undefined) => Effect.Effect<ReadonlyArray<SpotPriceRow>, AwsError>
}>()("aegea/Pricing") {}

/** The Price List is only served from us-east-1. */
export const pricingRegion = "us-east-1"

/** True when the pattern has EC2 filter wildcards. */
export const isPattern = (pattern: string) => /[*?]/.test(pattern)

/** `m5.*` matches m5.large; `?` is one character; everything else is literal. */
export const matchesPattern = (pattern: string, value: string): boolean => {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`)
  return re.test(value)
}

/** The GetProducts filters (all TERM_MATCH) for a query, before any client-side pattern match. */
export const productFilters = (query: PriceQuery): ReadonlyArray<{ readonly field: string; readonly value: string }> => [
  { field: "regionCode", value: query.regionCode },
  ...(query.serviceCode === "AmazonEC2"
    ? [
      { field: "operatingSystem", value: "Linux" },
      { field: "tenancy", value: "Shared" },
      { field: "preInstalledSw", value: "NA" },
      { field: "capacitystatus", value: "Used" }
    ]
    : []),
  ...(query.instanceType !== undefined && !isPattern(query.instanceType) ? [{ field: "instanceType", value: query.instanceType }] : [])
]

interface PriceListProduct {
  readonly product?: { readonly sku?: string; readonly attributes?: Readonly<Record<string, string>> }
  readonly terms?: {
    readonly OnDemand?: Readonly<Record<string, {
      readonly priceDimensions?: Readonly<Record<string, {
        readonly unit?: string
        readonly description?: string
        readonly pricePerUnit?: Readonly<Record<string, string>>
      }>>
    }>>
  }
}

/**
 * The on-demand prices in one Price List document (a GetProducts `PriceList` entry, JSON), one per
 * price dimension; a document that is not JSON gives none.
 */
export const productPrices = (document: string, serviceCode: string): ReadonlyArray<ProductPrice> => {
  let parsed: PriceListProduct
  try {
    parsed = JSON.parse(document) as PriceListProduct
  } catch {
    return []
  }
  const attributes = parsed.product?.attributes ?? {}
  const rows: Array<ProductPrice> = []
  for (const term of Object.values(parsed.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions ?? {})) {
      rows.push({
        service: attributes["servicecode"] ?? serviceCode,
        sku: parsed.product?.sku ?? "",
        regionCode: attributes["regionCode"] ?? "",
        ...(attributes["instanceType"] !== undefined ? { instanceType: attributes["instanceType"] } : {}),
        ...(attributes["vcpu"] !== undefined ? { vcpu: attributes["vcpu"] } : {}),
        ...(attributes["memory"] !== undefined ? { memory: attributes["memory"] } : {}),
        ...(attributes["operatingSystem"] !== undefined ? { operatingSystem: attributes["operatingSystem"] } : {}),
        description: dimension.description ?? "",
        unit: dimension.unit ?? "",
        price: dimension.pricePerUnit?.["USD"] ?? ""
      })
    }
  }
  return rows
}

/** Whether a product matches the query's instance-type pattern (no pattern: every product). */
export const matchesQuery = (query: PriceQuery, price: ProductPrice): boolean =>
  query.instanceType === undefined || (price.instanceType !== undefined && matchesPattern(query.instanceType, price.instanceType))

/** The newest price of each (instance type, zone), sorted by instance type then price. */
export const latestSpotPrices = (history: ReadonlyArray<SpotPriceRow>): ReadonlyArray<SpotPriceRow> => {
  const latest = new Map<string, SpotPriceRow>()
  for (const p of history) {
    const key = `${p.instanceType} ${p.availabilityZone}`
    const seen = latest.get(key)
    if (seen === undefined || p.timestamp.getTime() > seen.timestamp.getTime()) latest.set(key, p)
  }
  return [...latest.values()].sort((a, b) =>
    a.instanceType.localeCompare(b.instanceType) || Number(a.price) - Number(b.price) ||
    a.availabilityZone.localeCompare(b.availabilityZone)
  )
}
