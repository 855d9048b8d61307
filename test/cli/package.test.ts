/**
 * The npm package as users get it: `npm pack` of this checkout (the bundle built by `npm test`, the
 * types built here), checked for size and contents, then installed into a scratch project next to a
 * different Effect 4.x release than aegea builds with: one copy of effect, a program type-checks
 * against aegea's declarations and runs, and so do the README's library examples (the ```ts blocks of
 * its "Library API" section that start with a `// NAME.ts` line: all are compiled; the program and
 * the tests among them are run).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { REPO_ROOT } from "../support/cli.ts"
import { motoEndpoint } from "../support/moto.ts"

/** The README's library examples: `// NAME.ts` as the first line of a ```ts block in "## Library API". */
const readmeExamples = (): Array<{ name: string; code: string }> => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8")
  const start = readme.indexOf("\n## Library API\n")
  const end = readme.indexOf("\n## ", start + 5)
  const section = readme.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/```ts\n\/\/ ([\w.-]+\.ts)\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, code: m[2]! }))
}

/** The Effect release the scratch project installs: another 4.x than the one in package-lock.json. */
const otherEffect = "4.0.6"
const budgetBytes = 4 * 1024 * 1024

const npm = (args: ReadonlyArray<string>, cwd: string) =>
  execFileSync("npm", [...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 })

let work = ""
let tarball = ""
let packed: { size: number; unpackedSize: number; files: ReadonlyArray<{ path: string }> }

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "aegea-pack-"))
  // The declarations (`npm run build:types`); dist/ itself was built by `npm test`.
  execFileSync(process.execPath, [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.lib.json"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    timeout: 240_000
  })
  const out = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], REPO_ROOT)) as Array<typeof packed & { filename: string }>
  packed = out[0]!
  tarball = join(work, out[0]!.filename)
}, 300_000)

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true })
}, 180_000)

describe("the npm package", () => {
  it(`is lean: under ${budgetBytes / 1024 / 1024} MB packed, no metafile, no tests, package.json exported`, () => {
    expect(packed.size).toBeLessThan(budgetBytes)
    const paths = packed.files.map((f) => f.path)
    expect(paths).toContain("dist/aegea.js")
    expect(paths).toContain("dist/types/index.d.ts")
    expect(paths.filter((p) => p.endsWith("meta.json") || p.startsWith("test/") || p.includes(".test."))).toEqual([])
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>
      peerDependencies: Record<string, string>
      dependencies: Record<string, string>
    }
    expect(manifest.exports["./package.json"]).toBe("./package.json")
    expect(manifest.peerDependencies["effect"]).toMatch(/^\^4\./)
    expect(Object.keys(manifest.dependencies)).not.toContain("effect")
    expect(Object.keys(manifest.dependencies)).not.toContain("@effect/platform-node")
  })

  it("contains no absolute path of the machine that built it", () => {
    const offenders = packed.files
      .map((f) => f.path)
      .filter((p) => /\.(js|map|d\.ts|txt|json)$/.test(p))
      .filter((p) => readFileSync(join(REPO_ROOT, p), "utf8").includes(REPO_ROOT))
    expect(offenders).toEqual([])
  })

  it(`installs beside effect@${otherEffect}: one copy of effect, a program type-checks and runs`, () => {
    const project = join(work, "scratch")
    execFileSync("mkdir", ["-p", project])
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }))
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, outDir: "out", types: ["node"] },
        include: ["main.ts", "readme/*.ts"]
      })
    )
    const examples = readmeExamples()
    expect(examples.map((e) => e.name).sort()).toEqual(["job-lines.ts", "layers.ts", "progress.ts", "stop-all.test.ts", "stop-all.ts", "stop-dev.ts"])
    mkdirSync(join(project, "readme"))
    for (const example of examples) writeFileSync(join(project, "readme", example.name), example.code)
    writeFileSync(
      join(project, "main.ts"),
      [
        `import * as Effect from "effect/Effect"`,
        `import * as Stream from "effect/Stream"`,
        `import { Ec2, ResourceNotFound, exitCodeOf } from "aegea"`,
        `import { Ec2Memory } from "aegea/testing"`,
        `import manifest from "aegea/package.json" with { type: "json" }`,
        ``,
        `const program = Effect.gen(function*() {`,
        `  const ec2 = yield* Ec2.Ec2`,
        `  const running = yield* Stream.runCollect(ec2.instances({ states: ["running"] }))`,
        `  const missing = yield* Effect.flip(ec2.resolveInstance("nope"))`,
        `  return { running: running.map((i) => i.name), missing: missing._tag, code: exitCodeOf(new ResourceNotFound({ kind: "instance", name: "x" })), version: manifest.version }`,
        `})`,
        `const layer = Ec2Memory.layer({ instances: [{ name: "box" }, { name: "off", state: "stopped" }] })`,
        `console.log(JSON.stringify(await Effect.runPromise(program.pipe(Effect.provide(layer)))))`,
        ``
      ].join("\n")
    )
    npm(["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball, `effect@${otherEffect}`, "typescript@5", "@types/node@22", "@effect/vitest@4.0.5", "vitest@5.1.1"], project)
    const tree = JSON.parse(npm(["ls", "effect", "--all", "--json"], project)) as { dependencies?: Record<string, { version: string; dependencies?: Record<string, { version: string }> }> }
    const versions = new Set<string>()
    const walk = (deps: Record<string, { version: string; dependencies?: Record<string, { version: string }> }> | undefined) => {
      for (const [name, dep] of Object.entries(deps ?? {})) {
        if (name === "effect") versions.add(dep.version)
        walk(dep.dependencies as never)
      }
    }
    walk(tree.dependencies)
    expect([...versions]).toEqual([otherEffect])
    const tsc = spawnSync(process.execPath, [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: project, encoding: "utf8" })
    expect(tsc.stdout + tsc.stderr).toBe("")
    expect(tsc.status).toBe(0)
    const run = spawnSync(process.execPath, [join(project, "out", "main.js")], { cwd: project, encoding: "utf8" })
    expect(run.stderr).toBe("")
    expect(JSON.parse(run.stdout)).toEqual({ running: ["box"], missing: "ResourceNotFound", code: 5, version: expect.any(String) })
    // The README's program, against this project's moto (nothing tagged env=dev runs there).
    const awsEnv = { ...process.env, AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_MAX_ATTEMPTS: "1" }
    const program = spawnSync(process.execPath, [join(project, "out", "readme", "stop-dev.js")], { cwd: project, encoding: "utf8", env: awsEnv })
    expect(program.stderr).toBe("")
    expect(program.stdout).toBe("stopped 0 instances\n")
    // The README's tests, with vitest as a user runs them.
    const tests = spawnSync(process.execPath, [join(project, "node_modules", "vitest", "vitest.mjs"), "run", "readme/stop-all.test.ts"], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, CI: "true", NO_COLOR: "1" }
    })
    expect(tests.stdout + tests.stderr).toMatch(/Tests\s+2 passed \(2\)/)
    expect(tests.status).toBe(0)
  }, 300_000)
})
