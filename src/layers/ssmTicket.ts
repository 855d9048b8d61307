/**
 * The session ticket `aegea ssh` leaves for its ProxyCommand: StartSession's answer, in a file of a
 * private (0700) directory, named after the instance; claimed once by an atomic rename.
 */
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { readFileSync, renameSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { AegeaError } from "../errors.ts"
import type { SessionTicket } from "../services/Ssm.ts"
import type { GenerateDataKey } from "./kmsDataKey.ts"

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

/** Where the ProxyCommand's session lives: its `--region`, `--profile` and `--endpoint-url`. */
export interface TicketAws {
  readonly region?: string | undefined
  readonly profile?: string | undefined
  readonly endpointUrl?: string | undefined
}

/**
 * ResumeSession for the lean ProxyCommand path, which starts with no SDK loaded: the SSM client and
 * the credentials chain (layers/ssmResume.ts) are loaded only when a connection is lost.
 */
export const resumeForTicket = (aws: TicketAws) => (sessionId: string): Effect.Effect<Option.Option<SessionTicket>, AegeaError> =>
  Effect.flatMap(Effect.promise(() => import("./ssmResume.ts")), (m) => m.resumeSession(aws, sessionId))

/**
 * kms:GenerateDataKey for the lean ProxyCommand path, for sessions the agent asks to encrypt: the
 * signed call and the credentials chain (layers/kmsDataKey.ts) are loaded only then.
 */
export const generateDataKeyForTicket = (aws: TicketAws): GenerateDataKey => (input) =>
  Effect.flatMap(Effect.promise(() => import("./kmsDataKey.ts")), (m) => m.generateDataKeyFor(aws)(input))
