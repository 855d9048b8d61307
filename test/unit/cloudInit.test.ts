/** cloud-init user data: merging, storage, size limit, and never any AWS credentials. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { parse } from "yaml"
import {
  credentialLeaks,
  decodeUserData,
  encodeUserData,
  launchCloudConfig,
  mergeCloudConfigs,
  parseCloudConfig,
  redactCloudConfig,
  renderCloudConfig,
  storageCloudConfig,
  userDataFileConfig,
  userDataLimit
} from "../../src/lib/cloudInit.ts"
import { generateHostKey } from "../../src/lib/hostKey.ts"

const hostKey = generateHostKey("root@box")

describe("cloud-init user data", () => {
  it("merges left to right: lists append (packages once), mappings merge, scalars are replaced, commands -> runcmd", () => {
    const merged = mergeCloudConfigs([
      { packages: ["jq"], runcmd: ["echo base"], timezone: "UTC", write_files: [{ path: "/a", content: "a" }] },
      { commands: ["echo config"], packages: ["git", "jq"], timezone: "Europe/Paris", apt: { sources: { a: 1 } } },
      { packages: ["htop"], apt: { sources: { b: 2 } }, write_files: [{ path: "/b", content: "b" }], users: ["default", { name: "ops" }] }
    ])
    assert.deepStrictEqual(merged.packages, ["jq", "git", "htop"])
    assert.deepStrictEqual(merged.runcmd, ["echo base", "echo config"])
    assert.strictEqual(merged.timezone, "Europe/Paris")
    assert.deepStrictEqual(merged.apt, { sources: { a: 1, b: 2 } })
    assert.deepStrictEqual((merged.write_files as Array<{ path: string }>).map((f) => f.path), ["/a", "/b"])
    assert.deepStrictEqual(merged.users, ["default", { name: "ops" }])
    assert.notProperty(merged, "commands")
  })

  it("formats and mounts extra volumes, linking NVMe devices to their /dev/xvdX names first", () => {
    const config = storageCloudConfig([{ mountPoint: "/data", device: "/dev/xvdz" }, { mountPoint: "/scratch", device: "/dev/xvdy" }])
    assert.deepStrictEqual(config.fs_setup, [
      { device: "/dev/xvdz", filesystem: "xfs", partition: "none", overwrite: false },
      { device: "/dev/xvdy", filesystem: "xfs", partition: "none", overwrite: false }
    ])
    assert.deepStrictEqual(config.mounts, [
      ["/dev/xvdz", "/data", "xfs", "defaults,nofail", "0", "2"],
      ["/dev/xvdy", "/scratch", "xfs", "defaults,nofail", "0", "2"]
    ])
    assert.include(JSON.stringify(config.bootcmd), "nvme id-ctrl")
    assert.deepStrictEqual(storageCloudConfig([]), {})
  })

  it("gives cloud-init the host key, which a user config cannot replace; redaction hides only the private part", () =>
    Effect.gen(function*() {
      const config = launchCloudConfig({
        hostname: "box",
        hostKey,
        volumes: [],
        userConfigs: [{ ssh_keys: { ed25519_public: "ssh-ed25519 AAAAnotmine", rsa_public: "ssh-rsa AAAA" } }]
      })
      const text = yield* renderCloudConfig(config)
      assert.isTrue(text.startsWith("#cloud-config\n"))
      const parsed = parse(text) as { hostname: string; ssh_keys: Record<string, string> }
      assert.strictEqual(parsed.hostname, "box")
      assert.strictEqual(parsed.ssh_keys.ed25519_public, hostKey.publicKey)
      assert.strictEqual(parsed.ssh_keys.ed25519_private, Redacted.value(hostKey.privateKey))
      assert.strictEqual(parsed.ssh_keys.rsa_public, "ssh-rsa AAAA")
      const shown = yield* renderCloudConfig(redactCloudConfig(config))
      assert.notInclude(shown, "PRIVATE KEY")
      assert.include(shown, hostKey.publicKey)
    }))

  it("never contains AWS credentials, and spots them when a user config would add them", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
      const token = Redacted.make("IQoJb3JpZ2luX2VjEXAMPLETOKEN")
      const text = yield* renderCloudConfig(
        launchCloudConfig({ hostname: "box", hostKey, volumes: [{ mountPoint: "/data", device: "/dev/xvdz" }], userConfigs: [{ packages: ["jq"] }] })
      )
      assert.notMatch(text, /AKIA|ASIA/)
      assert.deepStrictEqual(credentialLeaks(text, [secret, token]), [])
      const leaky = yield* renderCloudConfig({ runcmd: ["export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", `export S=${Redacted.value(secret)}`] })
      assert.deepStrictEqual(credentialLeaks(leaky, [secret, token]), [
        "an AWS access key id",
        "the value of AWS_SECRET_ACCESS_KEY or AWS_SESSION_TOKEN"
      ])
    }))

  it("sends small user data as is and gzips it over 16 KiB; too big even compressed is a usage error", () =>
    Effect.gen(function*() {
      const small = yield* encodeUserData("#cloud-config\n{}\n")
      assert.isFalse(small.compressed)
      assert.strictEqual(decodeUserData(small.base64), "#cloud-config\n{}\n")
      const big = "#cloud-config\nruncmd:\n" + "  - echo hello world\n".repeat(2000)
      const encoded = yield* encodeUserData(big)
      assert.isTrue(encoded.compressed)
      assert.isAtMost(encoded.bytes, userDataLimit)
      assert.strictEqual(decodeUserData(encoded.base64), big)
      const random = Array.from({ length: 30000 }, (_, i) => ((i * 7919) % 65521).toString(36)).join("")
      const error = yield* Effect.flip(encodeUserData(random + Math.random().toString(36).repeat(2000)))
      assert.strictEqual(error._tag, "UsageError")
    }))

  it("parses --cloud-config-data as JSON or YAML and --user-data as a cloud-config or a script", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* parseCloudConfig('{"packages": ["jq"]}', "x"), { packages: ["jq"] })
      assert.deepStrictEqual(yield* parseCloudConfig("packages:\n  - jq\n", "x"), { packages: ["jq"] })
      assert.strictEqual((yield* Effect.flip(parseCloudConfig("[1, 2]", "x")))._tag, "UsageError")
      assert.strictEqual((yield* Effect.flip(parseCloudConfig("{bad", "x")))._tag, "UsageError")
      assert.deepStrictEqual(yield* userDataFileConfig("#cloud-config\npackages: [jq]\n", "f"), { packages: ["jq"] })
      const script = yield* userDataFileConfig("#!/bin/sh\necho hi\n", "f")
      assert.deepStrictEqual(script.runcmd, [["/var/lib/aegea/user-data-script"]])
      assert.strictEqual((yield* Effect.flip(userDataFileConfig("plain text", "f")))._tag, "UsageError")
    }))
})
