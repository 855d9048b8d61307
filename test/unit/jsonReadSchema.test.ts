// src/sdkPatches/jsonReadSchema.ts replaces the SDK's JsonShapeDeserializer2._read in the CLI bundle: it
// must give the same value, or the same error, for every schema and every response. Here: generated JSON
// (seeded, bounded) for the output of every operation of every JSON-protocol client in package.json
// (awsJson1_0, awsJson1_1, restJson1; a client added to package.json is checked here without anyone
// listing it), read through `read` (JSON.parse with the SDK's reviver, then `_read`) by the SDK's
// deserializer and by one with the bundle's `_read`, with the codec settings of the client's own
// protocol; and the members of every error shape read with `readObject`, as the protocols' error paths
// do. The values are mostly well-formed, with nulls, missing and unknown members, timestamps in each
// format, blobs, maps with "__proto__" keys, nested lists, documents, unions, `__type` records, and
// now and then a value of the wrong shape.
import { JsonShapeDeserializer2 } from "@smithy/core/protocols"
import { NormalizedSchema } from "@smithy/core/schema"
import { readFileSync } from "node:fs"
import { isDeepStrictEqual } from "node:util"
import { inspect } from "node:util"
import { describe, expect, it } from "vitest"
import { installJsonShapeDeserializer } from "../../src/sdkPatches/install.ts"

const JSON_PROTOCOLS = new Set(["aws.protocols#awsJson1_0", "aws.protocols#awsJson1_1", "aws.protocols#restJson1"])
const OTHER_PROTOCOLS = new Set(["aws.protocols#awsQuery", "aws.protocols#ec2Query", "aws.protocols#restXml", "smithy.protocols#rpcv2Cbor"])

type Settings = ConstructorParameters<typeof JsonShapeDeserializer2>[0]

interface Deserializer {
  read(schema: unknown, data: string): Promise<unknown>
  readObject(schema: unknown, data: unknown): unknown
}

class BundleJsonShapeDeserializer extends JsonShapeDeserializer2 {}
installJsonShapeDeserializer(BundleJsonShapeDeserializer)

interface JsonClient {
  readonly name: string
  readonly protocol: string
  /** The package's exports: its schemas (`FilterLogEvents$`, `ResourceNotFoundException$`...) among them. */
  readonly schemas: Record<string, unknown>
  /** The settings of the codec the client's protocol reads with. */
  readonly settings: Settings
}

/** The protocol a client package's client speaks (its Smithy shape id), and its codec's settings. */
const protocolOf = (name: string, exports: Record<string, unknown>): { id: string; settings: Settings | undefined } => {
  const classes = Object.entries(exports).filter(([k, v]) => k.endsWith("Client") && k !== "__Client" && typeof v === "function")
  if (classes.length !== 1) throw new Error(`${name}: expected one client class, found ${classes.map(([k]) => k).join(", ") || "none"}`)
  type Protocol = { getShapeId?(): string; getPayloadCodec?(): { settings?: Settings } }
  const Client = classes[0]![1] as new (config: object) => { config: { protocol?: Protocol }; destroy(): void }
  const client = new Client({ region: "us-east-1" })
  try {
    const protocol = client.config.protocol
    const id = protocol?.getShapeId?.()
    if (id === undefined) throw new Error(`${name}: the client's config has no protocol with a shape id`)
    return { id, settings: JSON_PROTOCOLS.has(id) ? protocol?.getPayloadCodec?.().settings : undefined }
  } finally {
    client.destroy()
  }
}

/** Every `@aws-sdk/client-*` of package.json that speaks a JSON protocol. */
const clientPackages = (() => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as Record<string, Record<string, string> | undefined>
  return Object.keys({ ...pkg["dependencies"], ...pkg["devDependencies"] }).filter((name) => name.startsWith("@aws-sdk/client-")).sort()
})()
const jsonClients: ReadonlyArray<JsonClient> = (
  await Promise.all(
    clientPackages.map(async (name): Promise<JsonClient | undefined> => {
      const exports = (await import(name)) as Record<string, unknown>
      const { id, settings } = protocolOf(name, exports)
      if (JSON_PROTOCOLS.has(id)) {
        if (settings?.timestampFormat === undefined) throw new Error(`${name}: no JSON codec settings on its protocol`)
        return { name, protocol: id, schemas: exports, settings }
      }
      // A protocol this file does not know: say so, rather than skip a client that may read JSON.
      if (!OTHER_PROTOCOLS.has(id)) throw new Error(`${name}: unknown protocol ${id}; add it to JSON_PROTOCOLS or OTHER_PROTOCOLS`)
      return undefined
    })
  )
).filter((c) => c !== undefined)
const clients = jsonClients.map((c) => [`${c.name} (${c.protocol})`, c] as const)

const deserializers = (settings: Settings): { sdk: Deserializer; ours: Deserializer } => ({
  sdk: new JsonShapeDeserializer2(settings) as unknown as Deserializer,
  ours: new BundleJsonShapeDeserializer(settings) as unknown as Deserializer
})

/**
 * A value as deepStrictEqual can compare it: LazyJsonString (a String object that carries its own
 * functions, new ones each time) as its class and text; everything else as it is, prototypes included.
 */
const comparable = (value: unknown): unknown => {
  if (value instanceof String && "deserializeJSON" in value) return ["LazyJsonString", String(value)]
  if (Array.isArray(value)) return value.map(comparable)
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value)) Object.defineProperty(out, k, { value: comparable((value as Record<string, unknown>)[k]), enumerable: true })
    return out
  }
  return value
}

type Outcome = { readonly ok: unknown; readonly text: string } | { readonly error: string }
const outcome = async (read: () => unknown): Promise<Outcome> => {
  try {
    const value = await read()
    // inspect: the keys in their order, class names (Date, Uint8Array, NumericValue) and values
    return { ok: comparable(value), text: inspect(value, { depth: Infinity, breakLength: Infinity }) }
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` }
  }
}

/** The two outcomes are the same: the same error, or values deepStrictEqual with the same inspection. */
const expectSame = (ours: Outcome, sdk: Outcome, what: string): void => {
  if ("error" in sdk || "error" in ours) {
    expect(ours, what).toStrictEqual(sdk)
    return
  }
  expect(ours.text, what).toBe(sdk.text)
  expect(isDeepStrictEqual(ours.ok, sdk.ok), `${what}: deepStrictEqual`).toBe(true)
}

/** The output schemas of every operation (`[9, namespace, name, traits, input, output]`) a client exports. */
const outputSchemas = (client: Record<string, unknown>): Array<[string, unknown]> =>
  Object.entries(client)
    .filter(([name, v]) => name.endsWith("$") && Array.isArray(v) && v[0] === 9)
    .map(([name, v]) => [name.slice(0, -1), (v as Array<unknown>)[5]])

/** The error schemas (`[-3, namespace, name, traits, memberNames, memberSchemas]`) a client exports. */
const errorSchemas = (client: Record<string, unknown>): Array<[string, unknown]> =>
  Object.entries(client)
    .filter(([name, v]) => name.endsWith("$") && Array.isArray(v) && v[0] === -3)
    .map(([name, v]) => [name.slice(0, -1), v])

/** A small seeded generator (LCG), so a failure is reproducible. */
const makeRandom = (seed: number) => (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0 // imul: a plain product loses its low bits
  return (seed >>> 8) % n // an LCG's low bits repeat with short periods
}

const pick = <A>(rnd: (n: number) => number, xs: ReadonlyArray<A>): A => xs[rnd(xs.length)]!
const str = (s: string): string => JSON.stringify(s)

const JUNK = ["null", '""', '"x"', "[]", "{}", "0", "true", '[1,"a",null]', '{"a":1}', '{"__proto__":{"b":2}}']
const STRINGS = ["abc", "", "true", "12", "a\u00e9\u2603", "__proto__", "2026-11-25T10:00:00Z", '{"a":1}']
const KEYS = ["a", "b c", "__proto__", "constructor", "toString", "0", ""]
const TIMESTAMPS: Record<number, ReadonlyArray<string>> = {
  5: ['"2026-11-25T10:00:00Z"', '"2026-11-25T10:00:00.123Z"', '"2026-11-25T10:00:00.5+01:00"'],
  6: ['"Tue, 25 Nov 2026 10:00:00 GMT"', '"Wed, 26 Nov 2026 23:59:59 GMT"'],
  7: ["1764064800", "1764064800.123", "0", '"1764064800"']
}
const ANY_TIMESTAMP = [...TIMESTAMPS[5]!, ...TIMESTAMPS[6]!, ...TIMESTAMPS[7]!, '"not a date"', "-1.5e3"]
const BIG_NUMBERS = ["12345678901234567890", "1.25", "0.1000000000000000055511151231257827", "-3", '"42"', "1e400"]

/** JSON text for a document: any JSON, nested, with "__proto__" keys and numbers past a double's precision. */
const documentJson = (rnd: (n: number) => number, depth: number): string => {
  switch (depth > 3 ? rnd(4) : rnd(7)) {
    case 0:
      return "null"
    case 1:
      return str(pick(rnd, STRINGS))
    case 2:
      return pick(rnd, ["0", "-1.5", "true", "false", ...BIG_NUMBERS.slice(0, 3)])
    case 3:
      return pick(rnd, ["[]", "{}", '"x"'])
    case 4:
    case 5: {
      const keys = [...new Set(Array.from({ length: rnd(4) }, () => pick(rnd, KEYS)))]
      return `{${keys.map((k) => `${str(k)}:${documentJson(rnd, depth + 1)}`).join(",")}}`
    }
    default:
      return `[${Array.from({ length: rnd(4) }, () => documentJson(rnd, depth + 1)).join(",")}]`
  }
}

/** JSON text the service could send for `ns` (or, now and then, could not). */
const generate = (ns: NormalizedSchema, settings: Settings, rnd: (n: number) => number, depth: number): string => {
  if (rnd(25) === 0 || depth > 6) return pick(rnd, JUNK)
  if (ns.isListSchema()) {
    const item = ns.getValueSchema()
    return `[${Array.from({ length: rnd(4) }, () => (rnd(12) === 0 ? "null" : generate(item, settings, rnd, depth + 1))).join(",")}]`
  }
  if (ns.isMapSchema()) {
    const keys = [...new Set(Array.from({ length: rnd(4) }, () => pick(rnd, KEYS)))]
    const value = ns.getValueSchema()
    return `{${keys.map((k) => `${str(k)}:${rnd(12) === 0 ? "null" : generate(value, settings, rnd, depth + 1)}`).join(",")}}`
  }
  if (ns.isStructSchema()) {
    const members = [...ns.structIterator()]
    const keyOf = (name: string, member: NormalizedSchema): string =>
      settings.jsonName ? ((member.getMergedTraits().jsonName as string | undefined) ?? name) : name
    const parts: Array<string> = []
    if (ns.isUnionSchema()) {
      // One member set, now and then two, or one the client does not know.
      for (let n = rnd(6) === 0 ? 2 : 1; n > 0 && members.length > 0; n--) {
        const [name, member] = pick(rnd, members)
        parts.push(`${str(keyOf(name, member))}:${generate(member, settings, rnd, depth + 1)}`)
      }
      if (rnd(6) === 0) parts.push('"unknownMember":{"x":1}')
    } else {
      for (const [name, member] of members) {
        const r = rnd(8)
        if (r < 2) continue // missing
        if (r === 2) parts.push(`${str(keyOf(name, member))}:null`)
        else parts.push(`${str(keyOf(name, member))}:${generate(member, settings, rnd, depth + 1)}`)
        // The member under its name too, where the protocol reads its jsonName.
        if (r === 3 && keyOf(name, member) !== name) parts.push(`${str(name)}:${generate(member, settings, rnd, depth + 1)}`)
      }
      if (rnd(10) === 0) parts.push('"unknownMember":"ignored"')
      if (rnd(25) === 0) parts.push(`"__type":"com.amazonaws.example#${ns.getName() ?? "Shape"}"`)
    }
    return `{${parts.join(",")}}`
  }
  if (ns.isTimestampSchema()) {
    const sc = ns.getSchema() as number
    return rnd(4) === 0 ? pick(rnd, ANY_TIMESTAMP) : pick(rnd, TIMESTAMPS[sc === 5 || sc === 6 ? sc : 7]!)
  }
  if (ns.isBlobSchema()) return pick(rnd, ['"aGVsbG8="', '""', '"AAEC/w=="', '"aGVsbG8"'])
  if (ns.isBooleanSchema()) return pick(rnd, ["true", "false", '"true"'])
  if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) return pick(rnd, BIG_NUMBERS)
  if (ns.isNumericSchema()) return pick(rnd, ["1", "0", "-7", "3.25", "1764064800123", '"NaN"', '"Infinity"', '"-Infinity"', '"12"'])
  if (ns.isDocumentSchema()) return documentJson(rnd, 0)
  if (ns.isStringSchema() && ns.getMergedTraits().mediaType) return str(pick(rnd, ['{"a":[1,2]}', "[]", "plain", ""]))
  return str(pick(rnd, STRINGS))
}

describe("_read (the bundle's fast JSON deserializer) against the SDK's", () => {
  it("finds the JSON-protocol clients of package.json, with each JSON protocol", () => {
    // At least the ones aegea has today; any @aws-sdk/client-* added to package.json joins by itself.
    expect(jsonClients.map((c) => c.name)).toEqual(
      expect.arrayContaining(["@aws-sdk/client-cloudwatch-logs", "@aws-sdk/client-ecs", "@aws-sdk/client-lambda", "@aws-sdk/client-ssm"])
    )
    expect(new Set(jsonClients.map((c) => c.protocol))).toStrictEqual(JSON_PROTOCOLS)
    expect(clientPackages).toContain("@aws-sdk/client-ec2") // read, and left out: ec2Query
    expect(jsonClients.map((c) => c.name)).not.toContain("@aws-sdk/client-ec2")
  })

  it.each(clients)("%s: every operation's output, generated JSON", async (_, { schemas: client, settings }) => {
    const { sdk, ours } = deserializers(settings)
    const rnd = makeRandom(20261130)
    const schemas = outputSchemas(client)
    expect(schemas.length).toBeGreaterThan(0)
    let compared = 0
    let errors = 0
    for (const [name, schema] of schemas) {
      for (let round = 0; round < 3; round++) {
        const json = generate(NormalizedSchema.of(schema as never), settings, rnd, 0)
        const expected = await outcome(() => sdk.read(schema, json))
        expectSame(await outcome(() => ours.read(schema, json)), expected, `${name} #${round}: ${json}`)
        compared++
        if ("error" in expected) errors++
      }
    }
    // Most documents read through; some hit the SDK's error paths (bad timestamps, wrong shapes).
    expect(errors).toBeLessThan(compared / 3)
  })

  it.each(clients)("%s: every error's members, read with readObject as the protocol does", async (_, { schemas: client, settings }) => {
    const { sdk, ours } = deserializers(settings)
    const rnd = makeRandom(20261201)
    let compared = 0
    for (const [name, schema] of errorSchemas(client)) {
      const ns = NormalizedSchema.of(schema as never)
      for (let round = 0; round < 2; round++) {
        const json = generate(ns, settings, rnd, 0)
        // The protocols read the body as a document, then each member of the error from it.
        const readError = (d: Deserializer) => async () => {
          const body = (await d.read(15, json)) as Record<string, unknown> | null
          const out: Record<string, unknown> = {}
          for (const [member, memberSchema] of ns.structIterator()) {
            const key = settings.jsonName ? ((memberSchema.getMergedTraits().jsonName as string | undefined) ?? member) : member
            out[member] = d.readObject(memberSchema, body?.[key])
          }
          return out
        }
        expectSame(await outcome(readError(ours)), await outcome(readError(sdk)), `${name} #${round}: ${json}`)
        compared++
      }
    }
    expect(compared).toBeGreaterThan(0)
  })

  it("reads a FilterLogEvents page to the SDK's value, field by field", async () => {
    const logs = jsonClients.find((c) => c.name === "@aws-sdk/client-cloudwatch-logs")!
    const { sdk, ours } = deserializers(logs.settings)
    const schema = (logs.schemas["FilterLogEvents$"] as Array<unknown>)[5]
    const json = JSON.stringify({
      events: [
        { logStreamName: "s", timestamp: 1764064800123, message: "hello", ingestionTime: 1764064800200, eventId: "1" },
        { logStreamName: "s", timestamp: 1764064800124, message: "", eventId: "2", extra: true }
      ],
      searchedLogStreams: [{ logStreamName: "s", searchedCompletely: true }],
      nextToken: null
    })
    const expected = await outcome(() => sdk.read(schema, json))
    expectSame(await outcome(() => ours.read(schema, json)), expected, json)
    expect(await ours.read(schema, json)).toStrictEqual({
      events: [
        { logStreamName: "s", timestamp: 1764064800123, message: "hello", ingestionTime: 1764064800200, eventId: "1" },
        { logStreamName: "s", timestamp: 1764064800124, message: "", eventId: "2" }
      ],
      searchedLogStreams: [{ logStreamName: "s", searchedCompletely: true }]
    })
  })

  it("reads log event records (read with one object literal when complete) to the SDK's value, in every variation", async () => {
    const logs = jsonClients.find((c) => c.name === "@aws-sdk/client-cloudwatch-logs")!
    const { sdk, ours } = deserializers(logs.settings)
    const rnd = makeRandom(20261130)
    const values: Record<string, ReadonlyArray<unknown>> = {
      logStreamName: ["s", "", "stream/ü"],
      timestamp: [1764064800123, 0, -1, 1.5, "Infinity", "NaN", "12", 2 ** 60],
      message: ["hello", "", "line\nbreak", "😀"],
      ingestionTime: [1764064800200, 0, "-Infinity"],
      eventId: ["1", "", "38"]
    }
    const record = (names: ReadonlyArray<string>): Record<string, unknown> => {
      // Keys in a shuffled order; now and then a member absent, null, of another type, or an extra key.
      const out: Record<string, unknown> = {}
      for (const name of [...names].sort(() => rnd(3) - 1)) {
        const roll = rnd(12)
        if (roll === 0) continue
        out[name] = roll === 1 ? null : roll === 2 ? pick(rnd, [true, {}, [1], "x", 7]) : pick(rnd, values[name]!)
      }
      if (rnd(8) === 0) out["extra"] = pick(rnd, [1, "x", null, { a: 1 }])
      if (rnd(40) === 0) out["__type"] = "Weird"
      return out
    }
    const filter = (logs.schemas["FilterLogEvents$"] as Array<unknown>)[5]
    const get = (logs.schemas["GetLogEvents$"] as Array<unknown>)[5]
    let complete = 0
    for (let round = 0; round < 60; round++) {
      const filtered = Array.from({ length: 20 }, () => record(["logStreamName", "timestamp", "message", "ingestionTime", "eventId"]))
      const output = Array.from({ length: 20 }, () => record(["timestamp", "message", "ingestionTime"]))
      complete += filtered.filter((r) => Object.keys(values).every((k) => r[k] != null)).length
      const cases: Array<[unknown, string]> = [
        [filter, JSON.stringify({ events: filtered, nextToken: rnd(2) === 0 ? null : "t" })],
        [get, JSON.stringify({ events: output, nextForwardToken: "f", nextBackwardToken: "b" })]
      ]
      for (const [schema, json] of cases) {
        expectSame(await outcome(() => ours.read(schema, json)), await outcome(() => sdk.read(schema, json)), json)
      }
    }
    expect(complete).toBeGreaterThan(100)
  })

  it("reads members by their jsonName where the protocol uses them (no client of package.json has one)", async () => {
    const restJson = jsonClients.find((c) => c.protocol === "aws.protocols#restJson1")!.settings
    const awsJson = jsonClients.find((c) => c.protocol === "aws.protocols#awsJson1_1")!.settings
    expect([restJson.jsonName, awsJson.jsonName]).toStrictEqual([true, false])
    const inner = [3, "test", "Inner", 0, ["Value"], [[0, { jsonName: "value" }]]]
    const union = [4, "test", "Choice", 0, ["Left", "Right"], [[0, { jsonName: "left" }], [() => inner, 0]]]
    const schema = [3, "test", "Outer", 0, ["Name", "Items", "Choice", "Doc"], [[0, { jsonName: "name" }], [1, "test", "Items", 0, [() => inner, 0]], [() => union, 0], 15]]
    const values = [
      '{"name":"by jsonName","Name":"by member name","Items":[{"value":"v","Value":"V"},null],"Choice":{"left":"l"},"Doc":{"__proto__":[1,{"a":null}]}}',
      '{"Name":"N","Items":[{"value":"v","__type":"test#Inner","extra":1}],"Choice":{"Right":{"value":"r"},"other":2}}',
      '{"name":"n","__type":"test#Outer","Doc":12345678901234567890,"Items":{"not":"a list"}}'
    ]
    let read = 0
    for (const settings of [restJson, awsJson]) {
      const { sdk, ours } = deserializers(settings)
      for (const json of values) {
        const expected = await outcome(() => sdk.read(schema, json))
        expect(expected).toHaveProperty("ok")
        expectSame(await outcome(() => ours.read(schema, json)), expected, `jsonName ${settings.jsonName}: ${json}`)
        read++
      }
    }
    expect(read).toBe(6)
    expect(await deserializers(restJson).ours.read(schema, values[0]!)).toMatchObject({ Name: "by jsonName", Items: [{ Value: "v" }, null] })
    expect(await deserializers(awsJson).ours.read(schema, values[0]!)).toMatchObject({ Name: "by member name", Items: [{ Value: "V" }, null] })
  })

  it("reads timestamps, blobs and '__proto__' keys to the SDK's classes and own keys", async () => {
    const lambda = jsonClients.find((c) => c.name === "@aws-sdk/client-lambda")!
    const { sdk, ours } = deserializers(lambda.settings)
    // GetFunction: restJson1, Tags a map of strings; GetFunctionConfiguration's LastModified is a string.
    const tagsSchema = (lambda.schemas["GetFunction$"] as Array<unknown>)[5]
    const json = '{"Tags":{"__proto__":"p","a":"b"},"Configuration":{"FunctionName":"f","CodeSize":12}}'
    expectSame(await outcome(() => ours.read(tagsSchema, json)), await outcome(() => sdk.read(tagsSchema, json)), json)
    const read = (await ours.read(tagsSchema, json)) as { Tags: Record<string, string> }
    expect(Object.keys(read.Tags)).toStrictEqual(["__proto__", "a"])
    expect(Object.getPrototypeOf(read.Tags)).toBe(Object.prototype)
    // Timestamps and blobs: a struct of each, read by both.
    const shapes = [
      [3, "test", "T", 0, ["When", "Http", "Iso", "Data"], [7, 6, 5, 21]],
      [3, "test", "U", 0, ["Items"], [[1, "test", "Items", 0, [() => shapes[0], 0]]]]
    ] as const
    const value = '{"Items":[{"When":1764064800.5,"Http":"Tue, 25 Nov 2026 10:00:00 GMT","Iso":"2026-11-25T10:00:00+01:00","Data":"aGVsbG8="},null]}'
    const expected = await outcome(() => sdk.read(shapes[1], value))
    expectSame(await outcome(() => ours.read(shapes[1], value)), expected, value)
    const item = ((await ours.read(shapes[1], value)) as { Items: Array<Record<string, unknown>> }).Items[0]!
    expect(Object.getPrototypeOf(item["When"])).toBe(Date.prototype)
    expect(item["Iso"]).toStrictEqual(new Date("2026-11-25T09:00:00Z"))
    expect(Object.getPrototypeOf(item["Data"])).toBe(Object.getPrototypeOf((((await sdk.read(shapes[1], value)) as never)["Items"] as never)[0]["Data"]))
    expect(new TextDecoder().decode(item["Data"] as Uint8Array)).toBe("hello")
  })
})
