/**
 * One time syntax everywhere (README "Times"), as a user types it into the built CLI against moto:
 * `2h`, `-2h` and `2 hours` all mean two hours ago; now, today, yesterday, dates; a start after the end
 * or in the future is a usage error (exit 2) naming both, never an empty result.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { seedLogs } from "../support/logs.ts"
import { resetMoto } from "../support/moto.ts"

const base = Date.now() - 30 * 60_000
const day = (offset: number) => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + offset * 86_400_000).toISOString().slice(0, 10)

beforeAll(async () => {
  await resetMoto()
  await seedLogs({ "/aegea/time": { s: [{ timestamp: base, message: "first" }, { timestamp: base + 1_000, message: "second" }] } })
})

const messages = (stdout: string) => stdout.trim().split("\n").filter((l) => l !== "").map((l) => l.split(" ").slice(2).join(" "))

describe("aegea logs: relative times count back from now", () => {
  for (const start of ["2h", "-2h", "2 hours", "2 hours ago", "90m", "1 day", "yesterday"]) {
    it(`--start-time ${JSON.stringify(start)} includes events of 30 minutes ago`, async () => {
      const r = await runCli(["logs", "/aegea/time", `--start-time=${start}`])
      expect(r.code, r.stderr).toBe(0)
      expect(messages(r.stdout)).toEqual(["first", "second"])
    })
  }

  it("an unsigned --end-time is in the past too: --start-time 2h --end-time 1h has nothing, 15m has both", async () => {
    const none = await runCli(["logs", "/aegea/time", "--start-time", "2h", "--end-time", "1h"])
    expect(none.code, none.stderr).toBe(0)
    expect(none.stdout).toBe("")
    const both = await runCli(["logs", "/aegea/time", "--start-time", "2h", "--end-time", "15m"])
    expect(messages(both.stdout)).toEqual(["first", "second"])
  })

  it("a start after the end is exit 2 naming both", async () => {
    const r = await runCli(["logs", "/aegea/time", "--start-time", "1h", "--end-time", "2h"])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--start-time \S+ is after --end-time \S+/)
    expect(r.stdout).toBe("")
  })

  it("a start in the future is exit 2", async () => {
    for (const start of ["+1h", "in 2 hours"]) {
      const r = await runCli(["logs", "/aegea/time", `--start-time=${start}`])
      expect(r.code, start).toBe(2)
      expect(r.stderr).toContain("in the future")
    }
  })
})

describe("aegea grep and logs export take the same times", () => {
  it("grep --start-time '2 hours' finds the events; 2m (two minutes ago) does not", async () => {
    const found = await runCli(["grep", "first", "/aegea/time", "--start-time", "2 hours"])
    expect(found.code, found.stderr).toBe(0)
    expect(found.stdout).toContain("first")
    const none = await runCli(["grep", "first", "/aegea/time", "--start-time", "2m"])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain("no matches")
  })

  it("grep with --start-time after --end-time is exit 2, not 'no matches'", async () => {
    const r = await runCli(["grep", "first", "/aegea/time", "--start-time", "today", "--end-time", "yesterday"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--end-time")
  })

  it("logs export --start-time 2h --end-time 1h is exit 2 when swapped, and accepted in order", async () => {
    const swapped = await runCli(["logs", "export", "/aegea/time", "--start-time", "1h", "--end-time", "2h"])
    expect(swapped.code).toBe(2)
    expect(swapped.stderr).toMatch(/--start-time \S+ is after --end-time \S+/)
    const future = await runCli(["logs", "export", "/aegea/time", "--start-time", "+1d"])
    expect(future.code).toBe(2)
  })
})

describe("aegea batch ls --since", () => {
  it("takes the same syntax: '2 hours', yesterday, a date; a future one is exit 2", async () => {
    const submitted = await runCli(["batch", "submit", "--command", "echo hi", "--memory", "2048", "--vcpus", "1", "--json"], { timeoutMs: 60_000 })
    expect(submitted.code, submitted.stderr).toBe(0)
    for (const since of ["2 hours", "2h", "yesterday", day(-1)]) {
      const r = await runCli(["batch", "ls", "--since", since, "--json"])
      expect(r.code, `${since}: ${r.stderr}`).toBe(0)
      expect((JSON.parse(r.stdout) as Array<unknown>).length, since).toBe(1)
    }
    const future = await runCli(["batch", "ls", "--since", "+1h"])
    expect(future.code).toBe(2)
    expect(future.stderr).toContain("--since")
  })
})

describe("aegea cost: the same syntax, rounded to days", () => {
  it("--start yesterday --end today, or '7 days' ago", async () => {
    const r = await runCli(["cost", "--start", "yesterday", "--end", "today"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`from ${day(-1)} to ${day(0)}`)
    const week = await runCli(["cost", "--start", "7 days"])
    expect(week.code, week.stderr).toBe(0)
    expect(week.stderr).toContain(`from ${day(-7)} to ${day(0)}`)
  })

  it("a start in the future is exit 2; a forecast takes a future end (+30d, 'in 30 days')", async () => {
    const future = await runCli(["cost", "--start", "+2d"])
    expect(future.code).toBe(2)
    expect(future.stderr).toContain("in the future")
    // moto has no GetCostForecast (exit 6): reaching it means the dates were accepted
    expect((await runCli(["cost", "forecast", "--end", "in 30 days"])).code).toBe(6)
    expect((await runCli(["cost", "forecast", "--end", "+30d"])).code).toBe(6)
    const past = await runCli(["cost", "forecast", "--end", "30d"])
    expect(past.code).toBe(2)
    expect(past.stderr).toContain("+30d")
  })
})
