/** The host key: the OpenSSH private key encoder checked by the real ssh-keygen, and the tag split. */
import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import { generateHostKey, hostKeyTags } from "../../src/lib/hostKey.ts"
import { hostKeyFromTags } from "../../src/lib/hostKeys.ts"
import { openSshPrivateKey } from "../../src/lib/sshKey.ts"

const withKeyFile = <A>(contents: string, f: (path: string) => A): A => {
  const dir = mkdtempSync(join(tmpdir(), "aegea-hostkey-"))
  try {
    const path = join(dir, "key")
    writeFileSync(path, contents)
    chmodSync(path, 0o600)
    return f(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const sshKeygen = (...args: Array<string>) => execFileSync("ssh-keygen", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

describe("host key", () => {
  it("ssh-keygen reads the private key aegea writes and derives the same public key", () => {
    for (let i = 0; i < 5; i++) {
      const key = generateHostKey(`box-${i}`)
      const derived = withKeyFile(Redacted.value(key.privateKey), (path) => sshKeygen("-y", "-f", path)).trim()
      assert.strictEqual(derived.split(" ").slice(0, 2).join(" "), key.publicKey)
      assert.strictEqual(derived.split(" ")[2], `box-${i}`)
      const fingerprint = withKeyFile(key.publicKey + "\n", (path) => sshKeygen("-l", "-f", path))
      assert.include(fingerprint, key.fingerprint)
    }
  })

  it("encodes a deterministic file: magic, cipher none, padding 1, 2, 3...", () => {
    const pem = openSshPrivateKey(new Uint8Array(32).fill(7), new Uint8Array(32).fill(9), "c", 0x01020304)
    const body = Buffer.from(pem.split("\n").filter((l) => !l.startsWith("-----")).join(""), "base64")
    assert.strictEqual(body.subarray(0, 15).toString("binary"), "openssh-key-v1\0")
    assert.include(body.toString("binary"), "none")
    // private section: 4+4 check ints, 4+11 type, 4+32 pub, 4+64 priv, 4+1 comment = 132 -> 4 bytes padding
    const privateSection = body.subarray(body.length - 136)
    assert.deepStrictEqual([...privateSection.subarray(0, 8)], [1, 2, 3, 4, 1, 2, 3, 4])
    assert.deepStrictEqual([...privateSection.subarray(132)], [1, 2, 3, 4])
    assert.isTrue(pem.split("\n").every((l) => l.length <= 70))
  })

  it("the private key never shows in a printed HostKey", () => {
    const key = generateHostKey()
    assert.notInclude(JSON.stringify(key), "PRIVATE KEY")
    assert.notInclude(String(key.privateKey), "PRIVATE KEY")
  })

  it("splits the public key into Part1 (255 characters) and Part2 (the rest), and joins it back", () => {
    const key = generateHostKey()
    const tags = hostKeyTags(key.publicKey)
    assert.strictEqual(tags.SSHHostPublicKeyPart1, key.publicKey)
    assert.strictEqual(tags.SSHHostPublicKeyPart2, "")
    // an RSA key is longer than one tag value: a real one, from ssh-keygen
    const dir = mkdtempSync(join(tmpdir(), "aegea-rsa-"))
    try {
      sshKeygen("-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "", "-f", join(dir, "k"))
      const long = execFileSync("cat", [join(dir, "k.pub")], { encoding: "utf8" }).trim()
      const split = hostKeyTags(long)
      assert.strictEqual(split.SSHHostPublicKeyPart1?.length, 255)
      assert.strictEqual(split.SSHHostPublicKeyPart2?.length, long.length - 255)
      assert.isAtMost(split.SSHHostPublicKeyPart2?.length ?? 0, 256)
      const back = hostKeyFromTags(split)
      assert.strictEqual(back._tag === "Found" ? `${back.key.type} ${back.key.base64}` : back._tag, long)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    assert.strictEqual(hostKeyFromTags({ Name: "x" })._tag, "Missing")
  })
})
