// The launcher's compile cache (src/compileCache.ts): the built CLI run twice with a fresh cache folder,
// and with caches it must not use. AEGEA_COMPILE_CACHE_DEBUG=1 makes the launcher say on stderr, at
// exit, how many chunks came from the cache, were rejected or missing, and whether it wrote the file.
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { type CliResult, runCli } from "../support/cli.ts"

const work = mkdtempSync(join(tmpdir(), "aegea-compile-cache-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

// `config show`: the whole CLI's code (the "all" family), no AWS call.
const ARGS = ["config", "show"]
let folders = 0
const freshFolder = (): string => join(work, `cache-${++folders}`)

/** One run with the cache in `dir` (debug line on); its result and what the debug line says. */
const run = async (dir: string, env: Record<string, string> = {}): Promise<CliResult & { readonly debug: string | undefined }> => {
  const r = await runCli(ARGS, { env: { AEGEA_CACHE_DIR: dir, AEGEA_COMPILE_CACHE_DEBUG: "1", ...env } })
  const lines = r.stderr.split("\n")
  const debug = lines.find((l) => l.startsWith("aegea compile cache: "))
  return { ...r, stderr: lines.filter((l) => l !== debug).join("\n"), debug }
}

/** The counts of a debug line: "FILE N cached N rejected N missing[ written]". */
const counts = (debug: string | undefined) => {
  const m = / (\d+) cached (\d+) rejected (\d+) missing( written)?$/.exec(debug ?? "")
  expect(m, `debug line: ${debug}`).not.toBeNull()
  return { cached: Number(m![1]), rejected: Number(m![2]), missing: Number(m![3]), written: m![4] !== undefined }
}

const cacheFiles = (dir: string): Array<string> => readdirSync(dir).filter((f) => f.endsWith(".v8cache"))

/** The cache the second test's first run wrote; later tests start from a copy (one run fewer each). */
let written: { readonly dir: string; readonly file: string }
/** A fresh cache folder holding a copy of that cache: its path and the file's. */
const seededFolder = (): { readonly dir: string; readonly path: string } => {
  const dir = freshFolder()
  mkdirSync(dir, { mode: 0o700 })
  const path = join(dir, written.file)
  copyFileSync(join(written.dir, written.file), path)
  chmodSync(path, 0o600)
  return { dir, path }
}

/** What the command prints without any cache (Node's require path): every run must print the same. */
let plain: CliResult & { readonly debug: string | undefined }
const expectSameOutput = (r: CliResult): void => {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toStrictEqual({ code: plain.code, stdout: plain.stdout, stderr: plain.stderr })
}

describe("the compile cache", () => {
  it("AEGEA_NO_COMPILE_CACHE=1: no cache folder, no cache used", async () => {
    const dir = freshFolder()
    plain = await run(dir, { AEGEA_NO_COMPILE_CACHE: "1" })
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toContain("launch.instance_type")
    expect(plain.debug).toBeUndefined()
    expect(existsSync(dir)).toBe(false)
  })

  it("is written by the first run (folder 0700, file 0600, named by the build and Node) and used by the second", async () => {
    const dir = freshFolder()
    const first = await run(dir)
    expectSameOutput(first)
    const wrote = counts(first.debug)
    expect(wrote).toMatchObject({ cached: 0, rejected: 0, written: true })
    expect(wrote.missing).toBeGreaterThan(5)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const [file, ...others] = cacheFiles(dir)
    expect(others).toStrictEqual([])
    expect(file).toMatch(new RegExp(`^all-[0-9a-f]{32}-${process.version.replace(/\./g, "\\.")}-${process.arch}\\.v8cache$`))
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp")), "no temporary file left").toStrictEqual([])
    written = { dir, file: file! }
    const mtime = statSync(join(dir, file!)).mtimeMs

    const second = await run(dir)
    expectSameOutput(second)
    // every chunk from the cache, none compiled, nothing rewritten
    expect(counts(second.debug)).toStrictEqual({ cached: wrote.missing, rejected: 0, missing: 0, written: false })
    expect(statSync(join(dir, file!)).mtimeMs).toBe(mtime)
  })

  it("a damaged cache file is ignored and written anew", async () => {
    const { dir, path } = seededFolder()
    const bytes = readFileSync(path)
    // one byte of V8's data flipped (V8 itself would take it): the file's checksum no longer matches
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff
    writeFileSync(path, bytes, { mode: 0o600 })
    const damaged = await run(dir)
    expectSameOutput(damaged)
    expect(counts(damaged.debug)).toMatchObject({ cached: 0, written: true })
    // cut short
    writeFileSync(path, bytes.subarray(0, 1000), { mode: 0o600 })
    const truncated = await run(dir)
    expectSameOutput(truncated)
    expect(counts(truncated.debug)).toMatchObject({ cached: 0, written: true })
    const again = await run(dir)
    expect(counts(again.debug)).toMatchObject({ rejected: 0, missing: 0, written: false })
  })

  it("a cache file others may write is ignored and replaced by one of the user's own", async () => {
    const { dir, path } = seededFolder()
    chmodSync(path, 0o620)
    const r = await run(dir)
    expectSameOutput(r)
    expect(counts(r.debug)).toMatchObject({ cached: 0, written: true })
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it("a cache folder others may write is neither read nor written", async () => {
    const { dir, path } = seededFolder()
    const before = statSync(path).mtimeMs
    chmodSync(dir, 0o777)
    const r = await run(dir)
    expectSameOutput(r)
    expect(counts(r.debug)).toMatchObject({ cached: 0, written: false })
    expect(statSync(path).mtimeMs).toBe(before)
    chmodSync(dir, 0o700)
  })

  it.runIf(process.getuid?.() === 0)("a cache file another user owns is ignored (as root: the file is chowned)", async () => {
    const { dir, path } = seededFolder()
    chownSync(path, 4242, 4242)
    const r = await run(dir)
    expectSameOutput(r)
    expect(counts(r.debug)).toMatchObject({ cached: 0, written: true })
    expect(statSync(path).uid).toBe(0)
  })

  it("a run that cannot write its cache (a file where the folder would be) runs as without one", async () => {
    const blocked = join(work, "not-a-folder")
    writeFileSync(blocked, "")
    const r = await run(join(blocked, "aegea"))
    expectSameOutput(r)
    expect(counts(r.debug)).toMatchObject({ cached: 0, written: false })
  })

  it("lives in $HOME/.cache/aegea without AEGEA_CACHE_DIR or XDG_CACHE_HOME, and runs writing it at once leave one whole file", async () => {
    const home = mkdtempSync(join(work, "home-"))
    const env = { AEGEA_CACHE_DIR: "", HOME: home }
    const both = await Promise.all([runCli(ARGS, { env, home }), runCli(ARGS, { env, home })])
    for (const r of both) expectSameOutput(r)
    const dir = join(home, ".cache", "aegea")
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(cacheFiles(dir)).toHaveLength(1)
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toStrictEqual([])
    const r = await run(dir)
    expect(counts(r.debug)).toMatchObject({ rejected: 0, missing: 0, written: false })
  })
})
