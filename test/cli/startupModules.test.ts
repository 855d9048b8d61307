/**
 * What Node loads for a command that needs no terminal and no child process: the launcher is CommonJS
 * (no ES module loader), and the CLI's terminal and child-process spawner are made on first use
 * (src/cliEnvironment.ts), as is the pager's child_process (src/layers/OutputLive.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.ts"
import { seedLogs } from "../support/logs.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

let dir = ""
let preload = ""
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aegea-modules-"))
  preload = join(dir, "modules.cjs")
  // At exit, the built-in modules Node loaded (process.moduleLoadList), one a line, into AEGEA_MODULES_LOG.
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(process.env.AEGEA_MODULES_LOG, process.moduleLoadList.join("\\n")))\n`
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const loadedBy = async (args: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const log = join(dir, `${args.join("_").replace(/[^\w]/g, "")}.log`)
  const r = await runCli(args, { nodeArgs: ["--require", preload], env: { AEGEA_MODULES_LOG: log } })
  expect(r.code, r.stderr).toBe(0)
  return readFileSync(log, "utf8").split("\n").map((line) => line.replace(/^NativeModule /, ""))
}

describe("built-in modules at start-up", () => {
  it.each([
    [["ls", "--output", "json"]],
    [["logs"]]
  ])("aegea %j loads no child_process, dgram, readline or ES module loader", async (args) => {
    const modules = await loadedBy(args)
    expect(modules, "the probe saw the command's modules").toContain("http")
    expect(modules.filter((m) => ["child_process", "dgram", "readline", "internal/modules/esm/loader"].includes(m))).toEqual([])
    // nor web streams: @smithy/core reads the global ReadableStream only for a body that may be one (lazy-web-streams, scripts/sdkPatches.mjs)
    expect(modules.filter((m) => /^internal\/webstreams\/(readable|writable|transform)stream$/.test(m))).toEqual([])
  })
})

describe("`aegea logs` without the SDK's client", () => {
  beforeAll(() => seedLogs({ "/aegea/modules": { s: [{ timestamp: Date.now() - 1_000, message: "hello" }] } }))
  it.each([
    [["logs"]],
    [["logs", "/aegea/modules/*"]],
    [["logs", "/aegea/modules", "--start-time", "1h"]],
    [["logs", "/aegea/modules", "--start-time", "1h", "--output", "json"]]
  ])("aegea %j lists and reads by signed calls: neither https nor tls is loaded for an http endpoint (the SDK's HTTP handler loads both)", async (args) => {
    const modules = await loadedBy(args)
    expect(modules, "the probe saw the command's modules").toContain("http")
    expect(modules.filter((m) => m === "https" || m === "tls")).toEqual([])
  })
})
