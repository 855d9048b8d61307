/**
 * The Billing contract: Cost and Usage Report definitions against BillingMemory and BillingLive on a
 * CUR stand-in (test/unit), and BillingLive on moto (test/integration). moto has no CUR API: where
 * `served` is false the listing must fail with AwsUnavailable naming CUR DescribeReportDefinitions.
 * Where it is served, the layer lists the seven definitions below (more than one page: CUR answers
 * at most five per page) in order, with every field.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { Billing, type ReportDefinition } from "../../src/services/Billing.ts"

/** Seven definitions: two pages of CUR's at most five. */
export const seedDefinitions: ReadonlyArray<ReportDefinition> = Array.from({ length: 7 }, (_, i): ReportDefinition => ({
  name: `report-${i + 1}`,
  timeUnit: i === 0 ? "HOURLY" : "DAILY",
  format: i === 0 ? "Parquet" : "textORcsv",
  compression: i === 0 ? "Parquet" : "GZIP",
  s3Bucket: "billing-bucket",
  ...(i === 6 ? {} : { s3Prefix: `cur/${i + 1}` }),
  s3Region: "us-east-1",
  additionalSchemaElements: i === 0 ? ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"] : [],
  additionalArtifacts: i === 0 ? ["ATHENA"] : [],
  refreshClosedReports: i !== 1,
  versioning: i === 0 ? "OVERWRITE_REPORT" : "CREATE_NEW_REPORT",
  ...(i === 0 ? { lastStatus: "SUCCESS", lastDelivery: "20261101T000000Z" } : {})
}))

export interface BillingHarness {
  /** A layer listing `definitions` (when served). */
  readonly make: (definitions: ReadonlyArray<ReportDefinition>) => Promise<Layer.Layer<Billing>>
  /** Whether the endpoint serves the CUR API. */
  readonly served: boolean
}

const list = (layer: Layer.Layer<Billing>) =>
  Effect.gen(function*() {
    return [...yield* Stream.runCollect((yield* Billing).reportDefinitions())]
  }).pipe(Effect.provide(layer))

export const billingContract = (label: string, harness: BillingHarness) =>
  describe(`Billing contract (${label})`, () => {
    if (!harness.served) {
      it("an endpoint without the CUR API: AwsUnavailable naming CUR DescribeReportDefinitions", async () => {
        const failure = await Effect.runPromise(Effect.flip(list(await harness.make(seedDefinitions))))
        assert.strictEqual(failure._tag, "AwsUnavailable")
        assert.strictEqual(failure.service, "CUR")
        assert.strictEqual(failure.operation, "DescribeReportDefinitions")
        assert.include(failure.summary, "could not list Cost and Usage Report definitions")
        assert.include(failure.summary, "CUR DescribeReportDefinitions")
      })
      return
    }

    it("lists every definition, across pages, in order, with its fields", async () => {
      const got = await Effect.runPromise(list(await harness.make(seedDefinitions)))
      assert.deepStrictEqual(got.map((d) => d.name), seedDefinitions.map((d) => d.name))
      assert.deepStrictEqual(got[0], seedDefinitions[0])
      assert.strictEqual(got[1]?.refreshClosedReports, false)
      assert.isUndefined(got[6]?.s3Prefix)
      assert.deepStrictEqual(got[6]?.additionalSchemaElements, [])
    })

    it("an account without definitions: no rows", async () => {
      assert.deepStrictEqual(await Effect.runPromise(list(await harness.make([]))), [])
    })
  })
