/**
 * A faster `readSchema` for the SDK's `XmlShapeDeserializer` (EC2, IAM, S3... responses), which the CLI
 * bundle installs in place of the SDK's (./install.ts, called by scripts/sdkPatches.mjs). The SDK walks the parsed XML against the
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
 * test/unit/xmlReadSchema.test.ts compares the two on generated values and generated XML for the output
 * schema of every operation of every XML-protocol client in package.json; test/integration/awsXml.test.ts
 * on moto's responses.
 *
 * `parseXml` replaces the deserializer's other step: it parses (./xmlParser.ts) and resolves text nodes
 * in one pass, where the SDK parses, then walks the whole tree again (`getValueFromTextNode`).
 * And `guidedRead` wraps the SDK's `read` so that the parser is told, from the output schema, which
 * elements no reader looks at, and passes over them (see guideOf).
 */
import { getValueFromTextNode } from "@smithy/core/client"
import { NormalizedSchema } from "@smithy/core/schema"
import { toUtf8 } from "@smithy/core/serde"
import { type Guide, parseXML, parseXMLResolvingText, SKIP } from "./xmlParser.ts"
import { optimizeForRead, optimizeForResponse } from "./optimizer.ts"
import { type DirectDeserializer, directRead } from "./xmlDirectRead.ts"

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

/** The key under which the SDK looks for a structure's member in the parsed XML. */
const memberKey = (name: string, schema: NormalizedSchema): string => {
  const traits = schema.getMergedTraits()
  return !traits.httpPayload
    ? (schema.getMemberTraits().xmlName ?? name)
    : (traits.xmlName ?? String(schema.getName())) // value[undefined] is value["undefined"]
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
      members ??= Array.from(ns.structIterator(), ([name, schema]): Member => ({ name, key: memberKey(name, schema), schema, read: undefined }))
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
 * Guides for the parser (./xmlParser.ts), from the schema the deserializer reads: of a structure's
 * children only its members are read, of a list's only its items; the parser passes over the others
 * without building them. With an output schema that names only what aegea uses (src/layers/Ec2Live.ts),
 * that is most of a DescribeInstances response. Maps, unions, documents and flattened lists are parsed
 * whole, as is everything when two members share an XML name.
 */
const guides = new WeakMap<NormalizedSchema, Guide | undefined>()
const WHOLE = Symbol("whole")

const guideOf = (ns: NormalizedSchema): Guide | undefined => {
  if (guides.has(ns)) return guides.get(ns)
  let guide: Guide | undefined
  if (ns.isListSchema()) {
    if (!ns.getMergedTraits().xmlFlattened) {
      const item = ns.getValueSchema()
      const itemKey: string = item.getMergedTraits().xmlName ?? "member"
      guide = { child: (name) => (name === itemKey ? guideOf(item) : SKIP) }
    }
  } else if (ns.isStructSchema() && !ns.isUnionSchema()) {
    let members: Map<string, NormalizedSchema> | undefined
    let whole = false
    const childGuide = (name: string): Guide | typeof SKIP | undefined => {
      if (members === undefined) {
        members = new Map()
        for (const [memberName, schema] of ns.structIterator()) {
          const key = memberKey(memberName, schema)
          if (members.has(key)) whole = true
          members.set(key, schema)
        }
      }
      if (whole) return undefined
      const member = members.get(name)
      if (member === undefined) return SKIP
      // A flattened list's items are the structure's children themselves.
      return member.isListSchema() && member.getMergedTraits().xmlFlattened ? guideOf(member.getValueSchema()) : guideOf(member)
    }
    // Asked once per element: remember the answer for each name.
    const answers = new Map<string, Guide | typeof SKIP | typeof WHOLE>()
    guide = {
      child: (name) => {
        let answer = answers.get(name)
        if (answer === undefined) {
          answer = childGuide(name) ?? WHOLE
          answers.set(name, answer)
        }
        return answer === WHOLE ? undefined : answer
      }
    }
  }
  guides.set(ns, guide)
  return guide
}

const GUIDE = Symbol("aegea.xmlGuide")
/** Set by `read` when directRead gave up on a document whose size optimizeForResponse has already been told. */
const UNCOUNTED = Symbol("aegea.xmlUncounted")
type Guided = { [GUIDE]?: Guide | undefined; [UNCOUNTED]?: boolean }
/** What `read` needs of the deserializer for directRead: its settings, the UTF-8 decoder and string reader. */
type DirectContext = DirectDeserializer & {
  readonly settings?: { readonly httpBindings?: boolean }
  readonly serdeContext?: { readonly utf8Encoder?: (bytes: Uint8Array) => string }
}
type SdkRead = (this: unknown, schema: unknown, bytes: unknown, key?: string) => unknown

/**
 * Returns an `XmlShapeDeserializer.prototype.read` that runs the SDK's, with the guide for `schema`
 * (and the result `key`, for the awsQuery protocol) left where `parseXml` below finds it. An output
 * structure of the ec2Query protocol (no result key, no HTTP bindings) is first read in one pass by
 * ./xmlDirectRead.ts, straight from the text to the SDK's value; where that gives up, as above.
 */
export const guidedRead = (sdk: SdkRead): SdkRead =>
  function read(this: unknown, schema: unknown, bytes: unknown, key?: string): unknown {
    const self = this as Guided
    const ns = NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0])
    // ec2Query (no result key, no HTTP bindings): in one pass where it can (./xmlDirectRead.ts).
    if (key === undefined && bytes instanceof Uint8Array && ns.isStructSchema() && !ns.isMemberSchema()) {
      const d = this as DirectContext
      if (d.settings?.httpBindings === false && bytes.byteLength > 0) {
        const xml = (d.serdeContext?.utf8Encoder ?? toUtf8)(bytes)
        // (the optimizing compiler for this read, and no longer: see optimizeForRead; where directRead
        // gives up, the SDK's read below runs with it as optimizeForResponse leaves it)
        const done = optimizeForRead(xml.length)
        const value = directRead(xml, ns, d)
        if (value !== undefined) {
          done()
          return value
        }
        self[UNCOUNTED] = true
      }
    }
    const guide = guideOf(ns)
    const previous = self[GUIDE]
    self[GUIDE] = guide === undefined || key === undefined ? guide : { child: (name) => (name === key ? guide : SKIP) }
    try {
      return sdk.call(this, schema, bytes, key)
    } finally {
      self[GUIDE] = previous
    }
  }

/**
 * `XmlShapeDeserializer.prototype.parseXml`: the SDK's, step for step, except that the children of the
 * root come out of the parser with their text nodes already resolved, so the SDK's second walk over
 * the tree (`getValueFromTextNode`) would change nothing and is left out; and that, inside `read`, the
 * parser passes over what the schema does not read (see guideOf). For the documents where the one
 * pass would differ (see parseXMLResolvingText), the SDK's two steps.
 */
export function parseXml(this: unknown, xml: string): unknown {
  if (!xml.length) return {}
  // (counted once: a document directRead gave up on comes here too)
  if ((this as Guided | undefined)?.[UNCOUNTED] === true) (this as Guided)[UNCOUNTED] = false
  else optimizeForResponse(xml.length)
  let resolved: Record<string, unknown> | undefined
  try {
    resolved = parseXMLResolvingText(xml, (this as Guided | undefined)?.[GUIDE])
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
