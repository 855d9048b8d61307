// Issue 19: a corpus of malformed and odd config files (over 100: special files, broken and hostile
// YAML, odd encodings, wrong types for keys of every kind the command sections have). Each is loaded
// through the real loader: it must load, or fail with one ConfigError line naming the file; never
// hang (each load is bounded), never an internal error (a defect). Writing a config file keeps the
// mode it had, for every mode in the corpus.
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { type ConfigFileAccess, loadConfig, nodeFileAccess, siteConfigFile } from "../../src/layers/AegeaConfigLive.ts"
import { commandFlags } from "../../src/services/configKeys.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegea-config-corpus-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const access: ConfigFileAccess = {
  read: (file) => (file === siteConfigFile ? undefined : nodeFileAccess.read(file)),
  writeAtomic: nodeFileAccess.writeAtomic
}

const texts: Array<readonly [string, string | Buffer]> = [
  ["empty", ""],
  ["comments only", "# nothing\n# here\n"],
  ["document markers", "---\n...\n"],
  ["top-level list", "- a\n- b\n"],
  ["top-level scalar", "5\n"],
  ["top-level null", "~\n"],
  ["top-level string", "hello\n"],
  ["multi-document", "region: us-east-1\n---\nregion: eu-west-1\n"],
  ["flow mapping", "{region: us-east-1, ls: {columns: [name]}}\n"],
  ["JSON", JSON.stringify({ region: "us-east-1", batch_submit: { memory: 4096 } })],
  ["unclosed quote", "region: \"us-east-1\n"],
  ["bad indentation", "ls:\n  columns: [name]\n   sort_by: name\n"],
  ["tab indentation", "ls:\n\tcolumns: name\n"],
  ["undefined alias", "region: *nowhere\n"],
  ["alias bomb", ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join("\n") + "\n"],
  ["many aliases", "x: &x 1\n" + Array.from({ length: 150 }, (_, i) => `k${i}: *x`).join("\n") + "\n"],
  ["merge key", "base: &base {memory: 4096}\nbatch_submit:\n  <<: *base\n"],
  ["custom tag", "region: !custom us-east-1\n"],
  ["binary tag", "region: !!binary aGVsbG8=\n"],
  ["duplicate keys", "region: us-east-1\nregion: eu-west-1\n"],
  ["BOM", "\uFEFFregion: us-east-1\n"],
  ["CRLF", "region: us-east-1\r\nls:\r\n  columns: [name]\r\n"],
  ["NUL bytes", Buffer.from("region: us-\u0000east-1\n")],
  ["invalid UTF-8", Buffer.concat([Buffer.from("region: "), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from("\n")])],
  ["control characters", "region: \u001b[31mred\u0007\n"],
  ["deep nesting", "a:\n" + Array.from({ length: 200 }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join("\n") + " 1\n"],
  ["deep flow nesting", "a: " + "[".repeat(2_000) + "]".repeat(2_000) + "\n"],
  ["very long line", `region: ${"x".repeat(500_000)}\n`],
  ["20k keys", Array.from({ length: 20_000 }, (_, i) => `key${i}: ${i}`).join("\n") + "\n"],
  ["__proto__", "__proto__:\n  polluted: 1\nregion: us-east-1\n"],
  ["constructor", "constructor: 1\ntoString: 2\n"],
  ["prototype in a section", "ls:\n  __proto__: {columns: [name]}\n"],
  ["merge operator on a scalar", "ls:\n  columns:\n    $append: 5\n"],
  ["merge operator unknown", "ls:\n  columns:\n    $explode: [name]\n"],
  ["$remove of nothing", "ls:\n  tag:\n    $remove: [nope]\n"],
  ["$insert without a list", "ls:\n  tag:\n    $insert: {at: 1}\n"],
  ["$extendleft on a mapping", "ls:\n  $extendleft: [name]\n"],
  ["unknown section", "no_such_command:\n  flag: 1\n"],
  ["unknown key", "ls:\n  no_such_flag: 1\n"],
  ["section is a list", "ls: [1, 2]\n"],
  ["section is a scalar", "batch_submit: 5\n"],
  ["huge number", "batch_submit:\n  memory: 1e400\n"],
  ["NaN", "batch_submit:\n  memory: .nan\n"],
  ["infinity", "batch_submit:\n  vcpus: .inf\n"],
  ["yes/no", "launch:\n  spot: yes\n"],
  ["date", "launch:\n  ami: 2024-01-01\n"],
  ["key with unicode", "日本: 1\n"],
  ["empty key", "\"\": 1\n"],
  ["null key", "~: 1\n"]
]

/** Wrong values for a key of each type: a mapping, a list, a number or a string where another is wanted. */
const wrongValues: Record<string, ReadonlyArray<string>> = {
  string: ["{a: 1}", "[1, 2]"],
  strings: ["{a: 1}", "5"],
  boolean: ["maybe", "[true]"],
  integer: ["1.5", "many"],
  number: ["-1", "lots"]
}
const typed = Object.entries(commandFlags).flatMap(([section, keys]) =>
  Object.entries(keys).flatMap(([key, type]) => {
    const values = Array.isArray(type) ? ["NOT_ONE_OF_THEM", "[FARGATE]"] : (wrongValues[type as string] ?? [])
    return values.map((value) => [`${section}.${key} = ${value}`, `${section}:\n  ${key}: ${value}\n`] as const)
  })
)
// One of each (section, type) pairing keeps the corpus broad without repeating itself.
const seenShapes = new Set<string>()
const typedCases = typed.filter(([name]) => {
  const [section, rest] = name.split(".") as [string, string]
  const key = rest.split(" = ")[0]!
  const type = JSON.stringify((commandFlags as Record<string, Record<string, unknown>>)[section]![key])
  const shape = `${type} ${rest.split(" = ")[1]}`
  if (seenShapes.has(`${section} ${shape}`)) return false
  seenShapes.add(`${section} ${shape}`)
  return true
}).slice(0, 120)

const corpus: Array<{ readonly name: string; readonly file: string }> = []
texts.concat(typedCases).forEach(([name, text], i) => {
  const file = path.join(root, `case-${i}.yml`)
  fs.writeFileSync(file, text)
  corpus.push({ name, file })
})
// Files that are not regular files.
const special = (name: string, make: (file: string) => void) => {
  const file = path.join(root, `special-${corpus.length}.yml`)
  make(file)
  corpus.push({ name, file })
}
special("a FIFO", (f) => execFileSync("mkfifo", [f]))
special("a symlink to /dev/zero", (f) => fs.symlinkSync("/dev/zero", f))
special("a symlink to /dev/urandom", (f) => fs.symlinkSync("/dev/urandom", f))
special("a directory", (f) => fs.mkdirSync(f))
special("a dangling symlink", (f) => fs.symlinkSync(path.join(root, "nowhere.yml"), f))
special("a symlink loop", (f) => fs.symlinkSync(f, f))
special("over 1 MiB", (f) => fs.writeFileSync(f, `# ${"x".repeat(1_100_000)}\n`))

describe(`the malformed-config corpus (${corpus.length} files)`, () => {
  it.effect("every file loads, or fails with one ConfigError line naming it; no hang, no internal error", () =>
    Effect.gen(function*() {
      assert.isAtLeast(corpus.length, 100)
      const problems: Array<string> = []
      let refused = 0
      for (const { name, file } of corpus) {
        const exit = yield* loadConfig({ HOME: root, AEGEA_CONFIG_FILE: file }, access).pipe(
          Effect.timeout("10 seconds"),
          Effect.exit
        )
        if (Exit.isSuccess(exit)) continue
        const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
        if (failure === undefined || failure._tag !== "Fail") {
          problems.push(`${name}: not a typed failure: ${Cause.pretty(exit.cause).split("\n")[0]}`)
          continue
        }
        const error = failure.error as { readonly _tag?: string; readonly summary?: string }
        if (error._tag === "TimeoutError") problems.push(`${name}: still loading after 10 s`)
        else if (error._tag !== "ConfigError") problems.push(`${name}: ${error._tag}, not a ConfigError`)
        else if (!(error.summary ?? "").includes(file)) problems.push(`${name}: the message does not name the file: ${error.summary}`)
        else if ((error.summary ?? "").includes("\n")) problems.push(`${name}: more than one line`)
        else refused++
      }
      assert.deepStrictEqual(problems, [])
      assert.isAbove(refused, 80) // most of the corpus is refused, each with its one line
    }), 120_000)

  it("writing a config file keeps its mode, whatever it was", () => {
    const changed: Array<string> = []
    for (const mode of [0o600, 0o640, 0o644, 0o400, 0o660, 0o604]) {
      const file = path.join(root, `mode-${mode.toString(8)}.yml`)
      fs.writeFileSync(file, "region: us-east-1\n")
      fs.chmodSync(file, mode)
      access.writeAtomic(file, "region: eu-west-1\n")
      const after = fs.statSync(file).mode & 0o777
      if (after !== mode) changed.push(`${mode.toString(8)} became ${after.toString(8)}`)
      assert.strictEqual(fs.readFileSync(file, "utf8"), "region: eu-west-1\n")
    }
    assert.deepStrictEqual(changed, [])
  })
})
