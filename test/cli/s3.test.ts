// `aegea s3 buckets | lifecycle | versions | restore` as a user runs them (dist/aegea.js), against moto.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client
} from "@aws-sdk/client-s3"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { resetMoto, sdkConfig } from "../support/moto.ts"

beforeAll(async () => {
  await resetMoto()
  const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true })
  await s3.send(new CreateBucketCommand({ Bucket: "cli-data" }))
  await s3.send(new PutBucketVersioningCommand({ Bucket: "cli-data", VersioningConfiguration: { Status: "Enabled" } }))
  await s3.send(new PutBucketEncryptionCommand({
    Bucket: "cli-data",
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] }
  }))
  await s3.send(new PutBucketLifecycleConfigurationCommand({
    Bucket: "cli-data",
    LifecycleConfiguration: {
      Rules: [{ ID: "to-glacier", Status: "Enabled", Filter: { Prefix: "logs/" }, Transitions: [{ Days: 30, StorageClass: "GLACIER" }], Expiration: { Days: 400 } }]
    }
  }))
  await s3.send(new PutObjectCommand({ Bucket: "cli-data", Key: "logs/a", Body: "one" }))
  await s3.send(new PutObjectCommand({ Bucket: "cli-data", Key: "logs/a", Body: "two!" }))
  await s3.send(new DeleteObjectCommand({ Bucket: "cli-data", Key: "logs/a" }))
  await s3.send(new PutObjectCommand({ Bucket: "cli-data", Key: "other", Body: "x" }))
  await s3.send(new CreateBucketCommand({ Bucket: "cli-cold" }))
  await s3.send(new PutObjectCommand({ Bucket: "cli-cold", Key: "archive.tar", Body: "old", StorageClass: "GLACIER" }))
  await s3.send(new PutObjectCommand({ Bucket: "cli-cold", Key: "warm.txt", Body: "new" }))
  s3.destroy()
})

describe("aegea s3", () => {
  it("buckets: region, versioning, encryption, and the latest size and count from the storage metrics", async () => {
    const r = await runCli(["s3", "buckets", "--json"])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    const data = rows.find((b) => b.name === "cli-data")
    expect(data).toMatchObject({ region: "us-east-1", versioning: "Enabled", encryption: "AES256" })
    // moto publishes today's storage metrics of every bucket from its contents (blank sizes: test/unit/s3-commands).
    const cold = rows.find((b) => b.name === "cli-cold")
    expect(cold).toMatchObject({ versioning: "Disabled", encryption: "none", objects: 2 })
    expect(cold?.sizeBytes).toBeGreaterThan(0)
    const table = await runCli(["s3", "buckets"])
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+REGION\s+CREATED\s+VERSIONING\s+ENCRYPTION\s+SIZE\s+OBJECTS/)
  })

  it("lifecycle: the rules; a bucket without any says so; a missing bucket exits 5", async () => {
    const r = await runCli(["s3", "lifecycle", "cli-data", "--json"])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([
      { id: "to-glacier", status: "Enabled", prefix: "logs/", transitions: "30d:GLACIER", expirationDays: 400, noncurrentExpirationDays: null, abortUploadsDays: null }
    ])
    const none = await runCli(["s3", "lifecycle", "cli-cold", "--json"])
    expect(none.code, none.stderr).toBe(0)
    expect(JSON.parse(none.stdout)).toEqual([])
    const missing = await runCli(["s3", "lifecycle", "cli-nope"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("could not get the lifecycle rules of bucket cli-nope in us-east-1: The specified bucket does not exist")
  })

  it("versions: versions and delete markers under a prefix", async () => {
    const r = await runCli(["s3", "versions", "cli-data", "logs/", "--json"])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout) as Array<{ key: string; kind: string; latest: boolean; size: number | null }>
    expect(rows.map((v) => v.key)).toEqual(["logs/a", "logs/a", "logs/a"])
    expect(rows.filter((v) => v.kind === "delete-marker").map((v) => v.latest)).toEqual([true])
    expect(rows.filter((v) => v.kind === "version").map((v) => v.size).sort()).toEqual([3, 4])
    const all = await runCli(["s3", "versions", "cli-data", "--json"])
    expect((JSON.parse(all.stdout) as Array<unknown>).length).toBe(4)
  })

  it("restore: --dry-run changes nothing; a Glacier object is restored; a standard one is refused (exit 2)", async () => {
    const dry = await runCli(["s3", "restore", "cli-cold", "archive.tar", "--days", "3", "--tier", "Bulk", "--dry-run"])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toBe("")
    expect(dry.stderr).toContain("dry run: would request a Bulk restore of s3://cli-cold/archive.tar (GLACIER) for 3 days")
    const r = await runCli(["s3", "restore", "cli-cold", "archive.tar", "--days", "3", "--tier", "Bulk", "--json"])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([{ key: "archive.tar", bucket: "cli-cold", storageClass: "GLACIER", tier: "Bulk", days: 3, status: "started" }])
    const warm = await runCli(["s3", "restore", "cli-cold", "warm.txt"])
    expect(warm.code).toBe(2)
    expect(warm.stderr).toContain("storage class STANDARD, which needs no restore")
    expect((await runCli(["s3", "restore", "cli-cold", "archive.tar", "--tier", "Slow"])).code).toBe(2)
    expect((await runCli(["s3", "restore", "cli-cold", "archive.tar", "--days", "0"])).code).toBe(2)
  })
})
