// The CLI exits as soon as its command is done (src/bin.ts, exitOnceWritten): nothing it printed may be
// lost on the way, even when the reader is slow and the output is larger than a pipe holds.
import { beforeAll, describe, expect, it } from "vitest"
import { runCli, runCliPiped } from "../support/cli.ts"
import { seedInstances, useMoto } from "../support/moto.ts"

useMoto()

describe("exit when done", () => {
  beforeAll(async () => {
    // One RunInstances call: 200 instances of one name make ~80 KB of JSON, more than a 64 KB pipe.
    await seedInstances(200, { names: Array.from({ length: 200 }, () => "bulk") })
  }, 60_000)

  it("writes every byte to a reader that waits before reading", async () => {
    const direct = await runCli(["ls", "--output", "json"])
    expect(direct.code).toBe(0)
    expect(direct.stdout.length).toBeGreaterThan(65_536)
    expect(JSON.parse(direct.stdout)).toHaveLength(200)
    const slow = await runCliPiped(["ls", "--output", "json"], ["sh", "-c", "sleep 1; cat"])
    expect(slow.code).toBe(0)
    expect(slow.pipeCode).toBe(0)
    expect(slow.stdout).toBe(direct.stdout)
  })
})
