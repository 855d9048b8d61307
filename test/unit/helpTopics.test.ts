// `aegea help TOPIC` (src/commands/help.ts): each page is held to the code it describes.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { columnRows, configKeyRows, environmentVariables, exitCodeRows, renderTopic, timeRows, topics } from "../../src/commands/help.ts"
import { instanceTable } from "../../src/commands/ls.ts"
import { listOperators } from "../../src/lib/merge.ts"
import { resolveColumnName } from "../../src/lib/table.ts"
import { parseTimeExpression } from "../../src/lib/timeExpr.ts"
import { commandFlags } from "../../src/services/configKeys.ts"
import { globalKeys } from "../../src/services/ConfigSchema.ts"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : /\.ts$/.test(name) ? [path] : []
  })

/**
 * Variables aegea sets for itself or its children, or only the build and the tests use; and Node's
 * own NODE_OPTIONS, which the compile cache reads only to name its files by the node flags.
 */
const notForUsers = new Set([
  "AEGEA_NO_STATIC",
  "AEGEA_HELP_DOC",
  "AEGEA_HELP_DOCS",
  "AEGEA_COMPILE_CACHE_DEBUG",
  "NODE_OPTIONS",
  "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED",
  "AWS_SSM_START_SESSION_RESPONSE"
])

/** Every environment variable src/ reads: env.X, env["X"], process.env.X and `const { X } = process.env`. */
const variablesRead = (): Set<string> => {
  const found = new Set<string>()
  for (const file of walk(join(root, "src"))) {
    if (file.includes(`${join("src", "testing")}`)) continue
    const text = readFileSync(file, "utf8")
    for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\["([A-Z][A-Z0-9_]*)"\])/g)) found.add((m[1] ?? m[2])!)
    for (const m of text.matchAll(/\bconst\s*\{([^}]*)\}\s*=\s*process\.env/g)) {
      for (const name of m[1]!.split(",")) found.add(name.trim().split(/\s|=/)[0]!)
    }
  }
  return found
}

const page = (name: string, width = 80) => renderTopic(topics.find((t) => t.name === name)!, width, false)

describe("help environment", () => {
  it("names every environment variable the source reads", () => {
    const documented = new Set(environmentVariables.flatMap(([names]) => names.split(/,\s*/)))
    const read = [...variablesRead()].filter((name) => !notForUsers.has(name))
    expect(read.length).toBeGreaterThan(10)
    const endpointPerService = (name: string) => name.startsWith("AWS_ENDPOINT_URL_") && documented.has("AWS_ENDPOINT_URL_<SERVICE>")
    expect(read.filter((name) => !documented.has(name) && !endpointPerService(name))).toEqual([])
  })

  it("prints them", () => {
    const text = page("environment")
    for (const name of ["AWS_REGION", "AWS_PROFILE", "AEGEA_REQUEST_TIMEOUT", "AEGEA_CONFIG_FILE", "NO_COLOR", "FORCE_COLOR", "XDG_CONFIG_HOME", "HOME"]) {
      expect(text).toContain(name)
    }
  })
})

describe("help exit-codes", () => {
  it("covers every error class of src/errors.ts with the code the class itself carries", () => {
    const classes = [...readFileSync(join(root, "src/errors.ts"), "utf8").matchAll(/export class (\w+) extends Schema\.TaggedError/g)].map((m) => m[1]!)
    const listed = exitCodeRows().flatMap((row) => row.errors)
    expect([...listed].sort()).toEqual([...classes].sort())
    const usage = exitCodeRows().find((row) => row.errors.includes("UsageError"))!
    expect(usage.code).toBe("2")
  })

  it("lists the same codes as the README's table", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const table = readme.slice(readme.indexOf("## Errors and exit codes"))
    const codes = [...table.matchAll(/^\| (\d+|N) \|/gm)].map((m) => m[1]!)
    expect(exitCodeRows().map((row) => row.code)).toEqual(codes)
  })
})

describe("help config", () => {
  it("lists every global key and every command flag as a dotted key", () => {
    const text = page("config", 120)
    const keys = configKeyRows().map(([key]) => key)
    expect(keys).toContain("launch.instance_type")
    expect(keys).toContain("batch_submit.memory")
    for (const key of Object.keys(globalKeys)) expect(keys).toContain(key)
    for (const [section, flags] of Object.entries(commandFlags)) {
      for (const flag of Object.keys(flags)) if (flag !== "yes" && flag !== "client_token") expect(keys).toContain(`${section}.${flag}`)
    }
    expect(text).toMatch(/^ {2}launch\.instance_type +string$/m)
  })

  it("names the files in their order and every merge operator", () => {
    const text = page("config")
    expect(text.indexOf("/etc/aegea/config.yml")).toBeLessThan(text.indexOf("$XDG_CONFIG_HOME/aegea/config.yml"))
    expect(text.indexOf("$XDG_CONFIG_HOME/aegea/config.yml")).toBeLessThan(text.indexOf("AEGEA_CONFIG_FILE"))
    for (const operator of listOperators) expect(text).toContain(`{${operator}:`)
  })
})

describe("help time", () => {
  it("gives only examples that parse", () => {
    const now = Date.UTC(2024, 5, 1, 12)
    const examples = timeRows.flatMap(([forms]) => forms.split(/,\s*(?=(?:[^']*'[^']*')*[^']*$)/)).map((e) => e.replace(/^'|'$/g, ""))
    expect(examples.length).toBeGreaterThan(15)
    for (const example of examples) expect([example, parseTimeExpression(example, now)]).not.toEqual([example, undefined])
    expect(page("time")).toContain("yesterday")
  })
})

describe("help columns", () => {
  it("gives only names that aegea ls resolves", () => {
    const names = columnRows.flatMap(([forms]) => forms.split(/,\s*/)).map((e) => e.replace(/^'|'$/g, ""))
    expect(names.length).toBeGreaterThan(8)
    for (const name of names) expect([name, Result.isSuccess(resolveColumnName(instanceTable, [], name, "--columns"))]).toEqual([name, true])
    const text = page("columns")
    for (const word of ["key", "header", "snake_case", "dotted", "--sort-by"]) expect(text).toContain(word)
  })
})

describe("every topic", () => {
  it("fits 50 and 80 columns", () => {
    for (const topic of topics) {
      for (const width of [50, 80]) {
        expect(renderTopic(topic, width, false).split("\n").filter((l) => l.length > width)).toEqual([])
      }
    }
  })
})
