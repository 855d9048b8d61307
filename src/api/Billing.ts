/** Cost and Usage Report definitions (the Billing service). */
export { BillingLive as layer } from "../layers/BillingLive.ts"
export { Billing, curRegion, ReportDefinition } from "../services/Billing.ts"
