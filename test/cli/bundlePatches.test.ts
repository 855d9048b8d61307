// The CLI bundle's patches to third-party code (scripts/sdkPatches.mjs, src/sdkPatches/install.ts) are
// in dist/: each test looks for the evidence of one patch in the built JS and in dist/meta.json (the
// esbuild metafile, which says what each input became and which output holds it), and where the
// patch can be seen from outside, runs the built CLI. Each patch's tests fail when its plugin is left
// out of the build (tried, one plugin at a time). The tests that hold each patch equal to the code it
// replaces are listed in src/sdkPatches/install.ts.
import { DescribeInstancesResult$ } from "@aws-sdk/client-ec2"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { REPO_ROOT, runCli } from "../support/cli.ts"
import { sdkDeserializer } from "../support/xmlDeserializer.ts"

interface Metafile {
  readonly inputs: Record<string, { readonly bytes: number; readonly imports: ReadonlyArray<{ readonly path: string }> }>
  readonly outputs: Record<string, { readonly inputs: Record<string, { readonly bytesInOutput: number }> }>
}

const DIST = join(REPO_ROOT, "dist")
const meta = JSON.parse(readFileSync(join(DIST, "meta.json"), "utf8")) as Metafile

/** The one input whose path matches `re` (input paths are relative to where the build ran). */
const input = (re: RegExp): string => {
  const found = Object.keys(meta.inputs).filter((path) => re.test(path))
  expect(found, `inputs matching ${re}`).toHaveLength(1)
  return found[0]!
}

/** The paths an input imports, after the plugins' work. */
const importsOf = (path: string): ReadonlyArray<string> => meta.inputs[path]!.imports.map((i) => i.path)

/** The JS outputs that hold code of `path`, as files under dist/, with how many bytes of it. */
const outputsOf = (path: string): Array<{ readonly file: string; readonly bytes: number }> =>
  Object.entries(meta.outputs)
    .filter(([out, o]) => out.endsWith(".js") && (o.inputs[path]?.bytesInOutput ?? 0) > 0)
    // written as dist.tmp-<pid>/..., then renamed to dist/
    .map(([out, o]) => ({ file: join(DIST, out.slice(out.indexOf("/") + 1)), bytes: o.inputs[path]!.bytesInOutput }))

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * The name by which the code of `chunk` (a file of dist/) calls the installer of src/sdkPatches/install.ts
 * whose prototype marker is `Symbol.for(symbol)`: the installer's own minified name when install.ts is
 * bundled into `chunk`, else the name `chunk` imports it by from the chunk that holds install.ts (which
 * esbuild shares between the SDK modules that call it).
 */
const installerIn = (chunk: string, symbol: string): string | undefined => {
  const marker = new RegExp(`Symbol\\.for\\("${escape(symbol)}"\\),([\\w$]+)=`)
  const local = marker.exec(readFileSync(chunk, "utf8"))?.[1]
  if (local !== undefined) return local
  const [home, ...others] = outputsOf(input(/(^|\/)src\/sdkPatches\/install\.ts$/)).map((o) => o.file)
  expect(others, "chunks holding install.ts").toStrictEqual([])
  const homeJs = readFileSync(home!, "utf8")
  const name = marker.exec(homeJs)?.[1]
  expect(name, `the installer marked ${symbol} in ${home}`).toBeDefined()
  // The chunks are CommonJS (scripts/build.mjs): `{...,q:()=>Hi,...}` among the exports of install.ts's
  // chunk, `var a=require("./chunk-X.js")` in `chunk`, which calls it as `(0,a.q)(...)`.
  const exported = new RegExp(`[{,]([\\w$]+):\\(\\)=>${escape(name!)}(?![\\w$])`).exec(homeJs)
  expect(exported, `the export of ${name}`).not.toBeNull()
  const as = exported![1]!
  const from = `"./${home!.slice(home!.lastIndexOf("/") + 1)}"`
  const namespace = new RegExp(`(?<![\\w$])([\\w$]+)=require\\(${escape(from)}\\)`).exec(readFileSync(chunk, "utf8"))?.[1]
  return namespace === undefined ? undefined : `(0,${namespace}.${as})`
}

/**
 * Checks that `chunk` (the one that holds `sdkModule`) calls the installer marked `symbol` on a class
 * defined before the call in the same chunk, with `methods`: the SDK's class, patched as it loads.
 */
const expectInstalledOn = (chunk: string, symbol: string, methods: ReadonlyArray<string>): void => {
  const js = readFileSync(chunk, "utf8")
  const install = installerIn(chunk, symbol)
  expect(install, "the installer's minified name").toBeDefined()
  const calls = [...js.matchAll(new RegExp(`[;,}]${escape(install!)}\\(([\\w$]+)\\)`, "g"))]
  expect(calls, `calls of ${install}`).toHaveLength(1)
  const [call] = calls
  const cls = call![1]!
  const start = js.search(new RegExp(`(?<![\\w$])(${escape(cls)}=class|class ${escape(cls)})(?![\\w$])`))
  expect(start, `the class ${cls}`).toBeGreaterThanOrEqual(0)
  expect(start).toBeLessThan(call!.index)
  const body = js.slice(start, call!.index)
  for (const method of methods) expect(body.includes(method), `${cls} has ${method}`).toBe(true)
}

describe("fast-aws-xml-parser: the SDK's parseXML is src/sdkPatches/xmlParser.ts", () => {
  it("bundles xml-parser.js as a re-export of xmlParser.ts, none of the SDK's parser", () => {
    const sdkParser = input(/node_modules\/@aws-sdk\/xml-builder\/dist-es\/xml-parser\.js$/)
    const ours = input(/(^|\/)src\/sdkPatches\/xmlParser\.ts$/)
    expect(importsOf(sdkParser)).toStrictEqual([ours])
    expect(outputsOf(sdkParser)).toStrictEqual([])
    expect(outputsOf(ours).length).toBeGreaterThan(0)
  })
})

describe("fast-xml-read-schema: src/sdkPatches/install.ts is called on the SDK's XmlShapeDeserializer", () => {
  it("appends the installer's call to the SDK's module, in the chunk that holds the class", () => {
    const sdkModule = input(/node_modules\/@aws-sdk\/core\/dist-es\/.*\/xml\/XmlShapeDeserializer\.js$/)
    const installer = input(/(^|\/)src\/sdkPatches\/install\.ts$/)
    expect(importsOf(sdkModule)).toContain(installer)
    const [chunk, ...others] = outputsOf(sdkModule)
    expect(others).toStrictEqual([])
    // Minified: `var INSTALLED=Symbol.for("aegea.sdkPatches.XmlShapeDeserializer"),install=c=>{...}`,
    // then, after the class (`var C=class extends ...{...readSchema(...)...parseXml(...)...}`), `install(C)`.
    expectInstalledOn(chunk!.file, "aegea.sdkPatches.XmlShapeDeserializer", ["read(", "readSchema(", "parseXml("])
  })

  describe("aegea ls on a response malformed only where the schema reads nothing", () => {
    // The guided parse passes over <bogus> unread; the SDK's deserializer reports its mismatched tags.
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` +
      "<requestId>r-1</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>" +
      "<instanceId>i-0123456789abcdef0</instanceId><instanceType>t3.micro</instanceType>" +
      "<instanceState><code>16</code><name>running</name></instanceState><bogus><a></b></bogus>" +
      "<tagSet><item><key>Name</key><value>web-x</value></item></tagSet></item></instancesSet></item></reservationSet>" +
      "</DescribeInstancesResponse>"
    let server: Server
    let endpoint: string
    const actions: Array<string> = []
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = ""
        req.setEncoding("utf8").on("data", (d: string) => (body += d))
        req.on("end", () => {
          actions.push(new URLSearchParams(body).get("Action") ?? "")
          res.writeHead(200, { "content-type": "text/xml" }).end(xml)
        })
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

    it("the SDK's own deserializer fails on it", () => {
      expect(() => sdkDeserializer().read(DescribeInstancesResult$, new TextEncoder().encode(xml))).toThrow(/mismatched tags/)
    })

    it("the bundle reads the instance", async () => {
      const r = await runCli(["ls", "--output", "json"], { env: { AWS_ENDPOINT_URL: endpoint } })
      expect(r.stderr).toBe("")
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject([{ id: "i-0123456789abcdef0", name: "web-x", state: "running" }])
      expect(actions).toStrictEqual(["DescribeInstances"])
    })
  })
})

describe("fast-json-read-schema: src/sdkPatches/install.ts is called on the SDK's JsonShapeDeserializer2", () => {
  it("appends the installer's call to the SDK's module, in the chunk that holds the class", () => {
    const sdkModule = input(/node_modules\/@smithy\/core\/dist-es\/.*\/json\/codec-v2\/JsonShapeDeserializer2\.js$/)
    const installer = input(/(^|\/)src\/sdkPatches\/install\.ts$/)
    expect(importsOf(sdkModule)).toContain(installer)
    expect(importsOf(installer)).toContain(input(/(^|\/)src\/sdkPatches\/jsonReadSchema\.ts$/))
    const [chunk, ...others] = outputsOf(sdkModule)
    expect(others).toStrictEqual([])
    // `install(C)` after the class `C=class extends ...{...readObject(...)..._read(...)..._readStruct(...)...}`.
    expectInstalledOn(chunk!.file, "aegea.sdkPatches.JsonShapeDeserializer2", ["readObject(", "_read(", "_readStruct("])
  })
})

describe("fast-stream-collector: the SDK's streamCollector wraps src/sdkPatches/streamCollector.ts", () => {
  it("the SDK's module imports the replacement, and its exported streamCollector is the wrapped SDK function", () => {
    const sdkModule = input(/node_modules\/@smithy\/core\/dist-es\/submodules\/serde\/util-stream\/stream-collector\.js$/)
    expect(importsOf(sdkModule)).toContain(input(/(^|\/)src\/sdkPatches\/streamCollector\.ts$/))
    const [chunk, ...others] = outputsOf(sdkModule)
    expect(others).toStrictEqual([])
    // The replacement's own test of a stream (which no other code of the bundle has), and the SDK's
    // Writable-based collector kept for what it hands back.
    const js = readFileSync(chunk!.file, "utf8")
    expect(js).toMatch(/readableObjectMode\|\|[\w$]+\.readableEncoding!==null\?/)
    expect(js).toContain("bufferedBytes")
  })
})

// Only EC2's module shrinks: the other clients' output schemas are bundled whole either way.
describe("inline-sdk-schema-keys: EC2's schema module keeps only the schemas aegea uses", () => {
  it("EC2's schema module is a small part of its source, without the operations aegea never calls", () => {
    const schemas = input(/node_modules\/@aws-sdk\/client-ec2\/dist-es\/schemas\/schemas_0\.js$/)
    const outputs = outputsOf(schemas)
    expect(outputs.length).toBeGreaterThan(0)
    const bundled = outputs.reduce((n, o) => n + o.bytes, 0)
    // 1.4 MB of source; about 60 KB bundled (550 KB without the patch).
    expect(bundled).toBeLessThan(meta.inputs[schemas]!.bytes / 10)
    for (const { file } of outputs) {
      const js = readFileSync(file, "utf8")
      expect(js.includes('"DescribeInstancesResult"'), "the schema of DescribeInstances' output").toBe(true)
      expect(js.includes('"AcceptReservedInstancesExchangeQuote'), "schemas of AcceptReservedInstancesExchangeQuote").toBe(false)
    }
  })
})

describe("lazy-cli-segmenter: effect/cli's Intl.Segmenter is built on first use", () => {
  it("CliOutput.js's chunk builds it only behind ??=", () => {
    const cliOutput = input(/node_modules\/effect\/dist\/cli\/CliOutput\.js$/)
    const [chunk, ...others] = outputsOf(cliOutput)
    expect(others).toStrictEqual([])
    const js = readFileSync(chunk!.file, "utf8")
    expect(js.match(/new Intl\.Segmenter\(/g)?.length, "Intl.Segmenter built").toBe(1)
    expect(js.match(/\?\?=new Intl\.Segmenter\(/g)?.length, "Intl.Segmenter built behind ??=").toBe(1)
  })

  describe("the whole CLI, with Intl.Segmenter counted", () => {
    let dir: string
    let probe: string
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "aegea-segmenter-"))
      probe = join(dir, "count-segmenters.mjs")
      writeFileSync(
        probe,
        "const Segmenter = Intl.Segmenter; let made = 0;\n" +
          "Intl.Segmenter = class extends Segmenter { constructor(...args) { super(...args); made++ } };\n" +
          'process.on("exit", () => process.stderr.write(`segmenters=${made}\\n`));\n'
      )
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    // AEGEA_NO_STATIC=1: the launcher loads the whole CLI (effect/cli with CliOutput.js) for these.
    it("builds none for --version", async () => {
      const r = await runCli(["--version"], { env: { AEGEA_NO_STATIC: "1" }, nodeArgs: ["--import", probe] })
      expect(r.code).toBe(0)
      expect(r.stderr).toBe("segmenters=0\n")
    })

    it("builds at most one to render --help (aegea's own help layout measures text without it)", async () => {
      const r = await runCli(["--help"], { env: { AEGEA_NO_STATIC: "1" }, nodeArgs: ["--import", probe] })
      expect(r.code).toBe(0)
      expect(r.stderr).toMatch(/^segmenters=[01]\n$/)
    })
  })
})

describe("lazy-web-streams: @smithy/core reads the global ReadableStream only when a body may be one", () => {
  const smithy = "node_modules/@smithy/core/dist-es/submodules"
  /** `file` of @smithy/core bundled alone with the plugin (or without it), as CommonJS exports. */
  const bundled = async (file: string, patched: boolean): Promise<Record<string, unknown>> => {
    const { build } = await import("esbuild")
    const patches = "../../scripts/sdkPatches.mjs"
    const { lazyWebStreams } = (await import(patches)) as { lazyWebStreams: import("esbuild").Plugin }
    const out = await build({
      entryPoints: [join(REPO_ROOT, smithy, file)],
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      plugins: patched ? [lazyWebStreams] : []
    })
    const module = { exports: {} as Record<string, unknown> }
    new Function("module", "exports", "require", out.outputFiles[0]!.text)(module, module.exports, createRequire(import.meta.url))
    return module.exports
  }

  it("the chunk of ChecksumStream makes its class behind ??=, and isStreamingPayload's asks only of objects", () => {
    const checksum = readFileSync(outputsOf(input(/\/ChecksumStream\.browser\.js$/))[0]!.file, "utf8")
    expect(checksum).not.toMatch(/=typeof ReadableStream=="function"\?ReadableStream:function\(\)\{\},/)
    expect(checksum).toMatch(/\?\?=\(\(\)=>\{let [\w$]+=typeof ReadableStream=="function"\?ReadableStream:function\(\)\{\}/)
    const retry = readFileSync(outputsOf(input(/isStreamingPayload\.js$/))[0]!.file, "utf8")
    expect(retry).toMatch(/!ArrayBuffer\.isView\([\w$]+\.body\)&&typeof ReadableStream<"u"&&/)
  })

  it("isStreamingPayload answers as the SDK's for every kind of body", async () => {
    const sdk = (await bundled("retry/middleware-retry/isStreamingPayload/isStreamingPayload.js", false)).isStreamingPayload as (r: unknown) => boolean
    const ours = (await bundled("retry/middleware-retry/isStreamingPayload/isStreamingPayload.js", true)).isStreamingPayload as (r: unknown) => boolean
    const { Readable } = await import("node:stream")
    const bodies = [undefined, null, "Action=DescribeInstances", Buffer.from("x"), new Uint8Array(2), new DataView(new ArrayBuffer(1)), {}, Readable.from(["a"]), new ReadableStream(), 0]
    const answers = bodies.map((body) => ours({ body }))
    expect(answers).toEqual(bodies.map((body) => sdk({ body })))
    expect(answers.filter(Boolean)).toHaveLength(2)
    expect(ours(undefined)).toBe(sdk(undefined))
  })

  it("createChecksumStream of a web stream gives a ChecksumStream, a ReadableStream, that checks as the SDK's", async () => {
    const file = "serde/util-stream/checksum/createChecksumStream.browser.js"
    for (const patched of [false, true]) {
      const { createChecksumStream } = await bundled(file, patched) as { createChecksumStream: (init: unknown) => ReadableStream }
      const checksumOf = (digest: Uint8Array) => ({ update: () => {}, digest: async () => digest })
      const source = () => new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1])), c.close()) })
      const good = createChecksumStream({ expectedChecksum: "AQI=", checksum: checksumOf(new Uint8Array([1, 2])), source: source(), checksumSourceLocation: "x" })
      expect(good).toBeInstanceOf(ReadableStream)
      // a class of its own, extending ReadableStream, made once
      const cls = Object.getPrototypeOf(good).constructor
      expect(cls.name, `patched: ${patched}`).toBe("ChecksumStream")
      expect(Object.getPrototypeOf(cls)).toBe(ReadableStream)
      const again = createChecksumStream({ expectedChecksum: "AQI=", checksum: checksumOf(new Uint8Array([1, 2])), source: source(), checksumSourceLocation: "x" })
      expect(Object.getPrototypeOf(again)).toBe(Object.getPrototypeOf(good))
      expect(await new Response(good).arrayBuffer()).toEqual(new Uint8Array([1]).buffer)
      const bad = createChecksumStream({ expectedChecksum: "AAA=", checksum: checksumOf(new Uint8Array([1, 2])), source: source(), checksumSourceLocation: "x" })
      await expect(new Response(bad).arrayBuffer()).rejects.toThrow(/Checksum mismatch/)
    }
  })
})
