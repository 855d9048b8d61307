/**
 * The SSH host key aegea gives a new instance, so that the first connection is verified instead of
 * trusted: an ed25519 key pair made locally, its private half handed to cloud-init (`ssh_keys:
 * {ed25519_private, ed25519_public}`) in the OpenSSH private-key format, its public half stored in
 * the instance's tags `SSHHostPublicKeyPart1`/`SSHHostPublicKeyPart2` exactly as the Python aegea
 * stores it (the known_hosts key "TYPE BASE64", first 255 characters, then the rest), because an
 * EC2 tag value holds at most 256 characters.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { Redacted } from "effect"
import { openSshFingerprint, openSshPublicKey } from "./sshKey.ts"

export interface HostKey {
  /** "ssh-ed25519 BASE64": the key as known_hosts and the tags hold it (no comment). */
  readonly publicKey: string
  /** The OpenSSH private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"): a secret. */
  readonly privateKey: Redacted.Redacted<string>
  /** "SHA256:..." as `ssh-keygen -l` prints it. */
  readonly fingerprint: string
}

export const hostKeyTagNames = ["SSHHostPublicKeyPart1", "SSHHostPublicKeyPart2"] as const

/** An SSH wire-format string: a 4-byte big-endian length, then the bytes. */
const sshString = (bytes: Uint8Array | string): Buffer => {
  const body = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes)
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.length)
  return Buffer.concat([length, body])
}

const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

/**
 * The unencrypted openssh-key-v1 file of an ed25519 key (PROTOCOL.key in OpenSSH): magic,
 * cipher "none", kdf "none", one public key, then the private section (two equal check ints, key
 * type, public key, private key = seed || public key, comment) padded with 1, 2, 3... to a multiple
 * of 8 bytes, base64 in 70-column lines between the OPENSSH PRIVATE KEY armour.
 */
export const encodeOpenSshEd25519PrivateKey = (options: {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
  readonly comment?: string
  /** Random by default; fixed in tests for a deterministic file. */
  readonly checkInt?: number
}): string => {
  const { seed, publicKey } = options
  if (seed.length !== 32 || publicKey.length !== 32) throw new Error("an ed25519 seed and public key have 32 bytes each")
  const checkInt = options.checkInt ?? randomBytes(4).readUInt32BE(0)
  const publicBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(publicKey)])
  const unpadded = Buffer.concat([
    uint32(checkInt),
    uint32(checkInt),
    sshString("ssh-ed25519"),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(options.comment ?? "")
  ])
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1))
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "binary"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding]))
  ])
  const lines = body.toString("base64").match(/.{1,70}/g) ?? []
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`
}

/** A fresh ed25519 host key; `comment` goes into the private key file only. */
export const generateHostKey = (comment = ""): HostKey => {
  const { privateKey } = generateKeyPairSync("ed25519")
  const jwk = privateKey.export({ format: "jwk" })
  const seed = Buffer.from(jwk.d ?? "", "base64url")
  const raw = Buffer.from(jwk.x ?? "", "base64url")
  const publicKey = openSshPublicKey(raw)
  return {
    publicKey,
    privateKey: Redacted.make(encodeOpenSshEd25519PrivateKey({ seed, publicKey: raw, comment })),
    fingerprint: openSshFingerprint(publicKey)
  }
}

/** The tags holding a public key: the first 255 characters, then the rest (possibly empty), as the Python aegea does. */
export const hostKeyTags = (publicKey: string): Record<(typeof hostKeyTagNames)[number], string> => {
  const line = publicKey.trim()
  return { SSHHostPublicKeyPart1: line.slice(0, 255), SSHHostPublicKeyPart2: line.slice(255) }
}

/** The public key stored in an instance's tags, or undefined when it has none. */
export const hostKeyFromTags = (tags: Readonly<Record<string, string>>): string | undefined => {
  const line = (tags.SSHHostPublicKeyPart1 ?? "") + (tags.SSHHostPublicKeyPart2 ?? "")
  return line.trim() === "" ? undefined : line.trim()
}
