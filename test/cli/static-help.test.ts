/** The launcher prints the build's pre-rendered `--help`/`--version`; it must equal what the CLI renders. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { renderHelpDoc } from "../../src/lib/helpFormat.ts"
import { REPO_ROOT, runCli } from "../support/cli.ts"

describe("pre-rendered help and version", () => {
  for (const args of [["--help"], ["-h"], ["--version"], ["-v"]]) {
    for (const env of [{ NO_COLOR: "1" }, { FORCE_COLOR: "1", NO_COLOR: "" }]) {
      it(`${args.join(" ")} with ${JSON.stringify(env)} equals the dynamic rendering`, async () => {
        const fast = await runCli(args, { env })
        const slow = await runCli(args, { env: { ...env, AEGEA_NO_STATIC: "1" } })
        expect(fast.code).toBe(0)
        expect(slow.code).toBe(0)
        expect(fast.stdout).toBe(slow.stdout)
        expect(fast.stdout.length).toBeGreaterThan(10)
      })
    }
  }

  // On a terminal the launcher lays out the build's help document at the terminal's width
  // (test/cli/help.test.ts compares it there with the CLI's own rendering).
  it("stores the help as a document that lays out, at 80 columns, exactly as the pre-rendered text", async () => {
    const doc = JSON.parse(readFileSync(join(REPO_ROOT, "dist/static/help.json"), "utf8"))
    const text = (name: string) => readFileSync(join(REPO_ROOT, `dist/static/${name}`), "utf8")
    expect(`${renderHelpDoc(doc, { width: 80, colors: false })}\n`).toBe(text("help.txt"))
    expect(`${renderHelpDoc(doc, { width: 80, colors: true })}\n`).toBe(text("help.color.txt"))
    expect(Math.max(...text("help.txt").split("\n").map((l) => l.length))).toBeLessThanOrEqual(80)
  })
})
