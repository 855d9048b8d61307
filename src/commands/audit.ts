/**
 * `aegea audit`: the CIS AWS Foundations checks (IAM, CloudTrail, AWS Config, log metric filters
 * and alarms), one row each with PASS, FAIL or ERROR and the reason; exit 1 when any check fails.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Command from "effect/cli/Command"
import { AuditLive } from "../layers/AuditLive.ts"
import { OperationFailed } from "../errors.ts"
import { listingDescription } from "../lib/table.ts"
import { Audit } from "../services/Audit.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { runAudit } from "../workflows/audit.ts"
import { awsService, BaseLayer } from "./global.ts"

export const AuditLayer = awsService(Audit, AuditLive).pipe(Layer.provideMerge(BaseLayer))

export const auditTable: TableSpec = {
  columns: [
    { key: "id", header: "CIS", kind: "id" },
    { key: "check", keep: 1 },
    { key: "status", kind: "state", keep: 2 },
    { key: "reason", keep: 1 }
  ]
}

const summary = "Check the account against the CIS AWS Foundations benchmark: one row per check, PASS, FAIL or ERROR with the reason."

export const auditCommand = Command.make(
  "audit",
  {},
  Effect.fn("audit")(function*() {
    const output = yield* Output
    const audit = yield* Audit
    const results = yield* runAudit(yield* Clock.currentTimeMillis)
    yield* output.table(results, auditTable)
    const failed = results.filter((r) => r.status === "FAIL").length
    const errors = results.filter((r) => r.status === "ERROR").length
    if (failed > 0) {
      return yield* new OperationFailed({
        message: `${failed} of ${results.length} checks failed in ${audit.region}${errors > 0 ? ` (${errors} could not be run)` : ""}`,
        hint: "The REASON column says what to fix"
      })
    }
    if (errors === results.length) {
      return yield* new OperationFailed({
        message: `none of the ${results.length} checks could be run in ${audit.region}`,
        hint: "The REASON column says why"
      })
    }
    if (errors > 0) yield* output.warn(`${errors} of ${results.length} checks could not be run: see the REASON column`)
  })
).pipe(
  Command.withDescription(
    `${listingDescription(summary, auditTable)}\n  Exit status 1 when any check fails, or when no check could be run; an ERROR (a source that could not be read, e.g. for lack of permission) alone does not fail the run.`
  ),
  Command.withShortDescription(summary),
  Command.withExamples([
    { command: "aegea audit", description: "Every check, as a table" },
    { command: "aegea audit --json --query \"[?status=='FAIL']\"", description: "Only the failures, as JSON" }
  ]),
  Command.provide(AuditLayer)
)
