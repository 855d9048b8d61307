/**
 * A new ed25519 key pair in the formats OpenSSH reads: the private key in OpenSSH's own format
 * ("-----BEGIN OPENSSH PRIVATE KEY-----", unencrypted; OpenSSH 9.2 cannot load PKCS#8 ed25519 keys)
 * and the public key as an authorized_keys line, "ssh-ed25519 BASE64 comment" (RFC 8709).
 */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto"

/** An SSH wire-format string: a 4-byte big-endian length, then the bytes. */
const sshString = (bytes: Uint8Array): Buffer => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** The authorized_keys line of a raw 32-byte ed25519 public key. */
export const openSshPublicKey = (raw: Uint8Array, comment?: string): string => {
  if (raw.length !== 32) throw new Error(`an ed25519 public key has 32 bytes, got ${raw.length}`)
  return `ssh-ed25519 ${sshBlob(raw).toString("base64")}${comment ? ` ${comment}` : ""}`
}

/** "SHA256:..." as `ssh-keygen -l` prints it (base64 of the blob's SHA-256, no padding). */
export const openSshFingerprint = (publicKeyLine: string): string => {
  const blob = Buffer.from(publicKeyLine.split(" ")[1] ?? "", "base64")
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`
}

const sshBlob = (raw: Uint8Array) => Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)])

/**
 * The unencrypted "openssh-key-v1" private key file (PROTOCOL.key in OpenSSH) of a 32-byte seed and
 * its public key: magic, cipher and kdf "none", one public key, then the private section (two equal
 * check ints, key type, public key, seed || public key, comment) padded with 1, 2, 3... to a
 * multiple of 8 bytes, base64 in 70-column lines. `checkInt` is random unless a test fixes it.
 */
export const openSshPrivateKey = (seed: Uint8Array, publicKey: Uint8Array, comment = "", checkInt?: number): string => {
  if (seed.length !== 32 || publicKey.length !== 32) throw new Error("an ed25519 seed and public key have 32 bytes each")
  const check = checkInt === undefined ? randomBytes(4) : Buffer.alloc(4)
  if (checkInt !== undefined) check.writeUInt32BE(checkInt >>> 0)
  const section = Buffer.concat([
    check,
    check,
    sshString(Buffer.from("ssh-ed25519")),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(Buffer.from(comment))
  ])
  const padding = Buffer.from(Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1))
  const none = sshString(Buffer.from("none"))
  const count = Buffer.alloc(4)
  count.writeUInt32BE(1)
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "binary"),
    none,
    none,
    sshString(Buffer.alloc(0)),
    count,
    sshString(sshBlob(publicKey)),
    sshString(Buffer.concat([section, padding]))
  ])
  const lines = body.toString("base64").match(/.{1,70}/g) ?? []
  return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n")
}

export interface SshKeyPair {
  /** The OpenSSH private key file: the secret. */
  readonly privateKeyPem: string
  /** "ssh-ed25519 AAAA... comment". */
  readonly publicKey: string
}

export const generateEd25519KeyPair = (comment?: string): SshKeyPair => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  // the DER encodings of an ed25519 key end with the 32 raw bytes (SPKI: public key; PKCS#8: seed)
  const spki = publicKey.export({ type: "spki", format: "der" })
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" })
  const raw = spki.subarray(spki.length - 32)
  return {
    privateKeyPem: openSshPrivateKey(pkcs8.subarray(pkcs8.length - 32), raw, comment ?? ""),
    publicKey: openSshPublicKey(raw, comment)
  }
}
