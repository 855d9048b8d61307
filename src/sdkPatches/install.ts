/**
 * The CLI bundle's patches to third-party code, in quarantine. This folder holds the code that the
 * bundle (and only the bundle) puts in place of parts of the AWS SDK; scripts/sdkPatches.mjs holds the
 * esbuild plugins that put it there, and two that rewrite a little of the SDK's and effect/cli's own
 * text. Nothing in `src/` imports this folder: running from source, or embedding aegea as a library,
 * uses the SDK as published. Each plugin stops the build when the file it patches no longer has the
 * shape it expects (a new SDK or effect release), and the `@aws-sdk/*` and `@smithy/*` packages are
 * pinned to exact versions in package.json, so a patch is only applied to the code it was checked
 * against. test/cli/bundlePatches.test.ts checks in dist/ that each patch is there.
 *
 * What is patched, why, and what holds each equal to what it replaces:
 *
 * - `@aws-sdk/xml-builder`'s `parseXML` (dist-es/xml-parser.js) becomes ./xmlParser.ts (plugin
 *   fast-aws-xml-parser): the same parser with indexOf and slices instead of one character at a time,
 *   about twice as fast. test/unit/awsXml.test.ts (hand-picked, generated and damaged documents) and
 *   test/integration/awsXml.test.ts (moto's responses) compare it with the SDK's.
 * - `@aws-sdk/core`'s `XmlShapeDeserializer` gets `read`, `readSchema` and `parseXml` from
 *   ./xmlReadSchema.ts, installed by installXmlShapeDeserializer below (plugin fast-xml-read-schema,
 *   which appends a call to it to the SDK's module): a guided parse that passes over the elements the
 *   output schema does not name, the schema walk compiled once per schema, text nodes resolved while
 *   parsing (`aegea ls` of 300 instances: about 0.05 s less CPU each for this and the parser).
 *   test/unit/xmlReadSchema.test.ts compares it with the SDK's on generated values and generated XML
 *   for every operation of every XML-protocol client in package.json, test/unit/awsXml.test.ts on the
 *   parse step, test/integration/awsXml.test.ts on moto's responses. The tests install it with this
 *   same function (test/support/xmlDeserializer.ts). For ec2Query responses (EC2: no result key, no HTTP
 *   bindings) `read` first tries ./xmlDirectRead.ts, which reads the text straight to the SDK's output
 *   object in one pass, without the parsed tree (`aegea ls` of 3,000 instances: see docs/performance.md),
 *   and gives up, leaving the document to the path above, wherever the two could differ.
 *   test/unit/xmlDirectRead.test.ts and test/integration/awsXml.test.ts compare it with the SDK's `read`.
 * - `@smithy/core`'s `JsonShapeDeserializer2` (the JSON codec of awsJson1_0, awsJson1_1 and restJson1:
 *   CloudWatch Logs, ECS, Lambda, SSM...) gets `_read` from ./jsonReadSchema.ts, installed by
 *   installJsonShapeDeserializer below (plugin fast-json-read-schema, which appends a call to it to the
 *   SDK's module; `read` and `readObject` go through `_read`): the schema walk compiled once per schema,
 *   documents, unions, big numbers and `__type` records left to the SDK's own `_read` (`aegea logs` of
 *   100k events: see docs/performance.md). test/unit/jsonReadSchema.test.ts compares it with the SDK's
 *   on generated JSON for every operation's output and every error's members of every JSON-protocol
 *   client in package.json, installing it with this same function on a subclass. With both SDK modules
 *   importing this file, esbuild puts it (and the XML and JSON code) in the chunk that every SDK client
 *   loads: about 8 KB more for a JSON-only command, 3 KB for an XML-only one.
 * - The JSON deserializer's `read` (wrapped here) hands the SDK's own the body's text rather than its
 *   bytes, decoded by ./jsonText.ts as Latin-1 when every byte is ASCII (the same text as the SDK's
 *   `Buffer#toString()`, cheaper, and for a large body a string outside V8's heap).
 *   test/unit/jsonText.test.ts.
 * - The same `read` hands the text first to the output schema's text reader, when the schema (an
 *   array) has one under `Symbol.for("aegea.sdkPatches.readText")`: `aegea logs GROUP`'s FilterLogEvents
 *   pages (src/layers/LogsLive.ts), whose lines are made straight from the text (src/lib/logText.ts).
 *   What the reader returns is the output; undefined leaves the text to the SDK's read, as before.
 *   test/unit/jsonTextReader.test.ts.
 * - `@smithy/core`'s `streamCollector` (serde/util-stream/stream-collector.js, every client's response
 *   bodies) is ./streamCollector.ts around the SDK's, renamed (plugin fast-stream-collector): a body
 *   with a content-length copied once into an array of that length, as it arrives, instead of kept in
 *   chunks and joined into a zero-filled one. test/unit/streamCollector.test.ts compares the two over
 *   HTTP responses on 127.0.0.1 and plain streams.
 * - Both `parseXml` above and the JSON deserializer's `read` (wrapped here, the SDK's own otherwise)
 *   tell ./optimizer.ts how large each response is: once they add up to a few megabytes, it turns
 *   V8's optimizing compiler back on, which the launcher keeps off for a second (src/main.ts).
 *   test/unit/sdkOptimizer.test.ts.
 * - The SDK's generated schema modules (`@aws-sdk/client-*` dist-es/schemas/schemas_N.js) have their
 *   computed keys of string constants written as the literals they are (plugin
 *   inline-sdk-schema-keys), so esbuild can drop the schemas aegea does not use (EC2's, bundled: 60 KB
 *   instead of 550 KB). `{ [_a]: x }` with `const _a = "name"` is `{ "name": x }`, and the plugin
 *   stops at any computed key whose name is not such a constant; the CLI tests of test/cli read every
 *   response through the rewritten schemas.
 * - effect's `CliOutput.js` builds its `Intl.Segmenter` on first use instead of at load (plugin
 *   lazy-cli-segmenter; 16 ms of CPU at start). The same segmenter, later: the plugin checks that the
 *   module uses it only through `.segment(`; every help test of test/cli renders through it.
 * - `@smithy/core` no longer reads the global `ReadableStream` on every run, which makes Node 20 load
 *   its web streams (plugin lazy-web-streams; 2-3 ms at start): `ChecksumStream` is made by the one
 *   function that uses it, on first use, and the retry middleware's `isStreamingPayload` asks
 *   `instanceof ReadableStream` only of a body that could be one (not a string, a byte array or none).
 *   test/cli/bundlePatches.test.ts bundles the two modules with and without the patch and compares
 *   their answers for ten kinds of body, the class and its checksum failure; test/cli/startupModules.test.ts
 *   checks that `ls` and `logs` load no web-stream module.
 */
import { fastJsonRead } from "./jsonReadSchema.ts"
import { fastReadSchema, guidedRead, parseXml } from "./xmlReadSchema.ts"
import { optimizeForResponse } from "./optimizer.ts"
import { utf8Text } from "./jsonText.ts"

/** What installXmlShapeDeserializer needs of the class: its prototype, with the SDK's three methods. */
export interface XmlShapeDeserializerClass {
  readonly prototype: object
}

type Methods = {
  read: Parameters<typeof guidedRead>[0]
  readSchema: Parameters<typeof fastReadSchema>[0]
  parseXml: typeof parseXml
}

/** Set on a prototype once its methods are installed (and the string the dist test looks for). */
const INSTALLED = Symbol.for("aegea.sdkPatches.XmlShapeDeserializer")

/**
 * Puts the bundle's `read`, `readSchema` and `parseXml` on `cls.prototype` (the SDK's
 * `XmlShapeDeserializer`, or in tests a subclass of it), each wrapping the SDK's method it finds
 * there where it needs it. Once per prototype; throws if the SDK's methods are not there.
 */
export const installXmlShapeDeserializer = (cls: XmlShapeDeserializerClass): void => {
  const proto = cls.prototype as Methods & { [INSTALLED]?: true }
  if (Object.hasOwn(proto, INSTALLED)) return
  for (const name of ["read", "readSchema", "parseXml"] as const)
    if (typeof proto[name] !== "function") throw new Error(`aegea sdkPatches: XmlShapeDeserializer has no method ${name}`)
  proto.readSchema = fastReadSchema(proto.readSchema)
  proto.read = guidedRead(proto.read)
  proto.parseXml = parseXml
  Object.defineProperty(proto, INSTALLED, { value: true })
}

/** What installJsonShapeDeserializer needs of the class: its prototype, with the SDK's `_read` and `_readStruct`. */
export interface JsonShapeDeserializerClass {
  readonly prototype: object
}

type JsonMethods = {
  read: (this: unknown, schema: unknown, data: unknown) => unknown
  _read: Parameters<typeof fastJsonRead>[0]
  _readStruct: Parameters<typeof fastJsonRead>[1]
}

/**
 * The key of a JSON output structure schema (an array) whose answers `read` hands, as text, to the
 * function there first: what it returns is the output, unless undefined (then the SDK reads the text).
 */
const TEXT_READER = Symbol.for("aegea.sdkPatches.readText")

/** The text reader of `schema` (a NormalizedSchema of an output structure, or the structure), if any. */
const textReaderOf = (schema: unknown): ((text: string) => object | undefined) | undefined => {
  const s = typeof schema === "object" && schema !== null && typeof (schema as { getSchema?: unknown }).getSchema === "function"
    ? (schema as { getSchema: () => unknown }).getSchema()
    : schema
  const reader = Array.isArray(s) ? (s as { [TEXT_READER]?: unknown })[TEXT_READER] : undefined
  return typeof reader === "function" ? reader as (text: string) => object | undefined : undefined
}

/** Set on a prototype once its `_read` is installed (and the string the dist test looks for). */
const JSON_INSTALLED = Symbol.for("aegea.sdkPatches.JsonShapeDeserializer2")

/**
 * Puts the bundle's `_read` on `cls.prototype` (the SDK's `JsonShapeDeserializer2`, or in tests a
 * subclass of it), keeping the SDK's `_read` and `_readStruct` for the cases it leaves to them; and
 * wraps its `read` (the SDK's, unchanged) to turn the optimizing compiler on for a large response
 * (./optimizer.ts). Once per prototype; throws if the SDK's methods are not there.
 */
export const installJsonShapeDeserializer = (cls: JsonShapeDeserializerClass): void => {
  const proto = cls.prototype as JsonMethods & { [JSON_INSTALLED]?: true }
  if (Object.hasOwn(proto, JSON_INSTALLED)) return
  for (const name of ["read", "_read", "_readStruct"] as const)
    if (typeof proto[name] !== "function") throw new Error(`aegea sdkPatches: JsonShapeDeserializer2 has no method ${name}`)
  proto._read = fastJsonRead(proto._read, proto._readStruct)
  const sdkRead = proto.read
  proto.read = function read(this: unknown, schema: unknown, data: unknown): unknown {
    const size = typeof data === "string" ? data.length : data instanceof Uint8Array ? data.byteLength : 0
    optimizeForResponse(size)
    // The body as text for the SDK's JSON.parse (which would make it with `Buffer#toString()`): the
    // same text, cheaper when every byte is ASCII (./jsonText.ts).
    const text = size > 0 && data instanceof Uint8Array ? utf8Text(data) : data
    // An output schema with a text reader of its own (`aegea logs GROUP`'s FilterLogEvents pages, in
    // src/layers/LogsLive.ts): its output, unless it leaves the text to the SDK.
    const reader = typeof text === "string" ? textReaderOf(schema) : undefined
    const output = reader?.(text as string)
    return output !== undefined ? output : sdkRead.call(this, schema, text)
  }
  Object.defineProperty(proto, JSON_INSTALLED, { value: true })
}
