/**
 * A new ed25519 key pair in the formats OpenSSH reads: the private key as PKCS#8 PEM
 * ("-----BEGIN PRIVATE KEY-----", accepted by ssh and ssh-keygen) and the public key as an
 * authorized_keys line, "ssh-ed25519 BASE64 comment" (RFC 8709: string "ssh-ed25519", string key).
 */
import { createHash, generateKeyPairSync } from "node:crypto"

/** An SSH wire-format string: a 4-byte big-endian length, then the bytes. */
const sshString = (bytes: Uint8Array): Buffer => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** The authorized_keys line of a raw 32-byte ed25519 public key. */
export const openSshPublicKey = (raw: Uint8Array, comment?: string): string => {
  if (raw.length !== 32) throw new Error(`an ed25519 public key has 32 bytes, got ${raw.length}`)
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)])
  return `ssh-ed25519 ${blob.toString("base64")}${comment ? ` ${comment}` : ""}`
}

/** "SHA256:..." as `ssh-keygen -l` prints it (base64 of the blob's SHA-256, no padding). */
export const openSshFingerprint = (publicKeyLine: string): string => {
  const blob = Buffer.from(publicKeyLine.split(" ")[1] ?? "", "base64")
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`
}

export interface SshKeyPair {
  /** PKCS#8 PEM: the secret. */
  readonly privateKeyPem: string
  /** "ssh-ed25519 AAAA... comment". */
  readonly publicKey: string
}

export const generateEd25519KeyPair = (comment?: string): SshKeyPair => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519")
  const spki = publicKey.export({ type: "spki", format: "der" })
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    // the SPKI DER of an ed25519 key ends with the 32 raw key bytes
    publicKey: openSshPublicKey(spki.subarray(spki.length - 32), comment)
  }
}
