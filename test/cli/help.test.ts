// Help as an operator sees it (issue 18, "Help"): wrapped to the terminal, subcommands before the
// global flags, `aegea help TOPIC`, plumbing unlisted, and the parser's messages in aegea's voice.
import { describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { useMoto } from "../support/moto.ts"

useMoto()

const plain = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, "")
const lines = (text: string) => plain(text).replace(/\n$/, "").split("\n")
const widest = (text: string) => Math.max(...lines(text).map((l) => [...l].length))
const headings = (text: string) => lines(text).filter((l) => /^[A-Z][A-Z ]+$/.test(l))

describe("help fits the terminal", () => {
  for (const columns of [50, 80]) {
    for (const args of [["--help"], ["help"], ["ls", "--help"], ["batch", "--help"], ["batch", "submit", "--help"]]) {
      it(`aegea ${args.join(" ")} at ${columns} columns`, async () => {
        const r = await runCliOnTerminal(args, { columns })
        expect(r.code).toBe(0)
        expect(lines(r.output).length).toBeGreaterThan(15)
        expect(widest(r.output)).toBeLessThanOrEqual(columns)
        expect(widest(r.output)).toBeGreaterThan(columns - 12)
      })
    }
  }

  it("prints the same root help from the build's document (--help) as from the CLI itself (help)", async () => {
    for (const columns of [50, 100]) {
      const fast = await runCliOnTerminal(["--help"], { columns })
      const slow = await runCliOnTerminal(["help"], { columns })
      expect(fast.output).toBe(slow.output)
      expect(widest(fast.output)).toBeLessThanOrEqual(columns)
      expect(widest(fast.output)).toBeGreaterThan(columns - 12)
    }
  }, 60_000)

  it("is 80 columns on a pipe, so that it does not change with the terminal", async () => {
    for (const args of [["--help"], ["help"], ["ecs", "run", "--help"]]) {
      const r = await runCli(args)
      expect(r.code).toBe(0)
      expect(widest(r.stdout)).toBeLessThanOrEqual(80)
      expect(widest(r.stdout)).toBeGreaterThan(70)
    }
  })

  it("lists subcommands before the global flags, which come last, with a blank line before each section", async () => {
    for (const args of [["--help"], ["batch", "--help"], ["ls", "--help"]]) {
      const text = (await runCli(args)).stdout
      const found = headings(text)
      expect(found.at(-1)).toBe("GLOBAL FLAGS")
      if (found.includes("SUBCOMMANDS")) expect(found.indexOf("SUBCOMMANDS")).toBeLessThan(found.indexOf("GLOBAL FLAGS"))
      const all = lines(text)
      for (const heading of found.slice(1)) expect(all[all.indexOf(heading) - 1]).toBe("")
    }
  })

  it("keeps the descriptions of long subcommand names in the same column", async () => {
    const all = lines((await runCli(["batch", "--help"])).stdout)
    const start = all.indexOf("SUBCOMMANDS") + 1
    const rows = all.slice(start, all.indexOf("", start))
    // where the description starts: after the name on a name's line, else the first character
    // (a name may carry its alias: "logs, get-logs")
    const columnOf = (line: string) => /^( {2}[^\s,]+(?:, [^\s,]+)? +)\S/.exec(line)?.[1]!.length ?? line.search(/\S/)
    const columns = new Set(rows.filter((l) => !/^ {2}[^\s,]+(?:, [^\s,]+)?$/.test(l)).map(columnOf))
    expect(rows.some((l) => l.startsWith("  create-compute-environment"))).toBe(true)
    expect(columns.size).toBe(1)
  })
})

describe("aegea help", () => {
  it("alone prints the root help, and with a command that command's help", async () => {
    expect((await runCli(["help"])).stdout).toBe((await runCli(["--help"])).stdout)
    const ls = await runCli(["help", "ls"])
    expect(ls.code).toBe(0)
    expect(ls.stdout).toBe((await runCli(["ls", "--help"])).stdout)
    const submit = await runCli(["help", "batch", "submit"])
    expect(submit.code).toBe(0)
    expect(submit.stdout).toBe((await runCli(["batch", "submit", "--help"])).stdout)
  })

  const topics: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["environment", ["AWS_REGION", "AWS_PROFILE", "AEGEA_REQUEST_TIMEOUT", "AEGEA_CONFIG_FILE", "NO_COLOR", "XDG_CONFIG_HOME"]],
    ["exit-codes", ["130", "UsageError", "AwsAccessDenied", "AwsUnavailable"]],
    ["config", ["launch.instance_type", "batch_submit.memory", "/etc/aegea/config.yml", "AEGEA_CONFIG_FILE", "$append", "$insert", "endpoint_url"]],
    ["time", ["2h", "yesterday", "2024-05-01", "UTC", "+2h"]],
    ["columns", ["snake_case", "header", "tags.Owner", "--sort-by", ":desc"]]
  ]
  for (const [topic, words] of topics) {
    it(`help ${topic} names what it should`, async () => {
      const r = await runCli(["help", topic])
      expect(r.code).toBe(0)
      expect(r.stderr).toBe("")
      for (const word of words) expect(r.stdout).toContain(word)
      expect(widest(r.stdout)).toBeLessThanOrEqual(80)
    })
  }

  it("an unknown topic is exit 2, one line listing the topics", async () => {
    const r = await runCli(["help", "exit-code"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("did you mean exit-codes?")
    for (const topic of ["environment", "exit-codes", "config", "time", "columns"]) expect(r.stderr).toContain(topic)
  })
})

describe("plumbing", () => {
  it("ssm-proxy is not listed among the commands, yet runs", async () => {
    const root = (await runCli(["--help"])).stdout
    expect(root).toContain("  tunnel ")
    expect(root).not.toContain("ssm-proxy")
    const help = await runCli(["ssm-proxy", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("ProxyCommand")
    const r = await runCli(["ssm-proxy", "web-1", "22"])
    expect(r.stderr).toContain("ssm-proxy needs an instance id")
    expect(r.code).toBe(1)
  })
})

describe("the parser's messages, in aegea's voice", () => {
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [["ls", "--columns", "id", "--columns", "state"], "aegea: --columns given twice; give it once with comma-separated names"],
    [["batch", "submit", "--memory", "lots"], 'aegea: --memory: expected a number of MiB such as 4096, got "lots"'],
    [["batch", "submit", "--memory"], "aegea: --memory needs a value: a number of MiB such as 4096"],
    [["--output", "xml", "ls"], 'aegea: --output: expected one of table, json, yaml, csv, tsv, got "xml"'],
    [["grep"], "aegea: missing PATTERN (aegea grep PATTERN GROUP...)"],
    [["batch", "create-queue", "q1"], "aegea: missing --compute-environments (aegea batch create-queue NAME --compute-environments COMPUTE_ENVIRONMENTS)"],
    [["config", "get", "a", "b"], 'aegea: unexpected argument "b" (aegea config get KEY)'],
    // repeatable flags (--ami-tags, --security-groups...) may be left out: the usage names none of them
    [["launch"], "aegea: missing NAME (aegea launch NAME)"],
    [["ssm-proxy", "i-0123", "ssh"], 'aegea: PORT: expected a port number such as 22, got "ssh"'],
    [["ls", "--stat", "running"], "aegea: unknown flag --stat for aegea ls (did you mean --state?). Run 'aegea ls --help' for its flags"],
    [["batch", "sumbit"], "aegea: unknown command \"sumbit\" for aegea batch (did you mean submit?). Run 'aegea batch --help' for the commands"]
  ]
  for (const [args, message] of cases) {
    it(`aegea ${args.join(" ")}`, async () => {
      const r = await runCli(args)
      expect(r.code).toBe(2)
      expect(r.stdout).toBe("")
      expect(r.stderr).toBe(`${message}\n`)
    })
  }
})
