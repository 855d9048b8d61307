// `aegea cloudtrail` as a user runs it, against moto: trails are served, LookupEvents is not
// (lookup runs on the in-memory layer: test/unit/cloudtrail-contract.test.ts, test/unit/cloudtrail-commands.test.ts).
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail"
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, TEST_REGION, useMoto } from "../support/moto.ts"

useMoto()

beforeAll(async () => {
  const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true })
  const trails = new CloudTrailClient(sdkConfig())
  await s3.send(new CreateBucketCommand({ Bucket: "cli-trail-bucket" }))
  await trails.send(new CreateTrailCommand({
    Name: "cli-trail",
    S3BucketName: "cli-trail-bucket",
    IsMultiRegionTrail: true,
    CloudWatchLogsLogGroupArn: `arn:aws:logs:${TEST_REGION}:123456789012:log-group:cli-trail-logs:*`,
    CloudWatchLogsRoleArn: "arn:aws:iam::123456789012:role/trail-to-logs"
  }))
  await trails.send(new StartLoggingCommand({ Name: "cli-trail" }))
  s3.destroy()
  trails.destroy()
})

describe("aegea cloudtrail (CLI)", () => {
  it("ls: the trail with its region, multi-region, logging status, bucket and log group (the fields themselves: the contract, test/integration/cloudtrail.test.ts)", async () => {
    const table = await runCli(["cloudtrail", "ls"])
    expect(table.code, table.stderr).toBe(0)
    const [header, row] = table.stdout.split("\n")
    expect(header).toMatch(/^NAME\s+REGION\s+MULTI-REGION\s+LOGGING\s+S3 BUCKET\s+LOG GROUP$/)
    expect(row).toMatch(/^cli-trail\s+us-east-1\s+true\s+true\s+cli-trail-bucket\s+cli-trail-logs$/)
  })

  it("lookup against moto: one clear line naming CloudTrail LookupEvents (moto has no LookupEvents), exit 6", async () => {
    const r = await runCli(["cloudtrail", "lookup", "--attribute", "EventName=RunInstances", "--start-time", "-2d"])
    expect(r.code).toBe(6)
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("could not look up CloudTrail events")
    expect(lines[0]).toContain("CloudTrail LookupEvents")
    expect(r.stdout).toBe("")
  }, 60_000)

  it("lookup --help names the columns (usage errors and lookups themselves: test/unit/cloudtrail-commands.test.ts)", async () => {
    const help = await runCli(["cloudtrail", "lookup", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/Columns: time, user, event, resource, sourceIp, error/)
  })
})
