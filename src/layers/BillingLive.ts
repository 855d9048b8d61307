/**
 * The live Billing layer: Cost and Usage Report definitions through the CUR API's JSON 1.1 endpoint
 * (awsJson.ts: no SDK client), always in us-east-1, every page (at most 5 definitions each).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { Billing, curRegion, type ReportDefinition } from "../services/Billing.ts"
import { AwsClients } from "./AwsClients.ts"
import { idempotent, paginate } from "./aws.ts"
import { jsonCall, type JsonService } from "./awsJson.ts"

/**
 * How the Cost and Usage Report API is called (it has no usable SDK client): its signing name, target prefix and
 * endpoint.
 */
export const curService: JsonService = {
  service: "CUR",
  signingName: "cur",
  targetPrefix: "AWSOrigamiServiceGatewayService",
  endpoint: `https://cur.${curRegion}.amazonaws.com`,
  endpointEnvId: "COST_AND_USAGE_REPORT_SERVICE",
  region: curRegion
}

interface WireDefinition {
  readonly ReportName?: string
  readonly TimeUnit?: string
  readonly Format?: string
  readonly Compression?: string
  readonly AdditionalSchemaElements?: ReadonlyArray<string>
  readonly S3Bucket?: string
  readonly S3Prefix?: string
  readonly S3Region?: string
  readonly AdditionalArtifacts?: ReadonlyArray<string>
  readonly RefreshClosedReports?: boolean
  readonly ReportVersioning?: string
  readonly BillingViewArn?: string
  readonly ReportStatus?: { readonly lastDelivery?: string; readonly lastStatus?: string }
}

interface DescribeReportDefinitionsResponse {
  readonly ReportDefinitions?: ReadonlyArray<WireDefinition>
  readonly NextToken?: string
}

const nonEmpty = (s: string | undefined) => (s === undefined || s === "" ? undefined : s)

/** A report definition as the API answers it, in aegea's terms. */
export const toReportDefinition = (d: WireDefinition): ReportDefinition => {
  const optional = {
    s3Prefix: nonEmpty(d.S3Prefix),
    refreshClosedReports: d.RefreshClosedReports,
    versioning: nonEmpty(d.ReportVersioning),
    billingViewArn: nonEmpty(d.BillingViewArn),
    lastStatus: nonEmpty(d.ReportStatus?.lastStatus),
    lastDelivery: nonEmpty(d.ReportStatus?.lastDelivery)
  }
  return {
    name: d.ReportName ?? "",
    timeUnit: d.TimeUnit ?? "",
    format: d.Format ?? "",
    compression: d.Compression ?? "",
    s3Bucket: d.S3Bucket ?? "",
    s3Region: d.S3Region ?? "",
    additionalSchemaElements: [...(d.AdditionalSchemaElements ?? [])],
    additionalArtifacts: [...(d.AdditionalArtifacts ?? [])],
    ...(Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as Partial<ReportDefinition>)
  }
}

/**
 * `Billing` against the Cost and Usage Report API (us-east-1), with the region, credentials and endpoint of
 * `AwsClients`.
 */
export const BillingLive: Layer.Layer<Billing, never, AwsClients> = Layer.effect(
  Billing,
  Effect.gen(function*() {
    const env = yield* AwsClients
    return Billing.of({
      region: curRegion,
      reportDefinitions: () =>
        paginate((token) =>
          Effect.map(
            jsonCall<DescribeReportDefinitionsResponse>(
              env,
              curService,
              "DescribeReportDefinitions",
              { MaxResults: 5, ...(token !== undefined ? { NextToken: token } : {}) },
              "list Cost and Usage Report definitions",
              idempotent
            ),
            (r) => [(r.ReportDefinitions ?? []).map(toReportDefinition), r.NextToken] as const
          )
        ).pipe(Stream.withSpan("billing.reportDefinitions"))
    })
  })
)
