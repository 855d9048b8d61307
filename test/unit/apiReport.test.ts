// docs/api.md lists the package's public surface (scripts/api-report.mjs), by namespace: stale means the
// public API changed without the report, so the change would not show in review; and every public
// export has a doc comment.
import { spawnSync } from "node:child_process"
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../", import.meta.url))

interface Exports {
  readonly flat: ReadonlyMap<string, { readonly kind: string; readonly summary: string }>
  readonly namespaces: ReadonlyMap<string, { readonly summary: string; readonly members: ReadonlyMap<string, { readonly kind: string; readonly summary: string }> }>
}
const script = "../../scripts/api-report.mjs"
const reportScript = (await import(script as string)) as {
  readonly exportsOf: (file: string) => Exports
  readonly undocumentedOf: (name: string, exports: Exports) => ReadonlyArray<string>
  readonly section: (name: string, exports: Exports) => string
}

describe("the public API report", () => {
  it("docs/api.md matches what src/index.ts and src/testing/index.ts export, each with a doc comment (node scripts/api-report.mjs rewrites it)", () => {
    const r = spawnSync(process.execPath, ["scripts/api-report.mjs", "--check"], { cwd: root, encoding: "utf8" })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })

  it("reads namespaces with their members and finds the exports without a doc comment", () => {
    const dir = mkdtempSync(join(tmpdir(), "api-report-"))
    try {
      mkdirSync(join(dir, "api"))
      writeFileSync(
        join(dir, "thing.ts"),
        [
          `/** A thing. */`,
          `export const Thing = 1`,
          `export const bare = 2`,
          `/** Its schema. */`,
          `export const Shape = 3`,
          `export type Shape = number`,
          `type Local = string`,
          `export type { Local }`
        ].join("\n")
      )
      writeFileSync(join(dir, "api", "Things.ts"), `export { bare, Shape, Thing as layer } from "../thing.ts"\n`)
      writeFileSync(
        join(dir, "index.ts"),
        [`/** Things. */`, `export * as Things from "./api/Things.ts"`, `export * as Bare from "./api/Things.ts"`, `export { Local } from "./thing.ts"`].join("\n")
      )
      const exports = reportScript.exportsOf(join(dir, "index.ts"))
      expect([...exports.namespaces.keys()]).toEqual(["Things", "Bare"])
      const things = exports.namespaces.get("Things")!
      expect(things.summary).toBe("Things.")
      expect(Object.fromEntries(things.members)).toEqual({
        bare: { kind: "const", summary: "", file: join(dir, "thing.ts") },
        Shape: { kind: "schema", summary: "Its schema.", file: join(dir, "thing.ts") },
        layer: { kind: "const", summary: "A thing.", file: join(dir, "thing.ts") }
      })
      expect(reportScript.undocumentedOf("x", exports).map((u) => u.replace(/ \(.*\)$/, ""))).toEqual([
        "x: Local",
        "x: Things.bare",
        "x: Bare",
        "x: Bare.bare"
      ])
      expect(reportScript.section("aegea", exports)).toContain("### `Things`\n\nThings.\n\n3 members.")
      expect(reportScript.section("aegea", exports)).toContain("| `layer` | const | A thing. |")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
