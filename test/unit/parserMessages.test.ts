// effect/cli's parse errors in aegea's voice (src/report.ts): one line each, every CliError kind.
import * as Cause from "effect/Cause"
import * as Argument from "effect/cli/Argument"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import type { HelpDoc } from "effect/cli/HelpDoc"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { type CommandTree, describeFailure, optionalFlagsOf, parserMessage } from "../../src/report.ts"

const grepDoc: HelpDoc = {
  description: "",
  usage: "aegea grep [flags] <pattern-and-groups...>",
  flags: [{ name: "limit", aliases: [], type: "integer", description: Option.none(), required: false }],
  annotations: undefined as never,
  args: [{ name: "pattern-and-groups", type: "string", description: Option.none(), required: true, variadic: true }]
}
const queueDoc: HelpDoc = {
  description: "",
  usage: "",
  flags: [{ name: "compute-environments", aliases: [], type: "string", description: Option.none(), required: true }],
  annotations: undefined as never,
  args: [{ name: "name", type: "string", description: Option.none(), required: true, variadic: false }]
}

const report = (error: CliError.CliError, path: ReadonlyArray<string>, helpDoc?: HelpDoc) =>
  describeFailure(Cause.fail(new CliError.ShowHelp({ commandPath: [...path], errors: [error as never] })), {
    debug: false,
    isHelp: CliError.isCliError,
    ...(helpDoc !== undefined ? { helpDoc } : {})
  })

describe("parser messages", () => {
  it("a flag given twice", () => {
    const error = new CliError.InvalidValue({ option: "columns", value: "2 occurrences", expected: "at most 1 value", kind: "flag" })
    expect(report(error, ["aegea", "ls"])).toEqual({ message: "aegea: --columns given twice; give it once with comma-separated names", code: 2 })
    const json = new CliError.InvalidValue({ option: "json", value: "3 occurrences", expected: "at most 1 value", kind: "flag" })
    expect(parserMessage(json, ["aegea", "ls"]).message).toBe("--json given 3 times; give it once")
  })

  it("a value of the wrong kind, with the flag's own phrase where it has one", () => {
    const memory = new CliError.InvalidValue({ option: "memory", value: "lots", expected: "Expected a string representing a finite number", kind: "flag" })
    expect(report(memory, ["aegea", "batch", "submit"]).message).toBe('aegea: --memory: expected a number of MiB such as 4096, got "lots"')
    const limit = new CliError.InvalidValue({ option: "unknown-flag", value: "1.5", expected: "Expected an integer", kind: "flag" })
    expect(parserMessage(limit, []).message).toBe('--unknown-flag: expected a whole number, got "1.5"')
    const choice = new CliError.InvalidValue({ option: "output", value: "xml", expected: '"table" | "json" | "yaml"', kind: "flag" })
    expect(parserMessage(choice, []).message).toBe('--output: expected one of table, json, yaml, got "xml"')
    const argument = new CliError.InvalidValue({ option: "port", value: "abc", expected: "Expected a string representing a finite number", kind: "argument" })
    expect(parserMessage(argument, []).message).toBe('PORT: expected a port number such as 22, got "abc"')
    const missingValue = new CliError.InvalidValue({ option: "memory", value: "", expected: "integer", kind: "flag" })
    expect(parserMessage(missingValue, []).message).toBe("--memory needs a value: a number of MiB such as 4096")
  })

  it("a missing argument or flag, with the command's usage", () => {
    expect(report(new CliError.MissingArgument({ argument: "pattern-and-groups" }), ["aegea", "grep"], grepDoc)).toEqual({
      message: "aegea: missing PATTERN (aegea grep PATTERN GROUP...)",
      code: 2
    })
    expect(report(new CliError.MissingOption({ option: "compute-environments" }), ["aegea", "batch", "create-queue"], queueDoc).message).toBe(
      "aegea: missing --compute-environments (aegea batch create-queue NAME --compute-environments COMPUTE_ENVIRONMENTS)"
    )
    // without the help document: where to look instead
    expect(report(new CliError.MissingArgument({ argument: "name" }), ["aegea", "run"]).message).toBe(
      "aegea: missing NAME. Run 'aegea run --help' for usage"
    )
  })

  it("the usage line leaves out repeatable flags with no minimum, which effect/cli's help marks required", () => {
    // As `aegea launch`: a repeatable flag that may be left out, one that must be given once or more, an optional one.
    const launch = Command.make("launch", {
      name: Argument.String("name"),
      amiTags: Flag.String("ami-tags").pipe(Flag.atLeast(0)),
      environments: Flag.String("compute-environments").pipe(Flag.atLeast(1)),
      zone: Flag.String("zone").pipe(Flag.optional)
    })
    const root = Command.make("aegea").pipe(Command.withSubcommands([launch])) as unknown as CommandTree
    const flag = (name: string) => ({ name, aliases: [], type: "string", description: Option.none(), required: true })
    const doc: HelpDoc = {
      description: "",
      usage: "",
      // what effect/cli's help document says: every flag but the optional one required
      flags: [flag("ami-tags"), flag("compute-environments"), { ...flag("zone"), required: false }],
      annotations: undefined as never,
      args: [{ name: "name", type: "string", description: Option.none(), required: true, variadic: false }]
    }
    expect([...optionalFlagsOf(root.subcommands[0]!.commands[0]!)].sort()).toEqual(["ami-tags", "zone"])
    const missing = new CliError.MissingArgument({ argument: "name" })
    expect(parserMessage(missing, ["aegea", "launch"], doc, root).message).toBe(
      "missing NAME (aegea launch NAME --compute-environments COMPUTE_ENVIRONMENTS)"
    )
    // without the command tree, the help document alone decides (as before)
    expect(parserMessage(missing, ["aegea", "launch"], doc).message).toContain("--ami-tags AMI_TAGS")
  })

  it("unexpected arguments, unknown flags and commands", () => {
    expect(parserMessage(new CliError.UnexpectedArgument({ arguments: ["b", "c"] }), ["aegea", "grep"], grepDoc).message).toBe(
      'unexpected arguments "b", "c" (aegea grep PATTERN GROUP...)'
    )
    expect(parserMessage(new CliError.UnrecognizedOption({ option: "--stat", suggestions: ["--state"] }), ["aegea", "ls"]).message).toBe(
      "unknown flag --stat for aegea ls (did you mean --state?). Run 'aegea ls --help' for its flags"
    )
    expect(parserMessage(new CliError.UnknownSubcommand({ subcommand: "sumbit", suggestions: ["submit"] }), ["aegea", "batch"]).message).toBe(
      "unknown command \"sumbit\" for aegea batch (did you mean submit?). Run 'aegea batch --help' for the commands"
    )
  })

  it("the rest: validation and user errors as one line; a flag defined twice is aegea's bug", () => {
    expect(parserMessage(new CliError.ValidationError({ message: "bad input\nmore" }), []).message).toBe("bad input")
    expect(parserMessage(new CliError.UserError({ cause: "went wrong" }), [])).toEqual({ message: "went wrong", code: 2 })
    const duplicate = parserMessage(new CliError.DuplicateOption({ option: "--region", parentCommand: "aegea", childCommand: "ls" }), [])
    expect(duplicate).toEqual({ message: "internal error: the flag --region belongs to both aegea and ls. Report it", code: 1 })
  })

  it("every message is one line", () => {
    const errors: ReadonlyArray<CliError.CliError> = [
      new CliError.UnrecognizedOption({ option: "--x", suggestions: ["--y", "--z"] }),
      new CliError.UnknownSubcommand({ subcommand: "x", suggestions: ["y"] }),
      new CliError.MissingArgument({ argument: "x" }),
      new CliError.MissingOption({ option: "x" }),
      new CliError.UnexpectedArgument({ arguments: ["x"] }),
      new CliError.InvalidValue({ option: "x", value: "y", expected: "Expected: a\nb", kind: "flag" }),
      new CliError.ValidationError({ message: "a\nb" }),
      new CliError.UserError({ cause: new Error("a\nb") })
    ]
    for (const error of errors) expect(report(error, ["aegea"]).message).not.toContain("\n")
  })

  it("help asked for is no error", () => {
    expect(describeFailure(Cause.fail(new CliError.ShowHelp({ commandPath: ["aegea"], errors: [] })), { debug: false, isHelp: CliError.isCliError })).toEqual({
      message: undefined,
      code: 0
    })
  })
})
