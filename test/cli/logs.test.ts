/** `aegea logs` and `aegea grep` as a user runs them (dist/aegea.js) against moto. */
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, REPO_ROOT, runCli, runCliPiped } from "../support/cli.ts"
import { startFaultProxy } from "../support/faultProxy.ts"
import { motoEndpoint, resetMoto } from "../support/moto.ts"
import { putEvents, seedLogs } from "../support/logs.ts"
import { eventLineText } from "../../src/lib/progress.ts"

const base = Date.now() - 30 * 60_000
const iso = (ms: number) => new Date(ms).toISOString()

beforeAll(async () => {
  await resetMoto()
  await seedLogs({
    "/aegea/app": {
      "web-1": [{ timestamp: base, message: "GET / 200" }, { timestamp: base + 2_000, message: "ERROR boom" }],
      "web-2": [{ timestamp: base + 1_000, message: "GET /health 200" }]
    },
    "/aegea/bulk": bulk
  })
})

// A page of more than 64 KiB: read from its bytes by WebAssembly (lib/logBytes.ts); quotes, backslashes,
// tabs and Unicode escaped in moto's JSON. (moto answers stream after stream, not in time order as AWS
// does: the two streams' times do not overlap, else the page would be read the JSON.parse way.)
const bulkMessage = (i: number) =>
  i % 5 === 0
    ? `{"level":"info","path":"/api/\\items/${i}","note":"caf\u00e9 ✓ 😀\ttab"}`
    : i % 7 === 0
    ? `START RequestId: ${i} Version: $LATEST\n`
    : i % 11 === 0
    ? `Traceback (most recent call last):\r\n  File "app.py", line ${i}\r\nValueError: ${i}\n`
    : `event ${i} level=info status=200 bytes=${(i * 7919) % 65536}`
const bulk: Record<string, ReadonlyArray<{ timestamp: number; message: string }>> = {
  "s-1": Array.from({ length: 1_500 }, (_, i) => ({ timestamp: base + i * 2, message: bulkMessage(i) })),
  "s-2": Array.from({ length: 1_500 }, (_, i) => ({ timestamp: base + 3_000 + i * 2, message: bulkMessage(i + 1) }))
}

describe("aegea logs", () => {
  it("lists log groups", async () => {
    const r = await runCli(["logs", "--output", "json"])
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as Array<{ name: string }>).map((g) => g.name)).toEqual(["/aegea/app", "/aegea/bulk"])
  })

  it("lists a group's streams, most recent first", async () => {
    const r = await runCli(["logs", "/aegea/app"])
    expect(r.code, r.stderr).toBe(0)
    const names = r.stdout.split("\n").slice(1).map((l) => l.split(/\s+/)[0]).filter((n) => n)
    expect(names).toEqual(["web-1", "web-2"])
  })

  it("prints events of a stream and of the whole group, in time order", async () => {
    const one = await runCli(["logs", "/aegea/app", "web-1"])
    expect(one.code, one.stderr).toBe(0)
    expect(one.stdout).toBe(`${iso(base)} web-1 GET / 200\n${iso(base + 2_000)} web-1 ERROR boom\n`)
    const all = await runCli(["logs", "/aegea/app", "--start-time=-2h"])
    expect(all.stdout.trim().split("\n").map((l) => l.split(" ").slice(1).join(" "))).toEqual([
      "web-1 GET / 200",
      "web-2 GET /health 200",
      "web-1 ERROR boom"
    ])
  })

  it("a group of 3,000 events: the lines of every event, in time order, as --output json has them", async () => {
    const expected = Object.entries(bulk)
      .flatMap(([stream, events]) => events.map((e) => ({ ...e, stream })))
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((e) => ({ line: eventLineText({ ...e, timestamp: new Date(e.timestamp), group: "/aegea/bulk" }, { showGroup: false, color: false }), e }))
    const r = await runCli(["logs", "/aegea/bulk", "--start-time=-2h"])
    expect(r.code, r.stderr).toBe(0)
    // (messages with line breaks laid out as eventLineText lays them out: further lines indented)
    expect(r.stdout).toBe(`${expected.map((x) => x.line).join("\n")}\n`)
    const json = await runCli(["logs", "/aegea/bulk", "--start-time=-2h", "--output", "json"])
    expect((JSON.parse(json.stdout) as Array<Record<string, string>>).map((e) => `${e.timestamp} ${e.stream} ${e.message}`))
      .toEqual(expected.map(({ e }) => `${iso(e.timestamp)} ${e.stream} ${e.message}`))
  })

  it("--output json gives event objects; --filter selects", async () => {
    const r = await runCli(["logs", "/aegea/app", "--filter", "ERROR", "--output", "json"])
    expect(r.code, r.stderr).toBe(0)
    const events = JSON.parse(r.stdout) as Array<Record<string, string>>
    expect(events.map((e) => [e.stream, e.message, e.timestamp])).toEqual([["web-1", "ERROR boom", iso(base + 2_000)]])
  })

  it("bad time is exit 2, unknown group exit 5 with a hint", async () => {
    const time = await runCli(["logs", "/aegea/app", "--start-time", "later"])
    expect(time.code).toBe(2)
    expect(time.stderr).toContain("--start-time")
    const unknown = await runCli(["logs", "/nope"])
    expect(unknown.code).toBe(5)
    expect(unknown.stderr).toContain("aegea logs")
  })

  it("export writes the events into --output-dir, one file per stream", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-cli-export-"))
    const r = await runCli(["logs", "export", "/aegea/app", "--start-time=-2h", "--output-dir", dir, "--output", "json"])
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(["web-1", "web-2"])
    const web1 = readFileSync(join(dir, "web-1", "000000"), "utf8")
    expect(web1).toContain("GET / 200")
    expect(web1).toContain("ERROR boom")
    expect(web1.indexOf("GET / 200")).toBeLessThan(web1.indexOf("ERROR boom"))
    expect(readFileSync(join(dir, "web-2", "000000"), "utf8")).toContain("GET /health 200")
    expect((JSON.parse(r.stdout) as Array<unknown>).length).toBe(2)
  })
})

describe("aegea grep", () => {
  it("exit 0 and the rows moto returns when there are matches", async () => {
    const r = await runCli(["grep", "ERROR", "/aegea/app", "--start-time=-2h"])
    expect(r.code, r.stderr).toBe(0)
    // moto ignores the filter (README, "Testing, and what moto lacks"): every event in range comes back
    expect(r.stdout).toContain("ERROR boom")
  })

  it("exit 1 with no matches (nothing in the time range)", async () => {
    const r = await runCli(["grep", "ERROR", "/aegea/app", "--start-time=-2m"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("no matches")
  })

  it("unknown group exit 5, bad time exit 2", async () => {
    expect((await runCli(["grep", "x", "/nope"])).code).toBe(5)
    expect((await runCli(["grep", "x", "/aegea/app", "--end-time", "later"])).code).toBe(2)
  })
})

describe("aegea grep: context, --limit and field-less rows", () => {
  // Whole seconds: moto compares query times in seconds. moto ignores the filter, so every event in
  // the time range is a match: the range [s2, s3] matches s2, t1 and s3.
  const at = Math.floor((Date.now() - 20 * 60_000) / 1000) * 1000
  const s = ["s0", "s1", "s2", "s3", "s4", "s5"].map((message, i) => ({ timestamp: at + i * 1000, message }))
  const t = ["t0", "t1", "t2"].map((message, i) => ({ timestamp: at + 1500 + i * 1000, message }))
  beforeAll(() => seedLogs({ "/aegea/ctx": { s, t } }))
  const range = ["--start-time", iso(at + 2000), "--end-time", iso(at + 3000)]
  const lines = (stdout: string) => stdout.trimEnd().split("\n").map((l) => (l === "--" ? l : l.split(" ").slice(2).join(" ")))

  it("-C 1 prints each event once, overlapping context merged, -- between groups", async () => {
    const r = await runCli(["grep", "x", "/aegea/ctx", ...range, "-C", "1"])
    expect(r.code, r.stderr).toBe(0)
    expect(lines(r.stdout)).toEqual(["s1", "s2", "s3", "s4", "--", "t0", "t1", "t2"])
  })

  it("says on stderr when results stopped at --limit, and only then", async () => {
    const capped = await runCli(["grep", "x", "/aegea/ctx", "--limit", "2"])
    expect(capped.code, capped.stderr).toBe(0)
    expect(lines(capped.stdout)).toEqual(["s4", "s5"])
    expect(capped.stderr).toContain("stopped at --limit 2 matches; raise --limit to see more")
    const all = await runCli(["grep", "x", "/aegea/ctx", "--limit", "100"])
    expect(lines(all.stdout)).toHaveLength(9)
    expect(all.stderr).not.toContain("--limit")
  })

  it("--query rows with no fields print a sentence, not blank lines", async () => {
    const r = await runCli(["grep", "--query", "filter @message like /s/", "/aegea/ctx"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe("9 records, no fields to show (add `| fields @timestamp, @message` to the query)\n")
  })
})

describe("aegea logs GROUP with a reader slower than it", () => {
  // three pages of 10,000 events (moto's page), each about 1.6 MB of lines: more than stdout may hold
  // unwritten (1 MiB) before printing waits for its reader
  const streams = ["p-1", "p-2", "p-3"]
  const start = Date.now() - 20 * 60_000
  beforeAll(async () => {
    await seedLogs({ "/aegea/long": Object.fromEntries(streams.map((s) => [s, []])) })
    for (const [k, stream] of streams.entries()) {
      await putEvents("/aegea/long", stream, Array.from({ length: 10_000 }, (_, i) => ({
        timestamp: start + k * 60_000 + i,
        message: `request ${k}-${i} ${"x".repeat(100)} status=200`
      })))
    }
  }, 60_000)

  it("machine formats printed page by page: the same text as the listing gathered whole (--sort-by gathers it)", async () => {
    for (const format of ["json", "csv"]) {
      const streamed = await runCli(["logs", "/aegea/long", "--start-time=-1h", "--output", format])
      expect(streamed.code, streamed.stderr).toBe(0)
      const gathered = await runCli(["logs", "/aegea/long", "--start-time=-1h", "--output", format, "--sort-by", "timestamp"])
      expect(gathered.code, gathered.stderr).toBe(0)
      expect(streamed.stdout.length).toBeGreaterThan(3_000_000)
      expect(streamed.stdout === gathered.stdout, format).toBe(true)
    }
    const json = await runCli(["logs", "/aegea/long", "--start-time=-1h", "--output", "json"])
    expect((JSON.parse(json.stdout) as Array<unknown>).length).toBe(30_000)
    // nothing in the range: an empty listing, as before
    const none = await runCli(["logs", "/aegea/long", "--start-time=-1h", "--end-time=-50m", "--output", "json"])
    expect([none.code, none.stdout]).toEqual([0, "[]\n"])
    const header = await runCli(["logs", "/aegea/long", "--start-time=-1h", "--end-time=-50m", "--output", "csv"])
    expect([header.code, header.stdout]).toEqual([0, "timestamp,group,stream,message\n"])
  }, 60_000)

  it("a reader that goes away (| head -1): no further page is read, exit 0", async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [] })
    try {
      const r = await runCliPiped(["logs", "/aegea/long", "--start-time=-1h"], ["head", "-1"], { env: { AWS_ENDPOINT_URL: proxy.url } })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe("")
      expect(r.stdout).toMatch(/^\S+ p-1 request 0-0 x+ status=200\n$/)
      // three pages without it: every page read and thrown away
      expect(proxy.reached("FilterLogEvents")).toBeLessThanOrEqual(2)
      // the same for a machine format printed page by page
      const before = proxy.reached("FilterLogEvents")
      const json = await runCliPiped(["logs", "/aegea/long", "--start-time=-1h", "--output", "json"], ["head", "-1"], { env: { AWS_ENDPOINT_URL: proxy.url } })
      expect([json.code, json.stderr, json.stdout]).toEqual([0, "", "[\n"])
      expect(proxy.reached("FilterLogEvents") - before).toBeLessThanOrEqual(2)
    } finally {
      await proxy.close()
    }
  }, 60_000)

  it("reads no further page while stdout's reader is behind; every line once it reads", async () => {
    const proxy = await startFaultProxy(motoEndpoint(), { rules: [] })
    try {
      const child = spawn(process.execPath, [CLI_PATH, "logs", "/aegea/long", "--start-time=-1h"], {
        cwd: REPO_ROOT,
        env: cliEnv({ env: { AWS_ENDPOINT_URL: proxy.url } }),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stderr = ""
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
      const exited = new Promise<number | null>((resolve) => child.once("close", resolve))
      // not read yet: the pipe and this side's buffer fill, then aegea's stdout holds the rest
      child.stdout.pause()
      let waited = 0
      while (proxy.reached("FilterLogEvents") < 1 && waited < 20_000) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        waited += 100
      }
      // time for every page to be read if nothing held it (each about 0.1-0.5 s from moto)
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      expect(proxy.reached("FilterLogEvents"), stderr).toBeLessThanOrEqual(2)
      expect(child.exitCode).toBeNull()
      const chunks: Array<Buffer> = []
      child.stdout.on("data", (d: Buffer) => chunks.push(d))
      child.stdout.resume()
      expect(await exited, stderr).toBe(0)
      const lines = Buffer.concat(chunks).toString("utf8").trimEnd().split("\n")
      expect(lines).toHaveLength(30_000)
      expect(lines[29_999]).toContain("request 2-9999 ")
      expect(proxy.reached("FilterLogEvents")).toBeGreaterThanOrEqual(3)
    } finally {
      await proxy.close()
    }
  }, 60_000)
})
