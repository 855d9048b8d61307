/**
 * `aegea pricing [SERVICE] [--instance-type PATTERN] [--spot]`: on-demand prices from the AWS Price
 * List (GetProducts, us-east-1) for the region (the global --region), or the latest spot prices of
 * the region's zones (EC2 DescribeSpotPriceHistory).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { PricingLive } from "../layers/PricingLive.ts"
import { UsageError } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { AegeaConfig, withConfigDefaults } from "../services/AegeaConfig.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { Pricing } from "../services/Pricing.ts"
import { awsService, BaseLayer } from "./global.ts"

export const PricingLayer = awsService(Pricing, PricingLive).pipe(Layer.provideMerge(BaseLayer))

/** Bound on the rows of one listing (a whole service's price list can be tens of thousands). */
const maxRows = 5000

export const instancePriceTable: TableSpec = {
  columns: [
    { key: "instanceType", header: "INSTANCE TYPE", kind: "name" },
    { key: "vcpu", header: "VCPUS", kind: "number", align: "right" },
    { key: "memory" },
    { key: "price", header: "USD", kind: "number", align: "right", keep: 1 },
    { key: "unit", keep: 1 },
    { key: "regionCode", header: "REGION" }
  ],
  kinds: { sku: "id", description: "text", operatingSystem: "text", service: "text" }
}

export const productPriceTable: TableSpec = {
  columns: [
    { key: "description", keep: 1 },
    { key: "price", header: "USD", kind: "number", align: "right", keep: 1 },
    { key: "unit", keep: 1 },
    { key: "regionCode", header: "REGION" },
    { key: "sku", kind: "id" }
  ],
  kinds: { service: "text" }
}

export const spotPriceTable: TableSpec = {
  columns: [
    { key: "instanceType", header: "INSTANCE TYPE", kind: "name" },
    { key: "availabilityZone", header: "AZ" },
    { key: "price", header: "USD/HOUR", kind: "number", align: "right", keep: 1 },
    { key: "product" },
    { key: "timestamp", header: "SINCE", kind: "time" }
  ]
}

const summary = "List on-demand prices (Price List API) or, with --spot, the latest spot prices of the region."

export const pricingCommand = Command.make(
  "pricing",
  {
    service: Argument.String("service").pipe(
      Argument.withDescription("A Price List service code: AmazonEC2 (the default), AmazonS3, AmazonRDS..."),
      Argument.optional
    ),
    instanceType: Flag.String("instance-type").pipe(
      Flag.withDescription("Only this instance type, or types matching a pattern with * and ?, e.g. 'm5.*' (EC2 only)."),
      Flag.optional
    ),
    spot: Flag.Boolean("spot").pipe(
      Flag.withDescription("The latest Linux/UNIX spot price of each instance type in each zone of the region, instead of on-demand prices."),
      Flag.withDefault(false)
    )
  },
  Effect.fn("pricing")(function*(raw) {
    const input = withConfigDefaults((yield* AegeaConfig).section("pricing"), raw)
    const pricing = yield* Pricing
    const output = yield* Output
    const service = Option.getOrElse(input.service, () => "AmazonEC2")
    const instanceType = Option.getOrUndefined(input.instanceType)
    if (service !== "AmazonEC2" && (input.spot || instanceType !== undefined)) {
      return yield* new UsageError({
        message: `--${input.spot ? "spot" : "instance-type"} is for EC2 prices, not ${service}`,
        hint: "Leave out the service (AmazonEC2 is the default) or the flag"
      })
    }
    if (input.spot) {
      const rows = yield* pricing.spot(instanceType)
      yield* output.table(rows, spotPriceTable, {
        empty: `no spot prices${instanceType !== undefined ? ` for ${instanceType}` : ""} in ${pricing.region}`
      })
      return
    }
    const rows = yield* Stream.runCollect(
      pricing.onDemand({ serviceCode: service, regionCode: pricing.region, instanceType }).pipe(Stream.take(maxRows))
    )
    yield* output.table(rows, service === "AmazonEC2" ? instancePriceTable : productPriceTable, {
      empty: `no ${service} prices${instanceType !== undefined ? ` for ${instanceType}` : ""} in ${pricing.region}`
    })
  })
).pipe(
  Command.withDescription(
    `${listingDescription(`${summary} EC2 prices are Linux, shared tenancy, no pre-installed software.`, instancePriceTable)}\n` +
      `  Other services' columns: description, USD, unit, region, sku. With --spot: instance type, AZ, USD/hour, product, since.`
  ),
  Command.withShortDescription(summary),
  Command.withExamples([
    { command: "aegea pricing --instance-type 'm5.*'", description: "Hourly on-demand prices of the m5 family in your region" },
    { command: "aegea pricing --spot --instance-type c6g.large", description: "The spot price of c6g.large in each zone" },
    { command: "aegea pricing AmazonS3 --region eu-west-1 --json", description: "S3 prices in Ireland as JSON" }
  ]),
  Command.provide(PricingLayer)
)
