/**
 * Host keys known before the first connection. `aegea launch` generates an instance's SSH host key
 * locally and stores its public part, "<type> <base64>", in the tags SSHHostPublicKeyPart1 (first
 * 255 characters) and SSHHostPublicKeyPart2 (the rest), as the Python aegea does; `aegea ssh` turns
 * them back into a known_hosts line for a private UserKnownHostsFile.
 */

export const HOST_KEY_TAG_1 = "SSHHostPublicKeyPart1"
export const HOST_KEY_TAG_2 = "SSHHostPublicKeyPart2"
/** EC2 tag values hold at most 256 characters; the Python aegea cuts at 255. */
const PART_1_LENGTH = 255

const keyTypes = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com"
])

export interface HostKey {
  readonly type: string
  readonly base64: string
}

/** An instance's host key as read from its tags: missing, invalid (with why) or found. */
export type HostKeyFromTags =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Invalid"; readonly reason: string }
  | { readonly _tag: "Found"; readonly key: HostKey }

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
const blobType = (blob: Buffer): string | undefined => {
  if (blob.length < 4) return undefined
  const length = blob.readUInt32BE(0)
  return length > 0 && length <= 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString("latin1") : undefined
}

/** Parse "<type> <base64> [comment]" (a known_hosts "<hosts> " prefix is tolerated and dropped). */
export const parsePublicKey = (text: string): HostKey | { readonly invalid: string } => {
  const fields = text.trim().split(/\s+/)
  const at = fields.findIndex((f) => keyTypes.has(f))
  if (at < 0) return { invalid: "it names no known SSH key type" }
  const type = fields[at]!
  const base64 = fields[at + 1] ?? ""
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return { invalid: "its key is not base64" }
  if (blobType(Buffer.from(base64, "base64")) !== type) return { invalid: `its key data is not a ${type} key` }
  return { type, base64 }
}

/** The host key stored in an instance's tags. */
export const hostKeyFromTags = (tags: Readonly<Record<string, string>>): HostKeyFromTags => {
  const text = (tags[HOST_KEY_TAG_1] ?? "") + (tags[HOST_KEY_TAG_2] ?? "")
  if (text.trim() === "") return { _tag: "Missing" }
  const parsed = parsePublicKey(text)
  return "invalid" in parsed ? { _tag: "Invalid", reason: parsed.invalid } : { _tag: "Found", key: parsed }
}

/** The tags that store a public key ("<type> <base64>", comment dropped), for `aegea launch`. */
export const hostKeyTags = (publicKey: string): Record<string, string> => {
  const parsed = parsePublicKey(publicKey)
  if ("invalid" in parsed) throw new RangeError(`not an SSH public key: ${parsed.invalid}`)
  const line = `${parsed.type} ${parsed.base64}`
  return { [HOST_KEY_TAG_1]: line.slice(0, PART_1_LENGTH), [HOST_KEY_TAG_2]: line.slice(PART_1_LENGTH) }
}

/** A known_hosts line: "host1,host2 <type> <base64>". Host names must not contain spaces or commas. */
export const knownHostsLine = (hosts: ReadonlyArray<string>, key: HostKey): string => {
  const names = hosts.filter((h) => h !== "")
  if (names.length === 0 || names.some((h) => /[\s,#]/.test(h))) throw new RangeError(`invalid host names ${JSON.stringify(hosts)}`)
  return `${names.join(",")} ${key.type} ${key.base64}`
}
