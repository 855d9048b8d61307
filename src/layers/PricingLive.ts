/**
 * The live Pricing layer: the Price List (GetProducts) through a us-east-1 client, whatever the
 * user's region (an --endpoint-url is kept, for emulators), and spot prices through EC2 in the
 * user's region.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import type { AwsError } from "../errors.ts"
import { idempotent, makeAws, paginate } from "./aws.ts"
import {
  latestSpotPrices,
  matchesQuery,
  type PriceQuery,
  type ProductPrice,
  Pricing,
  pricingRegion,
  productFilters,
  productPrices,
  type SpotPriceRow
} from "../services/Pricing.ts"

/** Bound on spot price history pages (the last hour of one region fits in far fewer). */
const maxSpotRows = 20_000

/**
 * `Pricing` against the Price List API and EC2's Spot price history, with the region, credentials and endpoint
 * of `AwsClients`.
 */
export const PricingLive: Layer.Layer<Pricing, never, AwsClients> = Layer.effect(
  Pricing,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-pricing"))
    const ec2Sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const pricing = yield* makeAws("Pricing", (config) => new sdk.PricingClient(config), { region: pricingRegion })
    const ec2 = yield* makeAws("EC2", (config) => new ec2Sdk.EC2Client(config))

    const filtersOf = (query: PriceQuery) =>
      productFilters(query).map((f) => ({ Type: "TERM_MATCH" as const, Field: f.field, Value: f.value }))

    const onDemand = (query: PriceQuery): Stream.Stream<ProductPrice, AwsError> =>
      paginate((token) =>
        pricing.call(
          new sdk.GetProductsCommand({
            ServiceCode: query.serviceCode,
            Filters: filtersOf(query),
            FormatVersion: "aws_v1",
            MaxResults: 100,
            ...(token ? { NextToken: token } : {})
          }),
          `get ${query.serviceCode} prices${query.regionCode === pricingRegion ? "" : ` for ${query.regionCode}`}`,
          idempotent
        ).pipe(
          Effect.map((r) =>
            [
              (r.PriceList ?? []).flatMap((doc: unknown) => productPrices(String(doc), query.serviceCode)).filter((p: ProductPrice) =>
                matchesQuery(query, p)
              ),
              r.NextToken
            ] as const
          )
        )
      )

    const spot = (instanceType: string | undefined) =>
      Effect.gen(function*() {
        // The last hour holds every zone's current price (EC2 also returns the price in force at StartTime).
        const since = new Date(Date.now() - 3_600_000)
        const history = yield* Stream.runCollect(
          paginate((token) =>
            ec2.call(
              new ec2Sdk.DescribeSpotPriceHistoryCommand({
                ProductDescriptions: ["Linux/UNIX"],
                StartTime: since,
                ...(instanceType !== undefined ? { Filters: [{ Name: "instance-type", Values: [instanceType] }] } : {}),
                ...(token ? { NextToken: token } : {})
              }),
              `look up spot prices${instanceType !== undefined ? ` of ${instanceType}` : ""}`,
              idempotent
            ).pipe(
              Effect.map((r) =>
                [
                  (r.SpotPriceHistory ?? []).flatMap((p): ReadonlyArray<SpotPriceRow> =>
                    p.AvailabilityZone && p.SpotPrice && p.InstanceType
                      ? [{
                        instanceType: p.InstanceType,
                        availabilityZone: p.AvailabilityZone,
                        product: p.ProductDescription ?? "Linux/UNIX",
                        price: p.SpotPrice,
                        timestamp: p.Timestamp ?? new Date(0)
                      }]
                      : []
                  ),
                  r.NextToken
                ] as const
              )
            )
          ).pipe(Stream.take(maxSpotRows))
        )
        return latestSpotPrices(history)
      })

    return Pricing.of({ region: ec2.region, onDemand, spot })
  })
)
