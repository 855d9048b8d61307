import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import {
  type ConfigEnvironment,
  type ConfigFileAccess,
  loadConfig,
  nodeFileAccess,
  siteConfigFile
} from "../../src/layers/AegeaConfigLive.ts"
import { AegeaConfig, withConfigDefaults } from "../../src/services/AegeaConfig.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "aegea-config-test-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

let counter = 0
/** A fresh directory with the given files (relative path -> text). */
const directory = (files: Record<string, string>) => {
  const dir = path.join(root, `case-${counter++}`)
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), text)
  }
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

/** Real files, except the site file (/etc/aegea/config.yml), which is `site` (or missing). */
const access = (site?: string): ConfigFileAccess => ({
  read: (file) => (file === siteConfigFile ? site : nodeFileAccess.read(file)),
  writeAtomic: nodeFileAccess.writeAtomic
})

const load = (env: ConfigEnvironment, site?: string) => loadConfig(env, access(site))
const loadError = (env: ConfigEnvironment, site?: string) => Effect.flip(load(env, site))
const sourceOf = (config: AegeaConfig["Service"], key: string) => config.entries.find((e) => e.key === key)?.source

describe("AegeaConfig layers", () => {
  it.effect("built-in defaults alone", () =>
    Effect.gen(function*() {
      const home = directory({})
      const config = yield* load({ HOME: home })
      assert.strictEqual(config.value.output, "table")
      assert.deepStrictEqual(config.section("batch submit"), { image: "ubuntu", queue: "aegea_batch", vcpus: 1, memory: 2048 })
      assert.deepStrictEqual(config.files, ["defaults"])
      assert.strictEqual(config.userFile, path.join(home, ".config", "aegea", "config.yml"))
      assert.strictEqual(sourceOf(config, "launch.instance_type"), "defaults")
      assert.deepStrictEqual(config.section("nothing here"), {})
    }))

  it.effect("defaults < /etc < user file < each AEGEA_CONFIG_FILE in order", () =>
    Effect.gen(function*() {
      const dir = directory({
        "xdg/aegea/config.yml": "launch:\n  instance_type: m5.large\nbatch_submit:\n  memory: 2048\n",
        "one.yml": "batch_submit:\n  memory: 3000\n  vcpus: 2\nls:\n  columns: [id]\n",
        "two.json": "{\"batch_submit\": {\"memory\": 4096}, \"ls\": {\"columns\": {\"$append\": \"state\"}}}"
      })
      const env = {
        HOME: path.join(dir, "home-unused"),
        XDG_CONFIG_HOME: path.join(dir, "xdg"),
        AEGEA_CONFIG_FILE: `${path.join(dir, "one.yml")}:${path.join(dir, "missing.yml")}:${path.join(dir, "two.json")}`
      }
      const config = yield* load(env, "launch:\n  instance_type: c5.large\n  ami: ami-site\nregion: eu-west-1\n")
      assert.deepStrictEqual(config.files, [
        "defaults",
        siteConfigFile,
        path.join(dir, "xdg/aegea/config.yml"),
        path.join(dir, "one.yml"),
        path.join(dir, "two.json")
      ])
      assert.deepStrictEqual(Option.getOrUndefined(config.get("launch.instance_type")), "m5.large")
      assert.deepStrictEqual(Option.getOrUndefined(config.get("launch.ami")), "ami-site")
      assert.deepStrictEqual(config.section("batch_submit"), { image: "ubuntu", queue: "aegea_batch", vcpus: 2, memory: 4096 })
      assert.deepStrictEqual(Option.getOrUndefined(config.get("ls.columns")), ["id", "state"])
      assert.strictEqual(sourceOf(config, "region"), siteConfigFile)
      assert.strictEqual(sourceOf(config, "launch.instance_type"), path.join(dir, "xdg/aegea/config.yml"))
      assert.strictEqual(sourceOf(config, "batch_submit.vcpus"), path.join(dir, "one.yml"))
      assert.strictEqual(sourceOf(config, "batch_submit.memory"), path.join(dir, "two.json"))
      assert.strictEqual(sourceOf(config, "ls.columns"), path.join(dir, "two.json"))
      assert.strictEqual(sourceOf(config, "batch_submit.image"), "defaults")
      assert.strictEqual(config.userFile, path.join(dir, "xdg/aegea/config.yml"))
    }))

  it.effect("without XDG_CONFIG_HOME the user file is ~/.config/aegea/config.yml", () =>
    Effect.gen(function*() {
      const home = directory({ ".config/aegea/config.yml": "# mine\noutput: json\n" })
      const config = yield* load({ HOME: home })
      assert.strictEqual(config.value.output, "json")
      assert.strictEqual(sourceOf(config, "output"), path.join(home, ".config/aegea/config.yml"))
    }))

  it.effect("an empty file is fine; values take their flag's type (one string for a repeatable flag is a list of one)", () =>
    Effect.gen(function*() {
      const dir = directory({
        "empty.yml": "# nothing\n",
        "more.yml": "images:\n  columns: id,name\nls:\n  tag: env=prod\necs_run:\n  fargate_cpu: 1024\nlaunch:\n  security_groups: [a, b]\n"
      })
      const config = yield* load({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/empty.yml:${dir}/more.yml` })
      assert.strictEqual(Option.getOrUndefined(config.get("images.columns")), "id,name")
      assert.deepStrictEqual(Option.getOrUndefined(config.get("ls.tag")), ["env=prod"])
      assert.strictEqual(Option.getOrUndefined(config.get("ecs_run.fargate_cpu")), "1024")
      assert.deepStrictEqual(Option.getOrUndefined(config.get("launch.security_groups")), ["a", "b"])
      assert.isTrue(Option.isNone(config.get("launch.ami")))
    }))

  it.effect("the merge operators work on every list-valued key, a one-string value included", () =>
    Effect.gen(function*() {
      const dir = directory({
        "site.yml": "ls:\n  tag: env=prod\nlaunch:\n  security_groups: [a, c]\n  iam_policies: [X]\n",
        "user.yml": "ls:\n  tag: {$append: team=ops}\nlaunch:\n  security_groups: {$insert: {1: b}}\n  iam_policies: {$remove: X}\n"
      })
      const config = yield* load({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/site.yml:${dir}/user.yml` })
      assert.deepStrictEqual(Option.getOrUndefined(config.get("ls.tag")), ["env=prod", "team=ops"])
      assert.deepStrictEqual(Option.getOrUndefined(config.get("launch.security_groups")), ["a", "b", "c"])
      assert.deepStrictEqual(Option.getOrUndefined(config.get("launch.iam_policies")), [])
    }))

  it.effect("an unknown section or key is an error naming the file, the line and the nearest valid key", () =>
    Effect.gen(function*() {
      const dir = directory({
        "key.yml": "# mine\nlaunch:\n  instance_type: t3.large\n  instnce_type: t3.small\n",
        "section.yml": "output: json\nbatch_submitt:\n  memory: 4096\n",
        "global.yml": "regoin: eu-west-1\n",
        "far.yml": "ls:\n  colour: always\n",
        "ssm.yml": "ssh:\n  ssm: true\n"
      })
      const key = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/key.yml` })
      assert.strictEqual(
        key.message,
        `invalid config in ${dir}/key.yml line 4: launch.instnce_type is not a flag of aegea launch (did you mean launch.instance_type?)`
      )
      const section = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/section.yml` })
      assert.include(section.message, `${dir}/section.yml line 2: batch_submitt is not a setting or a command section`)
      assert.include(section.message, "did you mean batch_submit?")
      const global = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/global.yml` })
      assert.include(global.message, "line 1: regoin is not a setting")
      assert.include(global.message, "did you mean region?")
      const far = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/far.yml` })
      assert.include(far.message, "line 2: ls.colour is not a flag of aegea ls")
      const ssm = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/ssm.yml` })
      assert.include(ssm.message, "ssh.ssm is not a flag of aegea ssh")
      assert.include(ssm.message, "did you mean ssh.no_ssm?")
    }))
})

describe("AegeaConfig errors name the file, the line and the key", () => {
  it.effect("malformed YAML", () =>
    Effect.gen(function*() {
      const home = directory({ ".config/aegea/config.yml": "ls:\n  columns: [id\nlaunch: {\n" })
      const error = yield* loadError({ HOME: home })
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(error.message, `invalid config in ${path.join(home, ".config/aegea/config.yml")} line `)
      assert.include(error.message, "YAML syntax error")
      assert.strictEqual(error.file, path.join(home, ".config/aegea/config.yml"))
    }))

  it.effect("a value of the wrong type", () =>
    Effect.gen(function*() {
      const file = "# my config\noutput: json\nbatch_submit:\n  memory: lots\n"
      const home = directory({ ".config/aegea/config.yml": file })
      const error = yield* loadError({ HOME: home })
      const where = path.join(home, ".config/aegea/config.yml")
      assert.strictEqual(error.message, `invalid config in ${where} line 4: batch_submit.memory must be a whole number, got "lots"`)
      assert.strictEqual(error.hint, "Fix the file or remove the key")
    }))

  it.effect("a wrong type in a JSON file, an unknown output format, columns of an unknown section", () =>
    Effect.gen(function*() {
      const dir = directory({
        "a.json": "{\n  \"launch\": {\n    \"instance_type\": true\n  }\n}\n",
        "b.yml": "output: xml\n",
        "c.yml": "\nimages:\n  columns: [id, true]\n"
      })
      const a = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/a.json` })
      assert.strictEqual(a.message, `invalid config in ${dir}/a.json line 3: launch.instance_type must be a string, got true`)
      const b = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/b.yml` })
      assert.include(b.message, `${dir}/b.yml line 1: output must be one of table, json, yaml, csv, tsv, got "xml"`)
      const c = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/c.yml` })
      assert.include(c.message, `${dir}/c.yml line 3: images.columns must be a list of column names or a comma-separated string, got a list`)
    }))

  it.effect("an operator on a non-list, an unknown operator, a top level that is not a mapping", () =>
    Effect.gen(function*() {
      const dir = directory({
        "op.yml": "ls:\n  columns: id,state\n",
        "op2.yml": "batch_submit:\n  image:\n    $append: x\n",
        "unknown.yml": "ls:\n  columns:\n    $push: x\n",
        "list.yml": "- a\n- b\n"
      })
      const op = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/op.yml:${dir}/op2.yml` })
      assert.strictEqual(
        op.message,
        `invalid config in ${dir}/op2.yml line 2: batch_submit.image uses $append but its earlier value is a string, not a list`
      )
      const unknown = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/unknown.yml` })
      assert.include(unknown.message, `${dir}/unknown.yml line 2: ls.columns uses the unknown operator $push`)
      const list = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/list.yml` })
      assert.include(list.message, `${dir}/list.yml line 1: the top level must be a mapping`)
    }))

  it.effect("an unreadable file (a directory) is an error, not skipped", () =>
    Effect.gen(function*() {
      const dir = directory({ "sub/x": "" })
      const error = yield* loadError({ HOME: dir, AEGEA_CONFIG_FILE: `${dir}/sub` })
      assert.include(error.message, `could not read config file ${dir}/sub`)
    }))
})

describe("AegeaConfig.set", () => {
  it.effect("stores a typed value, keeps comments and other keys, creates directories", () =>
    Effect.gen(function*() {
      const home = directory({})
      const file = path.join(home, ".config/aegea/config.yml")
      yield* (yield* load({ HOME: home })).set("batch_submit.memory", 4096)
      assert.strictEqual(fs.readFileSync(file, "utf8"), "batch_submit:\n  memory: 4096\n")
      fs.writeFileSync(file, "# keep me\noutput: json # inline\nbatch_submit:\n  memory: 4096\n")
      yield* (yield* load({ HOME: home })).set("launch.instance_type", "m5.large")
      const text = fs.readFileSync(file, "utf8")
      assert.include(text, "# keep me")
      assert.include(text, "output: json # inline")
      const reloaded = yield* load({ HOME: home })
      assert.strictEqual(Option.getOrUndefined(reloaded.get("launch.instance_type")), "m5.large")
      assert.strictEqual(Option.getOrUndefined(reloaded.get("batch_submit.memory")), 4096)
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["config.yml"], "no temp file left")
    }))

  it.effect("refuses an invalid value and leaves the file untouched", () =>
    Effect.gen(function*() {
      const original = "# mine\nbatch_submit:\n  memory: 2048\n"
      const home = directory({ ".config/aegea/config.yml": original })
      const config = yield* load({ HOME: home })
      const error = yield* Effect.flip(config.set("batch_submit.memory", "lots"))
      assert.strictEqual(error.message, `cannot set batch_submit.memory: batch_submit.memory must be a whole number, got "lots"`)
      const nested = yield* Effect.flip(config.set("batch_submit.memory.deep", 1))
      assert.include(nested.message, "is not a mapping")
      const file = path.join(home, ".config/aegea/config.yml")
      assert.strictEqual(fs.readFileSync(file, "utf8"), original)
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["config.yml"])
    }))
})

describe("layerFromValue and withConfigDefaults", () => {
  it.effect("fills only the flags the user did not give, matching snake_case keys", () =>
    Effect.gen(function*() {
      const config = yield* AegeaConfig
      const input = { instanceType: Option.none<string>(), ami: Option.some("ami-cli"), spot: Option.none<boolean>(), n: 1 }
      const filled = withConfigDefaults(config.section("launch"), input)
      assert.deepStrictEqual(filled.instanceType, Option.some("t3.nano"))
      assert.deepStrictEqual(filled.ami, Option.some("ami-cli"))
      assert.deepStrictEqual(filled.spot, Option.none())
      assert.strictEqual(filled.n, 1)
      assert.deepStrictEqual(config.entries, [
        { key: "launch.instance_type", value: "t3.nano", source: "test" },
        { key: "launch.ami", value: "ami-config", source: "test" }
      ])
    }).pipe(Effect.provide(layerFromValue({ launch: { instance_type: "t3.nano", ami: "ami-config" } }))))
})

describe("withConfigDefaults for on/off switches", () => {
  it("config turns on a switch that is off by default; an explicit value or a false config changes nothing", () => {
    const input = { wait: false, noSsm: false, dryRun: true, memory: Option.none<number>(), tag: [] as Array<string>, state: ["running"] }
    assert.deepStrictEqual(
      withConfigDefaults({ wait: true, no_ssm: false, dry_run: false, memory: 4096, tag: ["env=prod"], state: ["stopped"] }, input),
      { wait: true, noSsm: false, dryRun: true, memory: Option.some(4096), tag: ["env=prod"], state: ["running"] }
    )
  })
})
