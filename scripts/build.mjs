// Bundles the CLI into dist/ (see ../shared/build.md for why each flag is here).
// ESM + code splitting: every AWS SDK client is imported lazily inside its Live layer and lands in
// its own chunk, so `aegea --help` loads no SDK and `aegea ls` loads only EC2.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The SDK's generated schema modules (one per client; EC2's is 550 KB) key their objects with
 * computed names of string constants (`{ [_xN]: _m }`), which esbuild must assume may have side
 * effects, so it keeps every schema of the service. Writing those keys as the string literals they
 * are makes the module tree-shakeable: only the schemas of the commands aegea imports remain
 * (EC2: about 25 KB). Identifiers that are not string constants of the same file are left alone.
 */
const inlineSdkSchemaKeys = {
  name: "inline-sdk-schema-keys",
  setup(build) {
    build.onLoad({ filter: /@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
      const constants = new Map()
      for (const m of text.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(m[1], m[2])
      const contents = text.replace(/\[(_\w+)\]:/g, (all, name) => (constants.has(name) ? `${constants.get(name)}:` : all))
      return { contents, loader: "js" }
    })
  }
}

/**
 * The SDK's XML parser (used for every EC2, IAM, S3... response) reads names and texts one character at
 * a time; src/lib/awsXml.ts is the same algorithm with indexOf and slices, about twice as fast from a
 * cold start (`aegea ls` of 300 instances: ~0.05 s less CPU). test/unit/awsXml.test.ts and
 * test/integration/awsXml.test.ts hold them equal.
 */
const fastAwsXmlParser = {
  name: "fast-aws-xml-parser",
  setup(build) {
    build.onLoad({ filter: /@aws-sdk[\\/]xml-builder[\\/]dist-es[\\/]xml-parser\.js$/ }, () => ({
      contents: `export { parseXML } from ${JSON.stringify(fileURLToPath(new URL("../src/lib/awsXml.ts", import.meta.url)))}`,
      loader: "js"
    }))
  }
}

/**
 * The SDK's XML deserializer re-derives each schema's kind, members and XML names for every value it
 * reads, walks the parsed tree twice, and parses what its schema never reads; src/lib/xmlReadSchema.ts
 * derives them once per schema, resolves text nodes while parsing and has the parser pass over the
 * elements the schema does not name (`aegea ls` of 300 instances: about 0.05 s less CPU). test/unit/xmlReadSchema.test.ts and test/integration/awsXml.test.ts hold the two
 * equal. If a new SDK release renames the class, the build says so and keeps the SDK's method.
 */
const fastXmlReadSchema = {
  name: "fast-xml-read-schema",
  setup(build) {
    build.onLoad({ filter: /@aws-sdk[\\/]core[\\/]dist-es[\\/].*[\\/]xml[\\/]XmlShapeDeserializer\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
      const methods = ["read", "readSchema", "parseXml"]
      if (!/export class XmlShapeDeserializer\b/.test(text) || !methods.every((m) => new RegExp(`\\n {4}${m}\\(`).test(text))) {
        console.warn(`fast-xml-read-schema: ${args.path} changed; the SDK's readSchema stays`)
        return undefined
      }
      const module = JSON.stringify(fileURLToPath(new URL("../src/lib/xmlReadSchema.ts", import.meta.url)))
      const install =
        `\nimport { fastReadSchema as __fastReadSchema, guidedRead as __guidedRead, parseXml as __fastParseXml } from ${module};\n` +
        "XmlShapeDeserializer.prototype.readSchema = __fastReadSchema(XmlShapeDeserializer.prototype.readSchema);\n" +
        "XmlShapeDeserializer.prototype.read = __guidedRead(XmlShapeDeserializer.prototype.read);\n" +
        "XmlShapeDeserializer.prototype.parseXml = __fastParseXml;\n"
      return { contents: text + install, loader: "js" }
    })
  }
}

/**
 * effect/cli builds an `Intl.Segmenter` when its module loads (16 ms of CPU: ICU loads its break
 * rules), though only help rendering measures text with it. Build it on first use instead. If a new
 * effect release changes the line, the build says so and goes on without this.
 */
const lazyCliSegmenter = {
  name: "lazy-cli-segmenter",
  setup(build) {
    build.onLoad({ filter: /effect[\\/]dist[\\/]cli[\\/]CliOutput\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
      const eager = /const graphemeSegmenter = \/\*#__PURE__\*\/new Intl\.Segmenter\(undefined, \{\s*granularity: "grapheme"\s*\}\);/
      if (!eager.test(text)) {
        console.warn(`lazy-cli-segmenter: ${args.path} changed; the segmenter stays eager`)
        return undefined
      }
      const lazy =
        "let graphemeSegmenterInstance; const graphemeSegmenter = { segment: (text) => " +
        '(graphemeSegmenterInstance ??= new Intl.Segmenter(undefined, { granularity: "grapheme" })).segment(text) };'
      return { contents: text.replace(eager, lazy), loader: "js" }
    })
  }
}

/**
 * The source imports Effect the house way, `import { Effect, Schema } from "effect"` (and the same from
 * "effect/cli" and "effect/process"). Those barrels re-export each module as a namespace
 * (`export * as Effect from "./Effect.js"`), and esbuild then builds the whole namespace object and keeps
 * every export of the module and all it imports, used or not (`import { Effect } from "effect"` for one
 * `Effect.succeed` bundles 90 KB; `import * as Effect from "effect/Effect"` 26 KB). This plugin rewrites
 * such imports in src/ to the modules themselves, which esbuild tree-shakes member by member: the code
 * `aegea ls` loads shrinks by a third. Each barrel's names are read from its own index.js, so a name the
 * plugin cannot map stops the build instead of being guessed.
 */
const directEffectImports = {
  name: "direct-effect-imports",
  setup(build) {
    const require = createRequire(import.meta.url)
    const barrels = new Map()
    const barrel = (specifier) => {
      let names = barrels.get(specifier)
      if (names) return names
      const index = require.resolve(specifier)
      const dir = dirname(index)
      const text = readFileSync(index, "utf8")
      names = new Map()
      for (const m of text.matchAll(/export \* as (\w+) from "\.\/([\w/]+\.js)";/g))
        names.set(m[1], { namespace: true, file: join(dir, m[2]) })
      for (const m of text.matchAll(/export \{([^}]*)\} from "\.\/([\w/]+\.js)";/g))
        for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean))
          names.set(name, { namespace: false, file: join(dir, m[2]) })
      if (names.size === 0) throw new Error(`direct-effect-imports: no exports found in ${index}`)
      barrels.set(specifier, names)
      return names
    }
    const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src")
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(src)) return undefined
      const text = readFileSync(args.path, "utf8")
      const contents = text.replace(
        /import\s+(type\s+)?\{([^}]*)\}\s*from\s*"(effect|effect\/cli|effect\/process)";?/g,
        (all, typeOnly, list, specifier) => {
          const lines = "\n".repeat(all.split("\n").length - 1) // keep line numbers for the source map
          if (typeOnly) return lines
          const names = barrel(specifier)
          const out = []
          for (const entry of list.split(",").map((s) => s.trim()).filter(Boolean)) {
            if (entry.startsWith("type ")) continue
            const [name, alias = name] = entry.split(/\s+as\s+/)
            const target = names.get(name)
            if (!target) throw new Error(`direct-effect-imports: ${args.path}: "${name}" is not exported by ${specifier}`)
            out.push(
              target.namespace
                ? `import * as ${alias} from ${JSON.stringify(target.file)};`
                : `import { ${name} as ${alias} } from ${JSON.stringify(target.file)};`
            )
          }
          return out.join(" ") + lines
        }
      )
      return { contents, loader: "ts" }
    })
  }
}

// Build into a fresh directory and swap it in at the end, so a running `aegea` (or a test) never sees
// a half-written dist/.
const out = `dist.tmp-${process.pid}`
rmSync(out, { recursive: true, force: true })
const result = await build({
  entryPoints: { aegea: "src/main.ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  splitting: true,
  outdir: out,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  mainFields: ["module", "main"], // required: with main first, @aws-sdk resolves to CJS and clients are undefined
  target: "node20",
  minify: true,
  sourcemap: "linked",
  metafile: true,
  loader: { ".yml": "text" },
  plugins: [directEffectImports, inlineSdkSchemaKeys, fastAwsXmlParser, fastXmlReadSchema, lazyCliSegmenter],
  logLevel: "warning",
  banner: { js: "#!/usr/bin/env node\nimport{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" }
})
writeFileSync(`${out}/meta.json`, JSON.stringify(result.metafile))

// The library (`import ... from "aegea"` and "aegea/testing"): ESM with dependencies left as imports,
// so a program that embeds aegea shares one copy of effect and the SDK with it. Types: `npm run build:types`.
await build({
  entryPoints: { index: "src/index.ts", testing: "src/testing/index.ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  splitting: true,
  outdir: `${out}/lib`,
  chunkNames: "chunks/[name]-[hash]",
  packages: "external",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning"
})

// `aegea --help` and `aegea --version` print text that only changes with the build, so render it now
// (plain and coloured, exactly as the CLI would) and let the launcher print it without loading the CLI.
mkdirSync(`${out}/static`, { recursive: true })
const render = (args, env) =>
  execFileSync(process.execPath, [`${out}/aegea.js`, ...args], {
    env: { PATH: process.env.PATH ?? "", AEGEA_NO_STATIC: "1", ...env },
    stdio: ["ignore", "pipe", "inherit"]
  })
writeFileSync(`${out}/static/help.txt`, render(["--help"], { NO_COLOR: "1" }))
writeFileSync(`${out}/static/help.color.txt`, render(["--help"], { FORCE_COLOR: "1" }))
writeFileSync(`${out}/static/version.txt`, render(["--version"], { NO_COLOR: "1" }))
writeFileSync(`${out}/static/version.color.txt`, render(["--version"], { FORCE_COLOR: "1" }))

// Keep the types of a previous `npm run build:types`, then swap.
if (existsSync("dist/types")) renameSync("dist/types", `${out}/types`)
const old = `dist.old-${process.pid}`
if (existsSync("dist")) renameSync("dist", old)
renameSync(out, "dist")
rmSync(old, { recursive: true, force: true })
