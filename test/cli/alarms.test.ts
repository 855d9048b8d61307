// `aegea alarms` and `aegea put-alarm` as a user runs them (dist/aegea.js), against moto.
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch"
import { ListTopicsCommand, SNSClient } from "@aws-sdk/client-sns"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { sdkConfig, useMoto } from "../support/moto.ts"

useMoto()

const alarmsInMoto = async () => {
  const cw = new CloudWatchClient(sdkConfig())
  try {
    return (await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []
  } finally {
    cw.destroy()
  }
}

const topicsInMoto = async () => {
  const sns = new SNSClient(sdkConfig())
  try {
    return ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn ?? "")
  } finally {
    sns.destroy()
  }
}

describe("aegea put-alarm and alarms", () => {
  it("--dry-run prints the alarm and creates neither it nor its topic", async () => {
    const r = await runCli([
      "put-alarm", "web-cpu", "--namespace", "AWS/EC2", "--metric", "CPUUtilization", "--threshold", "90",
      "--dimension", "InstanceId=i-0abc", "--sns-topic", "cli-ops", "--dry-run", "--json"
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain("dry run: would create alarm web-cpu and create SNS topic cli-ops")
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: "web-cpu", threshold: 90, comparison: "GreaterThanThreshold", period: 300, evaluationPeriods: 1, statistic: "Average",
      dimensions: { InstanceId: "i-0abc" }
    })
    expect(await alarmsInMoto()).toEqual([])
    expect(await topicsInMoto()).toEqual([])
  })

  it("creates the alarm and its SNS topic, then updates it; alarms lists it and filters by state", async () => {
    const created = await runCli([
      "put-alarm", "web-cpu", "--namespace", "AWS/EC2", "--metric", "CPUUtilization", "--threshold", "90",
      "--dimension", "InstanceId=i-0abc", "--sns-topic", "cli-ops", "--evaluation-periods", "2", "--json"
    ])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).toContain("created SNS topic cli-ops")
    const [row] = JSON.parse(created.stdout) as Array<{ change: string; actions: Array<string> }>
    expect(row?.change).toBe("created")
    const topics = await topicsInMoto()
    expect(topics).toHaveLength(1)
    expect(topics[0]).toMatch(/:cli-ops$/)
    const [alarm] = await alarmsInMoto()
    expect(alarm).toMatchObject({ AlarmName: "web-cpu", Threshold: 90, EvaluationPeriods: 2, AlarmActions: [topics[0]] })

    const updated = await runCli([
      "put-alarm", "web-cpu", "--namespace", "AWS/EC2", "--metric", "CPUUtilization", "--threshold", "75",
      "--comparison", "GreaterThanOrEqualToThreshold", "--sns-topic", "cli-ops", "--json"
    ])
    expect(updated.code, updated.stderr).toBe(0)
    expect((JSON.parse(updated.stdout) as Array<{ change: string }>)[0]?.change).toBe("updated")
    expect(await topicsInMoto()).toHaveLength(1)

    const listed = await runCli(["alarms", "--json"])
    expect(listed.code, listed.stderr).toBe(0)
    const rows = JSON.parse(listed.stdout) as Array<{ name: string; threshold: number; comparison: string; state: string }>
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ name: "web-cpu", threshold: 75, comparison: "GreaterThanOrEqualToThreshold" })
    const state = rows[0]!.state
    const other = state === "ALARM" ? "OK" : "ALARM"
    expect((JSON.parse((await runCli(["alarms", "--state", state, "--json"])).stdout) as Array<unknown>)).toHaveLength(1)
    expect((JSON.parse((await runCli(["alarms", "--state", other, "--json"])).stdout) as Array<unknown>)).toHaveLength(0)
    const table = await runCli(["alarms"])
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+STATE\s+METRIC\s+NAMESPACE\s+STATISTIC\s+COMPARISON\s+THRESHOLD\s+REASON/)
  })

  it("bad input exits 2: a dimension without =, a period that is not allowed, a missing --metric", async () => {
    const base = ["put-alarm", "x", "--namespace", "AWS/EC2", "--metric", "CPUUtilization", "--threshold", "1"]
    const dim = await runCli([...base, "--dimension", "InstanceId"])
    expect(dim.code).toBe(2)
    expect(dim.stderr).toContain("invalid --dimension InstanceId")
    expect((await runCli([...base, "--period", "45"])).code).toBe(2)
    expect((await runCli(["put-alarm", "x", "--namespace", "AWS/EC2", "--threshold", "1"])).code).toBe(2)
    expect((await runCli(["alarms", "--state", "RED"])).code).toBe(2)
  })
})
