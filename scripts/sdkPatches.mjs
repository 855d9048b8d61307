// The esbuild plugins with which the CLI bundle patches third-party code (the AWS SDK and effect/cli),
// used by ./build.mjs. What each patch does, why, and the tests that hold it equal to what it replaces:
// src/sdkPatches/install.ts. test/cli/bundlePatches.test.ts checks in dist/ that each one is applied.
//
// A patch is only right for the code it was written against, so each plugin checks that the file it
// patches still has the shape the patch expects and otherwise stops the build, naming itself, the file
// and what did not match; and it stops the build if no file matched its filter at all (a new release
// moved or renamed the file). The `@aws-sdk/*` and `@smithy/*` versions are pinned in package.json, so
// a new release is taken on purpose, and this is where it fails if a patch no longer fits.
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const source = (path) => fileURLToPath(new URL(`../src/sdkPatches/${path}`, import.meta.url))

/**
 * A plugin that gives the files matching `filter` the contents `patch(text, fail, path)` returns.
 * `patch` calls `fail(what)` when the text is not what it expects: the build stops with the plugin's
 * name, the file and `what`. The build also stops when no file matched `filter`.
 */
const patchPlugin = (name, filter, patch) => ({
  name,
  setup(build) {
    let patched = 0
    build.onStart(() => {
      patched = 0
    })
    build.onLoad({ filter }, (args) => {
      const fail = (what) => {
        throw new Error(
          `${name}: ${args.path} is not what the patch expects: ${what}. ` +
            "Check the patch against the new release (see src/sdkPatches/install.ts) and update it."
        )
      }
      const contents = patch(readFileSync(args.path, "utf8"), fail)
      patched++
      return { contents, loader: "js" }
    })
    build.onEnd((result) => {
      if (patched > 0 || result.errors.length > 0) return undefined
      return { errors: [{ text: `${name}: no file matched ${filter}, so the patch was not applied (did a new release move the file?)` }] }
    })
  }
})

/**
 * The SDK's generated schema modules (one per client; EC2's is 550 KB) key their objects with
 * computed names of string constants (`{ [_xN]: _m }`), which esbuild must assume may have side
 * effects, so it keeps every schema of the service. Writing those keys as the string literals they
 * are makes the module tree-shakeable: only the schemas of the commands aegea imports remain
 * (EC2's, bundled: 60 KB instead of 550 KB). Fails if a module has no such key, or one whose name is not a string constant
 * of the same file (that module would keep every schema).
 */
export const inlineSdkSchemaKeys = patchPlugin(
  "inline-sdk-schema-keys",
  /@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/,
  (text, fail) => {
    const constants = new Map()
    for (const m of text.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(m[1], m[2])
    let inlined = 0
    const unknown = new Set()
    const contents = text.replace(/\[(_\w+)\]:/g, (all, name) => {
      if (!constants.has(name)) {
        unknown.add(name)
        return all
      }
      inlined++
      return `${constants.get(name)}:`
    })
    if (inlined === 0) fail('no computed key `[_x]:` of a string constant `const _x = "...";` to inline')
    if (unknown.size > 0) fail(`computed keys that are not string constants of the file: ${[...unknown].slice(0, 5).join(", ")}`)
    return contents
  }
)

/**
 * The SDK's XML parser (used for every EC2, IAM, S3... response) reads names and texts one character at
 * a time; src/sdkPatches/xmlParser.ts is the same algorithm with indexOf and slices, about twice as fast
 * from a cold start (`aegea ls` of 300 instances: ~0.05 s less CPU). Fails unless the SDK's module
 * exports `parseXML` and nothing else (the replacement exports only that).
 */
export const fastAwsXmlParser = patchPlugin(
  "fast-aws-xml-parser",
  /@aws-sdk[\\/]xml-builder[\\/]dist-es[\\/]xml-parser\.js$/,
  (text, fail) => {
    if (/^export\s*(\{|\*|default\b)/m.test(text)) fail("it has an `export {`, `export *` or `export default`")
    const exported = [...text.matchAll(/^export\s+(?:async\s+)?(?:function\*?|const|let|var|class)\s+([\w$]+)/gm)].map((m) => m[1])
    if (exported.join() !== "parseXML") fail(`it exports [${exported.join(", ")}], not parseXML alone`)
    return `export { parseXML } from ${JSON.stringify(source("xmlParser.ts"))}`
  }
)

/**
 * The SDK's XML deserializer re-derives each schema's kind, members and XML names for every value it
 * reads, walks the parsed tree twice, and parses what its schema never reads;
 * src/sdkPatches/xmlReadSchema.ts derives them once per schema, resolves text nodes while parsing and
 * has the parser pass over the elements the schema does not name (`aegea ls` of 300 instances: about
 * 0.05 s less CPU). This appends to the SDK's module a call to the installer that the tests use too
 * (src/sdkPatches/install.ts). Fails unless the module exports the class with the three methods.
 */
export const fastXmlReadSchema = patchPlugin(
  "fast-xml-read-schema",
  /@aws-sdk[\\/]core[\\/]dist-es[\\/].*[\\/]xml[\\/]XmlShapeDeserializer\.js$/,
  (text, fail) => {
    if (!/^export class XmlShapeDeserializer\b/m.test(text)) fail("no `export class XmlShapeDeserializer`")
    const missing = ["read", "readSchema", "parseXml"].filter((m) => !new RegExp(`\\n {4}${m}\\(`).test(text))
    if (missing.length > 0) fail(`XmlShapeDeserializer has no method ${missing.join(", ")}`)
    return (
      text +
      `\nimport { installXmlShapeDeserializer as __installXmlShapeDeserializer } from ${JSON.stringify(source("install.ts"))};\n` +
      "__installXmlShapeDeserializer(XmlShapeDeserializer);\n"
    )
  }
)

/**
 * The SDK's JSON deserializer (CloudWatch Logs, ECS, Lambda, SSM... responses) re-derives each
 * schema's kind, members and JSON names for every value it reads; src/sdkPatches/jsonReadSchema.ts
 * derives them once per schema (`aegea logs` of 100k events: see docs/performance.md). This appends
 * to the SDK's module a call to the installer that the tests use too (src/sdkPatches/install.ts).
 * Fails unless the module exports the class, with `_read` and `_readStruct`, and `read` and
 * `readObject` reach the values through `this._read` (the only method the patch replaces).
 */
export const fastJsonReadSchema = patchPlugin(
  "fast-json-read-schema",
  /@smithy[\\/]core[\\/]dist-es[\\/].*[\\/]json[\\/]codec-v2[\\/]JsonShapeDeserializer2\.js$/,
  (text, fail) => {
    if (!/^export class JsonShapeDeserializer2\b/m.test(text)) fail("no `export class JsonShapeDeserializer2`")
    const missing = ["read", "readObject", "_read", "_readStruct"].filter((m) => !new RegExp(`\\n {4}(async )?${m}\\(`).test(text))
    if (missing.length > 0) fail(`JsonShapeDeserializer2 has no method ${missing.join(", ")}`)
    if (!/\n {4}readObject\(schema, data\) \{\s*return this\._read\(schema, data\);\s*\}/.test(text)) fail("readObject is not `return this._read(schema, data)`")
    if (!/return this\._read\(schema, parsed\);\s*\}\n {4}readObject\(/.test(text)) fail("read does not end with `return this._read(schema, parsed)`")
    return (
      text +
      `\nimport { installJsonShapeDeserializer as __installJsonShapeDeserializer } from ${JSON.stringify(source("install.ts"))};\n` +
      "__installJsonShapeDeserializer(JsonShapeDeserializer2);\n"
    )
  }
)

/**
 * effect/cli builds an `Intl.Segmenter` when its module loads (16 ms of CPU: ICU loads its break
 * rules), though only help rendering measures text with it. Build it on first use instead. Fails
 * unless the module declares it as expected and uses it only through `.segment(`, the one method of
 * the lazy stand-in.
 */
export const lazyCliSegmenter = patchPlugin("lazy-cli-segmenter", /effect[\\/]dist[\\/]cli[\\/]CliOutput\.js$/, (text, fail) => {
  const eager = /const graphemeSegmenter = \/\*#__PURE__\*\/new Intl\.Segmenter\(undefined, \{\s*granularity: "grapheme"\s*\}\);/
  if (!eager.test(text)) fail('no `const graphemeSegmenter = /*#__PURE__*/new Intl.Segmenter(undefined, { granularity: "grapheme" });`')
  // The declaration, and otherwise only `graphemeSegmenter.segment(`.
  if (text.match(/\bgraphemeSegmenter\b(?!\.segment\()/g).length !== 1) fail("graphemeSegmenter is used otherwise than through .segment(")
  const lazy =
    "let graphemeSegmenterInstance; const graphemeSegmenter = { segment: (text) => " +
    '(graphemeSegmenterInstance ??= new Intl.Segmenter(undefined, { granularity: "grapheme" })).segment(text) };'
  return text.replace(eager, lazy)
})

/**
 * The SDK's `streamCollector` for Node streams (every response body of every client) pipes the body
 * into a Writable that keeps the chunks, then copies them into a zero-filled array: when the response
 * has a content-length, src/sdkPatches/streamCollector.ts copies each chunk once into an array of that
 * length (`aegea logs` of 100k events reads 19 MB). The SDK's function stays, renamed, for what the
 * replacement does not collect itself. Fails unless the module exports `streamCollector` as an arrow
 * function of `stream` that pipes into its `Collector`.
 */
export const fastStreamCollector = patchPlugin(
  "fast-stream-collector",
  /@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]serde[\\/]util-stream[\\/]stream-collector\.js$/,
  (text, fail) => {
    const head = "export const streamCollector = (stream) => {"
    if (text.split(head).length !== 2) fail(`not one \`${head}\``)
    if (!/nodeStream\.pipe\(collector\)/.test(text)) fail("streamCollector does not pipe the stream into its collector")
    return (
      text.replace(head, "const sdkStreamCollector = (stream) => {") +
      `\nimport { fastStreamCollector as __fastStreamCollector } from ${JSON.stringify(source("streamCollector.ts"))};\n` +
      "export const streamCollector = __fastStreamCollector(sdkStreamCollector);\n"
    )
  }
)

/**
 * Reading the global `ReadableStream` makes Node 20 load its web streams (four internal modules, 2-3
 * ms of CPU), which a command of aegea never uses: its bodies are strings, buffers and Node streams.
 * Two places of @smithy/core read it on every run. `ChecksumStream` (of web streams, for a checksum
 * of a web stream body) extends it at module load: the class is made on first use instead, by the
 * one function that uses it. And the retry middleware's `isStreamingPayload` asks `body instanceof
 * ReadableStream` of every request: no longer for a body that cannot be one (a string, a byte array,
 * none). Fails unless the modules have the shapes these edits expect.
 */
export const lazyWebStreams = patchPlugin(
  "lazy-web-streams",
  /@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/](serde[\\/]util-stream[\\/]checksum[\\/](ChecksumStream|createChecksumStream)\.browser|retry[\\/]middleware-retry[\\/]isStreamingPayload[\\/]isStreamingPayload)\.js$/,
  (text, fail) => {
    const eagerClass =
      'const ReadableStreamRef = typeof ReadableStream === "function" ? ReadableStream : function () { };\nexport class ChecksumStream extends ReadableStreamRef {\n}'
    if (text.includes("ChecksumStream extends")) {
      if (text.trim() !== eagerClass) fail("ChecksumStream.browser.js is not only `class ChecksumStream extends ReadableStreamRef`")
      return (
        "let checksumStream;\n" +
        "export const checksumStreamClass = () => checksumStream ??= (() => {\n" +
        '  const ReadableStreamRef = typeof ReadableStream === "function" ? ReadableStream : function () { };\n' +
        "  return class ChecksumStream extends ReadableStreamRef {\n  };\n" +
        "})();\n"
      )
    }
    if (text.includes("export const createChecksumStream")) {
      const importLine = 'import { ChecksumStream } from "./ChecksumStream.browser";'
      if (text.split(importLine).length !== 2) fail(`not one \`${importLine}\``)
      if (text.split("ChecksumStream.prototype").length !== 2) fail("not one `ChecksumStream.prototype`")
      const patched = text
        .replace(importLine, 'import { checksumStreamClass } from "./ChecksumStream.browser";')
        .replace("ChecksumStream.prototype", "checksumStreamClass().prototype")
      // what is left of the name is in the error messages ("... in ChecksumStream.", "instantiate ChecksumStream")
      if (patched.match(/(?<!\/)\bChecksumStream\b/g)?.length !== patched.match(/(in|instantiate) ChecksumStream\b/g)?.length) {
        fail("ChecksumStream is used otherwise than as ChecksumStream.prototype, once")
      }
      return patched
    }
    const check = "(typeof ReadableStream !== \"undefined\" && request?.body instanceof ReadableStream)"
    if (!text.includes("export const isStreamingPayload") || text.split(check).length !== 2) fail(`isStreamingPayload has not one \`${check}\``)
    // A primitive is an instance of nothing; a typed array's prototypes are those of typed arrays.
    return text.replace(
      check,
      "(typeof request?.body === \"object\" && request.body !== null && !ArrayBuffer.isView(request.body) &&\n" +
        "        typeof ReadableStream !== \"undefined\" && request.body instanceof ReadableStream)"
    )
  }
)

/** All of them, for build.mjs's CLI bundle. */
export const sdkPatches = [inlineSdkSchemaKeys, fastAwsXmlParser, fastXmlReadSchema, fastJsonReadSchema, fastStreamCollector, lazyCliSegmenter, lazyWebStreams]
