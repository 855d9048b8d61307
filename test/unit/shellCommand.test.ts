import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { executePayload } from "../../src/lib/executePayload.ts"
import { containerCommand, jobNameFor, linesOf, shellQuote } from "../../src/lib/shellCommand.ts"

/** Run the container command with the local bash, as the container would. */
const run = (command: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const [file, ...args] = command
  const r = spawnSync(file ?? "/bin/bash", args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const tricky = [
  `it's "quoted" and 'single'`,
  "dollar $HOME ${PATH} $(echo no) `echo no`",
  "two\nlines\n",
  "unicode: héllo → 世界 🚀",
  "",
  "back\\slash \\n not a newline",
  "  leading and trailing spaces  ",
  "glob * ? [a-z] ~ and ; && || | > <"
]

describe("containerCommand", () => {
  it("passes every line to bash verbatim: quotes, $, newlines, unicode and empty strings survive", () => {
    const r = run(containerCommand(tricky.map((text) => `printf '%s\\0' ${shellQuote(text)}`)))
    assert.strictEqual(r.code, 0, r.stderr)
    assert.deepStrictEqual(r.stdout.split("\0").slice(0, -1), tricky)
  }, 30_000)

  it("runs the lines in order in one shell (variables carry over), empty lines are no-ops", () => {
    const r = run(containerCommand(["X=1", "", "echo first $X", "X=$((X+1))", "echo second $X"]))
    assert.strictEqual(r.stdout, "first 1\nsecond 2\n")
    assert.strictEqual(r.code, 0)
  })

  it("runs under set -euo pipefail: the first failure stops the job with its exit code", () => {
    const r = run(containerCommand(["echo a", "exit 7", "echo never"]))
    assert.strictEqual(r.stdout, "a\n")
    assert.strictEqual(r.code, 7)
    assert.strictEqual(run(containerCommand(["false | true", "echo never"])).code, 1)
    assert.strictEqual(run(containerCommand(["echo $UNSET_VARIABLE", "echo never"])).code, 1)
  }, 30_000)

  it("a line may hold a whole multi-line script", () => {
    const r = run(containerCommand(["for i in 1 2 3; do\n  echo $i\ndone"]))
    assert.strictEqual(r.stdout, "1\n2\n3\n")
  })

  it("round-trips through JSON (the request body) unchanged, and linesOf recovers the lines", () => {
    const command = containerCommand(tricky)
    const back = JSON.parse(JSON.stringify(command)) as Array<string>
    assert.deepStrictEqual(back, command)
    assert.deepStrictEqual(linesOf(back), tricky)
  })

  it("names jobs after the first word of the first line", () => {
    assert.strictEqual(jobNameFor(["echo hello"]), "aegea_echo")
    assert.strictEqual(jobNameFor(["", "  /usr/bin/python3 -c 1"]), "aegea_python3")
    assert.strictEqual(jobNameFor(["$(weird)"]), "aegea_weird")
    assert.strictEqual(jobNameFor(["&&"]), "aegea_job")
  })
})

describe("executePayload", () => {
  it.effect("ships a script in the environment and runs it", () =>
    Effect.gen(function*() {
      const script = "#!/bin/bash\necho \"hello from $0 with \\$ and 'quotes'\"\nexit 4\n"
      const payload = yield* executePayload("job.sh", Buffer.from(script), 24 * 1024)
      const r = run(containerCommand(payload.lines), { ...payload.environment })
      assert.match(r.stdout, /^hello from \/.* with \$ and 'quotes'\n$/)
      assert.strictEqual(r.code, 4)
    }))

  it.effect("ships a binary file byte for byte", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "aegea-exec-"))
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
      const script = Buffer.concat([Buffer.from(`#!/bin/bash\ntail -c 256 "$0" > ${dir}/out; exit 0\n`), bytes])
      const payload = yield* executePayload("bin", script, 24 * 1024)
      const r = run(containerCommand(payload.lines), { ...payload.environment })
      assert.strictEqual(r.code, 0, r.stderr)
      writeFileSync(join(dir, "expected"), bytes)
      assert.isTrue(spawnSync("cmp", [join(dir, "out"), join(dir, "expected")]).status === 0)
    }))

  it.effect("refuses a file too large for the request, naming it and the limit", () =>
    Effect.gen(function*() {
      const random = Buffer.from(Array.from({ length: 40_000 }, () => Math.floor(Math.random() * 256)))
      const error = yield* Effect.flip(executePayload("big.bin", random, 24 * 1024))
      assert.strictEqual(error._tag, "UsageError")
      assert.match(error.message, /^--execute big\.bin is too large: \d+ bytes after gzip and base64, the limit is 24576$/)
    }))
})
