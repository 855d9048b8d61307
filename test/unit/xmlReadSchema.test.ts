// src/sdkPatches/xmlReadSchema.ts replaces the SDK's XmlShapeDeserializer.readSchema in the CLI bundle: it
// must give the same value, or the same error, for every schema and every parsed document. Here:
// generated documents (seeded, bounded) for the output of every operation of every XML-protocol client
// in package.json (today EC2: ec2Query; IAM and STS: awsQuery; S3: rest-xml; a client added to
// package.json is checked here without anyone listing it), mostly well-formed, some with values of the
// wrong shape; test/integration/awsXml.test.ts compares them on moto's real responses.
import * as ec2 from "@aws-sdk/client-ec2"
import { NormalizedSchema } from "@smithy/core/schema"
import { readFileSync } from "node:fs"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import {
  bundleDeserializer,
  QUERY_SETTINGS as querySettings,
  REST_XML_SETTINGS as restXmlSettings,
  sdkDeserializer,
  type XmlSettings
} from "../support/xmlDeserializer.ts"

/** The deserializer settings of each XML protocol (by its Smithy shape id), and whether it is awsQuery. */
const XML_PROTOCOLS: Record<string, { readonly settings: XmlSettings; readonly awsQuery: boolean }> = {
  "aws.protocols#awsQuery": { settings: querySettings, awsQuery: true },
  "aws.protocols#ec2Query": { settings: querySettings, awsQuery: false },
  "aws.protocols#restXml": { settings: restXmlSettings, awsQuery: false }
}
const OTHER_PROTOCOLS = new Set(["aws.protocols#awsJson1_0", "aws.protocols#awsJson1_1", "aws.protocols#restJson1", "smithy.protocols#rpcv2Cbor"])

interface XmlClient {
  /** The package, e.g. `@aws-sdk/client-ec2`. */
  readonly name: string
  /** The package's exports: its schemas (`DescribeInstances$`...) among them. */
  readonly schemas: Record<string, unknown>
  readonly settings: XmlSettings
  /** awsQuery reads the result from under the root: `read(schema, bytes, "XResult")`. */
  readonly awsQuery: boolean
}

/** The protocol a client package's client speaks (its Smithy shape id), as a client of it is configured. */
const protocolOf = (name: string, exports: Record<string, unknown>): string => {
  const classes = Object.entries(exports).filter(([k, v]) => k.endsWith("Client") && k !== "__Client" && typeof v === "function")
  if (classes.length !== 1) throw new Error(`${name}: expected one client class, found ${classes.map(([k]) => k).join(", ") || "none"}`)
  const Client = classes[0]![1] as new (config: object) => { config: { protocol?: { getShapeId?(): string } }; destroy(): void }
  const client = new Client({ region: "us-east-1" })
  try {
    const id = client.config.protocol?.getShapeId?.()
    if (id === undefined) throw new Error(`${name}: the client's config has no protocol with a shape id`)
    return id
  } finally {
    client.destroy()
  }
}

/** Every `@aws-sdk/client-*` of package.json that speaks an XML protocol. */
const clientPackages = (() => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as Record<string, Record<string, string> | undefined>
  return Object.keys({ ...pkg["dependencies"], ...pkg["devDependencies"] }).filter((name) => name.startsWith("@aws-sdk/client-")).sort()
})()
const xmlClients: ReadonlyArray<XmlClient> = (
  await Promise.all(
    clientPackages.map(async (name): Promise<XmlClient | undefined> => {
      const exports = (await import(name)) as Record<string, unknown>
      const protocol = protocolOf(name, exports)
      const xml = XML_PROTOCOLS[protocol]
      if (xml !== undefined) return { name, schemas: exports, ...xml }
      // A protocol this file does not know: say so, rather than skip a client that may read XML.
      if (!OTHER_PROTOCOLS.has(protocol)) throw new Error(`${name}: unknown protocol ${protocol}; add it to XML_PROTOCOLS or OTHER_PROTOCOLS`)
      return undefined
    })
  )
).filter((c) => c !== undefined)
const clients = xmlClients.map((c) => [c.name, c] as const)

type Read = (schema: unknown, value: unknown) => unknown
/** The SDK's readSchema against the bundle's. */
const deserializers = (settings: XmlSettings): { sdk: Read; ours: Read } => {
  const sdk = sdkDeserializer(settings)
  const ours = bundleDeserializer(settings)
  return { sdk: (s, v) => sdk.readSchema(s, v), ours: (s, v) => ours.readSchema(s, v) }
}

type ReadXml = (schema: unknown, bytes: Uint8Array, key?: string) => unknown
/** The SDK's read (parse, then readSchema) against the bundle's: guided parse and the fast readSchema. */
const readers = (settings: XmlSettings): { sdk: ReadXml; ours: ReadXml } => {
  const sdk = sdkDeserializer(settings)
  const ours = bundleDeserializer(settings)
  return { sdk: (s, b, k) => sdk.read(s, b, k), ours: (s, b, k) => ours.read(s, b, k) }
}

type Outcome = { readonly ok: string } | { readonly error: string }
const outcome = (read: Read, schema: unknown, value: unknown): Outcome => {
  try {
    return { ok: inspect(read(schema, value), { depth: Infinity, breakLength: Infinity, showHidden: false }) }
  } catch (e) {
    return { error: String((e as Error).message) }
  }
}

/** The output schemas of every operation (`[9, namespace, name, traits, input, output]`) a client exports. */
const outputSchemas = (client: Record<string, unknown>): Array<[string, unknown]> =>
  Object.entries(client)
    .filter(([name, v]) => name.endsWith("$") && Array.isArray(v) && v[0] === 9)
    .map(([name, v]) => [name.slice(0, -1), (v as Array<unknown>)[5]])

/** A small seeded generator (LCG), so a failure is reproducible. */
const makeRandom = (seed: number) => (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0 // imul: a plain product loses its low bits
  return (seed >>> 8) % n // an LCG's low bits repeat with short periods
}

const JUNK: ReadonlyArray<unknown> = [null, "", "x", [], {}, ["a", { member: "b" }], { "#text": "t" }, { member: [] }]
const STRINGS = ["abc", "", "true", "False", "0", "12", "-3.5", "1e3", "NaN", "a&b <c>", "__proto__", "2026-11-25T10:00:00Z"]
const TIMESTAMPS = ["2026-11-25T10:00:00Z", "2026-11-25T10:00:00.123Z", "2026-11-25T10:00:00+01:00", "1764064800"]

/** A parsed-XML-like value for `ns`, as @aws-sdk/xml-builder's parser would give it (or, now and then, not). */
const generate = (ns: NormalizedSchema, rnd: (n: number) => number, depth: number): unknown => {
  if (rnd(20) === 0 || depth > 7) return JUNK[rnd(JUNK.length)]
  const traits = ns.getMergedTraits()
  if (ns.isListSchema()) {
    const item = ns.getValueSchema()
    const items = Array.from({ length: rnd(4) }, () => generate(item, rnd, depth + 1))
    const one = items.length === 1 ? items[0] : items
    if (traits.xmlFlattened) return one
    return rnd(6) === 0 ? [{ [item.getMergedTraits().xmlName ?? "member"]: one }] : { [item.getMergedTraits().xmlName ?? "member"]: one }
  }
  if (ns.isMapSchema()) {
    const entries = Array.from({ length: rnd(3) }, () => ({
      [ns.getKeySchema().getMergedTraits().xmlName ?? "key"]: STRINGS[rnd(STRINGS.length)],
      [ns.getValueSchema().getMergedTraits().xmlName ?? "value"]: generate(ns.getValueSchema(), rnd, depth + 1)
    }))
    return traits.xmlFlattened ? entries : { entry: entries.length === 1 ? entries[0] : entries }
  }
  if (ns.isStructSchema()) {
    const out: Record<string, unknown> = {}
    for (const [name, member] of ns.structIterator()) {
      if (rnd(3) === 0) continue
      out[member.getMemberTraits().xmlName ?? name] = generate(member, rnd, depth + 1)
    }
    if (rnd(10) === 0) out["unknownElement"] = "ignored"
    return out
  }
  if (ns.isTimestampSchema()) return TIMESTAMPS[rnd(TIMESTAMPS.length)]
  if (ns.isBlobSchema()) return "aGVsbG8="
  if (ns.isBooleanSchema()) return ["true", "false", "TRUE", "yes"][rnd(4)]
  if (ns.isNumericSchema()) return ["1", "0", "-7", "3.25", "1e2", "x"][rnd(6)]
  return STRINGS[rnd(STRINGS.length)]
}

const escapeXml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")

/**
 * XML text that the SDK's parser reads back as `value` (repeated elements for arrays, `#text` as text),
 * with, now and then, elements no schema names (some with a child of their own name, which the guided
 * parser does not skip through), indentation, and a stray space (which makes an element its text).
 */
const toXml = (name: string, value: unknown, rnd: (n: number) => number): string => {
  if (value === null || value === undefined) return ""
  if (Array.isArray(value)) return value.map((v) => toXml(name, v, rnd)).join("")
  if (typeof value === "string") return value === "" && rnd(2) ? `<${name}/>` : `<${name}>${escapeXml(value)}</${name}>`
  const parts: Array<string> = []
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (rnd(5) === 0) parts.push(["<junk><a>1</a><b><c/></b></junk>", "<zz>text &amp; more</zz>", "<junk><junk>x</junk></junk>", "<e/>"][rnd(4)]!)
    parts.push(k === "#text" ? escapeXml(String(v)) : toXml(k, v, rnd))
  }
  const separator = ["", "", "\n  ", "\n", " "][rnd(5)]!
  return `<${name}>${separator}${parts.join(separator)}${separator}</${name}>`
}

describe("readSchema (the bundle's fast XML deserializer) against the SDK's", () => {
  it("finds the XML-protocol clients of package.json", () => {
    // At least the ones aegea has today; any @aws-sdk/client-* added to package.json joins by itself.
    expect(xmlClients.map((c) => c.name)).toEqual(
      expect.arrayContaining(["@aws-sdk/client-ec2", "@aws-sdk/client-iam", "@aws-sdk/client-s3", "@aws-sdk/client-sts"])
    )
    expect(clientPackages).toContain("@aws-sdk/client-ecs") // read, and left out: awsJson1_1
    expect(xmlClients.map((c) => c.name)).not.toContain("@aws-sdk/client-ecs")
  })

  it.each(clients)("%s: every operation's output, generated documents", (_, { schemas: client, settings }) => {
    const { sdk, ours } = deserializers(settings)
    const rnd = makeRandom(20261125)
    const schemas = outputSchemas(client)
    expect(schemas.length).toBeGreaterThan(10)
    let compared = 0
    let errors = 0
    for (const [name, schema] of schemas) {
      for (let round = 0; round < 4; round++) {
        const value = generate(NormalizedSchema.of(schema as never), rnd, 0)
        const expected = outcome(sdk, schema, value)
        expect(outcome(ours, schema, value), `${name} #${round}: ${JSON.stringify(value)}`).toStrictEqual(expected)
        compared++
        if ("error" in expected) errors++
      }
    }
    // Most documents read through; some hit the SDK's error paths (bad timestamps, wrong shapes).
    expect(errors).toBeLessThan(compared / 2)
  })

  it.each(clients)("%s: every operation's output, read from generated XML with elements to skip", (_, { schemas: client, settings, awsQuery }) => {
    const { sdk, ours } = readers(settings)
    const rnd = makeRandom(20261126)
    const schemas = outputSchemas(client)
    let compared = 0
    let errors = 0
    for (const [name, schema] of schemas) {
      for (let round = 0; round < 3; round++) {
        const value = generate(NormalizedSchema.of(schema as never), rnd, 0)
        // awsQuery (IAM, STS) reads the result from under the root: `read(schema, bytes, "XResult")`.
        const key = awsQuery ? `${name}Result` : undefined
        const body = key === undefined ? value : { [key]: value, ResponseMetadata: { RequestId: "r-1" } }
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n` + toXml(`${name}Response`, body, rnd).replace(/^<(\w+)>/, '<$1 xmlns="https://example.com/doc/">')
        const bytes = new TextEncoder().encode(xml)
        const expected = outcome((s) => sdk(s, bytes, key), schema, undefined)
        expect(outcome((s) => ours(s, bytes, key), schema, undefined), `${name} #${round}: ${xml}`).toStrictEqual(expected)
        compared++
        if ("error" in expected) errors++
      }
    }
    expect(compared).toBeGreaterThan(30)
    expect(errors).toBeLessThan(compared / 2)
  })

  it("reads a DescribeInstances document to the SDK's value, field by field", () => {
    const { sdk, ours } = deserializers(querySettings)
    const doc = {
      requestId: "r-1",
      reservationSet: {
        item: [
          {
            reservationId: "r-1",
            instancesSet: {
              item: {
                instanceId: "i-1",
                launchTime: "2026-11-25T10:00:00.000Z",
                ebsOptimized: "false",
                amiLaunchIndex: "0",
                tagSet: { item: [{ key: "Name", value: "web" }, { key: "__proto__", value: "p" }] },
                instanceState: { code: "16", name: "running" },
                groupSet: "",
                blockDeviceMapping: { item: { deviceName: "/dev/xvda", ebs: { volumeId: "vol-1", deleteOnTermination: "true" } } }
              }
            }
          },
          { reservationId: "r-2", instancesSet: "" }
        ]
      }
    }
    const schema = ec2.DescribeInstancesResult$
    const read = ours(schema, doc) as ec2.DescribeInstancesResult
    expect(outcome(ours, schema, doc)).toStrictEqual(outcome(sdk, schema, doc))
    const instance = read.Reservations?.[0]?.Instances?.[0]
    expect(instance?.LaunchTime).toStrictEqual(new Date("2026-11-25T10:00:00.000Z"))
    expect(instance?.EbsOptimized).toBe(false)
    expect(instance?.AmiLaunchIndex).toBe(0)
    expect(instance?.Tags).toStrictEqual([{ Key: "Name", Value: "web" }, { Key: "__proto__", Value: "p" }])
    expect(instance?.SecurityGroups).toStrictEqual([])
    expect(instance?.BlockDeviceMappings?.[0]?.Ebs?.DeleteOnTermination).toBe(true)
    expect(read.Reservations?.[1]?.Instances).toStrictEqual([])
  })

  it("gives the SDK's error for a value of a shape no schema reads", () => {
    const { sdk, ours } = deserializers(querySettings)
    const schema = ec2.DescribeInstancesResult$
    const doc = { nextToken: { nested: "object where a string belongs" } }
    const expected = outcome(sdk, schema, doc)
    expect(expected).toHaveProperty("error")
    expect(outcome(ours, schema, doc)).toStrictEqual(expected)
  })
})
