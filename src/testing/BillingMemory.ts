/**
 * An in-memory Billing for tests: the seeded Cost and Usage Report definitions, in the order given
 * (AWS lists them in creation order). moto has no CUR API: `aegea billing ls` runs on this layer.
 */
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { Billing, curRegion, type ReportDefinition } from "../services/Billing.ts"

/** The report definitions `BillingMemory` holds. */
export interface BillingSeed {
  readonly reportDefinitions?: ReadonlyArray<ReportDefinition>
}

/** `Billing` in memory, answering from the seed. */
export const BillingMemory = {
  layer: (seed: BillingSeed = {}): Layer.Layer<Billing> =>
    Layer.succeed(
      Billing,
      Billing.of({
        region: curRegion,
        reportDefinitions: () => Stream.fromIterable([...(seed.reportDefinitions ?? [])])
      })
    )
}
