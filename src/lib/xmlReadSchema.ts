/**
 * A faster `readSchema` for the SDK's `XmlShapeDeserializer` (EC2, IAM, S3... responses), which the CLI
 * bundle installs in place of the SDK's (scripts/build.mjs). The SDK walks the parsed XML against the
 * output schema and, for every value, normalizes the schema again, asks it what kind it is, iterates
 * the members of each structure through a generator and re-derives every member's XML name and every
 * string's HTTP binding. Over 300 instances that walk was a sixth of `aegea ls`'s CPU.
 *
 * This version derives all of that once per schema and keeps it in a reader function: a structure's
 * reader holds its members with their XML names, a list's reader its item reader and source key, a
 * string, number or boolean its conversion. What each reader returns is the SDK's result, step for
 * step, including its quirks (a list given one value reads it as a list of one; a structure given a
 * string reads as `{}`). Maps, unions and documents, which AWS XML responses rarely carry, are left to
 * the SDK's own code, and so are timestamps and blobs (their format depends on the protocol settings).
 * test/unit/xmlReadSchema.test.ts compares the two on generated values for the output schemas of the
 * commands aegea calls; test/integration/awsXml.test.ts on moto's responses.
 *
 * `parseXml` replaces the deserializer's other step: it parses (src/lib/awsXml.ts) and resolves text
 * nodes in one pass, where the SDK parses, then walks the whole tree again (`getValueFromTextNode`).
 */
import { getValueFromTextNode } from "@smithy/core/client"
import { NormalizedSchema } from "@smithy/core/schema"
import { parseXML, parseXMLResolvingText } from "./awsXml.ts"

/** What a reader needs of the deserializer: the SDK's readers of strings, timestamps and blobs. */
interface Deserializer {
  readonly stringDeserializer: { read(schema: NormalizedSchema, value: unknown): unknown }
}
type SdkReadSchema = (this: Deserializer, schema: unknown, value: unknown) => unknown
type Reader = (d: Deserializer, value: unknown) => unknown

interface Member {
  readonly name: string
  readonly key: string
  readonly schema: NormalizedSchema
  read: Reader | undefined
}

const unit: Reader = () => undefined
const identity = (s: string): string => s
const toBoolean = (s: string): boolean => s.toLowerCase() === "true"

/**
 * Returns a `readSchema` method to put on `XmlShapeDeserializer.prototype`, given the SDK's own (kept
 * for maps, unions, documents and error paths).
 */
export const fastReadSchema = (sdk: SdkReadSchema): SdkReadSchema => {
  const readers = new WeakMap<NormalizedSchema, Reader>()

  const readerOf = (ns: NormalizedSchema): Reader => {
    let reader = readers.get(ns)
    if (reader === undefined) {
      reader = compile(ns)
      readers.set(ns, reader)
    }
    return reader
  }

  const viaSdk =
    (ns: NormalizedSchema): Reader =>
    (d, value) =>
      sdk.call(d, ns, value)

  const list = (ns: NormalizedSchema): Reader => {
    const flat = !!ns.getMergedTraits().xmlFlattened
    const item = ns.getValueSchema()
    const sourceKey: string = item.getMergedTraits().xmlName ?? "member"
    let readItem: Reader | undefined
    return (d, value) => {
      const values = Array.isArray(value) ? value : [value]
      const source = flat ? values : (values[0] ?? values)[sourceKey]
      if (source == null) return []
      readItem ??= readerOf(item)
      const out: Array<unknown> = []
      for (const v of Array.isArray(source) ? source : [source]) out.push(readItem(d, v))
      return out
    }
  }

  const struct = (ns: NormalizedSchema): Reader => {
    let members: ReadonlyArray<Member> | undefined
    return (d, value) => {
      if (value == null) return value
      if (typeof value !== "object") return {}
      members ??= Array.from(ns.structIterator(), ([name, schema]): Member => {
        const traits = schema.getMergedTraits()
        const key: string = !traits.httpPayload
          ? (schema.getMemberTraits().xmlName ?? name)
          : (traits.xmlName ?? String(schema.getName())) // value[undefined] is value["undefined"]
        return { name, key, schema, read: undefined }
      })
      const source = value as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const m of members) {
        const v = source[m.key]
        if (v != null) out[m.name] = (m.read ??= readerOf(m.schema))(d, v)
      }
      return out
    }
  }

  const scalar = (ns: NormalizedSchema): Reader => {
    const sc = ns.getSchema()
    const convert =
      sc === 0 && !ns.getMergedTraits().mediaType ? identity : sc === 1 ? Number : sc === 2 ? toBoolean : undefined
    return (d, value) => {
      if (value == null) return value
      if (typeof value === "object") return sdk.call(d, ns, value)
      return convert !== undefined && typeof value === "string" ? convert(value) : d.stringDeserializer.read(ns, value)
    }
  }

  const compile = (ns: NormalizedSchema): Reader => {
    if (ns.isUnitSchema()) return unit
    if (ns.isListSchema()) return list(ns)
    if (ns.isMapSchema() || ns.isUnionSchema() || ns.isDocumentSchema()) return viaSdk(ns)
    if (ns.isStructSchema()) return struct(ns)
    return scalar(ns)
  }

  return function readSchema(this: Deserializer, schema: unknown, value: unknown): unknown {
    return readerOf(NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0]))(this, value)
  }
}

/**
 * `XmlShapeDeserializer.prototype.parseXml`: the SDK's, step for step, except that the children of the
 * root come out of the parser with their text nodes already resolved, so the SDK's second walk over
 * the tree (`getValueFromTextNode`) would change nothing and is left out. For the documents where the
 * one pass would differ (see parseXMLResolvingText), the SDK's two steps.
 */
export function parseXml(xml: string): unknown {
  if (!xml.length) return {}
  let resolved: Record<string, unknown> | undefined
  try {
    resolved = parseXMLResolvingText(xml)
  } catch (e) {
    if (e && typeof e === "object") Object.defineProperty(e, "$responseBodyText", { value: xml })
    throw e
  }
  return resolved !== undefined ? rootOf(resolved) : getValueFromTextNode(rootOf(parseXML(xml)))
}

/** The root element's value, its own text (if any) moved under the root's name, as the SDK does. */
const rootOf = (parsed: Record<string, unknown>): Record<string, unknown> => {
  const key = Object.keys(parsed)[0]!
  const root = parsed[key] as Record<string, unknown>
  if (root["#text"]) {
    root[key] = root["#text"]
    delete root["#text"]
  }
  return root
}
