/**
 * aegea's help layout, for effect/cli's HelpDoc: wrapped to a width (the terminal's on a TTY, 80 on a
 * pipe so that output is stable), one blank line before each section, subcommands before the flags
 * every command shares (GLOBAL FLAGS last, as `gh` lists its inherited flags), and two-column lists
 * whose descriptions keep one column even when a name is too long for it (that name gets a line of
 * its own). Pure, with type-only imports of effect: the launcher (src/main.ts) loads it to print the
 * build's help document (dist/static/help.json) at a terminal's width without loading the CLI.
 */
import type * as CliError from "effect/cli/CliError"
import type { Formatter } from "effect/cli/CliOutput"
import type { HelpDoc } from "effect/cli/HelpDoc"

export interface PlainFlag {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly type: string
  readonly description: string | undefined
}

export interface PlainArg {
  readonly name: string
  readonly type: string
  readonly description: string | undefined
  readonly required: boolean
  readonly variadic: boolean
}

export interface PlainSubcommand {
  readonly name: string
  readonly alias: string | undefined
  /** What the parent's list shows: the first sentences of the short description, else of the description. */
  readonly summary: string
}

/** A HelpDoc as plain JSON (no Option, no annotations): what the build stores and the launcher renders. */
export interface PlainHelpDoc {
  readonly description: string
  readonly usage: string
  readonly args: ReadonlyArray<PlainArg>
  readonly flags: ReadonlyArray<PlainFlag>
  readonly subcommands: ReadonlyArray<{ readonly group: string | undefined; readonly commands: ReadonlyArray<PlainSubcommand> }>
  readonly examples: ReadonlyArray<{ readonly command: string; readonly description: string | undefined }>
  readonly inheritedFlags: ReadonlyArray<PlainFlag>
  readonly globalFlags: ReadonlyArray<PlainFlag>
}

export interface HelpStyle {
  readonly width: number
  readonly colors: boolean
}

/** The width help wraps to: the terminal's columns on a TTY (at most 120, for readable lines), else 80. */
export const helpWidth = (stdout: { readonly isTTY?: boolean | undefined; readonly columns?: number | undefined }): number =>
  stdout.isTTY === true && stdout.columns !== undefined && stdout.columns > 0 ? Math.min(stdout.columns, 120) : 80

/**
 * Colour as data output has it (commands/global.ts colorWanted, and src/main.ts): never with TERM=dumb,
 * NO_COLOR or FORCE_COLOR=0/false; always with any other FORCE_COLOR; else on a terminal.
 */
export const helpColors = (env: Readonly<Record<string, string | undefined>>, stdoutIsTTY: boolean): boolean => {
  const force = (env["FORCE_COLOR"] ?? "").trim().toLowerCase()
  if (force === "0" || force === "false") return false
  return env["TERM"] !== "dumb" && (env["NO_COLOR"] ?? "") === "" && (force !== "" || stdoutIsTTY)
}

// eslint-disable-next-line no-control-regex
const ansi = /\u001B\[[0-9;]*m/g

/** Terminal cells of a text: ANSI styling is not counted. */
export const cells = (text: string): number => [...text.replace(ansi, "")].length

/**
 * Words of `text` in lines of at most `width` cells; a word longer than a line is cut. Each line of
 * the text is wrapped on its own, and keeps its leading spaces on every line it wraps onto.
 */
export const wrapText = (text: string, width: number): Array<string> => {
  const out: Array<string> = []
  for (const source of text.split("\n")) {
    const lead = /^ */.exec(source)![0]
    const room = Math.max(8, width - lead.length)
    const words = source.slice(lead.length).split(/ +/).filter((w) => w !== "")
    let line = ""
    const flush = () => {
      out.push(lead + line)
      line = ""
    }
    for (let word of words) {
      while (cells(word) > room) {
        if (line !== "") flush()
        const chars = [...word]
        out.push(lead + chars.slice(0, room).join(""))
        word = chars.slice(room).join("")
      }
      if (word === "") continue
      if (line === "") line = word
      else if (cells(line) + 1 + cells(word) <= room) line += ` ${word}`
      else {
        flush()
        line = word
      }
    }
    if (line !== "" || words.length === 0) flush()
  }
  return out
}

/**
 * A shell command in lines of at most `width` cells, broken between words with ` \` so that it can
 * still be pasted; continuation lines are indented by 2.
 */
export const wrapCommand = (command: string, width: number): Array<string> => {
  const words = command.split(" ")
  const lines: Array<string> = []
  let line = ""
  for (const word of words) {
    const prefix = lines.length === 0 ? "" : "  "
    if (line === "") line = word
    else if (cells(prefix + line) + 1 + cells(word) + 2 <= width) line += ` ${word}`
    else {
      lines.push(prefix + line + " \\")
      line = word
    }
  }
  lines.push((lines.length === 0 ? "" : "  ") + line)
  return lines
}

interface Row {
  /** Plain text of the left cell; `paint` styles it after it is measured. */
  readonly left: string
  readonly paint: (plain: string) => string
  readonly right: string
}

const indent = 2
const gap = 2

/**
 * Two columns: names on the left, descriptions wrapped in one column on the right. The left column
 * is as wide as its longest name, up to 40% of the width; a longer name stands on its own line and
 * its description starts under the others. Too narrow for two columns: each description goes under
 * its name.
 */
export const renderRows = (rows: ReadonlyArray<Row>, width: number): Array<string> => {
  const longest = Math.max(0, ...rows.map((r) => cells(r.left)))
  const cap = Math.max(10, Math.floor((width - indent) * 0.4))
  let column = indent + Math.min(longest, cap) + gap
  if (width - column < 20) column = indent + 4
  const room = width - column
  const out: Array<string> = []
  for (const row of rows) {
    const text = row.right === "" ? [] : wrapText(row.right, room)
    const name = " ".repeat(indent) + row.paint(row.left)
    const fits = indent + cells(row.left) + gap <= column
    if (fits && text.length > 0) {
      out.push(name + " ".repeat(column - indent - cells(row.left)) + text[0])
      for (const line of text.slice(1)) out.push(" ".repeat(column) + line)
    } else {
      // A name wider than the whole width (several variables in one row) wraps too.
      if (cells(row.left) <= width - indent) out.push(name)
      else for (const line of wrapText(row.left, width - indent)) out.push(" ".repeat(indent) + row.paint(line))
      for (const line of text) out.push(" ".repeat(column) + line)
    }
  }
  return out
}

const palette = (colors: boolean) => {
  const style = (code: string) => (text: string) => (colors ? `\u001B[${code}m${text}\u001B[0m` : text)
  return { bold: style("1"), dim: style("2"), cyan: style("36"), green: style("32") }
}

/** The first sentence of a description, or the first two when the first is short ("CloudWatch Logs."). */
export const summarize = (description: string): string => {
  const first = description.split("\n")[0]!.trim()
  for (const end of first.matchAll(/[.!?](?=\s+[A-Z'"`(])/g)) {
    if (end.index + 1 >= 40) return first.slice(0, end.index + 1)
  }
  return first
}

/** The text of the help of one command. */
export const renderHelpDoc = (doc: PlainHelpDoc, style: HelpStyle): string => {
  const { width } = style
  const c = palette(style.colors)
  const sections: Array<Array<string>> = []
  const section = (title: string, lines: ReadonlyArray<string>) => {
    if (lines.length > 0) sections.push([c.bold(title), ...lines])
  }
  const pad = (lines: ReadonlyArray<string>) => lines.map((l) => " ".repeat(indent) + l)
  const flagRows = (flags: ReadonlyArray<PlainFlag>) =>
    renderRows(
      flags.map((flag) => {
        const names = [`--${flag.name}`, ...flag.aliases].join(", ")
        const type = flag.type === "boolean" ? "" : ` ${flag.type}`
        return {
          left: names + type,
          paint: (plain: string) => c.green(plain.slice(0, names.length)) + (type === "" ? "" : c.dim(plain.slice(names.length))),
          right: flag.description ?? ""
        }
      }),
      width
    )

  if (doc.description !== "") section("DESCRIPTION", pad(wrapText(doc.description, width - indent)))
  section("USAGE", pad(wrapCommand(doc.usage, width - indent).map((l) => c.cyan(l))))
  section(
    "ARGUMENTS",
    renderRows(
      doc.args.map((arg) => ({
        left: `${arg.name}${arg.variadic ? "..." : ""} ${arg.type}`,
        paint: (plain: string) => {
          const name = `${arg.name}${arg.variadic ? "..." : ""}`
          return c.green(name) + c.dim(plain.slice(name.length))
        },
        right: (arg.description ?? "") + (arg.required ? "" : " (optional)")
      })),
      width
    )
  )
  section("FLAGS", flagRows(doc.flags))
  for (const group of doc.subcommands) {
    section(
      group.group === undefined ? "SUBCOMMANDS" : group.group.toUpperCase(),
      renderRows(
        group.commands.map((sub) => ({ left: sub.alias ? `${sub.name}, ${sub.alias}` : sub.name, paint: c.cyan, right: sub.summary })),
        width
      )
    )
  }
  section(
    "EXAMPLES",
    doc.examples.flatMap((example, i) => [
      ...(i > 0 && example.description !== undefined ? [""] : []),
      ...(example.description === undefined ? [] : pad(wrapText(`# ${example.description}`, width - indent).map((l) => c.dim(l)))),
      ...pad(wrapCommand(example.command, width - indent).map((l) => c.cyan(l)))
    ])
  )
  section("INHERITED FLAGS", flagRows(doc.inheritedFlags))
  section("GLOBAL FLAGS", flagRows(doc.globalFlags))
  return sections.map((lines) => lines.join("\n")).join("\n\n")
}

const optionText = (option: unknown): string | undefined => {
  const o = option as { readonly _tag?: string; readonly value?: unknown } | undefined
  return o?._tag === "Some" && typeof o.value === "string" && o.value !== "" ? o.value : undefined
}

const plainFlags = (flags: HelpDoc["flags"] | undefined): Array<PlainFlag> =>
  (flags ?? []).map((f) => ({ name: f.name, aliases: [...f.aliases], type: f.type, description: optionText(f.description) }))

/** effect/cli's HelpDoc as plain JSON. */
export const toPlainHelpDoc = (doc: HelpDoc): PlainHelpDoc => ({
  description: doc.description,
  usage: doc.usage,
  args: (doc.args ?? []).map((a) => ({
    name: a.name,
    type: a.type,
    description: optionText(a.description),
    required: a.required,
    variadic: a.variadic
  })),
  flags: plainFlags(doc.flags),
  subcommands: (doc.subcommands ?? []).map((group) => ({
    group: group.group,
    commands: group.commands.map((sub) => ({ name: sub.name, alias: sub.alias, summary: summarize(sub.shortDescription ?? sub.description) }))
  })),
  examples: (doc.examples ?? []).map((e) => ({ command: e.command, description: e.description })),
  inheritedFlags: plainFlags(doc.inheritedFlags),
  globalFlags: plainFlags(doc.globalFlags)
})

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g
const escaped = (text: string) => text.replace(controlCharacters, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`)

/**
 * The effect/cli Formatter aegea installs (src/bin.ts). Errors are normally reported by bin.ts as one
 * line; these renderings only serve effect/cli's own fallbacks.
 */
export const helpFormatter = (style: HelpStyle): Formatter => {
  const c = palette(style.colors)
  const one = (error: CliError.CliError) => `\n${c.bold("ERROR")}\n  ${escaped(error.message)}`
  return {
    formatHelpDoc: (doc) => renderHelpDoc(toPlainHelpDoc(doc), style),
    formatCliError: (error) => escaped(error.message),
    formatError: one,
    formatErrors: (errors) => errors.map(one).join(""),
    formatVersion: (name, version) => `${c.bold(name)} ${c.dim("v")}${c.bold(version)}`
  }
}
