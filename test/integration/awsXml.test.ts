// The bundle's XML parser (src/sdkPatches/xmlParser.ts) and deserializer (src/sdkPatches/xmlReadSchema.ts,
// installed by src/sdkPatches/install.ts) against the SDK's, on moto's real responses: listings of
// seeded resources (with tags that need escaping), an AWS error document, and moto's HTML error page.
import * as ec2Schemas from "@aws-sdk/client-ec2"
import {
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand
} from "@aws-sdk/client-ec2"
import { parseXML as sdkParseXML } from "@aws-sdk/xml-builder"
import { NormalizedSchema } from "@smithy/core/schema"
import { inspect } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"
import { parseXML } from "../../src/sdkPatches/xmlParser.ts"
import { directRead } from "../../src/sdkPatches/xmlDirectRead.ts"
import {
  imageFields,
  instanceFields,
  snapshotFields,
  toImage,
  toInstance,
  toSnapshot,
  toVolume,
  volumeFields
} from "../../src/layers/ec2Mapping.ts"
import { projectOutput, withOperationSchema } from "../../src/layers/sdk/projection.ts"
import { ec2Client, motoEndpoint, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"
import { bundleDeserializer, sdkDeserializer } from "../support/xmlDeserializer.ts"

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
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${TEST_REGION}a`, Size: 8 }))
    await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId!, Description: "nightly" }))
    await ec2.send(new CreateImageCommand({ InstanceId: ids[0]!, Name: "web-image", Description: "an image of web-1" }))
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

  it.each([
    ["DescribeInstances", { Action: "DescribeInstances" }, ec2Schemas.DescribeInstancesResult$],
    ["DescribeSecurityGroups", { Action: "DescribeSecurityGroups" }, ec2Schemas.DescribeSecurityGroupsResult$],
    ["DescribeVolumes", { Action: "DescribeVolumes" }, ec2Schemas.DescribeVolumesResult$],
    ["DescribeImages", { Action: "DescribeImages", "Owner.1": "amazon" }, ec2Schemas.DescribeImagesResult$],
    ["DescribeSubnets", { Action: "DescribeSubnets" }, ec2Schemas.DescribeSubnetsResult$],
    ["DescribeTags", { Action: "DescribeTags" }, ec2Schemas.DescribeTagsResult$]
  ])("%s reads to the SDK's value with the fast readSchema", async (_name, params, schema) => {
    const sdk = sdkDeserializer()
    const ours = bundleDeserializer()
    const bytes = new TextEncoder().encode(await ec2Raw(params))
    const expected = inspect(sdk.read(schema, bytes), { depth: Infinity, breakLength: Infinity })
    expect(expected.length).toBeGreaterThan(100)
    expect(inspect(ours.read(schema, bytes), { depth: Infinity, breakLength: Infinity })).toBe(expected)
  })

  it("DescribeInstances decoded with only instanceFields maps to the same instances (Ec2Live's projection)", async () => {
    const ec2 = ec2Client()
    try {
      const operation = projectOutput(ec2Schemas.DescribeInstances$ as never, { Reservations: { Instances: instanceFields }, NextToken: true })
      const all = await ec2.send(new DescribeInstancesCommand({}))
      const projected = await ec2.send(withOperationSchema(new DescribeInstancesCommand({}), operation))
      const instances = (r: typeof all) => (r.Reservations ?? []).flatMap((res) => res.Instances ?? []).map(toInstance)
      expect(instances(all).length).toBeGreaterThanOrEqual(5)
      expect(instances(projected)).toStrictEqual(instances(all))
      // Decoded with fewer fields: no network interfaces or block devices.
      expect(projected.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces).toBeUndefined()
      expect(all.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces?.length).toBeGreaterThan(0)
      // The same response through the bundle's guided parse and fast readSchema.
      const bytes = new TextEncoder().encode(await ec2Raw({ Action: "DescribeInstances" }))
      expect(inspect(bundleDeserializer().read(operation[5], bytes), { depth: Infinity })).toBe(
        inspect(sdkDeserializer().read(operation[5], bytes), { depth: Infinity })
      )
    } finally {
      ec2.destroy()
    }
  })

  it.each([
    ["DescribeImages", ec2Schemas.DescribeImages$, { Images: imageFields, NextToken: true }, () => new DescribeImagesCommand({ Owners: ["self"] }), (r: object) => ((r as ec2Schemas.DescribeImagesResult).Images ?? []).map(toImage)],
    ["DescribeVolumes", ec2Schemas.DescribeVolumes$, { Volumes: volumeFields, NextToken: true }, () => new DescribeVolumesCommand({}), (r: object) => ((r as ec2Schemas.DescribeVolumesResult).Volumes ?? []).map(toVolume)],
    ["DescribeSnapshots", ec2Schemas.DescribeSnapshots$, { Snapshots: snapshotFields, NextToken: true }, () => new DescribeSnapshotsCommand({ OwnerIds: ["self"] }), (r: object) => ((r as ec2Schemas.DescribeSnapshotsResult).Snapshots ?? []).map(toSnapshot)]
  ] as const)("%s decoded with only the mapping's fields maps to the same rows", async (_, schema, fields, command, rows) => {
    const ec2 = ec2Client()
    try {
      const all = rows(await ec2.send(command() as never))
      expect(all.length).toBeGreaterThanOrEqual(1)
      const projected = rows(await ec2.send(withOperationSchema(command(), projectOutput(schema as never, fields)) as never))
      expect(projected).toStrictEqual(all)
    } finally {
      ec2.destroy()
    }
  })

  it.each([
    ["DescribeInstances", { Action: "DescribeInstances" }, ec2Schemas.DescribeInstancesResult$],
    ["DescribeVolumes", { Action: "DescribeVolumes" }, ec2Schemas.DescribeVolumesResult$],
    ["DescribeSecurityGroups", { Action: "DescribeSecurityGroups" }, ec2Schemas.DescribeSecurityGroupsResult$]
  ])("%s is read in one pass (directRead) to the SDK's value, escaped and multi-line tags included", async (_name, params, schema) => {
    const xml = await ec2Raw(params)
    const value = directRead(xml, NormalizedSchema.of(schema as never), sdkDeserializer() as never)
    expect(value, "directRead gave up on moto's answer").toBeDefined()
    expect(inspect(value, { depth: Infinity, breakLength: Infinity })).toBe(
      inspect(sdkDeserializer().read(schema, new TextEncoder().encode(xml)), { depth: Infinity, breakLength: Infinity })
    )
  })

  it("reads the escaped tag values back", async () => {
    const parsed = parseXML(await ec2Raw({ Action: "DescribeTags" })) as { DescribeTagsResponse: { tagSet: { item: Array<{ value: string }> } } }
    const values = parsed.DescribeTagsResponse.tagSet.item.map((t) => t.value)
    expect(values).toContain(`web <1> & "quoted" 'x'`)
    expect(values).toContain("line one\nline two\nünïcødé ✓")
  })
})
