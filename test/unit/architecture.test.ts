/**
 * The rule of docs/architecture.md, "who may import whom", held against every file of src/: each tier
 * imports only the tiers below it, and no files import each other in a loop (type-only imports count:
 * a loop of types is still a loop a reader has to untangle).
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src")

/** The tier of a file: its first folder under src/, or the file itself for the few at the top. */
const tierOf = (file: string): string => {
  const rel = relative(src, file).split("\\").join("/")
  return rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : rel
}

/** What each tier may import besides itself (docs/architecture.md). Top-level entry files may import anything. */
export const allowed: Readonly<Record<string, ReadonlyArray<string>>> = {
  "errors.ts": [],
  "defaults.ts": [],
  sdkPatches: [],
  lib: ["errors.ts"],
  services: ["lib", "errors.ts", "defaults.ts"],
  layers: ["services", "lib", "errors.ts", "defaults.ts"],
  testing: ["services", "lib", "errors.ts", "defaults.ts"],
  workflows: ["services", "lib", "errors.ts", "defaults.ts"],
  commands: ["workflows", "services", "layers", "lib", "errors.ts", "defaults.ts"],
  // The public API's namespaces (docs/architecture.md "Public API"): imported by src/index.ts only.
  api: ["workflows", "services", "layers", "lib", "errors.ts", "defaults.ts"]
}
const entryFiles = new Set(["bin.ts", "main.ts", "aegeaSsh.ts", "proxyRelay.ts", "cli.ts", "cliEc2.ts", "cliLogs.ts", "cliLs.ts", "cliSsh.ts", "root.ts", "index.ts", "report.ts"])

const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : /\.ts$/.test(name) ? [path] : []
  })

/** Relative imports of a file (static, dynamic and re-exports), resolved to absolute paths. */
export const importsOf = (file: string, text: string): Array<string> => {
  const found: Array<string> = []
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\b[^"'`;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    found.push(resolve(dirname(file), (m[1] ?? m[2])!))
  }
  return found
}

const files = walk(src)
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, "utf8"))]))

/** Every import that breaks the tier rule, as "from -> to". */
export const violations = (g: ReadonlyMap<string, ReadonlyArray<string>>): Array<string> => {
  const out: Array<string> = []
  for (const [file, imports] of g) {
    const tier = tierOf(file)
    if (entryFiles.has(tier)) continue
    const may = allowed[tier]
    for (const target of imports) {
      if (relative(src, target).startsWith("..")) continue // package.json
      const to = tierOf(target)
      if (to === tier) continue
      if (may === undefined || !may.includes(to)) out.push(`${relative(src, file)} -> ${relative(src, target)}`)
    }
  }
  return out
}

/**
 * Imports of the public API from inside: only `index.ts` may import `api/`, and nothing imports
 * `index.ts` (the package's entry), so internal code never depends on what the package exports.
 */
export const publicApiImports = (g: ReadonlyMap<string, ReadonlyArray<string>>): Array<string> => {
  const out: Array<string> = []
  for (const [file, imports] of g) {
    const from = relative(src, file)
    for (const target of imports) {
      const to = relative(src, target)
      if (to === "index.ts" || (tierOf(target) === "api" && from !== "index.ts" && tierOf(file) !== "api")) out.push(`${from} -> ${to}`)
    }
  }
  return out
}

/** Files that import each other in a loop, one loop per entry (Tarjan's strongly connected components). */
export const cycles = (g: ReadonlyMap<string, ReadonlyArray<string>>): Array<Array<string>> => {
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const out: Array<Array<string>> = []
  const visit = (v: string) => {
    indices.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue
      if (!indices.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!))
    }
    if (low.get(v) === indices.get(v)) {
      const component: Array<string> = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (g.get(v) ?? []).includes(v)) out.push(component.map((f) => relative(src, f)).sort())
    }
  }
  for (const v of g.keys()) if (!indices.has(v)) visit(v)
  return out
}

describe("architecture (docs/architecture.md)", () => {
  it("reads the imports of every file", () => {
    expect(files.length).toBeGreaterThan(100)
    const outputTest = [...graph].find(([f]) => f.endsWith("testing/OutputTest.ts"))
    expect(outputTest?.[1].some((t) => t.endsWith("services/Output.ts"))).toBe(true)
  })

  it("every tier imports only the tiers the rule allows", () => {
    expect(violations(graph)).toEqual([])
  })

  it("only src/index.ts imports the public API (src/api/), and nothing imports src/index.ts", () => {
    expect(publicApiImports(graph)).toEqual([])
  })

  it("no files import each other in a loop", () => {
    expect(cycles(graph)).toEqual([])
  })

  it("imports each Effect module itself, never a barrel (through a barrel esbuild keeps whole namespaces)", () => {
    const barrelImports = files.flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/^import\s+(?!type\b)[^;]*?from\s*"(effect|effect\/cli|effect\/process)"/gm)]
        .map((m) => `${relative(src, f)}: ${m[1]}`)
    )
    expect(barrelImports).toEqual([])
    expect(/^import\s+(?!type\b)[^;]*?from\s*"(effect|effect\/cli|effect\/process)"/m.test(`import { Effect } from "effect"`)).toBe(true)
  })

  it("the checks catch what they are meant to catch", () => {
    const f = (p: string) => join(src, p)
    const bad = new Map([
      [f("lib/a.ts"), [f("services/B.ts")]],
      [f("services/B.ts"), [f("layers/C.ts")]],
      [f("testing/D.ts"), [f("layers/C.ts")]],
      [f("layers/C.ts"), [f("services/B.ts"), f("commands/x.ts")]]
    ])
    expect(violations(bad)).toEqual([
      "lib/a.ts -> services/B.ts",
      "services/B.ts -> layers/C.ts",
      "testing/D.ts -> layers/C.ts",
      "layers/C.ts -> commands/x.ts"
    ])
    expect(cycles(bad)).toEqual([["layers/C.ts", "services/B.ts"]])
    const api = new Map([
      [f("index.ts"), [f("api/Ec2.ts")]],
      [f("api/Ec2.ts"), [f("api/Errors.ts"), f("services/Ec2.ts")]],
      [f("cli.ts"), [f("api/Ec2.ts"), f("index.ts")]],
      [f("workflows/w.ts"), [f("api/Batch.ts")]]
    ])
    expect(publicApiImports(api)).toEqual(["cli.ts -> api/Ec2.ts", "cli.ts -> index.ts", "workflows/w.ts -> api/Batch.ts"])
    expect(violations(api)).toEqual(["workflows/w.ts -> api/Batch.ts"])
    expect(importsOf(f("lib/a.ts"), `import type { X } from "../services/B.ts"\nexport { y } from "./y.ts"\nconst m = import("../layers/C.ts")`))
      .toEqual([f("services/B.ts"), f("lib/y.ts"), f("layers/C.ts")])
  })
})
