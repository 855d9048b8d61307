import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { generateEd25519KeyPair, openSshFingerprint, openSshPublicKey } from "../../src/lib/sshKey.ts"

describe("ed25519 SSH keys", () => {
  it("encodes the public key as an authorized_keys line (RFC 8709 wire format)", () => {
    const raw = new Uint8Array(32).fill(7)
    const line = openSshPublicKey(raw, "me@host")
    const [type, blob, comment] = line.split(" ")
    expect([type, comment]).toEqual(["ssh-ed25519", "me@host"])
    const bytes = Buffer.from(blob ?? "", "base64")
    expect(bytes.readUInt32BE(0)).toBe(11)
    expect(bytes.subarray(4, 15).toString()).toBe("ssh-ed25519")
    expect(bytes.readUInt32BE(15)).toBe(32)
    expect([...bytes.subarray(19)]).toEqual([...raw])
    expect(() => openSshPublicKey(new Uint8Array(31))).toThrow()
  })

  it("generates an OpenSSH private key whose public half ssh-keygen derives identically", () => {
    const pair = generateEd25519KeyPair("test")
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/)
    const dir = mkdtempSync(join(tmpdir(), "aegea-sshkey-"))
    try {
      const file = join(dir, "id")
      writeFileSync(file, pair.privateKeyPem, { mode: 0o600 })
      const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim()
      expect(derived.split(" ").slice(0, 2)).toEqual(pair.publicKey.split(" ").slice(0, 2))
      writeFileSync(join(dir, "id.pub"), pair.publicKey + "\n")
      const fingerprint = execFileSync("ssh-keygen", ["-l", "-f", join(dir, "id.pub")], { encoding: "utf8" })
      expect(fingerprint).toContain(openSshFingerprint(pair.publicKey))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
