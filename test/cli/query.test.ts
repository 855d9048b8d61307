/**
 * `--query EXPR` (JMESPath over the JSON form of the output) through the built CLI, against moto, in
 * every --output format; grep keeps its own --query (a Logs Insights query); a bad expression is a
 * usage error before any AWS call; the JMESPath library is loaded only when --query is given.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import YAML from "yaml"
import { REPO_ROOT, runCli } from "../support/cli.ts"
import { writeLoadHook } from "../support/loadLog.ts"
import { ec2Client, resetMoto, seedInstances } from "../support/moto.ts"
import { StopInstancesCommand } from "@aws-sdk/client-ec2"

describe("--query", () => {
  let running: Array<string> = []
  let stopped: Array<string> = []

  beforeAll(async () => {
    await resetMoto()
    running = await seedInstances(2, { namePrefix: "q-run-" })
    stopped = await seedInstances(1, { namePrefix: "q-stop-" })
    const ec2 = ec2Client()
    try {
      await ec2.send(new StopInstancesCommand({ InstanceIds: stopped }))
    } finally {
      ec2.destroy()
    }
  }, 60_000)

  it("[].id prints one id per line (table), a JSON list with --output json", async () => {
    const r = await runCli(["ls", "--query", "[].id"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trimEnd().split("\n").sort()).toEqual([...running, ...stopped].sort())
    const json = await runCli(["ls", "--query", "[].id", "--output", "json"])
    expect(json.code, json.stderr).toBe(0)
    expect((JSON.parse(json.stdout) as Array<string>).sort()).toEqual([...running, ...stopped].sort())
  })

  it("a filter and a projection render as a table with the result's keys as columns", async () => {
    const r = await runCli(["ls", "--query", "[?state=='running'].{n: name, i: id}", "--output", "table", "--sort-by", "name"])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^N\s+I$/)
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^q-run-1\\s+${running[0]}$`)),
      expect.stringMatching(new RegExp(`^q-run-2\\s+${running[1]}$`))
    ])
  })

  it("works with json, yaml, csv and tsv", async () => {
    const query = ["--query", "[?state=='stopped'].{name: name, id: id}"]
    const json = await runCli(["ls", ...query, "--json"])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([{ name: "q-stop-1", id: stopped[0] }])
    const yaml = await runCli(["ls", ...query, "--output", "yaml"])
    expect(yaml.code, yaml.stderr).toBe(0)
    expect(YAML.parse(yaml.stdout)).toEqual([{ name: "q-stop-1", id: stopped[0] }])
    const csv = await runCli(["-o", "csv", "ls", ...query])
    expect(csv.code, csv.stderr).toBe(0)
    expect(csv.stdout).toBe(`name,id\nq-stop-1,${stopped[0]}\n`)
    const tsv = await runCli(["ls", ...query, "-o", "tsv"])
    expect(tsv.code, tsv.stderr).toBe(0)
    expect(tsv.stdout).toBe(`name\tid\nq-stop-1\t${stopped[0]}\n`)
  })

  it("a scalar prints as text; applies to other listings too", async () => {
    const count = await runCli(["ls", "--query", "length(@)"])
    expect(count.code, count.stderr).toBe(0)
    expect(count.stdout).toBe("3\n")
    const zones = await runCli(["azs", "--query", "[0].name"])
    expect(zones.code, zones.stderr).toBe(0)
    expect(zones.stdout).toMatch(/^us-east-1[a-z]\n$/)
  })

  it("a syntax error is a usage error (exit 2) naming the expression, before any AWS call", async () => {
    const r = await runCli(["ls", "--query", "[?state=='running'", "--endpoint-url", "http://127.0.0.1:9"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain(`--query "[?state=='running'"`)
    expect(r.stderr).not.toMatch(/127\.0\.0\.1|connect/i)
  })

  it("a type error at run time is a usage error too", async () => {
    const r = await runCli(["ls", "--query", "sum([].name)"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("sum()")
  })

  it("grep's own --query stays a Logs Insights query (the command's flag wins over the global one)", async () => {
    const r = await runCli(["grep", "--help"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/--query[^\n]*Logs Insights query/)
    // Not JMESPath: "fields @message | limit 1" would be a JMESPath syntax error (exit 2).
    const run = await runCli(["grep", "--query", "fields @message | limit 1", "no-such-group-for-query-test"])
    expect(run.stderr).not.toMatch(/JMESPath|Syntax error/)
    expect(run.stderr).toContain("no-such-group-for-query-test")
  })
})

describe("the JMESPath library is loaded only with --query", () => {
  let dir = ""
  /** The bundle's chunk holding the library (dist/meta.json), e.g. "chunks/dist-LBYQWZ4W.js". */
  let chunk = ""
  let registerHook = ""
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aegea-query-load-"))
    registerHook = writeLoadHook(dir)
    const meta = JSON.parse(readFileSync(join(REPO_ROOT, "dist", "meta.json"), "utf8")) as {
      outputs: Record<string, { inputs: Record<string, unknown> }>
    }
    const holders = Object.entries(meta.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => i.includes("@jmespath-community")))
    expect(holders).toHaveLength(1)
    chunk = holders[0]![0].replace(/^[^/]+\//, "")
    expect(chunk).toMatch(/^chunks\//) // not the entry point: a chunk loaded on demand
    await seedInstances(1, { namePrefix: "load-" })
  }, 60_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    [["--version"], false],
    [["ls", "--help"], false],
    [["ls"], false],
    [["ls", "--query", "[].id"], true]
  ] as const)("aegea %j loads it: %s", async (args, expected) => {
    const log = join(dir, `${args.join("_").replace(/[^\w]/g, "")}.log`)
    writeFileSync(log, "")
    const r = await runCli(args, {
      nodeArgs: ["--import", registerHook],
      env: { AEGEA_NO_STATIC: "1", AEGEA_LOAD_LOG: log }
    })
    expect(r.code, r.stderr).toBe(0)
    const loaded = readFileSync(log, "utf8")
    expect(loaded, "the hook saw the CLI's modules").toContain("/dist/aegea.js")
    expect(loaded.includes(chunk), loaded).toBe(expected)
  })
})
