// Bundles the CLI into dist/ (see ../shared/build.md for why each flag is here).
// ESM + code splitting: every AWS SDK client is imported lazily inside its Live layer and lands in
// its own chunk, so `aegea --help` loads no SDK and `aegea ls` loads only EC2. Then each chunk is
// turned into a classic script (CommonJS, same code), which the launcher runs with V8's code cache
// (src/compileCache.ts): Node 20 keeps no compiled code of ES modules between runs.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { resolve } from "node:path"
import { sdkPatches } from "./sdkPatches.mjs"

// Build into a fresh directory and swap it in at the end, so a running `aegea` (or a test) never sees
// a half-written dist/.
const out = `dist.tmp-${process.pid}`
rmSync(out, { recursive: true, force: true })
// The launcher (dist/aegea.js, an ES module) and the chunks it loads by name (src/main.ts): the
// command-family roots, the CLI's runner, the launcher's help layout and ticket relay.
const chunkEntries = {
  bin: "src/bin.ts",
  cli: "src/cli.ts",
  cliEc2: "src/cliEc2.ts",
  cliLogs: "src/cliLogs.ts",
  cliLs: "src/cliLs.ts",
  cliSsh: "src/cliSsh.ts",
  commandFamily: "src/lib/commandFamily.ts",
  helpFormat: "src/lib/helpFormat.ts",
  proxyRelay: "src/proxyRelay.ts"
}
const result = await build({
  entryPoints: chunkEntries,
  bundle: true,
  platform: "node",
  format: "esm",
  splitting: true,
  outdir: `${out}/chunks`,
  entryNames: "[name]",
  chunkNames: "[name]-[hash]",
  mainFields: ["module", "main"], // required: with main first, @aws-sdk resolves to CJS and clients are undefined
  target: "node20",
  minify: true,
  sourcemap: "linked",
  // The maps point at src/, which the package ships: no second copy of every source inside them.
  sourcesContent: false,
  metafile: true,
  loader: { ".yml": "text" },
  // sdkPatches: the bundle's patches to the AWS SDK and effect/cli (./sdkPatches.mjs, src/sdkPatches/install.ts)
  plugins: sdkPatches,
  logLevel: "warning"
  // (no banner: the chunks become CommonJS below, whose `require` serves the bundled CommonJS
  // packages' require("node:...") calls)
}).catch((e) => {
  // an SDK patch that no longer fits stops the build (./sdkPatches.mjs): leave dist/ as it was, and no dist.tmp-*
  rmSync(out, { recursive: true, force: true })
  throw e
})
// The launcher: a CommonJS module of its own (dist/package.json below), importing no chunk; it
// starts with src/main.ts's #!/usr/bin/env node, which esbuild keeps. Node runs a CommonJS entry point
// without loading its ES module loader, 8 ms of every command line (see src/main.ts).
const launcher = await build({
  entryPoints: { aegea: "src/main.ts" },
  bundle: true,
  platform: "node",
  format: "cjs",
  outdir: out,
  target: "node20",
  minify: true,
  sourcemap: "linked",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning"
})
writeFileSync(
  `${out}/meta.json`,
  JSON.stringify({
    inputs: { ...result.metafile.inputs, ...launcher.metafile.inputs },
    outputs: { ...result.metafile.outputs, ...launcher.metafile.outputs }
  })
)

// The chunks as classic scripts: each ES module chunk becomes a CommonJS module of the same code
// (imports of other chunks: require("./chunk-X.js"); import() of a chunk or a Node built-in:
// require() behind a promise), in place, its source map chained to the one of the ES build. They
// run in strict mode, as modules did.
const chunkFiles = readdirSync(`${out}/chunks`).filter((f) => f.endsWith(".js"))
// ES modules may import each other in a loop (bindings are live, declarations hoisted); CommonJS
// modules that do would see each other half-run. esbuild's chunks have had no loop: stop if one appears.
{
  const imports = new Map(Object.entries(result.metafile.outputs).map(([file, o]) => [file, o.imports.filter((i) => i.kind === "import-statement").map((i) => i.path)]))
  const state = new Map()
  const visit = (file, path) => {
    if (state.get(file) === "done") return
    if (state.get(file) === "open") throw new Error(`build: the chunks import each other in a loop (${[...path, file].join(" -> ")}), which CommonJS chunks cannot`)
    state.set(file, "open")
    for (const next of imports.get(file) ?? []) visit(next, [...path, file])
    state.set(file, "done")
  }
  for (const file of imports.keys()) visit(file, [])
}
for (const f of chunkFiles) {
  // `import.meta` has no meaning in a classic script; the one use in the chunks (a package reading
  // `import.meta?.env`, which Node leaves undefined) reads an empty object instead, the same result.
  const uses = readFileSync(`${out}/chunks/${f}`, "utf8").match(/import\.meta\b(\?\.env\b)?/g) ?? []
  if (uses.some((u) => u !== "import.meta?.env")) throw new Error(`build: chunks/${f} uses import.meta, which a classic script cannot (src/main.ts loads the chunks)`)
}
// First: dist/chunks/package.json, which tells Node the chunks are CommonJS (the launcher's require()
// path: --debug, AEGEA_NO_COMPILE_CACHE=1), and esbuild that they are not Node's ES modules: an import()
// of a chunk then gives its namespace as an ES module would (`default` is its default export), not
// the CommonJS module object under `default`.
writeFileSync(`${out}/chunks/package.json`, '{ "type": "commonjs" }\n')
await build({
  entryPoints: chunkFiles.map((f) => `${out}/chunks/${f}`),
  outdir: `${out}/chunks`,
  allowOverwrite: true,
  bundle: false,
  platform: "node",
  format: "cjs",
  target: "node20",
  supported: { "dynamic-import": false },
  minify: true,
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "warning",
  logOverride: { "empty-import-meta": "silent" }
})
// A chunk's exports, as esbuild's CommonJS output gives them (`module.exports = __toCommonJS(ns)`), are
// a copy of its namespace object whose every property is a getter sharing one function, `() => ns[key]`:
// in optimized code that key varies, so each use of another chunk's function costs two getter calls
// and a megamorphic keyed load (about 2% of a tunnel's CPU per MB, in Effect's core for every command).
// The helper is rewritten to hand out the namespace itself, marked `__esModule` as the copy was: the
// same properties, the same live getters (`key: () => binding`), one call each. The text keeps its
// length (padded with spaces), so the source maps still fit.
for (const f of chunkFiles) {
  const file = `${out}/chunks/${f}`
  const text = readFileSync(file, "utf8")
  const helper = /([\w$]+)=>([\w$]+)\(([\w$]+)\(\{\},"__esModule",\{value:!0\}\),\1\)/g
  const found = [...text.matchAll(helper)]
  if (found.length === 0) continue
  if (found.length > 1) throw new Error(`build: chunks/${f} defines esbuild's __toCommonJS more than once`)
  const [whole, arg, , defineProperty] = found[0]
  const replacement = `${arg}=>${defineProperty}(${arg},"__esModule",{value:!0})`
  writeFileSync(file, text.replace(whole, replacement.padEnd(whole.length, " ")))
}
// The build's content hash of the chunks names the compile cache's files (src/compileCache.ts): the
// launcher carries it, written over its placeholder of the same length (which keeps its source map).
{
  const hash = createHash("sha256")
  for (const f of chunkFiles.sort()) hash.update(`${f}\0`).update(readFileSync(`${out}/chunks/${f}`)).update("\0")
  const placeholder = "aegea-build-id-placeholder-xxxxx"
  const launcher = readFileSync(`${out}/aegea.js`, "utf8")
  if (launcher.split(placeholder).length !== 2) throw new Error("build: dist/aegea.js does not hold the build id's placeholder once (src/main.ts BUILD_ID)")
  writeFileSync(`${out}/aegea.js`, launcher.replace(placeholder, hash.digest("hex").slice(0, placeholder.length)))
}
// `./dist/aegea.js` runs as a program (it starts with #!/usr/bin/env node).
chmodSync(`${out}/aegea.js`, 0o755)
// dist/aegea.js and dist/aegea-ssh.js are CommonJS (the package is "type": "module"); the library's
// ES modules (dist/lib/) and their types (dist/types/, which `npm run build:types` writes) say so
// again below them, so that Node and TypeScript read them as before.
writeFileSync(`${out}/package.json`, '{ "type": "commonjs" }\n')

// `aegea-ssh` (the second bin): a few hundred bytes that run dist/aegea.js as `aegea ssh ...` (src/aegeaSsh.ts).
await build({
  entryPoints: { "aegea-ssh": "src/aegeaSsh.ts" },
  bundle: true,
  platform: "node",
  format: "cjs",
  outdir: out,
  target: "node20",
  minify: true,
  logLevel: "warning",
  banner: { js: "#!/usr/bin/env node" }
})
chmodSync(`${out}/aegea-ssh.js`, 0o755)

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
  // The maps point at src/, which the package ships: no second copy of every source inside them.
  sourcesContent: false,
  logLevel: "warning"
})
writeFileSync(`${out}/lib/package.json`, '{ "type": "module" }\n')

// `aegea --help` and `aegea --version` print text that only changes with the build, so render it now
// (plain and coloured, exactly as the CLI would) and let the launcher print it without loading the CLI.
mkdirSync(`${out}/static`, { recursive: true })
const render = (args, env) =>
  execFileSync(process.execPath, [`${out}/aegea.js`, ...args], {
    env: { PATH: process.env.PATH ?? "", AEGEA_NO_STATIC: "1", AEGEA_NO_COMPILE_CACHE: "1", ...env },
    stdio: ["ignore", "pipe", "inherit"]
  })
writeFileSync(`${out}/static/help.txt`, render(["--help"], { NO_COLOR: "1" }))
writeFileSync(`${out}/static/help.color.txt`, render(["--help"], { FORCE_COLOR: "1" }))
// The same help as a document (src/lib/helpFormat.ts), which the launcher wraps to a terminal's width.
writeFileSync(`${out}/static/help.json`, render(["--help"], { AEGEA_HELP_DOC: "json" }))
// Every command's help as a document (`aegea COMMAND --help`, laid out by the launcher; one run of the CLI).
mkdirSync(`${out}/static/help`, { recursive: true })
render([], { AEGEA_HELP_DOCS: `${out}/static/help` })
// ...and laid out as the launcher would on a pipe without colour (80 columns), by the built layout
// code itself: COMMAND.txt, which the launcher prints as it is there (src/main.ts printCommandHelp).
{
  const { renderHelpDoc } = createRequire(import.meta.url)(resolve(`${out}/chunks/helpFormat.js`))
  for (const file of readdirSync(`${out}/static/help`)) {
    if (!file.endsWith(".json")) continue
    const doc = JSON.parse(readFileSync(`${out}/static/help/${file}`, "utf8"))
    writeFileSync(`${out}/static/help/${file.slice(0, -".json".length)}.txt`, `${renderHelpDoc(doc, { width: 80, colors: false })}\n`)
  }
}
writeFileSync(`${out}/static/version.txt`, render(["--version"], { NO_COLOR: "1" }))
writeFileSync(`${out}/static/version.color.txt`, render(["--version"], { FORCE_COLOR: "1" }))

// Keep the types of a previous `npm run build:types`, then swap.
if (existsSync("dist/types")) renameSync("dist/types", `${out}/types`)
mkdirSync(`${out}/types`, { recursive: true })
writeFileSync(`${out}/types/package.json`, '{ "type": "module" }\n')
const old = `dist.old-${process.pid}`
if (existsSync("dist")) renameSync("dist", old)
renameSync(out, "dist")
rmSync(old, { recursive: true, force: true })
