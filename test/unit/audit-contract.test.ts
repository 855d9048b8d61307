import { AuditMemory } from "../../src/testing/AuditMemory.ts"
import { auditContract, contractAccount } from "../contract/audit.ts"

auditContract("in-memory", { make: async () => AuditMemory.layer(contractAccount) })
