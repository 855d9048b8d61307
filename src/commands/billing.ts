/**
 * `aegea billing ls`: the account's Cost and Usage Report definitions (CUR DescribeReportDefinitions,
 * us-east-1 whatever the region). moto has no CUR API: against it the command fails with one line
 * naming the operation.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Command from "effect/cli/Command"
import { BillingLive } from "../layers/BillingLive.ts"
import { listingDescription } from "../lib/table.ts"
import { Billing, ReportDefinition } from "../services/Billing.ts"
import { Output, type Row, type TableSpec } from "../services/Output.ts"
import { awsService, BaseLayer } from "./global.ts"

export const BillingLayer = awsService(Billing, BillingLive).pipe(Layer.provideMerge(BaseLayer))

export const reportDefinitionTable: TableSpec = {
  columns: [
    { key: "name", kind: "name" },
    { key: "timeUnit", header: "TIME UNIT" },
    { key: "format" },
    { key: "compression" },
    { key: "s3", header: "S3 BUCKET/PREFIX", noTruncate: true },
    { key: "s3Region", header: "REGION" },
    { key: "refreshClosedReports", header: "REFRESH" },
    { key: "additionalSchemaElements", header: "ADDITIONAL SCHEMA ELEMENTS" }
  ],
  kinds: { lastStatus: "state", additionalArtifacts: "text", versioning: "text", billingViewArn: "text", lastDelivery: "text" },
  fields: ["s3", ...Object.keys(ReportDefinition.fields)],
  aliases: { report_name: "name", time_unit: "timeUnit", s3_bucket: "s3", bucket: "s3", region: "s3Region", refresh_closed_reports: "refreshClosedReports" }
}

/** A definition as a row: `s3` is "bucket/prefix"; tables show the schema elements comma-separated. */
export const reportDefinitionRow = (d: ReportDefinition, format: string): Row => ({
  ...d,
  s3: d.s3Prefix !== undefined ? `${d.s3Bucket}/${d.s3Prefix}` : d.s3Bucket,
  ...(format === "json" || format === "yaml"
    ? {}
    : { additionalSchemaElements: d.additionalSchemaElements.join(", "), additionalArtifacts: d.additionalArtifacts.join(", ") })
})

const summary = "List the Cost and Usage Report definitions of the account (CUR, read in us-east-1)."

const ls = Command.make(
  "ls",
  {},
  Effect.fn("billing.ls")(function*() {
    const billing = yield* Billing
    const output = yield* Output
    const definitions = yield* Stream.runCollect(billing.reportDefinitions())
    yield* output.table(definitions.map((d) => reportDefinitionRow(d, output.settings.format)), reportDefinitionTable, {
      empty: "no Cost and Usage Report definitions in this account"
    })
  })
).pipe(
  Command.withDescription(listingDescription(summary, reportDefinitionTable)),
  Command.withShortDescription(summary),
  Command.withExamples([
    { command: "aegea billing ls", description: "Every report definition, with its S3 bucket and prefix" },
    { command: "aegea billing ls --columns name,lastStatus,lastDelivery", description: "When each report was last delivered, and how it went" }
  ])
)

export const billingCommand = Command.make("billing").pipe(
  Command.withDescription("Billing: the account's Cost and Usage Report definitions (aegea cost reports the costs themselves)."),
  Command.withShortDescription("Cost and Usage Report definitions."),
  Command.withSubcommands([ls.pipe(Command.provide(BillingLayer))])
)
