/**
 * A faster `_read` for the SDK's `JsonShapeDeserializer2` (the JSON codec of awsJson1_0, awsJson1_1
 * and restJson1: CloudWatch Logs, ECS, Lambda, SSM...), which the CLI bundle installs in place of the
 * SDK's (./install.ts, called by scripts/sdkPatches.mjs). The SDK walks every value of a parsed response
 * against the output schema and, for each one, normalizes the schema again, asks it what kind it is
 * (a dozen predicates), iterates the members of each structure through a generator, re-derives every
 * member's JSON name, and builds a new normalized schema for the items of every list and map it meets.
 * Over 100k log events (`aegea logs`) that walk was more than a quarter of the client's CPU.
 *
 * This version derives all of that once per schema (and per codec settings: the JSON name, timestamp
 * and HTTP binding settings of the protocol) and keeps it in a reader function: a structure's reader
 * holds its members as [name, key in the JSON, reader], a list's or map's reader its item reader (or
 * is the identity when its items need no transform, as the SDK decides with `needsTransform`), a
 * timestamp's reader its parser. Readers of structures, lists and maps are cached by the schema object
 * they are read from (a WeakMap); they depend on nothing else of the normalized schema. What each
 * reader returns is the SDK's result, step for step: lists and maps are changed in place and returned,
 * as the SDK does, a structure is a new object with the members in schema order, values of a shape the
 * schema does not expect are returned as they are. The rare cases are left to the SDK's own `_read`:
 * documents, unions, big integers and decimals, kinds this file does not know, and records that carry a
 * `__type` (whose extra keys the SDK copies through: its `_readStruct`). CloudWatch Logs' event records,
 * read by the hundred thousand, are made in one object literal when complete (`literalReader`).
 *
 * test/unit/jsonReadSchema.test.ts compares the two on generated values for the output schema of every
 * operation and the members of every error of every JSON-protocol client in package.json.
 */
import { NormalizedSchema } from "@smithy/core/schema"
import {
  fromBase64,
  LazyJsonString,
  parseEpochTimestamp,
  parseRfc3339DateTimeWithOffset,
  parseRfc7231DateTime,
  writeKey
} from "@smithy/core/serde"

/** The codec settings the readers depend on (`JsonSettings` of @smithy/core). */
interface JsonSettings {
  readonly jsonName?: boolean
  readonly httpBindings?: boolean
  readonly timestampFormat: { readonly useTrait: boolean; readonly default: number }
}
/** What a reader needs of the deserializer: its settings (and `this` for the SDK's methods). */
interface Deserializer {
  readonly settings: JsonSettings
}
type SdkRead = (this: Deserializer, schema: unknown, value: unknown) => unknown
type SdkReadStruct = (this: Deserializer, ns: NormalizedSchema, record: unknown) => unknown
type Reader = (d: Deserializer, value: unknown) => unknown

/** A structure's member as its reader reads it. */
interface Member {
  readonly name: string
  /** Where the value is in the JSON: the member's jsonName when the protocol uses them. */
  readonly key: string
  readonly read: Reader
}

const identity: Reader = (_, value) => value

/**
 * The SDK's determineTimestampFormat (@smithy/core/protocols), which this file cannot import: that
 * index imports the module the bundle patches, and so this file, in a cycle.
 */
const timestampFormat = (ns: NormalizedSchema, settings: JsonSettings): number => {
  if (settings.timestampFormat.useTrait) {
    const schema = ns.getSchema()
    if (schema === 5 || schema === 6 || schema === 7) return schema
  }
  const { httpLabel, httpPrefixHeaders, httpHeader, httpQuery } = ns.getMergedTraits()
  const bindingFormat = settings.httpBindings
    ? typeof httpPrefixHeaders === "string" || Boolean(httpHeader)
      ? 6
      : Boolean(httpQuery) || Boolean(httpLabel)
        ? 5
        : undefined
    : undefined
  return bindingFormat ?? settings.timestampFormat.default
}

/** The SDK's `needsTransform`: whether a list's or map's items are read one by one, or left as they are. */
const needsTransform = (ns: NormalizedSchema): boolean =>
  ns.isBlobSchema() ||
  ns.isTimestampSchema() ||
  ns.isBigIntegerSchema() ||
  ns.isBigDecimalSchema() ||
  ns.isNumericSchema() ||
  ns.isDocumentSchema() ||
  ns.isStructSchema() ||
  ns.isListSchema() ||
  ns.isMapSchema() ||
  (ns.isStringSchema() && !!ns.getMergedTraits().mediaType)

const readNumber: Reader = (_, value) => {
  if (typeof value !== "string") return value
  switch (value) {
    case "Infinity":
      return Infinity
    case "-Infinity":
      return -Infinity
    case "NaN":
      return NaN
  }
  return value
}

const readBlob: Reader = (_, value) => (typeof value === "string" ? fromBase64(value) : value)
const readJsonString: Reader = (_, value) => (typeof value === "string" ? LazyJsonString.from(value) : value)

const timestampParser = (format: number): ((value: unknown) => Date | undefined) => {
  switch (format) {
    case 5:
      return parseRfc3339DateTimeWithOffset
    case 6:
      return parseRfc7231DateTime
    case 7:
      return parseEpochTimestamp
    default:
      return (value) => {
        console.warn("Missing timestamp format, parsing value with Date constructor:", value)
        return new Date(value as string)
      }
  }
}

type RecordReader = (d: Deserializer, record: Record<string, unknown>) => unknown

/**
 * For the event records of CloudWatch Logs (FilterLogEvents' `FilteredLogEvent` and GetLogEvents'
 * `OutputLogEvent`, read 10,000 to a page and 100k times by `aegea logs` of 100k events), a reader that
 * makes the record in one object literal when every member is there: the same keys in the same (schema)
 * order and values as `general`, which adds the members one by one and so makes V8 grow the object
 * past its first four properties (about 40% more to allocate, and a third of the walk's time). Records
 * with a member absent or null go through `general`.
 */
const literalReader = (members: ReadonlyArray<Member>, general: RecordReader): RecordReader | undefined => {
  if (members.some((m) => m.key !== m.name)) return undefined
  const [a, b, c, e, f] = members
  switch (members.map((m) => m.name).join(",")) {
    case "logStreamName,timestamp,message,ingestionTime,eventId":
      return (d, record) => {
        const va = record["logStreamName"], vb = record["timestamp"], vc = record["message"]
        const ve = record["ingestionTime"], vf = record["eventId"]
        if (va == null || vb == null || vc == null || ve == null || vf == null) return general(d, record)
        return {
          logStreamName: a!.read(d, va),
          timestamp: b!.read(d, vb),
          message: c!.read(d, vc),
          ingestionTime: e!.read(d, ve),
          eventId: f!.read(d, vf)
        }
      }
    case "timestamp,message,ingestionTime":
      return (d, record) => {
        const va = record["timestamp"], vb = record["message"], vc = record["ingestionTime"]
        if (va == null || vb == null || vc == null) return general(d, record)
        return { timestamp: a!.read(d, va), message: b!.read(d, vb), ingestionTime: c!.read(d, vc) }
      }
  }
  return undefined
}

/**
 * Returns a `_read` method to put on `JsonShapeDeserializer2.prototype`, given the SDK's own `_read`
 * and `_readStruct` (kept for the rare cases above).
 */
export const fastJsonRead = (sdkRead: SdkRead, sdkReadStruct: SdkReadStruct): SdkRead => {
  /** The readers of one set of codec settings. */
  const compilerOf = (settings: JsonSettings) => {
    const aggregates = new WeakMap<object, Reader>()

    const viaSdk =
      (ns: NormalizedSchema): Reader =>
      (d, value) =>
        sdkRead.call(d, ns, value)

    /** A reader for `ns`; structures, lists and maps from the cache of their schema object. */
    const readerOf = (ns: NormalizedSchema): Reader => {
      const sc: unknown = ns.getSchema()
      if (sc === null || typeof sc !== "object" || !(ns.isStructSchema() || ns.isListSchema() || ns.isMapSchema())) return compile(ns)
      let reader = aggregates.get(sc)
      if (reader === undefined) {
        reader = compile(ns)
        aggregates.set(sc, reader)
      }
      return reader
    }

    const struct = (ns: NormalizedSchema): Reader => {
      if (ns.isUnionSchema()) return viaSdk(ns)
      let members: ReadonlyArray<Member> | undefined
      // Members are compiled on the first read, so that recursive schemas compile.
      const membersOf = (): ReadonlyArray<Member> =>
        Array.from(ns.structIterator(), ([name, schema]): Member => {
          const key = settings.jsonName ? ((schema.getMergedTraits().jsonName as string | undefined) ?? name) : name
          return { name, key, read: readerOf(schema) }
        })
      const general = (d: Deserializer, record: Record<string, unknown>): unknown => {
        const ms = members!
        const out: Record<string, unknown> = {}
        for (let i = 0; i < ms.length; i++) {
          const m = ms[i]!
          const v = record[m.key]
          if (v != null) out[m.name] = m.read(d, v)
        }
        return out
      }
      let read: ((d: Deserializer, record: Record<string, unknown>) => unknown) | undefined
      return (d, value) => {
        if (value === null || typeof value !== "object") return value
        const record = value as Record<string, unknown>
        if (typeof record["__type"] === "string") return sdkReadStruct.call(d, ns, record)
        if (read === undefined) {
          members ??= membersOf()
          read = literalReader(members, general) ?? general
        }
        return read(d, record)
      }
    }

    const list = (ns: NormalizedSchema): Reader => {
      const item = ns.getValueSchema()
      if (!needsTransform(item)) return identity
      let readItem: Reader | undefined
      return (d, value) => {
        if (Array.isArray(value)) {
          readItem ??= readerOf(item)
          for (let i = 0; i < value.length; ++i) value[i] = readItem(d, value[i])
        }
        return value
      }
    }

    const map = (ns: NormalizedSchema): Reader => {
      const item = ns.getValueSchema()
      if (!needsTransform(item)) return identity
      let readItem: Reader | undefined
      return (d, value) => {
        if (value !== null && typeof value === "object") {
          readItem ??= readerOf(item)
          const entries = value as Record<string, unknown>
          for (const k in entries) {
            if (!Object.prototype.hasOwnProperty.call(entries, k)) continue
            if (k === "__proto__") writeKey(entries)
            entries[k] = readItem(d, entries[k])
          }
        }
        return value
      }
    }

    const compile = (ns: NormalizedSchema): Reader => {
      if (ns.isStructSchema()) return struct(ns)
      if (ns.isListSchema()) return list(ns)
      if (ns.isMapSchema()) return map(ns)
      if (ns.isBlobSchema()) return readBlob
      if (ns.isStringSchema()) {
        const mediaType = ns.getMergedTraits().mediaType as string | undefined
        return mediaType && (mediaType === "application/json" || mediaType.endsWith("+json")) ? readJsonString : identity
      }
      if (ns.isTimestampSchema()) {
        const parse = timestampParser(timestampFormat(ns, settings))
        return (_, value) => (value != null ? parse(value) : value)
      }
      if (ns.isNumericSchema()) return readNumber
      if (ns.isBooleanSchema()) return identity
      // Documents, big integers and decimals, the unit, and anything new: the SDK's.
      return viaSdk(ns)
    }

    return readerOf
  }

  // One compiler per distinct settings (a protocol's codec, and the error deserializers it creates, share them).
  const compilers = new Map<string, (ns: NormalizedSchema) => Reader>()
  const readerOf = (settings: JsonSettings, ns: NormalizedSchema): Reader => {
    const { jsonName, httpBindings, timestampFormat } = settings
    const key = `${!!jsonName} ${!!httpBindings} ${timestampFormat.useTrait} ${timestampFormat.default}`
    let compiler = compilers.get(key)
    if (compiler === undefined) {
      compiler = compilerOf({ jsonName: !!jsonName, httpBindings: !!httpBindings, timestampFormat: { ...timestampFormat } })
      compilers.set(key, compiler)
    }
    return compiler(ns)
  }

  return function _read(this: Deserializer, schema: unknown, value: unknown): unknown {
    const ns = NormalizedSchema.of(schema as Parameters<typeof NormalizedSchema.of>[0])
    return readerOf(this.settings, ns)(this, value)
  }
}
