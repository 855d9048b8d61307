// src/layers/sdk/projection.ts cuts an output schema down to named members; Ec2Live decodes
// DescribeInstances with only the fields toInstance reads (instanceFields in src/layers/ec2Mapping.ts).
// Here: the cut schema keeps exactly those members with their XML names, and toInstance gives the same
// instance from those fields alone as from a full, generated SDK instance.
import { DescribeInstances$, Image$, type Instance as SdkInstance, Instance$, Snapshot$, Volume$ } from "@aws-sdk/client-ec2"
import { NormalizedSchema } from "@smithy/core/schema"
import { describe, expect, it } from "vitest"
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
import { type Fields, project, projectOutput } from "../../src/layers/sdk/projection.ts"

/** An SDK-shaped value for `ns` with every member set (bounded depth). */
const full = (ns: NormalizedSchema, path: string, depth: number): unknown => {
  if (depth > 6) return undefined
  if (ns.isListSchema()) return [full(ns.getValueSchema(), `${path}.0`, depth + 1), full(ns.getValueSchema(), `${path}.1`, depth + 1)]
  if (ns.isMapSchema()) return { k: full(ns.getValueSchema(), `${path}.k`, depth + 1) }
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {}
    for (const [name, member] of ns.structIterator()) out[name] = full(member, `${path}.${name}`, depth + 1)
    return out
  }
  if (ns.isTimestampSchema()) return new Date(Date.UTC(2026, 10, 25, 10, path.length % 60))
  if (ns.isBooleanSchema()) return true
  if (ns.isNumericSchema()) return path.length
  if (ns.isBlobSchema()) return new Uint8Array([1, 2])
  // Strings: unique per path; an ARN where the mapping splits one.
  return path.endsWith("Arn") ? `arn:aws:iam::123456789012:instance-profile/${path}` : `v${path}`
}

/** `value` with only `fields` (arrays element by element). */
const pick = (value: unknown, fields: Fields): unknown => {
  if (Array.isArray(value)) return value.map((v) => pick(v, fields))
  if (typeof value !== "object" || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, sub] of Object.entries(fields)) {
    const v = (value as Record<string, unknown>)[k]
    if (v !== undefined) out[k] = sub === true ? v : pick(v, sub)
  }
  return out
}

describe("output schema projection", () => {
  it("toInstance reads nothing but instanceFields", () => {
    const instance = full(NormalizedSchema.of(Instance$), "", 0) as SdkInstance
    ;(instance.Tags ?? []).push({ Key: "Name", Value: "web-1" })
    const mapped = toInstance(instance)
    expect(mapped.name).toBe("web-1")
    expect(mapped.keyName).toBe("v.KeyName")
    expect(mapped.securityGroups).toHaveLength(2)
    expect(toInstance(pick(instance, instanceFields) as SdkInstance)).toStrictEqual(mapped)
  })

  it.each([
    ["toImage", Image$, imageFields, toImage],
    ["toVolume", Volume$, volumeFields, toVolume],
    ["toSnapshot", Snapshot$, snapshotFields, toSnapshot]
  ] as const)("%s reads nothing but its fields", (_, schema, fields, map) => {
    const value = full(NormalizedSchema.of(schema), "", 0) as never
    const mapped = (map as (v: never) => Record<string, unknown>)(value)
    expect(Object.keys(mapped).length).toBeGreaterThan(5)
    expect((map as (v: never) => unknown)(pick(value, fields) as never)).toStrictEqual(mapped)
  })

  it("keeps exactly the named members, with their XML names and list items", () => {
    const operation = projectOutput(DescribeInstances$ as never, { Reservations: { Instances: instanceFields }, NextToken: true })
    const output = NormalizedSchema.of(operation[5] as never)
    expect([...output.structIterator()].map(([name]) => name)).toStrictEqual(["Reservations", "NextToken"])
    const reservations = output.getMemberSchema("Reservations")
    expect(reservations.getMergedTraits().xmlName).toBe("reservationSet")
    const instance = reservations.getValueSchema().getMemberSchema("Instances").getValueSchema()
    expect([...instance.structIterator()].map(([name]) => name)).toStrictEqual(Object.keys(instanceFields))
    expect(instance.getMemberSchema("Tags").getMergedTraits().xmlName).toBe("tagSet")
    expect(instance.getMemberSchema("LaunchTime").isTimestampSchema()).toBe(true)
    // The input and the operation's name are the SDK's.
    expect(operation.slice(0, 5)).toStrictEqual((DescribeInstances$ as ReadonlyArray<unknown>).slice(0, 5))
  })

  it("names a member the schema does not have", () => {
    expect(() => project(Instance$, { InstanceIdd: true })).toThrow("project: Instance has no member InstanceIdd")
  })
})
