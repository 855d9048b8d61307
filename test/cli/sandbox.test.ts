/**
 * `npm run sandbox -- ARGS`: the README's first command. The sandbox starts its own moto_server, seeds
 * it, runs the aegea command line, stops the emulator and exits with aegea's exit code.
 */
import { spawn } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "../support/cli.ts"

const sandbox = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("AEGEA_")))
    const child = spawn(process.execPath, [join(REPO_ROOT, "scripts", "sandbox.mjs"), ...args], {
      cwd: REPO_ROOT,
      env: { ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`sandbox ${args.join(" ")} did not finish:\n${stderr}`))
    }, 90_000)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

describe("npm run sandbox -- AEGEA ARGS", () => {
  it("runs the command against a seeded emulator and exits with its code", async () => {
    const r = await sandbox(["ls", "--json", "--columns", "name,state", "--sort-by", "name"])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([
      { name: "batch-1", state: "stopped" },
      { name: "db-1", state: "running" },
      { name: "web-1", state: "running" },
      { name: "web-2", state: "running" }
    ])
  }, 120_000)

  it("passes aegea's exit code and errors through; after -- everything is aegea's", async () => {
    const missing = await sandbox(["--empty", "terminate", "web-1", "--yes"])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain("web-1")
    const help = await sandbox(["--empty", "--", "--version"])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/\d+\.\d+\.\d+/)
  }, 120_000)
})
