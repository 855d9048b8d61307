/**
 * The pager through the built CLI, against moto, on a pseudo-terminal (util-linux `script`): a table
 * taller than the terminal goes through $PAGER (here a shell line that records the text and says
 * PAGED); a short one, --no-pager, the config's `pager: false`, an empty PAGER, `cat` and a pipe do
 * not page; a pager that quits early (`head -1`) is not an error; a missing one prints directly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { resetMoto, seedInstances } from "../support/moto.ts"


describe("the pager", () => {
  let dir = ""
  let pagedFile = ""
  /** A pager that keeps what it was given and says it ran (on the terminal, like a real one). */
  let recorder = ""
  const paged = () => {
    try {
      return readFileSync(pagedFile, "utf8")
    } catch {
      return undefined
    }
  }
  const onTerminal = (args: ReadonlyArray<string>, env: Record<string, string> = { PAGER: recorder }, rows = 12) => {
    rmSync(pagedFile, { force: true })
    return runCliOnTerminal(args, { columns: 160, rows, env })
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aegea-pager-cli-"))
    pagedFile = join(dir, "paged")
    recorder = `cat > ${pagedFile}; echo PAGED`
    await resetMoto()
    await seedInstances(20, { namePrefix: "pg-" })
  }, 60_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("starts for a table taller than the terminal and gets the whole table", async () => {
    const r = await onTerminal(["ls"])
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain("PAGED")
    // The table went to the pager, not to the terminal directly.
    expect(r.output).not.toContain("pg-1 ")
    const text = paged() ?? ""
    expect(text.split("\n")[0]).toMatch(/^NAME\s+ID\s+STATE/)
    expect(text.trimEnd().split("\n")).toHaveLength(21)
    expect(text).toMatch(/pg-20\s+i-/)
  })

  it("starts for JSON taller than the terminal too (stdout is a terminal)", async () => {
    const r = await onTerminal(["ls", "--output", "json"])
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain("PAGED")
    expect(JSON.parse(paged() ?? "null")).toHaveLength(20)
  })

  it("does not start for a table that fits", async () => {
    const r = await onTerminal(["ls"], { PAGER: recorder }, 40)
    expect(r.code, r.output).toBe(0)
    expect(r.output).not.toContain("PAGED")
    expect(r.output).toMatch(/pg-20\s+i-/)
    expect(paged()).toBeUndefined()
  })

  it("does not start with --no-pager, the config's pager: false, an empty PAGER or PAGER=cat", async () => {
    const config = join(dir, "config.yml")
    writeFileSync(config, "pager: false\n")
    for (const [args, env] of [
      [["ls", "--no-pager"], { PAGER: recorder }],
      [["--no-pager", "ls"], { PAGER: recorder }],
      [["ls"], { PAGER: recorder, AEGEA_CONFIG_FILE: config }],
      [["ls"], { PAGER: "" }],
      [["ls"], { AEGEA_PAGER: "cat", PAGER: recorder }]
    ] as const) {
      const r = await onTerminal(args, env)
      expect(r.code, `${args.join(" ")} ${JSON.stringify(env)}: ${r.output}`).toBe(0)
      expect(r.output).not.toContain("PAGED")
      expect(r.output).toMatch(/pg-20\s+i-/)
      expect(paged()).toBeUndefined()
    }
  })

  it("AEGEA_PAGER wins over PAGER", async () => {
    const r = await onTerminal(["ls"], { AEGEA_PAGER: recorder, PAGER: "no-such-pager-xyz" })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain("PAGED")
  })

  it("a pager that quits before reading everything is not an error (exit 0, no message)", async () => {
    const r = await onTerminal(["ls"], { PAGER: "head -1" })
    expect(r.code, r.output).toBe(0)
    // head printed the header and quit; the rest of the table went nowhere, and nobody complained.
    expect(r.output).toMatch(/^NAME\s+ID\s+STATE/)
    expect(r.output).not.toMatch(/pg-\d+/)
    expect(r.output).not.toMatch(/EPIPE|error|aegea:/i)
  })

  it("a pager that cannot be started: the table is printed directly, with one line saying why", async () => {
    const r = await onTerminal(["ls"], { PAGER: "no-such-pager-xyz -R" })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/pg-20\s+i-/)
    expect(r.output).toContain('cannot start the pager "no-such-pager-xyz -R"')
  })

  it("the default, less -RFS, shows the table and quits on q with exit 0", async () => {
    const r = await runCliOnTerminal(["ls"], {
      columns: 160,
      rows: 12,
      env: { TERM: "xterm" },
      answer: { after: "pg-1", send: "q" },
      timeoutMs: 20_000
    })
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/NAME\s+ID\s+STATE/)
    expect(r.output).not.toMatch(/pg-20\s+i-/) // only the first screen was shown
  })

  it("never pages through a pipe", async () => {
    const r = await runCli(["ls"], { env: { PAGER: recorder } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain("PAGED")
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(21)
    expect(paged()).toBeUndefined()
  })
})

describe("FORCE_COLOR (data, not only --help)", () => {
  beforeAll(async () => {
    await seedInstances(1, { namePrefix: "colour-" })
  }, 60_000)

  // The test environment sets NO_COLOR=1 (test/support/moto.ts); empty counts as unset.
  it("colours states through a pipe; NO_COLOR, --no-color and FORCE_COLOR=0 win", async () => {
    const forced = await runCli(["ls", "--columns", "name,state"], { env: { NO_COLOR: "", FORCE_COLOR: "1" } })
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toContain("\u001b[32mrunning\u001b[39m")
    for (const env of [{ FORCE_COLOR: "1", NO_COLOR: "1" }, { NO_COLOR: "", FORCE_COLOR: "0" }, { NO_COLOR: "" }]) {
      const r = await runCli(["ls", "--columns", "name,state"], { env })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout, JSON.stringify(env)).not.toContain("\u001b[")
    }
    const flag = await runCli(["ls", "--columns", "name,state", "--no-color"], { env: { NO_COLOR: "", FORCE_COLOR: "1" } })
    expect(flag.stdout).not.toContain("\u001b[")
  })
})
