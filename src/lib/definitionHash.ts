/**
 * Content hashes for job and task definition names: the same container shape gives the same name,
 * so an ACTIVE definition is reused instead of registering a new revision on every submit.
 */
import { createHash } from "node:crypto"

/** JSON with object keys sorted at every level, so key order never changes the hash. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)

/** The first 12 hex digits of the SHA-256 of the canonical JSON of `value`. */
export const definitionHash = (value: unknown): string =>
  createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 12)

/** `<prefix>_<hash>`, e.g. "aegea_batch_1a2b3c4d5e6f". */
export const definitionName = (prefix: string, value: unknown): string => `${prefix}_${definitionHash(value)}`
