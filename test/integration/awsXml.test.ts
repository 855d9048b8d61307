// The bundle's XML parser (src/lib/awsXml.ts) against the SDK's, on moto's real responses: listings of
// seeded resources (with tags that need escaping), an AWS error document, and moto's HTML error page.
import { CreateSecurityGroupCommand, CreateTagsCommand, CreateVolumeCommand } from "@aws-sdk/client-ec2"
import { parseXML as sdkParseXML } from "@aws-sdk/xml-builder"
import { inspect } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"
import { parseXML } from "../../src/lib/awsXml.ts"
import { ec2Client, motoEndpoint, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"

useMoto()

/** One EC2 query-protocol request, unsigned (moto reads the service and region from the scope). */
const ec2Raw = async (params: Record<string, string>): Promise<string> => {
  const res = await fetch(motoEndpoint(), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${TEST_REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`
    },
    body: new URLSearchParams({ Version: "2016-11-15", ...params }),
    signal: AbortSignal.timeout(20_000)
  })
  return res.text()
}

const outcome = (parse: (xml: string) => unknown, xml: string) => {
  try {
    return { ok: inspect(parse(xml), { depth: Infinity, breakLength: Infinity }) }
  } catch (e) {
    return { error: (e as Error).message }
  }
}

describe("parseXML on moto's responses", () => {
  beforeAll(async () => {
    const ec2 = ec2Client()
    const ids = await seedInstances(5)
    await ec2.send(
      new CreateTagsCommand({
        Resources: ids,
        Tags: [
          { Key: "Name", Value: `web <1> & "quoted" 'x'` },
          { Key: "note", Value: "line one\nline two\r\nünïcødé ✓" }
        ]
      })
    )
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "sg & co", Description: "a <b> c" }))
    await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${TEST_REGION}a`, Size: 8 }))
  })

  it.each([
    ["DescribeInstances", { Action: "DescribeInstances" }],
    ["DescribeSecurityGroups", { Action: "DescribeSecurityGroups" }],
    ["DescribeVolumes", { Action: "DescribeVolumes" }],
    ["DescribeImages", { Action: "DescribeImages", "Owner.1": "amazon" }],
    ["DescribeRegions", { Action: "DescribeRegions" }],
    ["an AWS error document", { Action: "DescribeInstances", "InstanceId.1": "i-0123456789abcdef0" }],
    ["moto's HTML error page", { Action: "DescribeInstances", "Filter.1.Name": "instance-lifecycle", "Filter.1.Value.1": "spot" }]
  ])("%s", async (_name, params) => {
    const xml = await ec2Raw(params)
    expect(xml.length).toBeGreaterThan(100)
    expect(outcome(parseXML, xml)).toStrictEqual(outcome(sdkParseXML, xml))
  })

  it("reads the escaped tag values back", async () => {
    const parsed = parseXML(await ec2Raw({ Action: "DescribeTags" })) as { DescribeTagsResponse: { tagSet: { item: Array<{ value: string }> } } }
    const values = parsed.DescribeTagsResponse.tagSet.item.map((t) => t.value)
    expect(values).toContain(`web <1> & "quoted" 'x'`)
    expect(values).toContain("line one\nline two\nünïcødé ✓")
  })
})
