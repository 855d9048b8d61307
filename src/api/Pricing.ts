/** The AWS Price List and EC2 Spot price history. */
export { PricingLive as layer } from "../layers/PricingLive.ts"
export { type PriceQuery, Pricing, type ProductPrice, productPrices, type SpotPriceRow } from "../services/Pricing.ts"
