import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Command } from "effect/cli"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { configCommand } from "../../src/commands/config.ts"
import { parseValue } from "../../src/lib/configValue.ts"
import { layerFromEnvironment, nodeFileAccess, siteConfigFile } from "../../src/layers/AegeaConfigLive.ts"
import { Output } from "../../src/services/Output.ts"
import { rootOf } from "../support/root.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegea-config-command-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
let counter = 0

interface OutputCall {
  readonly method: "table" | "document" | "text" | "textBytes" | "info" | "warn" | "status"
  readonly args: ReadonlyArray<unknown>
}

/** Run `config ...argv` with a HOME of its own and an Output that records its calls. */
const run = (argv: ReadonlyArray<string>, userFile?: string) =>
  Effect.gen(function*() {
    const home = path.join(root, `home-${counter++}`)
    if (userFile !== undefined) {
      fs.mkdirSync(path.join(home, ".config/aegea"), { recursive: true })
      fs.writeFileSync(path.join(home, ".config/aegea/config.yml"), userFile)
    }
    const calls: Array<OutputCall> = []
    const record = (method: OutputCall["method"]) => (...args: ReadonlyArray<unknown>) =>
      Effect.sync(() => {
        calls.push({ method, args })
      })
    const output = Layer.succeed(
      Output,
      Output.of({
        settings: { format: "table", columns: Option.none(), sortBy: Option.none(), color: false, width: undefined },
        table: record("table"),
        document: record("document"),
        text: record("text"),
        textBytes: record("textBytes"),
        readerGone: () => false,
        listing: () => Effect.die("not used"),
        info: record("info"),
        warn: record("warn"),
        status: record("status"),
        statusDone: Effect.void
      })
    )
    const config = layerFromEnvironment({ HOME: home }, {
      read: (file) => (file === siteConfigFile ? undefined : nodeFileAccess.read(file)),
      writeAtomic: nodeFileAccess.writeAtomic
    })
    const result = yield* Command.runWith(rootOf(configCommand), { version: "0", renderErrors: false })(["config", ...argv]).pipe(
      Effect.provide(Layer.mergeAll(output, config, NodeServices.layer)),
      Effect.result
    )
    const file = path.join(home, ".config/aegea/config.yml")
    return { calls, result, file, text: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined }
  })

describe("aegea config", () => {
  it.effect("show prints every leaf with its value and source", () =>
    Effect.gen(function*() {
      const { calls, file } = yield* run(["show"], "batch_submit:\n  memory: 2048\n")
      const [call] = calls
      assert.strictEqual(call?.method, "table")
      const rows = call?.args[0] as ReadonlyArray<Record<string, unknown>>
      assert.deepStrictEqual(rows.find((r) => r.key === "batch_submit.memory"), { key: "batch_submit.memory", value: 2048, source: file })
      assert.deepStrictEqual(rows.find((r) => r.key === "output"), { key: "output", value: "table", source: "defaults" })
      const spec = call?.args[1] as { columns: ReadonlyArray<{ key: string }> }
      assert.deepStrictEqual(spec.columns.map((c) => c.key), ["key", "value", "source"])
    }))

  it.effect("get prints a scalar as text and a section as a document", () =>
    Effect.gen(function*() {
      const scalar = yield* run(["get", "batch_submit.memory"])
      assert.deepStrictEqual(scalar.calls, [{ method: "text", args: ["2048"] }])
      const section = yield* run(["get", "ecs_run"])
      assert.strictEqual(section.calls[0]?.method, "document")
      assert.deepStrictEqual(section.calls[0]?.args[0], { cluster: "aegea_ecs", image: "ubuntu", fargate_cpu: "256", fargate_memory: "512" })
    }))

  it.effect("get of an unset key fails with ResourceNotFound (exit 5); a malformed or unknown key is a UsageError", () =>
    Effect.gen(function*() {
      const unknown = yield* run(["get", "nope.nothing"])
      assert.strictEqual((unknown.result._tag === "Failure" ? unknown.result.failure as { _tag?: string } : undefined)?._tag, "UsageError")
      const missing = yield* run(["get", "launch.ami"])
      assert.isTrue(missing.result._tag === "Failure")
      const error = missing.result._tag === "Failure" ? missing.result.failure : undefined
      assert.strictEqual((error as { _tag?: string })._tag, "ResourceNotFound")
      const bad = yield* run(["get", "ls..columns"])
      const badError = bad.result._tag === "Failure" ? bad.result.failure : undefined
      assert.strictEqual((badError as { _tag?: string })._tag, "UsageError")
    }))

  it.effect("set stores VALUE parsed as YAML in the user file, keeping comments", () =>
    Effect.gen(function*() {
      const number = yield* run(["set", "batch_submit.memory", "4096"], "# my settings\noutput: json\n")
      assert.strictEqual(number.result._tag, "Success")
      assert.strictEqual(number.text, "# my settings\noutput: json\nbatch_submit:\n  memory: 4096\n")
      assert.strictEqual(number.calls[0]?.method, "info")
      const list = yield* run(["set", "ls.columns", "[name, id]"])
      assert.strictEqual(list.text, "ls:\n  columns:\n    - name\n    - id\n")
    }))

  it.effect("set refuses an invalid value with a UsageError (exit 2) and leaves the file alone", () =>
    Effect.gen(function*() {
      const original = "batch_submit:\n  memory: 2048\n"
      const refused = yield* run(["set", "batch_submit.memory", "lots"], original)
      const error = refused.result._tag === "Failure" ? refused.result.failure : undefined
      assert.strictEqual((error as { _tag?: string })._tag, "UsageError")
      assert.strictEqual(refused.text, original)
      assert.deepStrictEqual(fs.readdirSync(path.dirname(refused.file)), ["config.yml"])
    }))

  it("parseValue reads YAML scalars and keeps invalid YAML as text", () => {
    assert.strictEqual(parseValue("4096"), 4096)
    assert.strictEqual(parseValue("true"), true)
    assert.strictEqual(parseValue("ubuntu:20.04"), "ubuntu:20.04")
    assert.deepStrictEqual(parseValue("[a, b]"), ["a", "b"])
    assert.strictEqual(parseValue("[oops"), "[oops")
  })
})
