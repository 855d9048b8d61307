/** The CIS AWS Foundations checks: the account readings they need (`Audit`) and the checks themselves (`runAudit`). */
export { AuditLive as layer } from "../layers/AuditLive.ts"
export {
  type AccessKeyUse,
  type Alarm,
  Audit,
  type ConfigRecorder,
  type CredentialUser,
  type MetricFilter,
  parseCredentialReport,
  type PasswordPolicy,
  type Trail
} from "../services/Audit.ts"
export { type AuditResult, type AuditStatus, type EventCheck, eventChecks, runAudit } from "../workflows/audit.ts"
