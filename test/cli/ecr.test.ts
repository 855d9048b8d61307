// `aegea ecr` as a user runs it, against moto: a repository and images seeded through the SDK
// (PutImage of small manifests of their own).
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { createRepository, pushImage } from "../support/ecrSeed.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

beforeAll(async () => {
  await createRepository("cli/app", { scanOnPush: true })
  await createRepository("cli/other")
  await pushImage("cli/app", "v1", 4096)
  await pushImage("cli/app", "v2", 8192)
})

const tagsOf = async (repository: string) => {
  const ecr = new ECRClient(sdkConfig())
  try {
    const images = (await ecr.send(new DescribeImagesCommand({ repositoryName: repository }))).imageDetails ?? []
    return Object.fromEntries(images.map((i) => [i.imageDigest ?? "", [...(i.imageTags ?? [])].sort()]))
  } finally {
    ecr.destroy()
  }
}

describe("aegea ecr (CLI)", () => {
  it("ls lists the repositories as a table; ls REPO lists its images newest first as JSON", async () => {
    const repos = await runCli(["ecr", "ls"])
    expect(repos.code, repos.stderr).toBe(0)
    expect(repos.stdout).toMatch(/NAME\s+URI\s+CREATED\s+SCAN ON PUSH/)
    expect(repos.stdout).toMatch(/cli\/app\s+\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com\/cli\/app\s+.*\btrue\b/)
    expect(repos.stdout).toMatch(/cli\/other\s+.*\bfalse\b/)

    const images = await runCli(["ecr", "ls", "cli/app", "--json"])
    expect(images.code, images.stderr).toBe(0)
    const rows = JSON.parse(images.stdout) as Array<{ tags: Array<string>; digest: string; sizeBytes: number; pushedAt: string; findings: string }>
    expect(rows.map((r) => r.tags).sort()).toEqual([["v1"], ["v2"]])
    expect(rows.find((r) => r.tags.includes("v2"))?.sizeBytes).toBe(8192)
    expect(rows.find((r) => r.tags.includes("v1"))?.sizeBytes).toBe(4096)
    expect(rows[0]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    // Newest push first (moto's push times have whole seconds: equal times are allowed).
    const pushed = rows.map((r) => Date.parse(r.pushedAt))
    expect(pushed.every((t) => !Number.isNaN(t))).toBe(true)
    expect(pushed[0]).toBeGreaterThanOrEqual(pushed[1]!)
  })

  it("retag --dry-run prints the requests and changes nothing; retag moves the tag; missing things exit 5 with a hint", async () => {
    const before = await tagsOf("cli/app")
    const dry = await runCli(["ecr", "retag", "cli/app", "v1", "latest", "--dry-run", "--json"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toMatch(/^dry run: would tag sha256:\S+ \(v1\) as latest; nothing was changed$/m)
    const request = JSON.parse(dry.stdout) as { PutImage: { repositoryName: string; imageTag: string; imageManifest: string } }
    expect(request.PutImage).toEqual({ repositoryName: "cli/app", imageTag: "latest", imageManifest: "<manifest of cli/app:v1>" })
    expect(await tagsOf("cli/app")).toEqual(before)

    const tagged = await runCli(["ecr", "retag", "cli/app", "v1", "latest"])
    expect(tagged.code, tagged.stderr).toBe(0)
    expect(tagged.stdout).toMatch(/cli\/app\s+v1, latest\s+sha256:/)
    const moved = await runCli(["ecr", "retag", "cli/app", "v2", "latest", "--json"])
    expect(moved.code, moved.stderr).toBe(0)
    expect(moved.stderr).toMatch(/tag latest moves off sha256:\S+ \(v1, latest\)/)
    expect(Object.values(await tagsOf("cli/app")).sort()).toEqual([["latest", "v2"], ["v1"]])

    const noTag = await runCli(["ecr", "retag", "cli/app", "nope", "x"])
    expect(noTag.code).toBe(5)
    expect(noTag.stderr.trim()).toBe(
      `aegea: no image tag in ECR repository cli/app named "nope" in us-east-1. Run 'aegea ecr ls cli/app' to see its images and tags`
    )
    const noRepo = await runCli(["ecr", "ls", "cli/nope"])
    expect(noRepo.code).toBe(5)
    expect(noRepo.stderr).toContain("no ECR repository named \"cli/nope\" in us-east-1. Run 'aegea ecr ls' to see the repositories")
  })
})
