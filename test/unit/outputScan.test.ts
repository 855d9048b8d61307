// The suite's secret scan (test/support/outputScan.ts) finds what it must and nothing else.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  createdSince,
  findingsOf,
  type RecordedOutput,
  SECRET_MARK,
  snapshotHome,
  SUITE_SECRET_ACCESS_KEY,
  SUITE_SESSION_TOKEN
} from "../support/outputScan.ts"

const output = (o: Partial<RecordedOutput>): RecordedOutput => ({ args: ["ls"], stdout: "", stderr: "", created: [], ...o })

describe("secret scan of the suite's outputs", () => {
  it("finds the suite's credentials, signatures, security tokens, private keys and marked secret values", () => {
    expect(findingsOf(output({ stderr: `key ${SUITE_SECRET_ACCESS_KEY}` }))).toEqual(["aegea ls: the suite's secret access key on stderr"])
    expect(findingsOf(output({ stdout: `x-amz-security-token: ${SUITE_SESSION_TOKEN}` }))).toHaveLength(1)
    expect(findingsOf(output({ stderr: `Authorization: AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=${"ab".repeat(32)}` }))).toHaveLength(1)
    expect(findingsOf(output({ stdout: "https://b.s3.amazonaws.com/k?X-Amz-Signature=0123456789abcdef0123" }))).toHaveLength(1)
    expect(findingsOf(output({ stdout: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc" }))).toEqual(["aegea ls: a private key on stdout"])
    expect(findingsOf(output({ stderr: `value ${SECRET_MARK}pw` }))).toEqual(["aegea ls: a stored secret value on stderr"])
  })

  it("`secrets get` may print secrets on stdout, never credentials; redacted text passes", () => {
    const get = ["secrets", "get", "db"]
    expect(findingsOf(output({ args: get, stdout: `${SECRET_MARK}pw\n-----BEGIN PRIVATE KEY-----` }))).toEqual([])
    expect(findingsOf(output({ args: get, stderr: `${SECRET_MARK}pw` }))).toHaveLength(1)
    expect(findingsOf(output({ args: get, stdout: SUITE_SECRET_ACCESS_KEY }))).toHaveLength(1)
    expect(findingsOf(output({ stderr: "Authorization: AWS4-HMAC-SHA256 Credential=x, Signature=*** X-Amz-Security-Token=***" }))).toEqual([])
  })

  it("files aegea creates must be 0600 and folders 0700; what existed before is not its doing", () => {
    const home = mkdtempSync(join(tmpdir(), "aegea-scan-"))
    try {
      mkdirSync(join(home, ".config"), { mode: 0o755 })
      const before = snapshotHome(home)
      mkdirSync(join(home, ".config", "aegea"), { mode: 0o700 })
      writeFileSync(join(home, ".config", "aegea", "config.yml"), "a: 1\n", { mode: 0o600 })
      writeFileSync(join(home, ".config", "aegea", "loose"), "b\n", { mode: 0o644 })
      mkdirSync(join(home, ".cache"), { mode: 0o755 })
      const created = createdSince(before, snapshotHome(home))
      expect(created.map((c) => c.path).sort()).toEqual([".cache", ".config/aegea", ".config/aegea/config.yml", ".config/aegea/loose"])
      expect(findingsOf(output({ args: ["config", "set"], created })).sort()).toEqual([
        "aegea config set: created ~/.cache with mode 755 (want 700)",
        "aegea config set: created ~/.config/aegea/loose with mode 644 (want 600)"
      ])
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
