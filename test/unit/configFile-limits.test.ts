// Config files that are odd, huge, hostile or badly typed (issue 19): refused with one line naming the
// file (and line and key), in work linear in their size, and `config set` keeps a file's mode.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Result from "effect/Result"
import { afterAll } from "vitest"
import { type ConfigFileAccess, loadConfig, maxConfigFileBytes, nodeFileAccess, siteConfigFile } from "../../src/layers/AegeaConfigLive.ts"
import { parseLayer } from "../../src/layers/configFile.ts"
import { mergeLayer, emptyMerged } from "../../src/lib/merge.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegea-config-limits-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** Real files, no site file. */
const access: ConfigFileAccess = {
  read: (file) => (file === siteConfigFile ? undefined : nodeFileAccess.read(file)),
  writeAtomic: nodeFileAccess.writeAtomic
}
const loadError = (file: string) => Effect.flip(loadConfig({ HOME: root, AEGEA_CONFIG_FILE: file }, access))

/** Calls of the callbacks given to Array.prototype.some (the `yaml` package's duplicate-key check) and of Map.prototype.keys. */
const countOperations = <A>(run: () => A): { readonly result: A; readonly operations: number } => {
  const some = Array.prototype.some
  const keys = Map.prototype.keys
  let operations = 0
  Array.prototype.some = function(this: Array<unknown>, predicate: (value: unknown, index: number, array: Array<unknown>) => unknown, thisArg?: unknown) {
    return some.call(this, (value, index, array) => {
      operations++
      return predicate.call(thisArg, value, index, array)
    })
  }
  Map.prototype.keys = function(this: Map<unknown, unknown>) {
    operations += this.size
    return keys.call(this)
  } as typeof Map.prototype.keys
  try {
    return { result: run(), operations }
  } finally {
    Array.prototype.some = some
    Map.prototype.keys = keys
  }
}

const keysText = (count: number, prefix = "key") => Array.from({ length: count }, (_, i) => `${prefix}${i}: ${i}`).join("\n") + "\n"

describe("config files: type and size limits", () => {
  it.effect("a FIFO, a symlink to /dev/zero, a directory or a file over 1 MiB is refused with one line naming the file", () =>
    Effect.gen(function*() {
      const fifo = path.join(root, "fifo.yml")
      execFileSync("mkfifo", [fifo])
      const zero = path.join(root, "zero.yml")
      fs.symlinkSync("/dev/zero", zero)
      const big = path.join(root, "big.yml")
      fs.writeFileSync(big, `# ${"x".repeat(maxConfigFileBytes)}\n`)
      const dir = path.join(root, "dir.yml")
      fs.mkdirSync(dir)
      for (const [file, what] of [[fifo, "a FIFO"], [zero, "a character device"], [dir, "a directory"], [big, "more than the limit of 1048576 bytes (1 MiB)"]]) {
        const error = yield* loadError(file!)
        assert.strictEqual(error._tag, "ConfigError")
        assert.include(error.summary, `could not read config file ${file}: `)
        assert.include(error.summary, what!)
        assert.notInclude(error.summary, "\n")
      }
    }))
})

describe("config files: YAML aliases and duplicate keys", () => {
  it("an undefined alias, an alias bomb and a duplicate key are problems naming file and line", () => {
    const undefinedAlias = parseLayer("/x/config.yml", "region: us-east-1\nls:\n  tag: *nope\n")
    assert.isTrue(Result.isFailure(undefinedAlias))
    if (Result.isFailure(undefinedAlias)) {
      assert.deepInclude(undefinedAlias.failure, { file: "/x/config.yml", line: 3 })
      assert.include(undefinedAlias.failure.problem, "YAML alias error")
    }
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`)
    const bomb = parseLayer("/x/bomb.yml", levels.join("\n") + "\n")
    assert.isTrue(Result.isFailure(bomb))
    if (Result.isFailure(bomb)) assert.include(bomb.failure.problem, "more than 100 aliases")
    const duplicate = parseLayer("/x/dup.yml", "region: a\nls:\n  tag: x\nregion: b\n")
    assert.isTrue(Result.isFailure(duplicate))
    if (Result.isFailure(duplicate)) {
      assert.deepInclude(duplicate.failure, { file: "/x/dup.yml", line: 4 })
      assert.include(duplicate.failure.problem, `"region" appears twice`)
    }
  })

  it.effect("an undefined alias in a file is a ConfigError (exit 3) naming the file, not an internal error", () =>
    Effect.gen(function*() {
      const file = path.join(root, "alias.yml")
      fs.writeFileSync(file, "ls:\n  tag: *missing\n")
      const error = yield* loadError(file)
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.summary, `invalid config in ${file} line 2: YAML alias error`)
    }))
})

describe("config files: linear-time parsing", () => {
  it("parsing and merging 4x the keys costs about 4x the operations, not 16x", () => {
    const cost = (count: number) =>
      countOperations(() => {
        const base = parseLayer("/x/a.yml", keysText(count))
        const over = parseLayer("/x/b.yml", keysText(count))
        assert.isTrue(Result.isSuccess(base) && Result.isSuccess(over))
        if (!Result.isSuccess(base) || !Result.isSuccess(over)) return
        const first = mergeLayer(emptyMerged, base.success.value, "/x/a.yml")
        assert.isTrue(Result.isSuccess(first))
        if (Result.isSuccess(first)) assert.isTrue(Result.isSuccess(mergeLayer(first.success, over.success.value, "/x/b.yml")))
      }).operations
    const small = cost(1000)
    const large = cost(4000)
    assert.isAtMost(large, 5 * small + 1000, `operations: ${small} for 1000 keys, ${large} for 4000`)
  })

  it.effect("a 40k-key file is read to its first bad key (file, line, key)", () =>
    Effect.gen(function*() {
      const file = path.join(root, "huge.yml")
      fs.writeFileSync(file, `region: us-east-1\n${keysText(40_000, "nokey")}`)
      const error = yield* loadError(file)
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.summary, `invalid config in ${file} line 2: nokey0 is not a setting`)
    }))
})

describe("config set keeps the file's mode", () => {
  it("0600 stays 0600, also through a symlink (the target is written, the link stays)", () => {
    const target = path.join(root, "real-config.yml")
    fs.writeFileSync(target, "region: us-east-1\n", { mode: 0o600 })
    fs.chmodSync(target, 0o600)
    nodeFileAccess.writeAtomic(target, "region: eu-west-1\n")
    assert.strictEqual(fs.statSync(target).mode & 0o777, 0o600)
    const link = path.join(root, "link-config.yml")
    fs.symlinkSync(target, link)
    nodeFileAccess.writeAtomic(link, "region: eu-west-2\n")
    assert.isTrue(fs.lstatSync(link).isSymbolicLink())
    assert.strictEqual(fs.statSync(target).mode & 0o777, 0o600)
    assert.strictEqual(fs.readFileSync(target, "utf8"), "region: eu-west-2\n")
  })
})

describe("config values: wrong types and bad values name file, line and key", () => {
  const file = (name: string, text: string) => {
    const where = path.join(root, name)
    fs.writeFileSync(where, text)
    return where
  }
  const cases: ReadonlyArray<readonly [text: string, line: number, expected: string]> = [
    // wrong types that used to be accepted
    ["region: 5\n", 1, `region must be a string, got the number 5 (quote it if you mean it: "5")`],
    ["profile: 123\n", 1, `profile must be a string, got the number 123`],
    ["endpoint_url: 8080\n", 1, `endpoint_url must be a string, got the number 8080`],
    ["ls:\n  sort_by: 5\n", 2, `ls.sort_by must be a string, got the number 5`],
    ["ls:\n  columns: [1, 2]\n", 2, `ls.columns must be a list of column names or a comma-separated string, got a list`],
    ["dns:\n  private_zone: 7\n", 2, `dns.private_zone must be a string, got the number 7`],
    // values of the right type that the command refuses
    ["batch_submit:\n  image: x\n  memory: -4096\n", 3, `batch_submit.memory must be at least 4 (MiB), got -4096`],
    ["batch_submit:\n  vcpus: 0\n", 2, `batch_submit.vcpus must be more than 0, got 0`],
    ["batch_submit:\n  gpus: -1\n", 2, `batch_submit.gpus must be 0 or more, got -1`],
    ["batch_submit:\n  retry_attempts: 11\n", 2, `batch_submit.retry_attempts must be from 1 to 10 (what Batch accepts), got 11`],
    ["batch_submit:\n  timeout: 30\n", 2, `batch_submit.timeout must be at least 60 (seconds; what Batch accepts), got 30`]
  ]
  cases.forEach(([text, line, expected], n) =>
    it.effect(`${JSON.stringify(text)} -> line ${line}: ${expected}`, () =>
      Effect.gen(function*() {
        const where = file(`value-${n}.yml`, text)
        const error = yield* loadError(where)
        assert.strictEqual(error._tag, "ConfigError")
        assert.include(error.summary, `invalid config in ${where} line ${line}: ${expected}`)
      }))
  )

  it.effect("good values still load: a quoted number, column names, a sane batch shape", () =>
    Effect.gen(function*() {
      const where = file("good.yml", `profile: "123"\nls:\n  columns: [name, id]\n  sort_by: name\nbatch_submit:\n  memory: 4096\n  vcpus: 0.5\n  timeout: 60\n`)
      yield* loadConfig({ HOME: root, AEGEA_CONFIG_FILE: where }, access)
    }))
})
