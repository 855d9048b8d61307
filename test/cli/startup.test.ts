/** What the launcher (src/main.ts) does before the CLI loads. */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { REPO_ROOT, runCli } from "../support/cli.ts"
import { seedInstances, useMoto } from "../support/moto.ts"

useMoto()

describe("launcher", () => {
  it("--debug stack frames name the source files (src/*.ts), through the bundle's source maps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-debug-"))
    mkdirSync(join(dir, "not-a-file"))
    const env = { AEGEA_CONFIG_FILE: join(dir, "not-a-file") }
    const debug = await runCli(["config", "show", "--debug"], { env })
    expect(debug.code).toBe(3)
    expect(debug.stderr).toMatch(/at .*src\/layers\/AegeaConfigLive\.ts:\d+:\d+/)
    const plain = await runCli(["config", "show"], { env })
    expect(plain.stderr.trimEnd().split("\n")).toHaveLength(1)
    rmSync(dir, { recursive: true, force: true })
  })

  it("dist/aegea.js is an executable program", () => {
    const r = spawnSync(`${REPO_ROOT}dist/aegea.js`, ["--version"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } })
    expect(r.error).toBeUndefined()
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/\d+\.\d+\.\d+/)
  })

  it("a chunk's exports are its namespace object, not a copy behind one shared getter (scripts/build.mjs)", () => {
    const chunks = join(REPO_ROOT, "dist", "chunks")
    const files = readdirSync(chunks).filter((f) => f.endsWith(".js"))
    // esbuild's __toCommonJS, as it is before the build rewrites it: a copy whose getters are all `() => ns[key]`
    const copying = /([\w$]+)=>([\w$]+)\(([\w$]+)\(\{\},"__esModule",\{value:!0\}\),\1\)/
    expect(files.filter((f) => copying.test(readFileSync(join(chunks, f), "utf8")))).toEqual([])
    const exports = createRequire(import.meta.url)(join(chunks, "helpFormat.js")) as Record<string, unknown>
    expect(exports.__esModule).toBe(true)
    expect(typeof exports.renderHelpDoc).toBe("function")
    // each export its own getter (one function per binding, as esbuild's __export makes them)
    const getters = Object.keys(exports).map((k) => Object.getOwnPropertyDescriptor(exports, k)!.get)
    expect(getters.length).toBeGreaterThan(1)
    expect(getters.every((g) => typeof g === "function")).toBe(true)
    expect(new Set(getters.map((g) => g!.toString())).size).toBe(getters.length)
  })

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

describe("the EC2 family's own root (src/cliEc2.ts)", () => {
  // AEGEA_NO_STATIC=1 makes the launcher load the whole CLI; both must behave the same, byte for byte.
  beforeAll(async () => {
    await seedInstances(2)
  })
  const cases: ReadonlyArray<ReadonlyArray<string>> = [
    ["ls", "--help"],
    ["stop", "--help"],
    ["ls", "--bogus"],
    ["ls", "--state", "sleeping"],
    ["console"],
    ["--region", "us-east-1", "ls", "--output", "json"],
    ["-o", "csv", "ls", "--columns", "id,state"],
    ["stop", "--dry-run", "web-1"],
    ["key-pairs", "--output", "yaml"],
    ["ls", "--completions", "bash"]
  ]
  it.each(cases.map((args) => [args.join(" "), args] as const))("aegea %s prints the same as the whole CLI", async (_, args) => {
    const family = await runCli(args)
    const whole = await runCli(args, { env: { AEGEA_NO_STATIC: "1" } })
    expect(family).toStrictEqual(whole)
  })

  it.each([
    ["logs", "--help"],
    ["logs", "export", "--help"],
    ["logs", "--bogus"],
    ["logs", "no-such-group", "--start-time", "1h"],
    ["-o", "json", "logs"],
    ["logs", "--start-time", "sometime", "g"]
  ].map((args) => [args.join(" "), args] as const))("aegea %s (the logs root, src/cliLogs.ts) prints the same as the whole CLI", async (_, args) => {
    const family = await runCli(args)
    const whole = await runCli(args, { env: { AEGEA_NO_STATIC: "1" } })
    expect(family).toStrictEqual(whole)
  })

  it.each([
    ["ssh"],
    ["ssh", "--bogus", "box"],
    ["scp", "--no-ec2-instance-connect", "nonesuch:/a", "."]
  ].map((args) => [args.join(" "), args] as const))("aegea %s (the ssh-family root, src/cliSsh.ts) prints the same as the whole CLI", async (_, args) => {
    const family = await runCli(args)
    const whole = await runCli(args, { env: { AEGEA_NO_STATIC: "1" } })
    expect(family).toStrictEqual(whole)
  })

  it("lists the seeded instances through the family root", async () => {
    const r = await runCli(["ls", "--output", "json"])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toHaveLength(2)
  })
})
