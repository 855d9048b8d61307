// `aegea billing ls` as a user runs it: against moto (no CUR API: one clear line naming the
// operation) and against a CUR stand-in on 127.0.0.1 (AWS_ENDPOINT_URL_COST_AND_USAGE_REPORT_SERVICE).
import { afterAll, describe, expect, it } from "vitest"
import { seedDefinitions } from "../contract/billing.ts"
import { runCli } from "../support/cli.ts"
import { type CurStandIn, startCurStandIn } from "../support/curStandIn.ts"

const servers: Array<CurStandIn> = []
afterAll(() => Promise.all(servers.map((s) => s.close())))

describe("aegea billing ls (CLI)", () => {
  it("against moto: exit 6 and one line naming CUR DescribeReportDefinitions", async () => {
    const r = await runCli(["billing", "ls"])
    expect(r.code).toBe(6)
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("could not list Cost and Usage Report definitions")
    expect(lines[0]).toContain("CUR DescribeReportDefinitions")
    expect(r.stdout).toBe("")
  })

  it("against a CUR endpoint: every definition across pages, as a table and as JSON; help names the columns", async () => {
    const server = await startCurStandIn(seedDefinitions)
    servers.push(server)
    const env = { AWS_ENDPOINT_URL_COST_AND_USAGE_REPORT_SERVICE: server.endpoint, AWS_REGION: "eu-west-1" }
    const table = await runCli(["billing", "ls"], { env })
    expect(table.code, table.stderr).toBe(0)
    const lines = table.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^NAME\s+TIME UNIT\s+FORMAT\s+COMPRESSION\s+S3 BUCKET\/PREFIX\s+REGION\s+REFRESH\s+ADDITIONAL SCHEMA ELEMENTS$/)
    expect(lines).toHaveLength(1 + seedDefinitions.length)
    expect(lines[1]).toMatch(/^report-1\s+HOURLY\s+Parquet\s+Parquet\s+billing-bucket\/cur\/1\s+us-east-1\s+true\s+RESOURCES, SPLIT_COST_ALLOCATION_DATA$/)
    const json = await runCli(["billing", "ls", "--json"], { env })
    expect(json.code, json.stderr).toBe(0)
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    expect(rows.map((r) => r.name)).toEqual(seedDefinitions.map((d) => d.name))
    expect(rows[0]).toEqual({
      name: "report-1", timeUnit: "HOURLY", format: "Parquet", compression: "Parquet", s3: "billing-bucket/cur/1", s3Region: "us-east-1",
      refreshClosedReports: true, additionalSchemaElements: ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"]
    })
    const status = await runCli(["billing", "ls", "-c", "name,lastStatus", "--output", "csv"], { env })
    expect(status.stdout.split("\n").slice(0, 2)).toEqual(["name,lastStatus", "report-1,SUCCESS"])
    expect(server.requests).toHaveLength(6)
    const help = await runCli(["billing", "ls", "--help"])
    expect(help.stdout).toContain("Columns:")
    expect(help.stdout).toContain("S3 BUCKET/PREFIX")
  })
})
