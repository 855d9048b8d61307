/**
 * The session ticket `aegea ssh` leaves for its ProxyCommand: StartSession's answer, in a file of a
 * private (0700) directory, named after the instance; claimed once by an atomic rename.
 */
import * as Redacted from "effect/Redacted"
import { readFileSync, renameSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { SessionTicket } from "../services/Ssm.ts"

/** Take the ticket `aegea ssh` left for this instance, if it is still there (atomic rename: one taker). */
export const claimTicket = (directory: string, instanceId: string): SessionTicket | undefined => {
  const file = join(directory, `ticket-${instanceId}.json`)
  const claimed = `${file}.claimed-${process.pid}`
  try {
    renameSync(file, claimed)
  } catch {
    return undefined
  }
  try {
    const parsed = JSON.parse(readFileSync(claimed, "utf8")) as { SessionId?: string; StreamUrl?: string; TokenValue?: string }
    if (!parsed.SessionId || !parsed.StreamUrl || !parsed.TokenValue) return undefined
    return { sessionId: parsed.SessionId, streamUrl: parsed.StreamUrl, token: Redacted.make(parsed.TokenValue) }
  } catch {
    return undefined
  } finally {
    rmSync(claimed, { force: true })
  }
}
