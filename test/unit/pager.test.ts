// The pager: which command, when, and how the live layer's block printer treats it (lib/pager.ts,
// layers/OutputLive.ts pageThrough). The pseudo-terminal tests are in test/cli/pager.test.ts.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pageThrough } from "../../src/layers/OutputLive.ts"
import { choosePager, needsPager, type PagerCommand } from "../../src/lib/pager.ts"

const onTerminal = { stdoutIsTTY: true, enabled: true }

describe("choosePager", () => {
  it("uses AEGEA_PAGER, else PAGER, else less -RFS", () => {
    assert.deepStrictEqual(choosePager({}, onTerminal), {
      text: "less -RFS", file: "less", args: ["-RFS"], shell: false, chosen: false, env: { LESS: "FRX" }
    })
    assert.strictEqual(choosePager({ PAGER: "more" }, onTerminal)?.file, "more")
    assert.strictEqual(choosePager({ PAGER: "more", AEGEA_PAGER: "most -s" }, onTerminal)?.text, "most -s")
    assert.deepStrictEqual(choosePager({ PAGER: "most -s" }, onTerminal)?.args, ["-s"])
    assert.isTrue(choosePager({ PAGER: "more" }, onTerminal)?.chosen)
  })

  it("keeps the user's LESS; sets LESS=FRX only when it is unset", () => {
    assert.deepStrictEqual(choosePager({ LESS: "-M" }, onTerminal)?.env, {})
    assert.deepStrictEqual(choosePager({ PAGER: "less" }, onTerminal)?.env, { LESS: "FRX" })
  })

  it("runs a command line with quotes, pipes or variables through sh", () => {
    const pager = choosePager({ PAGER: "sh -c 'cat > /tmp/x'" }, onTerminal)
    assert.deepStrictEqual([pager?.file, pager?.args, pager?.shell], ["/bin/sh", ["-c", "sh -c 'cat > /tmp/x'"], true])
  })

  it("is off on a pipe, with --no-pager / pager: false, and for an empty PAGER or cat", () => {
    assert.isUndefined(choosePager({}, { stdoutIsTTY: false, enabled: true }))
    assert.isUndefined(choosePager({}, { stdoutIsTTY: true, enabled: false }))
    assert.isUndefined(choosePager({ PAGER: "" }, onTerminal))
    assert.isUndefined(choosePager({ PAGER: "cat" }, onTerminal))
    assert.isUndefined(choosePager({ AEGEA_PAGER: "", PAGER: "less" }, onTerminal))
    assert.isUndefined(choosePager({ AEGEA_PAGER: " cat " }, onTerminal))
  })
})

describe("needsPager", () => {
  const lines = (n: number, width = 10) => Array.from({ length: n }, () => "x".repeat(width)).join("\n") + "\n"

  it("pages text taller than the screen (one row kept for the prompt)", () => {
    assert.isFalse(needsPager(lines(23), { rows: 24, columns: 80 }))
    assert.isTrue(needsPager(lines(24), { rows: 24, columns: 80 }))
  })

  it("pages text wider than the screen, colour codes not counted", () => {
    assert.isFalse(needsPager(lines(3, 80), { rows: 24, columns: 80 }))
    assert.isTrue(needsPager(lines(3, 81), { rows: 24, columns: 80 }))
    assert.isFalse(needsPager(`\u001b[32m${"x".repeat(80)}\u001b[39m\n`, { rows: 24, columns: 80 }))
  })

  it("never pages when the terminal's size is unknown or the text is empty", () => {
    assert.isFalse(needsPager(lines(100), {}))
    assert.isFalse(needsPager("", { rows: 24, columns: 80 }))
  })
})

describe("pageThrough", () => {
  const tall = Array.from({ length: 50 }, (_, i) => `row ${i}`).join("\n") + "\n"
  const size = () => ({ rows: 24, columns: 80 })
  // A pager's stdout must not be the test runner's: its output goes to a file instead.
  const spawnQuiet = (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
    spawn(file, [...args], { stdio: ["pipe", "ignore", "pipe"], env })
  const sh = (line: string, chosen = true): PagerCommand => ({ text: line, file: "/bin/sh", args: ["-c", line], shell: true, chosen, env: { LESS: "FRX" } })
  const withDir = <A>(f: (dir: string) => Promise<A>) => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-pager-"))
    return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }))
  }
  const capture = () => {
    const out: Array<string> = []
    const err: Array<string> = []
    return { out, err, seams: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), size, spawn: spawnQuiet } }
  }

  it("sends text that does not fit to the pager, with the pager's environment, and waits for it", () =>
    withDir(async (dir) => {
      const c = capture()
      await Effect.runPromise(pageThrough(sh(`cat > ${dir}/paged; echo "$LESS" > ${dir}/less`), c.seams)(tall))
      assert.strictEqual(readFileSync(join(dir, "paged"), "utf8"), tall)
      assert.strictEqual(readFileSync(join(dir, "less"), "utf8"), "FRX\n")
      assert.deepStrictEqual([c.out, c.err], [[], []])
    }))

  it("prints text that fits directly, without starting the pager", () =>
    withDir(async (dir) => {
      const c = capture()
      await Effect.runPromise(pageThrough(sh(`cat > ${dir}/paged`), c.seams)("short\n"))
      assert.deepStrictEqual(c.out, ["short\n"])
      assert.throws(() => readFileSync(join(dir, "paged")))
    }))

  it("is not an error when the pager quits before reading everything (EPIPE)", async () => {
    const c = capture()
    const big = "x".repeat(200) + "\n" + tall.repeat(20_000) // megabytes: more than a pipe holds
    await Effect.runPromise(pageThrough(sh("head -c 1 >/dev/null"), c.seams)(big))
    assert.deepStrictEqual([c.out, c.err], [[], []])
  })

  it("prints directly when the pager cannot be started, saying so when the user chose it", async () => {
    const missing: PagerCommand = { text: "no-such-pager-xyz", file: "no-such-pager-xyz", args: [], shell: false, chosen: true, env: {} }
    const c = capture()
    await Effect.runPromise(pageThrough(missing, c.seams)(tall))
    assert.deepStrictEqual(c.out, [tall])
    assert.match(c.err.join(""), /cannot start the pager "no-such-pager-xyz": not found; printing directly/)

    const quiet = capture()
    await Effect.runPromise(pageThrough({ ...missing, chosen: false }, quiet.seams)(tall))
    assert.deepStrictEqual([quiet.out, quiet.err], [[tall], []])
  })

  it("prints directly when sh cannot find the pager (exit 127)", async () => {
    const c = capture()
    await Effect.runPromise(pageThrough(sh("no-such-pager-xyz -R"), c.seams)(tall))
    assert.deepStrictEqual(c.out, [tall])
  })

  it("leaves the process's Ctrl-C handlers as they were", () =>
    withDir(async (dir) => {
      const handler = () => {}
      process.on("SIGINT", handler)
      try {
        const before = process.rawListeners("SIGINT").length
        await Effect.runPromise(pageThrough(sh(`cat > ${dir}/paged`), capture().seams)(tall))
        assert.strictEqual(process.rawListeners("SIGINT").length, before)
        assert.include(process.rawListeners("SIGINT"), handler)
      } finally {
        process.removeListener("SIGINT", handler)
      }
    }))
})
