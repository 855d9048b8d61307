/**
 * The SSH host key aegea gives a new instance, so that the first connection is verified instead of
 * trusted: an ed25519 key pair made locally, its private half handed to cloud-init (`ssh_keys:
 * {ed25519_private, ed25519_public}`) in the OpenSSH private-key format, its public half stored in
 * the instance's tags (see hostKeys.ts for the tag format, shared with `aegea ssh`).
 */
import { generateKeyPairSync } from "node:crypto"
import * as Redacted from "effect/Redacted"
import { HOST_KEY_TAG_1, HOST_KEY_TAG_2 } from "./hostKeys.ts"
import { openSshFingerprint, openSshPrivateKey, openSshPublicKey } from "./sshKey.ts"

export { hostKeyTags } from "./hostKeys.ts"

/** An instance's SSH host key: the public key, the private key file (redacted) and its fingerprint. */
export interface HostKey {
  /** "ssh-ed25519 BASE64": the key as known_hosts and the tags hold it (no comment). */
  readonly publicKey: string
  /** The OpenSSH private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"): a secret. */
  readonly privateKey: Redacted.Redacted<string>
  /** "SHA256:..." as `ssh-keygen -l` prints it. */
  readonly fingerprint: string
}

export const hostKeyTagNames = [HOST_KEY_TAG_1, HOST_KEY_TAG_2] as const

/** A fresh ed25519 host key; `comment` goes into the private key file only. */
export const generateHostKey = (comment = ""): HostKey => {
  const { privateKey } = generateKeyPairSync("ed25519")
  const jwk = privateKey.export({ format: "jwk" })
  const seed = Buffer.from(jwk.d ?? "", "base64url")
  const raw = Buffer.from(jwk.x ?? "", "base64url")
  const publicKey = openSshPublicKey(raw)
  return {
    publicKey,
    privateKey: Redacted.make(openSshPrivateKey(seed, raw, comment)),
    fingerprint: openSshFingerprint(publicKey)
  }
}
