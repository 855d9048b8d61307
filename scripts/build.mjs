// Bundles the CLI into dist/ (see ../shared/build.md for why each flag is here).
// ESM + code splitting: every AWS SDK client is imported lazily inside its Live layer and lands in
// its own chunk, so `aegea --help` loads no SDK and `aegea ls` loads only EC2.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { sdkPatches } from "./sdkPatches.mjs"

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
  // The maps point at src/, which the package ships: no second copy of every source inside them.
  sourcesContent: false,
  metafile: true,
  loader: { ".yml": "text" },
  // sdkPatches: the bundle's patches to the AWS SDK and effect/cli (./sdkPatches.mjs, src/sdkPatches/install.ts)
  plugins: sdkPatches,
  logLevel: "warning",
  banner: { js: "#!/usr/bin/env node\nimport{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" }
}).catch((e) => {
  // an SDK patch that no longer fits stops the build (./sdkPatches.mjs): leave dist/ as it was, and no dist.tmp-*
  rmSync(out, { recursive: true, force: true })
  throw e
})
writeFileSync(`${out}/meta.json`, JSON.stringify(result.metafile))
// `./dist/aegea.js` runs as a program (it starts with #!/usr/bin/env node).
chmodSync(`${out}/aegea.js`, 0o755)

// `aegea-ssh` (the second bin): a few hundred bytes that run dist/aegea.js as `aegea ssh ...` (src/aegeaSsh.ts).
await build({
  entryPoints: { "aegea-ssh": "src/aegeaSsh.ts" },
  bundle: true,
  platform: "node",
  format: "esm",
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
// The same help as a document (src/lib/helpFormat.ts), which the launcher wraps to a terminal's width.
writeFileSync(`${out}/static/help.json`, render(["--help"], { AEGEA_HELP_DOC: "json" }))
// Every command's help as a document (`aegea COMMAND --help`, laid out by the launcher; one run of the CLI).
mkdirSync(`${out}/static/help`, { recursive: true })
render([], { AEGEA_HELP_DOCS: `${out}/static/help` })
// ...and laid out as the launcher would on a pipe without colour (80 columns), by the built layout
// code itself: COMMAND.txt, which the launcher prints as it is there (src/main.ts printCommandHelp).
{
  const [layoutChunk] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === "src/lib/helpFormat.ts") ?? []
  if (layoutChunk === undefined) throw new Error("build: no chunk for src/lib/helpFormat.ts (the launcher's help layout)")
  const { renderHelpDoc } = await import(pathToFileURL(resolve(layoutChunk)).href)
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
const old = `dist.old-${process.pid}`
if (existsSync("dist")) renameSync("dist", old)
renameSync(out, "dist")
rmSync(old, { recursive: true, force: true })
