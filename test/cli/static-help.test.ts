/** The launcher prints the build's pre-rendered `--help`/`--version`; it must equal what the CLI renders. */
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"

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
})
