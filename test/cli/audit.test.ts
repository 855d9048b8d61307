// `aegea audit` as a user runs it, against moto.
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

interface Row {
  id: string
  check: string
  status: string
  reason: string
}

describe("aegea audit (CLI)", () => {
  it("an empty account: one row per check, failures named, exit 1", async () => {
    const r = await runCli(["audit", "--json"])
    expect(r.code, r.stderr).toBe(1)
    const rows = JSON.parse(r.stdout) as Array<Row>
    expect(rows.map((x) => x.id)).toContain("1.13")
    expect(rows.find((x) => x.id === "2.1")).toMatchObject({ status: "FAIL", reason: "no trails" })
    expect(rows.find((x) => x.id === "1.5")?.reason).toBe("the account has no password policy")
    // moto's credential report has no root row: that check is an ERROR, not a failure.
    expect(rows.find((x) => x.id === "1.1")?.status).toBe("ERROR")
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/\d+ of \d+ checks failed in us-east-1/)
  })

  it("a logging multi-region trail with log file validation passes 2.1 and 2.2; the table has the columns", async () => {
    const config = sdkConfig()
    await new S3Client({ ...config, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: "cli-audit-trail" }))
    const trails = new CloudTrailClient(config)
    await trails.send(new CreateTrailCommand({ Name: "cli-trail", S3BucketName: "cli-audit-trail", IsMultiRegionTrail: true, EnableLogFileValidation: true }))
    await trails.send(new StartLoggingCommand({ Name: "cli-trail" }))
    const rows = JSON.parse((await runCli(["audit", "--json"])).stdout) as Array<Row>
    expect(rows.find((x) => x.id === "2.1")).toMatchObject({ status: "PASS", reason: "trail cli-trail logs every region" })
    expect(rows.find((x) => x.id === "2.2")?.status).toBe("PASS")
    expect(rows.find((x) => x.id === "2.4")).toMatchObject({ status: "FAIL", reason: "not sent to CloudWatch Logs: cli-trail" })
    const table = await runCli(["audit"])
    expect(table.code).toBe(1)
    expect(table.stdout.split("\n")[0]).toMatch(/^CIS\s+CHECK\s+STATUS\s+REASON$/)
  })
})
