/**
 * `aegea ... ls ...` runs a root with the `ls` command only (src/cliLs.ts, picked by cliRoot in
 * src/lib/commandFamily.ts), not the EC2 family's: it must parse, fail and print help exactly as the
 * whole CLI does (AEGEA_NO_STATIC=1 makes the launcher load the whole CLI). Command lines that fail or
 * end before any request, so no AWS is needed.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"

const dir = mkdtempSync(join(tmpdir(), "aegea-startup-ls-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("the ls root", () => {
  it("is the one the launcher loads for ls (its compile cache is named for it), and the EC2 root for the family's others", async () => {
    const cache = join(dir, "cache")
    const env = { AEGEA_CACHE_DIR: cache }
    expect((await runCli(["--region", "eu-west-1", "ls", "--bogus"], { env })).code).toBe(2)
    expect(readdirSync(cache).map((f) => f.replace(/-.*/, ""))).toEqual(["ls"])
    expect((await runCli(["images", "--bogus"], { env })).code).toBe(2)
    expect(readdirSync(cache).map((f) => f.replace(/-.*/, "")).sort()).toEqual(["ec2", "ls"])
  })

  it.each([
    // (an unknown flag, a bad choice, global flags: test/cli/startup.test.ts, which runs the ls root too)
    [["ls", "--state"]],
    [["--output", "xml", "ls", "web"]],
    [["ls", "--sort-by"]],
    [["ls", "-h", "--json"]],
    [["ls", "--version"]]
  ])("aegea %j prints and exits as the whole CLI does", async (args) => {
    const [own, whole] = await Promise.all([runCli(args), runCli(args, { env: { AEGEA_NO_STATIC: "1" } })])
    expect(own).toEqual(whole)
    expect(own.stdout + own.stderr).not.toBe("")
  })
})
