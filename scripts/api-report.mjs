// The public API report: every name the package exports from "aegea" (its flat exports, then each
// namespace with its members) and from "aegea/testing", with its kind and the first sentence of its
// doc comment, into docs/api.md. A change to the public surface then shows in review as a change of
// that file. test/unit/apiReport.test.ts fails when the file is stale and when any public export has
// no doc comment.
//
//   node scripts/api-report.mjs           write docs/api.md (and name the exports without a doc comment)
//   node scripts/api-report.mjs --check   exit 1, printing what is wrong, when docs/api.md is stale or
//                                         an export has no doc comment
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

// The project's TypeScript (7, native) has no JavaScript compiler API, so the report reads the
// sources' export statements itself: `export * from`, `export { a, type B, c as d } from`,
// `export * as N from`, and `export [declare] const|function|class|interface|type|enum NAME`, with
// the doc comment just above each declaration (or above the `export * as N` statement of a namespace).

const target = (from, spec) => {
  const file = resolve(dirname(from), spec)
  if (existsSync(file)) return file
  if (existsSync(`${file}.ts`)) return `${file}.ts`
  throw new Error(`api-report: cannot resolve ${spec} from ${from}`)
}

/** The first sentence of a doc comment, on one line, at most 200 characters ("" for none). */
export const firstSentence = (comment) => {
  const text = comment
    .replace(/^\/\*\*|\*\/$/g, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, ""))
    .filter((l) => !l.trim().startsWith("@"))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim()
  if (text === "") return ""
  // Up to the first full stop; a long one is cut at a word, marked with an ellipsis.
  const sentence = /^(.*?[.!?])(\s|$)/.exec(text)?.[1] ?? text
  const short = sentence.length <= 200 ? sentence : `${sentence.slice(0, 200).replace(/\s+\S*$/, "")}…`
  return short.replace(/\|/g, "\\|")
}

const docComment = "(\\/\\*\\*(?:(?!\\*\\/)[\\s\\S])*\\*\\/\\s*)?"

/**
 * What an entry file exports: `{ flat, namespaces }`, where `flat` maps a name to `{ kind, summary,
 * file }` and `namespaces` maps a namespace to `{ summary, members }` (members like `flat`).
 */
export const exportsOf = (entry) => {
  const sources = new Map()
  const read = (file) => {
    if (!sources.has(file)) sources.set(file, readFileSync(file, "utf8"))
    return sources.get(file)
  }

  /** The declarations a file exports, by name: { kind, summary, file }, following its own re-exports. */
  const declarations = (file, seen = new Set()) => {
    const found = new Map()
    if (seen.has(file)) return found
    seen.add(file)
    const text = read(file)
    const declaration = new RegExp(
      `${docComment}^export\\s+(?:declare\\s+)?(?:abstract\\s+)?(const|let|function\\*?|async function|class|interface|type|enum|namespace)\\s+([A-Za-z_$][\\w$]*)`,
      "gm"
    )
    for (const m of text.matchAll(declaration)) {
      const kind = m[2].replace(/^async /, "").replace("function*", "function").replace("let", "const")
      const summary = m[1] ? firstSentence(m[1].trim()) : ""
      const earlier = found.get(m[3])
      // A Schema and its type share a name: one entry, "schema", documented by whichever has the comment.
      if (earlier !== undefined) found.set(m[3], { kind: "schema", summary: earlier.summary || summary, file })
      else found.set(m[3], { kind, summary, file })
    }
    for (const [name, value] of reexports(file, seen).flat) if (!found.has(name)) found.set(name, value)
    return found
  }

  /** What `export ... from` statements of a file add: plain names, and namespaces with their members. */
  const reexports = (file, seen) => {
    const flat = new Map()
    const namespaces = new Map()
    const text = read(file)
    for (const m of text.matchAll(new RegExp(`${docComment}^export\\s+\\*\\s+as\\s+(\\w+)\\s+from\\s+"([^"]+)"`, "gm"))) {
      const members = declarations(target(file, m[3]), new Set(seen))
      namespaces.set(m[2], { summary: m[1] ? firstSentence(m[1].trim()) : "", members })
      flat.set(m[2], { kind: "namespace", summary: m[1] ? firstSentence(m[1].trim()) : "", file })
    }
    for (const m of text.matchAll(/^export\s+\*\s+from\s+"([^"]+)"/gm)) {
      for (const [name, value] of declarations(target(file, m[1]), new Set(seen))) flat.set(name, value)
    }
    for (const m of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"([^"]+)"/gm)) {
      const inner = declarations(target(file, m[2]), new Set(seen))
      for (const item of m[1].split(",").map((i) => i.trim()).filter((i) => i !== "")) {
        const parts = /^(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(item)
        if (!parts) continue
        const original = inner.get(parts[1])
        if (original === undefined) throw new Error(`api-report: ${relative(root, file)} re-exports ${parts[1]}, which ${m[2]} does not export`)
        flat.set(parts[2] ?? parts[1], original)
      }
    }
    // `export { a, type B }` with no `from`: names the file imported (followed to their declaration)
    // or declared without `export` (documented where declared).
    for (const m of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}(?!\s*from)/gm)) {
      for (const item of m[1].split(",").map((i) => i.trim()).filter((i) => i !== "")) {
        const parts = /^(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(item)
        if (!parts) continue
        const local = parts[1]
        let found
        for (const im of text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(\.[^"]+)"/gm)) {
          for (const imported of im[1].split(",").map((i) => i.trim())) {
            const ip = /^(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(imported)
            if (ip && (ip[2] ?? ip[1]) === local) found = declarations(target(file, im[2]), new Set(seen)).get(ip[1])
          }
        }
        if (found === undefined) {
          const own = new RegExp(`${docComment}^(?:declare\\s+)?(const|let|function\\*?|class|interface|type|enum)\\s+${local.replace("$", "\\$")}\\b`, "m").exec(text)
          if (own) found = { kind: own[2].replace("function*", "function").replace("let", "const"), summary: own[1] ? firstSentence(own[1].trim()) : "", file }
        }
        if (found === undefined) throw new Error(`api-report: cannot find the declaration of ${local}, exported by ${relative(root, file)}`)
        flat.set(parts[2] ?? local, found)
      }
    }
    return { flat, namespaces }
  }

  const all = declarations(entry)
  const { namespaces } = reexports(entry, new Set())
  const flat = new Map([...all].filter(([name]) => !namespaces.has(name)))
  return { flat, namespaces }
}

/** Every public export without a doc comment, as "entry: Namespace.name (file)". */
export const undocumentedOf = (name, { flat, namespaces }) => {
  const out = []
  const where = (file) => relative(root, file).split("\\").join("/")
  for (const [n, e] of flat) if (e.summary === "") out.push(`${name}: ${n} (${where(e.file)})`)
  for (const [ns, { summary, members }] of namespaces) {
    if (summary === "") out.push(`${name}: ${ns} (the namespace's export statement)`)
    for (const [n, e] of members) if (e.summary === "") out.push(`${name}: ${ns}.${n} (${where(e.file)})`)
  }
  return out
}

const byName = (a, b) => a[0].localeCompare(b[0], "en")
const table = (members) =>
  `| name | kind | summary |\n|---|---|---|\n` +
  [...members].sort(byName).map(([n, { kind, summary }]) => `| \`${n}\` | ${kind} | ${summary} |`).join("\n") + "\n"

/** The report's section for one entry point. */
export const section = (name, { flat, namespaces }) => {
  const count = flat.size + [...namespaces.values()].reduce((n, ns) => n + ns.members.size, 0)
  const parts = [`## \`${name}\`\n`]
  parts.push(
    namespaces.size === 0
      ? `${count} exports.\n`
      : `${count} exports: ${flat.size} flat and ${namespaces.size} namespaces (${[...namespaces].sort(byName).map(([n, ns]) => `\`${n}\` ${ns.members.size}`).join(", ")}).\n`
  )
  if (flat.size > 0) parts.push(table(flat))
  for (const [ns, { summary, members }] of [...namespaces].sort(byName)) {
    parts.push(`### \`${name === "aegea" ? "" : `${name} `}${ns}\`\n\n${summary}\n\n${members.size} members.\n\n${table(members)}`)
  }
  return parts.join("\n")
}

/** The whole docs/api.md for the given entry points ({ name, file }). */
export const report = (entries) => {
  const sections = entries.map((e) => section(e.name, exportsOf(e.file)))
  return `# Public API report

Generated by \`node scripts/api-report.mjs\` from \`src/index.ts\` and \`src/testing/index.ts\`; do not
edit by hand. A change here is a change of what users of the package can import: review it as such.
\`test/unit/apiReport.test.ts\` fails when this file is stale and when any export has no doc comment.

${sections.join("\n")}`
}

export const entries = [
  { name: "aegea", file: join(root, "src", "index.ts") },
  { name: "aegea/testing", file: join(root, "src", "testing", "index.ts") }
]

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = report(entries)
  const undocumented = entries.flatMap((e) => undocumentedOf(e.name, exportsOf(e.file)))
  const file = join(root, "docs", "api.md")
  if (process.argv.includes("--check")) {
    const problems = []
    const current = existsSync(file) ? readFileSync(file, "utf8") : ""
    if (current !== text) {
      const have = new Set(current.split("\n"))
      const want = new Set(text.split("\n"))
      const added = [...want].filter((l) => !have.has(l) && l.startsWith("| `"))
      const removed = [...have].filter((l) => !want.has(l) && l.startsWith("| `"))
      problems.push(
        `docs/api.md is stale: run 'node scripts/api-report.mjs'\n` +
          added.slice(0, 20).map((l) => `+ ${l}\n`).join("") + removed.slice(0, 20).map((l) => `- ${l}\n`).join("")
      )
    }
    if (undocumented.length > 0) {
      problems.push(`${undocumented.length} public exports have no doc comment (write one at the declaration):\n` + undocumented.map((u) => `  ${u}\n`).join(""))
    }
    if (problems.length > 0) {
      process.stderr.write(problems.join(""))
      process.exit(1)
    }
  } else {
    writeFileSync(file, text)
    if (undocumented.length > 0) {
      process.stderr.write(`${undocumented.length} public exports have no doc comment:\n` + undocumented.map((u) => `  ${u}\n`).join(""))
    }
  }
}
