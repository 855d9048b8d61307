/** The launcher prints the build's pre-rendered `--help`/`--version`; it must equal what the CLI renders. */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { renderHelpDoc } from "../../src/lib/helpFormat.ts"
import { REPO_ROOT, runCli, runCliPiped } from "../support/cli.ts"

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

  // `aegea COMMAND --help`: the build's document of that command, laid out by the launcher.
  for (const [args, env] of [
    [["ls", "--help"], { NO_COLOR: "1" }],
    [["batch", "submit", "-h"], { NO_COLOR: "1" }],
    [["logs", "--help"], { FORCE_COLOR: "1", NO_COLOR: "" }],
    [["config", "set", "--help"], { NO_COLOR: "1" }]
  ] as const) {
    it(`${args.join(" ")} with ${JSON.stringify(env)} equals the dynamic rendering`, async () => {
      const fast = await runCli(args, { env })
      const slow = await runCli(args, { env: { ...env, AEGEA_NO_STATIC: "1" } })
      expect([fast.code, slow.code]).toEqual([0, 0])
      expect(fast.stdout).toBe(slow.stdout)
      expect(fast.stdout).toContain("USAGE")
    })
  }

  // Into a shell's pipe (a FIFO, where Node's child_process gives a socket) the launcher writes the
  // build's text of the help itself (src/main.ts printText): the same bytes, and a reader that stops early is no error.
  it("ls --help into a shell pipe equals the dynamic rendering", async () => {
    const piped = await runCliPiped(["ls", "--help"], ["cat"], { env: { NO_COLOR: "1" } })
    const slow = await runCli(["ls", "--help"], { env: { NO_COLOR: "1", AEGEA_NO_STATIC: "1" } })
    expect([piped.code, piped.pipeCode, slow.code]).toEqual([0, 0, 0])
    expect(piped.stdout).toBe(slow.stdout)
    expect(piped.stderr).toBe("")
    const head = await runCliPiped(["batch", "submit", "--help"], ["head", "-1"], { env: { NO_COLOR: "1" } })
    expect(head.code).toBe(0)
    const whole = await runCli(["batch", "submit", "--help"], { env: { NO_COLOR: "1", AEGEA_NO_STATIC: "1" } })
    expect(head.stdout).toBe(`${whole.stdout.split("\n")[0]}\n`)
    expect(head.stderr).toBe("")
  })

  it("has a help document for every command, and none for what is not one", async () => {
    const { cli } = await import("../../src/cli.ts")
    const { commandPaths } = await import("../../src/lib/commandFlags.ts")
    const files = readdirSync(join(REPO_ROOT, "dist/static/help")).sort()
    expect(files.filter((f) => f.endsWith(".json"))).toEqual(commandPaths(cli).map((p) => `${p.join(".")}.json`).sort())
    // and, for a pipe without colour, the text of each laid out at 80 columns (what the launcher prints there)
    expect(files.filter((f) => f.endsWith(".txt"))).toEqual(commandPaths(cli).map((p) => `${p.join(".")}.txt`).sort())
    for (const f of files.filter((f) => f.endsWith(".json"))) {
      const doc = JSON.parse(readFileSync(join(REPO_ROOT, "dist/static/help", f), "utf8"))
      const text = readFileSync(join(REPO_ROOT, "dist/static/help", f.replace(/\.json$/, ".txt")), "utf8")
      expect(text, f).toBe(`${renderHelpDoc(doc, { width: 80, colors: false })}\n`)
    }
    // a word that is not a command (a log group) takes the normal path, which knows what it is
    const r = await runCli(["logs", "no-such-group", "--help"], { env: { NO_COLOR: "1" } })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("USAGE")
  })

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
