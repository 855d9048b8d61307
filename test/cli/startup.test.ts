/** What the launcher (src/main.ts) does before the CLI loads. */
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { REPO_ROOT, runCli } from "../support/cli.ts"

describe("launcher", () => {
  it("keeps TurboFan off for the first second, then lets a long-running command optimize", async () => {
    const probe = `${REPO_ROOT}test/support/jit-probe.mjs`
    const r = await runCli(["config", "show"], { nodeArgs: ["--allow-natives-syntax", "--import", probe] })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain("jit-probe 0.3s optimized=false")
    expect(r.stderr).toContain("jit-probe 3s optimized=true")
  })

  it("the probe sees optimization on in a plain node process", () => {
    const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--import", `${REPO_ROOT}test/support/jit-probe.mjs`, "-e", "0"], {
      encoding: "utf8",
      timeout: 20_000
    })
    expect(r.stderr).toContain("jit-probe 0.3s optimized=true")
  })
})
