/**
 * Billing as aegea sees it: the account's Cost and Usage Report definitions (the CUR API's
 * DescribeReportDefinitions, every page). Read-only; CUR has one endpoint (us-east-1).
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { AwsError } from "../errors.ts"

const optionalString = Schema.optional(Schema.String)

/** A Cost and Usage Report definition: where AWS delivers the report, how often and in which format. */
export const ReportDefinition = Schema.Struct({
  name: Schema.String,
  /** HOURLY, DAILY or MONTHLY. */
  timeUnit: Schema.String,
  /** textORcsv or Parquet. */
  format: Schema.String,
  /** ZIP, GZIP or Parquet. */
  compression: Schema.String,
  s3Bucket: Schema.String,
  s3Prefix: optionalString,
  s3Region: Schema.String,
  /** "RESOURCES", "SPLIT_COST_ALLOCATION_DATA"...: what the report adds to its lines. */
  additionalSchemaElements: Schema.Array(Schema.String),
  /** "REDSHIFT", "QUICKSIGHT", "ATHENA": the artifacts AWS makes with it. */
  additionalArtifacts: Schema.Array(Schema.String),
  /** Whether AWS rewrites the reports of closed months when refunds or credits arrive. */
  refreshClosedReports: Schema.optional(Schema.Boolean),
  /** CREATE_NEW_REPORT or OVERWRITE_REPORT. */
  versioning: optionalString,
  billingViewArn: optionalString,
  /** The last delivery's status (SUCCESS, ERROR_PERMISSIONS, ERROR_NO_BUCKET) and time (YYYYMMDD'T'HHmmss'Z'). */
  lastStatus: optionalString,
  lastDelivery: optionalString
})
/** A Cost and Usage Report definition: where AWS delivers the report, how often and in which format. */
export type ReportDefinition = typeof ReportDefinition.Type

/** The account's Cost and Usage Report definitions. Live: `BillingLive`; in memory: `BillingMemory`. */
export class Billing extends Context.Service<Billing, {
  /** Where the definitions are read (always us-east-1: CUR has one endpoint). */
  readonly region: string
  readonly reportDefinitions: () => Stream.Stream<ReportDefinition, AwsError>
}>()("aegea/Billing") {}

/** The region the CUR API answers in, whatever the user's region. */
export const curRegion = "us-east-1"
