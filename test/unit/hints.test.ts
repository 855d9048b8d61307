/**
 * Every piece of advice aegea prints names flags that exist where it can be printed. The advice is
 * every string literal in src/ that mentions a `--flag`: error hints (`hint:` fields, the hints of
 * src/errors.ts, hints passed positionally), "Use --x" texts, warnings, flag and command descriptions.
 *
 * Where a text can be printed is found statically: the top-level declaration that holds it, the
 * declarations of its file that use that one, what they export, who imports that, and so on up to
 * the files under src/commands that define commands (a command is found in the file that holds its
 * description). Each such file must have the flag on at least one of its commands (or as a global
 * flag); so a hint reached from `run` and `ssh` must name flags that `run` has too. Text after
 * `aegea CMD` is held against CMD instead, and text after `aws` is the AWS CLI's, not ours.
 *
 * Also: every `--dry-run` flag's description says what it prints, in which format.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Option from "effect/Option"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import { describe, expect, it } from "vitest"
import { cli } from "../../src/cli.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { cliSummary } from "../../src/commands/remedies.ts"
import { AwsNotFound } from "../../src/errors.ts"
import { secretNotFound } from "../../src/services/Secrets.ts"

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src")
const rel = (file: string) => relative(src, file).split("\\").join("/")

const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : []
  })

// ---------------------------------------------------------------------------------------------
// Reading the source: string literals (comments skipped) and top-level declarations.

interface Literal {
  readonly offset: number
  readonly end: number
  /** The literal's text, simple escapes undone, each `${...}` of a template replaced by "…". */
  readonly text: string
}

const unescape = (s: string) => s.replace(/\\(["'`\\$])/g, "$1").replace(/\\n/g, "\n")

/** String literals of a TypeScript file, comments and regular expressions skipped. */
const literalsOf = (code: string): Array<Literal> => {
  const out: Array<Literal> = []
  let i = 0
  let lastSignificant = ""
  const scan = (stopAtBrace: boolean): void => {
    let depth = 0
    while (i < code.length) {
      const c = code[i]!
      const next = code[i + 1]
      if (c === "/" && next === "/") {
        const end = code.indexOf("\n", i)
        i = end < 0 ? code.length : end
        continue
      }
      if (c === "/" && next === "*") {
        const end = code.indexOf("*/", i + 2)
        i = end < 0 ? code.length : end + 2
        continue
      }
      if (c === "/" && (lastSignificant === "" || "(,=:[!&|?{};+".includes(lastSignificant))) {
        // a regular expression literal
        i++
        let inClass = false
        while (i < code.length && (code[i] !== "/" || inClass)) {
          if (code[i] === "\\") i++
          else if (code[i] === "[") inClass = true
          else if (code[i] === "]") inClass = false
          i++
        }
        i++
        lastSignificant = "a"
        continue
      }
      if (c === "\"" || c === "'") {
        const start = i
        i++
        let text = ""
        while (i < code.length && code[i] !== c) {
          if (code[i] === "\\") {
            text += code[i]! + (code[i + 1] ?? "")
            i += 2
            continue
          }
          text += code[i]
          i++
        }
        i++
        out.push({ offset: start, end: i, text: unescape(text) })
        lastSignificant = "a"
        continue
      }
      if (c === "`") {
        const start = i
        i++
        let text = ""
        while (i < code.length && code[i] !== "`") {
          if (code[i] === "\\") {
            text += code[i]! + (code[i + 1] ?? "")
            i += 2
            continue
          }
          if (code[i] === "$" && code[i + 1] === "{") {
            i += 2
            lastSignificant = "{"
            scan(true)
            text += "…"
            continue
          }
          text += code[i]
          i++
        }
        i++
        out.push({ offset: start, end: i, text: unescape(text) })
        lastSignificant = "a"
        continue
      }
      if (stopAtBrace) {
        if (c === "{") depth++
        if (c === "}") {
          if (depth === 0) {
            i++
            return
          }
          depth--
        }
      }
      if (!/\s/.test(c)) lastSignificant = c
      i++
    }
  }
  scan(false)
  return out
}

interface Declaration {
  readonly name: string
  readonly start: number
  readonly end: number
  readonly exported: boolean
}

/** Top-level declarations (`const`, `function`, `class`... at the start of a line), each up to the next. */
const declarationsOf = (code: string): Array<Declaration> => {
  const starts = [...code.matchAll(/^(export\s+)?(?:declare\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm)]
  const anyTopLevel = [...code.matchAll(/^\S/gm)].map((m) => m.index)
  return starts.map((m) => {
    const start = m.index
    const end = anyTopLevel.find((s) => s > start && !/^[)\]}]/.test(code.slice(s, s + 1))) ?? code.length
    return { name: m[2]!, start, end, exported: m[1] !== undefined }
  })
}

interface Import {
  readonly from: string
  /** Imported name -> local name; "*" for a namespace import or `export * from`. */
  readonly names: ReadonlyMap<string, string>
}

const importsOf = (file: string, code: string): Array<Import> => {
  const out: Array<Import> = []
  // the clause holds no quote: a match never runs on from a package import ("effect/Stream") to the next relative one
  const re = /(?:import|export)\s+(type\s+)?([^"'`]*?)\s+from\s+["'](\.[^"']+)["']/g
  for (const m of code.matchAll(re)) {
    const clause = m[2]!
    const from = resolve(dirname(file), m[3]!)
    const names = new Map<string, string>()
    const ns = /\*\s+as\s+([\w$]+)/.exec(clause)
    if (ns) names.set("*", ns[1]!)
    else if (/^\*$/.test(clause.trim())) names.set("*", "*")
    const braces = /\{([\s\S]*)\}/.exec(clause)
    if (braces) {
      for (const part of braces[1]!.split(",")) {
        const words = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/)
        if (words[0]) names.set(words[0], words[1] ?? words[0])
      }
    }
    const defaultName = /^([\w$]+)\s*(,|$)/.exec(clause.trim())
    if (defaultName && defaultName[1] !== "type") names.set("default", defaultName[1]!)
    out.push({ from, names })
  }
  return out
}

interface SourceFile {
  readonly path: string
  readonly code: string
  readonly literals: ReadonlyArray<Literal>
  readonly declarations: ReadonlyArray<Declaration>
  readonly imports: ReadonlyArray<Import>
}

const files = new Map<string, SourceFile>(
  walk(src).map((path) => {
    const code = readFileSync(path, "utf8")
    return [path, { path, code, literals: literalsOf(code), declarations: declarationsOf(code), imports: importsOf(path, code) }]
  })
)

/** Where a literal sits: the property it is the value of (`hint`, `message`...) and the call it is an argument of. */
const contextOf = (file: SourceFile, literal: Literal): { readonly key?: string; readonly call?: string } => {
  // literals to skip over when walking back (not the templates this one sits in)
  const spans = file.literals.filter((l) => !(l.offset < literal.offset && literal.end <= l.end))
  let depth = 0
  let segment = ""
  let key: string | undefined
  for (let i = literal.offset - 1; i >= 0; i--) {
    const inside = spans.find((l) => l.offset <= i && i < l.end)
    if (inside !== undefined) {
      segment = "\"\"" + segment
      i = inside.offset
      continue
    }
    const c = file.code[i]!
    if (c === ")" || c === "]" || c === "}") depth++
    else if (c === "(" || c === "[" || c === "{") {
      if (depth === 0) {
        key ??= /^\s*([\w$]+)\s*:/.exec(segment)?.[1]
        const call = c === "(" ? /([\w$]+)\s*$/.exec(file.code.slice(Math.max(0, i - 60), i))?.[1] : undefined
        return { ...(key !== undefined ? { key } : {}), ...(call !== undefined ? { call } : {}) }
      }
      depth--
    } else if (c === "," && depth === 0) {
      key ??= /^\s*([\w$]+)\s*:/.exec(segment)?.[1]
      if (key !== undefined) return { key }
      segment = ""
      continue
    }
    if (depth === 0) segment = c + segment
  }
  return {}
}

// ---------------------------------------------------------------------------------------------
// The CLI tree: every command's path, description and flags, and the declaration that makes it.

interface Node {
  readonly path: ReadonlyArray<string>
  readonly description: string
  readonly flags: ReadonlySet<string>
}

interface AnyCommand {
  readonly name: string
  readonly description?: string | undefined
  readonly subcommands: ReadonlyArray<{ readonly commands: ReadonlyArray<AnyCommand> }>
}

interface FlagDocLike {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly type: string
  readonly description: Option.Option<string>
}

const helpFlags = (command: AnyCommand, path: ReadonlyArray<string>) =>
  (command as unknown as { buildHelpDoc: (path: ReadonlyArray<string>) => { flags: ReadonlyArray<FlagDocLike> } }).buildHelpDoc(
    ["aegea", ...path]
  ).flags

const flagNames = (flags: ReadonlyArray<FlagDocLike>) =>
  flags.flatMap((f) => [f.name, ...f.aliases.map((a) => a.replace(/^-+/, "")), ...(f.type === "boolean" ? [`no-${f.name}`] : [])])

/** The single parameter inside a flag (inside its Optional/WithDefault/Map wrappers). */
const singleOf = (node: unknown): { name: string; aliases: Array<string>; primitiveType: { _tag: string } } | undefined => {
  if (node === null || typeof node !== "object") return undefined
  const n = node as Record<string, unknown>
  if (n._tag === "Single") return n as never
  for (const v of Object.values(n)) {
    const found = singleOf(v)
    if (found) return found
  }
  return undefined
}

const globalNames = new Set(
  [...globalFlags, ...GlobalFlag.BuiltIns].flatMap((g) => {
    const s = singleOf((g as unknown as { flag: unknown }).flag)
    return s === undefined ? [] : [s.name, ...s.aliases, ...(s.primitiveType._tag === "Boolean" ? [`no-${s.name}`] : [])]
  })
)

const nodes: Array<Node> = []
const visit = (command: AnyCommand, path: ReadonlyArray<string>) => {
  nodes.push({ path, description: command.description ?? "", flags: new Set(flagNames(helpFlags(command, path))) })
  for (const group of command.subcommands) for (const sub of group.commands) visit(sub, [...path, sub.name])
}
visit(cli as unknown as AnyCommand, [])
const commands = nodes.filter((n) => n.path.length > 0)
const named = (path: ReadonlyArray<string>) => commands.find((c) => c.path.join(" ") === path.join(" "))

const uses = (code: string, name: string) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}(?![\\w$])`).test(code)

/**
 * Each command is made by the declaration holding its description: the longest literal under
 * src/commands that its description starts with (descriptions may have text appended, e.g. columns).
 */
const commandsAt = new Map<Declaration, Array<Node>>()
const unplaced: Array<string> = []
for (const node of commands) {
  let best: { file: SourceFile; literal: Literal; prefix: string } | undefined
  let tie = false
  for (const file of files.values()) {
    if (!rel(file.path).startsWith("commands/")) continue
    for (const literal of file.literals) {
      // a template counts up to its first ${...}
      const prefix = literal.text.split("…")[0]!
      if (prefix.length < 8 || !node.description.startsWith(prefix)) continue
      if (best === undefined || prefix.length > best.prefix.length) {
        best = { file, literal, prefix }
        tie = false
      } else if (prefix.length === best.prefix.length && best.file !== file) tie = true
    }
  }
  const holder = best && best.file.declarations.find((d) => d.start <= best.literal.offset && best.literal.offset < d.end)
  if (best === undefined || tie || holder === undefined) {
    unplaced.push(`aegea ${node.path.join(" ")}: ${best === undefined ? "no" : tie ? "several" : "no declaration of the"} literal its description starts with`)
    continue
  }
  // A description kept in a constant (`const summary = "..."`, `const descriptions = { ... }`): the
  // command is made where that is used.
  const { file } = best
  const makers = /^(export\s+)?const\s+[\w$]+(\s*:\s*[^=]+)?\s*=\s*["'`{]/.test(file.code.slice(holder.start, holder.end))
    ? file.declarations.filter((d) => d !== holder && uses(file.code.slice(d.start, d.end), holder.name))
    : [holder]
  for (const declaration of makers) commandsAt.set(declaration, [...(commandsAt.get(declaration) ?? []), node])
}

const hasFlag = (node: Node, flag: string) => node.flags.has(flag) || globalNames.has(flag)

// ---------------------------------------------------------------------------------------------
// Where a literal can be printed: the commands whose declarations reach its declaration.

/**
 * The commands that can print the literal at `offset` of `start`: from its declaration, through
 * the declarations of the same file that use it, and the files that import those, up to the
 * declarations that make commands (where it stops: a command does not print its subcommands' texts).
 */
const printersOf = (start: SourceFile, offset: number): Set<Node> => {
  const printers = new Set<Node>()
  const seen = new Set<Declaration>()
  const at = start.declarations.filter((d) => d.start <= offset && offset < d.end)
  // A literal outside any declaration (a top-level statement) belongs to the whole file.
  const queue: Array<[SourceFile, Declaration]> = (at.length > 0 ? at : start.declarations).map((d) => [start, d])
  while (queue.length > 0) {
    const [file, declaration] = queue.shift()!
    if (seen.has(declaration)) continue
    seen.add(declaration)
    const made = commandsAt.get(declaration)
    if (made !== undefined) {
      for (const node of made) printers.add(node)
      continue
    }
    for (const d of file.declarations) if (!seen.has(d) && uses(file.code.slice(d.start, d.end), declaration.name)) queue.push([file, d])
    if (!declaration.exported) continue
    for (const other of files.values()) {
      for (const imp of other.imports) {
        if (imp.from !== file.path) continue
        const local = imp.names.get(declaration.name) ?? imp.names.get("*")
        if (local === undefined) continue
        const users = other.declarations.filter((d) => local === "*" || uses(other.code.slice(d.start, d.end), local))
        for (const d of users) queue.push([other, d])
      }
    }
  }
  return printers
}

// ---------------------------------------------------------------------------------------------
// The advice: flags named in literals, with the command each one is held against.

const flagPattern = /(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)/g

/**
 * Files whose literals are not advice about aegea's flags: argv handling, other programs' command lines,
 * and the pages of `aegea help TOPIC` (reference about every command's flags, printed by `help`).
 */
const notAdvice = new Set(["lib/sshArgs.ts", "lib/commandFamily.ts", "lib/cloudInit.ts", "lib/v8Optimize.ts", "main.ts", "report.ts", "commands/help.ts"])
/**
 * Texts the static trace reaches from commands that cannot print them: each with the commands and why.
 * Keep this short; prefer a hint that is true wherever it can be printed.
 */
const cannotPrint: ReadonlyArray<{ readonly file: string; readonly text: RegExp; readonly commands: ReadonlyArray<string>; readonly why: string }> = [
  {
    file: "workflows/sshConnection.ts",
    text: /drop --no-ssm/,
    commands: ["run", "tunnel"],
    why: "printed only for a connection without SSM, which only ssh and scp make (with --no-ssm)"
  }
]
const excused = (m: Mention, node: Node) =>
  cannotPrint.some((c) => rel(m.file.path) === c.file && c.text.test(m.text) && c.commands.includes(node.path.join(" ")))

/** Literals that are help text (descriptions, examples), not messages; and the search side of a replace. */
const helpKeys = new Set(["description", "command", "shortDescription"])
const helpCalls = new Set(["withDescription", "withShortDescription", "withExamples", "listingDescription", "replace", "replaceAll"])

interface Mention {
  readonly file: SourceFile
  readonly offset: number
  readonly where: string
  readonly text: string
  readonly flag: string
  /** `aegea CMD ... --flag`: the command named; otherwise undefined (the commands that print it). */
  readonly command?: ReadonlyArray<string>
}

/** The longest command path spelled by the words after "aegea". */
const commandNamed = (words: string): ReadonlyArray<string> | undefined => {
  const parts = words.split(/[\s'"`)]+/)
  for (let n = parts.length; n > 0; n--) {
    const path = parts.slice(0, n)
    if (named(path) !== undefined) return path
  }
  return undefined
}

const mentions: Array<Mention> = []
for (const file of files.values()) {
  const name = rel(file.path)
  if (name.startsWith("sdkPatches/") || name.startsWith("testing/") || notAdvice.has(name)) continue
  for (const literal of file.literals) {
    if (!/--[a-z]/.test(literal.text)) continue
    const context = contextOf(file, literal)
    if ((context.key !== undefined && helpKeys.has(context.key)) || (context.call !== undefined && helpCalls.has(context.call))) continue
    const line = file.code.slice(0, literal.offset).split("\n").length
    // Split at each quoted or leading `aegea ...` / `aws ...` command line.
    const segments: Array<{ text: string; kind: "ours" | "aegea" | "aws" }> = []
    let rest = literal.text
    for (let guard = 0; guard < 100 && rest !== ""; guard++) {
      const m = /(^|['"`(]|\s)(aegea|aws) /.exec(rest)
      if (!m) {
        segments.push({ text: rest, kind: "ours" })
        break
      }
      const closing = m[1] === "(" ? ")" : m[1] === "'" || m[1] === "\"" || m[1] === "`" ? m[1] : undefined
      const begin = m.index + m[1]!.length
      segments.push({ text: rest.slice(0, begin), kind: "ours" })
      const end = closing !== undefined ? rest.indexOf(closing, begin) : -1
      const stop = end < 0 ? rest.length : end
      segments.push({ text: rest.slice(begin, stop), kind: m[2] === "aws" ? "aws" : "aegea" })
      rest = rest.slice(stop)
    }
    for (const segment of segments) {
      if (segment.kind === "aws") continue
      const command = segment.kind === "aegea" ? commandNamed(segment.text.slice("aegea ".length)) : undefined
      for (const m of segment.text.matchAll(flagPattern)) {
        mentions.push({ file, offset: literal.offset, where: `src/${name}:${line}`, text: literal.text, flag: m[1]!, ...(command ? { command } : {}) })
      }
    }
  }
}

describe("hints and flag texts", () => {
  it("places every command, and finds the advice to check", () => {
    expect(unplaced).toEqual([])
    expect(mentions.length).toBeGreaterThan(40)
    // the ones the checks below are about
    expect(mentions.some((m) => m.where.startsWith("src/workflows/sshConnection.ts") && m.flag === "no-ssm")).toBe(true)
    expect(mentions.some((m) => m.where.startsWith("src/commands/confirm.ts") && m.flag === "yes")).toBe(true)
    expect(mentions.some((m) => m.where.startsWith("src/commands/remedies.ts") && m.flag === "profile")).toBe(true)
  })

  it("every --flag a message or hint names exists on each command that can print it", () => {
    const problems: Array<string> = []
    for (const m of mentions) {
      if (m.command !== undefined) {
        if (!hasFlag(named(m.command)!, m.flag)) problems.push(`${m.where}: 'aegea ${m.command.join(" ")}' has no --${m.flag}: ${JSON.stringify(m.text)}`)
        continue
      }
      const printers = printersOf(m.file, m.offset)
      if (printers.size === 0) {
        // Not traced to a command: the flag must at least exist somewhere.
        if (!commands.some((c) => hasFlag(c, m.flag))) problems.push(`${m.where}: no command has --${m.flag}: ${JSON.stringify(m.text)}`)
        continue
      }
      for (const node of printers) {
        if (!hasFlag(node, m.flag) && !excused(m, node)) problems.push(`${m.where}: 'aegea ${node.path.join(" ")}' has no --${m.flag}, and can print ${JSON.stringify(m.text)}`)
      }
    }
    expect(problems).toEqual([])
  })

  it("a missing secret version points at a command that lists versions (secrets ls does not)", () => {
    expect(secretNotFound("db", "eu-west-1").hint).toBe("Run 'aegea secrets ls' to see the secrets")
    for (const selector of [{ versionId: "v1" }, { versionStage: "AWSPENDING" }]) {
      const hint = secretNotFound("db", "eu-west-1", selector).hint ?? ""
      expect(hint).not.toContain("secrets ls")
      expect(hint).toContain("aws secretsmanager list-secret-version-ids --secret-id db")
    }
  })

  it("IAM is global: its not-found errors do not send the user to --region", () => {
    const fields = { action: "get IAM role app", operation: "GetRole", code: "NoSuchEntity", awsMessage: "The role cannot be found.", region: "eu-west-1" }
    expect(cliSummary(new AwsNotFound({ ...fields, service: "IAM" }))).not.toContain("--region")
    expect(cliSummary(new AwsNotFound({ ...fields, service: "EC2" }))).toContain("--region")
  })

  it("every --dry-run flag says what it prints, in which format, and that it changes nothing", () => {
    const found: Array<string> = []
    const problems: Array<string> = []
    const visitDocs = (command: AnyCommand, path: ReadonlyArray<string>) => {
      for (const flag of helpFlags(command, path)) {
        if (flag.name !== "dry-run") continue
        const text = Option.getOrElse(flag.description, () => "")
        found.push(path.join(" "))
        const ok = /\bprint/i.test(text) && /\b(JSON|YAML|text)\b/.test(text) && /change nothing|changes nothing/.test(text)
        if (!ok) problems.push(`aegea ${path.join(" ")} --dry-run: ${JSON.stringify(text)}`)
      }
      for (const group of command.subcommands) for (const sub of group.commands) visitDocs(sub, [...path, sub.name])
    }
    visitDocs(cli as unknown as AnyCommand, [])
    expect(problems).toEqual([])
    expect(found.sort()).toEqual(
      [
        "batch submit", "ebs attach", "ebs create", "ebs detach", "ebs modify", "ebs snapshot", "ecs run", "efs create", "flow-logs create",
        "lambda update-code", "lambda update-config", "launch", "put-alarm", "rename", "rm", "reboot", "s3 restore", "secrets delete",
        "secrets grant", "secrets put", "sfn stop", "start", "stop", "terminate",
        "zones delete", "zones update", "elb create", "elb delete", "elb deregister", "elb register", "elb replace",
        "iam create-user", "rds create", "rds delete", "rds restore", "rds snapshot",
        "build-ami",
        "ecr retag",
        "batch create-compute-environment", "build-docker-image"
      ].sort()
    )
  })
})
