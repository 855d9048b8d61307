/** build-docker-image's pure parts: the Dockerfile from a cloud-init config, the digest, the tarball, the build script; the batch launch template's user data. */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import { batchInstanceUserData, ecsOptimizedImage, launchTemplateName } from "../../src/lib/batchInstance.ts"
import { buildScript, configDigest, dockerfileFromCloudConfig, packageManagerOf, validRepositoryName, validTag } from "../../src/lib/dockerfile.ts"
import { tarGz } from "../../src/lib/tarball.ts"

describe("dockerfileFromCloudConfig", () => {
  it("packages, write_files and commands become one install, file writes and RUN lines, in cloud-init's order", () => {
    const { text, ignored } = dockerfileFromCloudConfig(
      {
        runcmd: ["echo first"],
        packages: ["jq", ["curl", "8.5.0-2"], "jq"],
        write_files: [
          { path: "/etc/app/app.conf", content: "a=1\n", permissions: "0600", owner: "root:root" },
          { path: "/usr/local/bin/tool", content: gzipSync(Buffer.from("#!/bin/sh\necho tool\n")).toString("base64"), encoding: "gz+b64", permissions: "0755" }
        ],
        commands: [["ls", "-l", "/"], "for i in 1 2; do\n  echo $i\ndone"],
        users: ["someone"],
        mounts: []
      },
      "ubuntu:24.04"
    )
    const lines = text.trimEnd().split("\n")
    expect(lines[1]).toBe("FROM ubuntu:24.04")
    expect(lines[2]).toBe(
      "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o APT::Install-Recommends=false jq curl=8.5.0-2 && rm -rf /var/lib/apt/lists/*"
    )
    expect(lines[3]).toBe(
      `RUN mkdir -p /etc/app && echo ${Buffer.from("a=1\n").toString("base64")} | base64 -d > /etc/app/app.conf && chmod 0600 /etc/app/app.conf && chown root:root /etc/app/app.conf`
    )
    // gz+b64 content is written as its plain bytes
    expect(lines[4]).toContain(`echo ${Buffer.from("#!/bin/sh\necho tool\n").toString("base64")} | base64 -d > /usr/local/bin/tool && chmod 0755`)
    expect(lines.slice(5)).toEqual([
      "RUN echo first",
      'RUN ["ls","-l","/"]',
      'RUN ["/bin/sh","-c","for i in 1 2; do\\n  echo $i\\ndone"]'
    ])
    expect(ignored).toEqual(["mounts", "users"])
  })

  it("the base image picks the package manager", () => {
    expect(packageManagerOf("ubuntu:24.04")).toBe("apt")
    expect(packageManagerOf("public.ecr.aws/docker/library/debian:12")).toBe("apt")
    expect(packageManagerOf("amazonlinux:2023")).toBe("dnf")
    expect(packageManagerOf("amazonlinux:2")).toBe("yum")
    expect(packageManagerOf("rockylinux:9")).toBe("dnf")
    expect(packageManagerOf("alpine:3.20")).toBe("apk")
    const dnf = dockerfileFromCloudConfig({ packages: ["jq", ["git", "2.40"]] }, "amazonlinux:2023").text
    expect(dnf).toContain("RUN dnf install -y jq git-2.40 && dnf clean all")
    expect(dockerfileFromCloudConfig({ packages: "jq" }, "alpine:3.20").text).toContain("RUN apk add --no-cache jq")
  })

  it("the digest changes with the Dockerfile and with any file of the context, not with listing order", () => {
    const a = { path: "a.txt", mode: 0o644, sha256: "1".repeat(64) }
    const b = { path: "b/c.sh", mode: 0o755, sha256: "2".repeat(64) }
    const digest = configDigest("FROM x\n", [a, b])
    expect(digest).toMatch(/^[0-9a-f]{12}$/)
    expect(configDigest("FROM x\n", [b, a])).toBe(digest)
    expect(configDigest("FROM y\n", [a, b])).not.toBe(digest)
    expect(configDigest("FROM x\n", [a, { ...b, sha256: "3".repeat(64) }])).not.toBe(digest)
    expect(configDigest("FROM x\n", [a, { ...b, mode: 0o644 }])).not.toBe(digest)
  })

  it("names and tags", () => {
    expect(validRepositoryName("tools/aligner")).toBe(true)
    expect(validRepositoryName("Tools")).toBe(false)
    expect(validRepositoryName("a")).toBe(false)
    expect(validTag("v1.2_3")).toBe(true)
    expect(validTag("-x")).toBe(false)
  })
})

describe("tarGz", () => {
  it("writes an archive that tar unpacks, with modes, folders, symlinks and long paths", () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-tar-"))
    try {
      const long = `${"d".repeat(90)}/${"e".repeat(60)}/file.txt`
      const archive = tarGz([
        { kind: "file", path: "Dockerfile", mode: 0o644, content: Buffer.from("FROM scratch\n") },
        { kind: "directory", path: "bin", mode: 0o755 },
        { kind: "file", path: "bin/run.sh", mode: 0o755, content: Buffer.from("#!/bin/sh\n") },
        { kind: "symlink", path: "run", target: "bin/run.sh" },
        { kind: "file", path: long, mode: 0o600, content: Buffer.alloc(1000, 120) }
      ])
      writeFileSync(join(dir, "c.tar.gz"), archive)
      execFileSync("tar", ["-xzf", "c.tar.gz"], { cwd: dir })
      expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe("FROM scratch\n")
      expect(execFileSync("stat", ["-c", "%a", join(dir, "bin/run.sh")]).toString().trim()).toBe("755")
      expect(readFileSync(join(dir, "run"), "utf8")).toBe("#!/bin/sh\n")
      expect(readFileSync(join(dir, long)).length).toBe(1000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("the build script and the batch instances' user data", () => {
  it("the build script is valid sh, logs in with --password-stdin and never echoes a token", () => {
    execFileSync("sh", ["-n", "-c", buildScript])
    expect(buildScript).toContain("aws ecr get-login-password --region \"$AEGEA_BUILD_REGION\" | docker login --username AWS --password-stdin")
    expect(buildScript).not.toMatch(/set -x|echo .*password/i)
  })

  it("the launch template's user data is MIME multipart with a cloud-config that mounts instance storage; its name is a hash", () => {
    const data = batchInstanceUserData()
    expect(data).toMatch(/^Content-Type: multipart\/mixed; boundary="([^"]+)"\nMIME-Version: 1.0\n/)
    expect(data).toContain("Content-Type: text/cloud-config")
    expect(data).toContain("mount -o defaults,noatime \"$target\" /mnt")
    const script = /- \|\n((?: {6}.*\n|\n)+)/.exec(data)?.[1]?.split("\n").map((l) => l.slice(6)).join("\n") ?? ""
    execFileSync("sh", ["-n", "-c", script])
    expect(launchTemplateName(data)).toMatch(/^aegea_batch_[0-9a-f]{32}$/)
    expect(launchTemplateName(data)).toBe(launchTemplateName(batchInstanceUserData()))
  })

  it("the ECS-optimized image parameter follows the architecture and --gpus", () => {
    expect(ecsOptimizedImage("x86_64", false)?.parameter).toBe("/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id")
    expect(ecsOptimizedImage("arm64", false)?.parameter).toBe("/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id")
    expect(ecsOptimizedImage("x86_64", true)).toEqual({ parameter: "/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id", imageType: "ECS_AL2_NVIDIA" })
    expect(ecsOptimizedImage("arm64", true)).toBeUndefined()
  })
})
