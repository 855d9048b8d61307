// The config keys are the flags: src/services/configKeys.ts must be the table generated from the CLI
// itself. Regenerate with: AEGEA_WRITE_CONFIG_KEYS=1 npx vitest run --project unit test/unit/configKeys.test.ts
import { readFileSync, writeFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { cli } from "../../src/cli.ts"
import { flagTable } from "../../src/lib/commandFlags.ts"
import { commandFlags } from "../../src/services/configKeys.ts"

const file = new URL("../../src/services/configKeys.ts", import.meta.url)

const render = (table: ReturnType<typeof flagTable>) => {
  const lines = Object.entries(table).map(([section, keys]) => `  ${JSON.stringify(section)}: ${JSON.stringify(keys)},`)
  return [
    "// Generated from the CLI's flags by test/unit/configKeys.test.ts; do not edit. Regenerate with",
    "// AEGEA_WRITE_CONFIG_KEYS=1 npx vitest run --project unit test/unit/configKeys.test.ts",
    "import type { FlagTable } from \"../lib/commandFlags.ts\"",
    "",
    "/** Every command's config section and its keys: the command's flags in snake_case, with their types. */",
    "export const commandFlags: FlagTable = {",
    ...lines.map((line, i) => (i === lines.length - 1 ? line.slice(0, -1) : line)),
    "}",
    ""
  ].join("\n")
}

describe("config keys are the flags", () => {
  it("src/services/configKeys.ts is generated from the CLI (both ways: no key without a flag, no flag without a key)", () => {
    const table = flagTable(cli)
    if (process.env.AEGEA_WRITE_CONFIG_KEYS === "1") writeFileSync(file, render(table))
    expect(commandFlags).toEqual(table)
    expect(readFileSync(file, "utf8")).toBe(render(table))
  })

  it("reads repeatable, switch, number and choice flags", () => {
    const table = flagTable(cli)
    expect(table["ls"]?.["tag"]).toBe("strings")
    expect(table["launch"]?.["spot"]).toBe("boolean")
    expect(table["batch_submit"]?.["memory"]).toBe("integer")
    expect(table["cost"]?.["granularity"]).toEqual(["DAILY", "MONTHLY"])
    expect(table["terminate"]?.["yes"]).toBeUndefined()
  })
})
