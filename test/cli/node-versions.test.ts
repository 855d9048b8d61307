/**
 * `engines` says Node 20 or newer: the suite itself runs on the machine's Node (20 here), and this file
 * runs the built CLI and the library on Node 22 too. The Node 22 binary comes from the npm registry
 * (the `node-<platform>-<arch>` package), cached under node_modules/.cache.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { cliEnv, CLI_PATH, REPO_ROOT } from "../support/cli.ts"
import { seedInstances, useMoto } from "../support/moto.ts"

const version = "22.23.5"
const cache = join(REPO_ROOT, "node_modules", ".cache", "aegea-node")
const binary = join(cache, `node-${version}`, "bin", "node")

/** Node `version` for this platform, from the npm registry (about 50 MB, once). */
const fetchNode = () => {
  if (existsSync(binary)) return
  const work = join(cache, `download-${process.pid}`)
  mkdirSync(work, { recursive: true })
  const pkg = `node-${process.platform}-${process.arch}@${version}`
  const file = execFileSync("npm", ["pack", pkg, "--silent"], { cwd: work, encoding: "utf8", timeout: 240_000 }).trim().split("\n").at(-1)!
  execFileSync("tar", ["xzf", file], { cwd: work })
  rmSync(join(cache, `node-${version}`), { recursive: true, force: true })
  renameSync(join(work, "package"), join(cache, `node-${version}`))
  rmSync(work, { recursive: true, force: true })
}

useMoto()

beforeAll(() => fetchNode(), 300_000)

const run = (args: ReadonlyArray<string>, options: { readonly cwd?: string } = {}) =>
  spawnSync(binary, [...args], { cwd: options.cwd ?? REPO_ROOT, env: cliEnv(), encoding: "utf8", timeout: 60_000 })

describe(`the CLI and the library on Node ${version}`, () => {
  it("is that version", () => {
    expect(run(["--version"]).stdout.trim()).toBe(`v${version}`)
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node
    expect(engines).toBe(">=20")
  })

  it("runs aegea ls against moto, --help and a usage error, as on the suite's Node", async () => {
    const [id] = await seedInstances(1, { names: ["node22-box"] })
    const ls = run([CLI_PATH, "ls", "--json", "--columns", "name,id"])
    expect(ls.stderr).toBe("")
    expect(JSON.parse(ls.stdout)).toEqual([{ name: "node22-box", id }])
    const help = run([CLI_PATH, "ls", "--help"])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("Columns:")
    const bad = run([CLI_PATH, "ls", "--output", "xml"])
    expect(bad.status).toBe(2)
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1)
  })

  it("imports the library (dist/lib) and runs a program on the in-memory layers", () => {
    const program = [
      `import * as Effect from "effect/Effect"`,
      `import { Ec2 } from "aegea"`,
      `import { Ec2Memory } from "aegea/testing"`,
      `const program = Effect.gen(function*() { return yield* (yield* Ec2.Ec2).resolveInstance("box") })`,
      `const box = await Effect.runPromise(program.pipe(Effect.provide(Ec2Memory.layer({ instances: [{ name: "box" }] }))))`,
      `console.log(box.name)`
    ].join("\n")
    const r = run(["--input-type=module", "-e", program])
    expect(r.stderr).toBe("")
    expect(r.stdout.trim()).toBe("box")
  })
})
