// aegea's help layout (src/lib/helpFormat.ts): wrapping, alignment, section order.
import { describe, expect, it } from "vitest"
import {
  cells,
  helpColors,
  helpFormatter,
  helpWidth,
  type PlainHelpDoc,
  renderHelpDoc,
  renderRows,
  summarize,
  wrapCommand,
  wrapText
} from "../../src/lib/helpFormat.ts"

const plain = (t: string) => ({ left: t, paint: (s: string) => s })
const widest = (lines: ReadonlyArray<string>) => Math.max(...lines.map(cells))

const doc: PlainHelpDoc = {
  description: "An AWS operator CLI. It lists and controls EC2 resources, launches instances and reaches them over Systems Manager.",
  usage: "aegea <subcommand> [flags]",
  args: [],
  flags: [{ name: "tag", aliases: [], type: "string", description: "Only instances with this tag, as KEY=VALUE; repeat to require several." }],
  subcommands: [
    {
      group: undefined,
      commands: [
        { name: "ls", alias: undefined, summary: "List EC2 instances (all states), one row each." },
        { name: "create-compute-environment-with-a-long-name", alias: undefined, summary: "Create a managed compute environment in the default VPC's subnets." }
      ]
    }
  ],
  examples: [{ command: "aegea ls --state running --tag env=prod --json --columns id,state,tags.Owner", description: "Running prod instances" }],
  inheritedFlags: [],
  globalFlags: [
    { name: "help", aliases: ["-h"], type: "boolean", description: "Show help information" },
    { name: "completions", aliases: [], type: "<bash|zsh|fish|powershell|sh|pwsh>", description: "Print shell completion script" },
    { name: "output", aliases: ["-o"], type: "choice", description: "Print results as a table (the default), JSON, YAML, CSV or TSV." }
  ]
}

describe("wrapText", () => {
  it("keeps every line within the width and every word", () => {
    const text = "Send AWS requests to this URL, e.g. a local emulator (default: AWS_ENDPOINT_URL, then the config file's endpoint_url)."
    for (const width of [20, 33, 50, 80]) {
      const lines = wrapText(text, width)
      expect(widest(lines)).toBeLessThanOrEqual(width)
      expect(lines.join(" ")).toBe(text)
    }
  })

  it("cuts a word longer than a line, and keeps a line's leading spaces on its continuation lines", () => {
    expect(wrapText("x".repeat(25), 10)).toEqual(["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"])
    expect(wrapText("Summary.\n  Columns: name, id, state, type", 20)).toEqual(["Summary.", "  Columns: name, id,", "  state, type"])
  })
})

describe("wrapCommand", () => {
  it("breaks a long command between words with a backslash so that it can still be pasted", () => {
    const lines = wrapCommand("aegea ls --state running --tag env=prod --json --columns id,state", 30)
    expect(widest(lines)).toBeLessThanOrEqual(30)
    expect(lines.slice(0, -1).every((l) => l.endsWith(" \\"))).toBe(true)
    expect(lines.map((l) => l.replace(/ \\$/, "").trim()).join(" ")).toBe("aegea ls --state running --tag env=prod --json --columns id,state")
  })
})

describe("renderRows", () => {
  it("aligns descriptions in one column and puts a name too long for it on a line of its own", () => {
    const lines = renderRows(
      [
        { ...plain("ls"), right: "List instances." },
        { ...plain("create-compute-environment-with-a-long-name"), right: "Create one." },
        { ...plain("azs"), right: "List the availability zones of the region, which is a long description." }
      ],
      50
    )
    expect(widest(lines)).toBeLessThanOrEqual(50)
    const column = lines[0]!.indexOf("List instances.")
    expect(lines[1]).toBe("  create-compute-environment-with-a-long-name")
    expect(lines[2]!.indexOf("Create one.")).toBe(column)
    expect(lines[3]!.indexOf("List the availability")).toBe(column)
    // the wrapped rest of a description starts in the same column
    expect(lines[4]!.length - lines[4]!.trimStart().length).toBe(column)
  })

  it("measures names without their colours", () => {
    const lines = renderRows([{ left: "--tag", paint: (s) => `\u001B[32m${s}\u001B[0m`, right: "A tag." }, { ...plain("--x"), right: "X." }], 80)
    expect(cells(lines[0]!)).toBe(cells(lines[1]!.replace("X.", "A tag.")))
  })
})

describe("renderHelpDoc", () => {
  for (const width of [50, 80, 120]) {
    it(`fits ${width} columns`, () => {
      const lines = renderHelpDoc(doc, { width, colors: false }).split("\n")
      expect(widest(lines)).toBeLessThanOrEqual(width)
    })
  }

  it("lists the subcommands before the global flags, which come last, with a blank line before each section", () => {
    const text = renderHelpDoc(doc, { width: 80, colors: false })
    const headings = text.split("\n").filter((l) => /^[A-Z][A-Z ]+$/.test(l))
    expect(headings).toEqual(["DESCRIPTION", "USAGE", "FLAGS", "SUBCOMMANDS", "EXAMPLES", "GLOBAL FLAGS"])
    const lines = text.split("\n")
    for (const heading of headings.slice(1)) expect(lines[lines.indexOf(heading) - 1]).toBe("")
  })

  it("colours only when asked", () => {
    expect(renderHelpDoc(doc, { width: 80, colors: false })).not.toContain("\u001B[")
    const coloured = renderHelpDoc(doc, { width: 80, colors: true })
    expect(coloured).toContain("\u001B[1mUSAGE\u001B[0m")
    expect(coloured.replace(/\u001B\[[0-9;]*m/g, "")).toBe(renderHelpDoc(doc, { width: 80, colors: false }))
  })

  it("renders effect/cli's HelpDoc through the Formatter", () => {
    const text = helpFormatter({ width: 80, colors: false }).formatHelpDoc({
      description: "Run it.",
      usage: "aegea run",
      flags: [{ name: "timeout", aliases: [], type: "integer", description: { _tag: "Some", value: "Seconds." } as never, required: false }],
      annotations: undefined as never,
      subcommands: [{ group: undefined, commands: [{ name: "logs", alias: undefined, shortDescription: undefined, description: "CloudWatch Logs. Without GROUP, list the log groups. With GROUP alone, list its streams." }] }]
    })
    expect(text).toContain("--timeout integer  Seconds.")
    expect(text.endsWith("\n  logs  CloudWatch Logs. Without GROUP, list the log groups.")).toBe(true)
    expect(text).not.toContain("its streams")
  })
})

describe("summarize", () => {
  it("keeps the first sentence, or the first two when the first is short", () => {
    expect(summarize("Store, read, delete and share secrets in AWS Secrets Manager.")).toBe("Store, read, delete and share secrets in AWS Secrets Manager.")
    expect(summarize("CloudWatch Logs. Without GROUP, list the log groups. With GROUP alone, list its streams.")).toBe(
      "CloudWatch Logs. Without GROUP, list the log groups."
    )
    expect(summarize("List EC2 instances (all states), one row each.\n  Columns: name, id")).toBe("List EC2 instances (all states), one row each.")
    expect(summarize("Print an instance's output, e.g. the boot log. More text follows here.")).toBe("Print an instance's output, e.g. the boot log.")
  })
})

describe("helpWidth and helpColors", () => {
  it("uses the terminal's width on a TTY (at most 120) and 80 on a pipe", () => {
    expect(helpWidth({ isTTY: true, columns: 50 })).toBe(50)
    expect(helpWidth({ isTTY: true, columns: 300 })).toBe(120)
    expect(helpWidth({ isTTY: true, columns: 0 })).toBe(80)
    expect(helpWidth({ isTTY: false, columns: 50 })).toBe(80)
    expect(helpWidth({})).toBe(80)
  })

  it("colours as data output does: a terminal or FORCE_COLOR, never NO_COLOR, TERM=dumb or FORCE_COLOR=0", () => {
    expect(helpColors({}, true)).toBe(true)
    expect(helpColors({}, false)).toBe(false)
    expect(helpColors({ FORCE_COLOR: "1" }, false)).toBe(true)
    expect(helpColors({ FORCE_COLOR: "false" }, false)).toBe(false)
    expect(helpColors({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false)
    expect(helpColors({ TERM: "dumb" }, true)).toBe(false)
    expect(helpColors({ FORCE_COLOR: "0" }, true)).toBe(false)
    expect(helpColors({ FORCE_COLOR: "false" }, true)).toBe(false)
  })
})
