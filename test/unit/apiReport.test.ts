// docs/api.md lists the package's public surface (scripts/api-report.mjs): stale means the public API
// changed without the report, so the change would not show in review.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../", import.meta.url))

describe("the public API report", () => {
  it("docs/api.md matches what src/index.ts and src/testing/index.ts export (node scripts/api-report.mjs rewrites it)", () => {
    const r = spawnSync(process.execPath, ["scripts/api-report.mjs", "--check"], { cwd: root, encoding: "utf8" })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
  })
})
