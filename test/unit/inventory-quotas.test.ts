// The Service Quotas merge of the live Inventory layer (moto serves neither applied values nor usage metrics).
import { describe, expect, it } from "vitest"
import { mergeQuotas, quotasWithUsageMetric, type SdkQuota } from "../../src/layers/InventoryLive.ts"

const usageMetric = {
  MetricNamespace: "AWS/Usage",
  MetricName: "ResourceCount",
  MetricDimensions: { Service: "EC2", Type: "Resource", Resource: "vCPU", Class: "Standard/OnDemand" },
  MetricStatisticRecommendation: "Maximum"
}
const defaults: ReadonlyArray<SdkQuota> = [
  { ServiceCode: "ec2", QuotaCode: "L-1216C47A", QuotaName: "Running On-Demand Standard instances", Value: 5, Unit: "None", Adjustable: true, UsageMetric: usageMetric },
  { ServiceCode: "ec2", QuotaCode: "L-0263D0A3", QuotaName: "EC2-VPC Elastic IPs", Value: 5, Unit: "None", Adjustable: true, GlobalQuota: false }
]
const applied: ReadonlyArray<SdkQuota> = [
  { ServiceCode: "ec2", QuotaCode: "L-1216C47A", QuotaName: "Running On-Demand Standard instances", Value: 640, Unit: "None", Adjustable: true, UsageMetric: usageMetric },
  { ServiceCode: "ec2", QuotaCode: "L-APPLIED1", QuotaName: "A quota only ListServiceQuotas knows", Value: 3 }
]

describe("Service Quotas: defaults, applied values and usage merged", () => {
  it("the applied value wins over the default, which stays as defaultValue; usage by code; sorted by name", () => {
    const rows = mergeQuotas("ec2", defaults, applied, new Map([["L-1216C47A", 212]]))
    expect(rows).toEqual([
      { service: "ec2", code: "L-APPLIED1", name: "A quota only ListServiceQuotas knows", value: 3 },
      { service: "ec2", code: "L-0263D0A3", name: "EC2-VPC Elastic IPs", value: 5, defaultValue: 5, unit: "None", adjustable: true, global: false },
      { service: "ec2", code: "L-1216C47A", name: "Running On-Demand Standard instances", value: 640, defaultValue: 5, usage: 212, unit: "None", adjustable: true }
    ])
  })

  it("without applied values (not readable), the defaults are the values", () => {
    expect(mergeQuotas("ec2", defaults, [], new Map()).map((q) => [q.code, q.value, q.usage])).toEqual([
      ["L-0263D0A3", 5, undefined],
      ["L-1216C47A", 5, undefined]
    ])
  })

  it("asks CloudWatch once per quota that has a usage metric", () => {
    expect(quotasWithUsageMetric([...defaults, ...applied])).toEqual([{ code: "L-1216C47A", metric: usageMetric }])
  })
})
