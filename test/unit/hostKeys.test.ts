import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { hostKeyFromTags, hostKeyTags, knownHostsLine, parsePublicKey } from "../../src/lib/hostKeys.ts"
import { generateEd25519KeyPair } from "../../src/lib/sshKey.ts"

/** A real key from ssh-keygen, so the format is checked against OpenSSH itself. */
const sshKeygen = (type: "rsa" | "ed25519" | "ecdsa") => {
  const dir = mkdtempSync(join(tmpdir(), "aegea-hostkey-"))
  try {
    execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "root@host", "-f", join(dir, "key")])
    return readFileSync(join(dir, "key.pub"), "utf8").trim()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("host keys in tags", () => {
  it("splits a long RSA key at 255 characters, as the Python aegea does, and reads it back", () => {
    const pub = sshKeygen("rsa")
    const tags = hostKeyTags(pub)
    const [type, base64] = pub.split(" ")
    assert.strictEqual(tags.SSHHostPublicKeyPart1!.length, 255)
    assert.strictEqual(tags.SSHHostPublicKeyPart1! + tags.SSHHostPublicKeyPart2!, `${type} ${base64}`)
    const found = hostKeyFromTags({ Name: "box", ...tags })
    assert.deepStrictEqual(found, { _tag: "Found", key: { type: type!, base64: base64! } })
  })

  it("keeps a short ed25519 key in Part1 with an empty Part2", () => {
    const { publicKey } = generateEd25519KeyPair("comment")
    const tags = hostKeyTags(publicKey)
    assert.strictEqual(tags.SSHHostPublicKeyPart2, "")
    assert.strictEqual(hostKeyFromTags(tags)._tag, "Found")
  })

  it("reports missing and invalid tags as such", () => {
    assert.deepStrictEqual(hostKeyFromTags({ Name: "box" }), { _tag: "Missing" })
    assert.strictEqual(hostKeyFromTags({ SSHHostPublicKeyPart1: "ssh-ed25519 !!!" })._tag, "Invalid")
    assert.strictEqual(hostKeyFromTags({ SSHHostPublicKeyPart1: "hello world" })._tag, "Invalid")
    // an RSA blob labelled as ed25519
    const rsa = sshKeygen("rsa").split(" ")[1]!
    assert.strictEqual(hostKeyFromTags({ SSHHostPublicKeyPart1: `ssh-ed25519 ${rsa}` })._tag, "Invalid")
  })

  it("tolerates a known_hosts host prefix in the tags", () => {
    const pub = sshKeygen("ecdsa")
    const parsed = parsePublicKey(`ec2-1-2-3-4.compute.amazonaws.com ${pub}`)
    assert.isFalse("invalid" in parsed)
  })

  it("writes a known_hosts line that ssh-keygen -F finds under the instance id", () => {
    const pub = sshKeygen("ed25519")
    const found = hostKeyFromTags(hostKeyTags(pub))
    assert.strictEqual(found._tag, "Found")
    if (found._tag !== "Found") return
    const line = knownHostsLine(["i-0123456789abcdef0"], found.key)
    assert.strictEqual(line, `i-0123456789abcdef0 ${pub.split(" ").slice(0, 2).join(" ")}`)
    const dir = mkdtempSync(join(tmpdir(), "aegea-kh-"))
    try {
      const file = join(dir, "known_hosts")
      execFileSync("sh", ["-c", `printf '%s\\n' "$1" > "$2"`, "sh", line, file])
      const out = execFileSync("ssh-keygen", ["-F", "i-0123456789abcdef0", "-f", file], { encoding: "utf8" })
      assert.include(out, pub.split(" ")[1]!)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    assert.throws(() => knownHostsLine(["a b"], found.key))
  })
})
