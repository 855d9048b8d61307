// Bundles the CLI into dist/ (see ../shared/build.md for why each flag is here).
// ESM + code splitting: every AWS SDK client is imported lazily inside its Live layer and lands in
// its own chunk, so `aegea --help` loads no SDK and `aegea ls` loads only EC2.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { sdkPatches } from "./sdkPatches.mjs"

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
  // sdkPatches: the bundle's patches to the AWS SDK and effect/cli (./sdkPatches.mjs, src/sdkPatches/install.ts)
  plugins: [directEffectImports, ...sdkPatches],
  logLevel: "warning",
  banner: { js: "#!/usr/bin/env node\nimport{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" }
}).catch((e) => {
  // an SDK patch that no longer fits stops the build (./sdkPatches.mjs): leave dist/ as it was, and no dist.tmp-*
  rmSync(out, { recursive: true, force: true })
  throw e
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
