/** How a failed run is reported: one line and an exit code (the README's table). Used by bin.ts only. */
import * as Cause from "effect/Cause"
import type * as CliError from "effect/cli/CliError"
import type { HelpDoc } from "effect/cli/HelpDoc"
import * as Option from "effect/Option"
import { cliSummary } from "./commands/remedies.ts"
import { exitCodeOf, isAegeaError } from "./errors.ts"
import { redactSecrets } from "./lib/redact.ts"

export interface Report {
  readonly message: string | undefined
  readonly code: number
}

/**
 * effect/cli's parse errors, in aegea's voice: one line saying what is wrong with the command line and
 * what it should look like. `doc` is the help document of the command the error is about, for its
 * usage (the arguments it takes).
 */
export const parserMessage = (
  error: CliError.CliError,
  commandPath: ReadonlyArray<string>,
  doc?: HelpDoc,
  command?: CommandTree
): { readonly message: string; readonly code: number } => {
  const path = (commandPath.length > 0 ? commandPath : ["aegea"]).join(" ")
  const help = `Run '${path} --help' for usage`
  const node = command === undefined ? undefined : commandAt(command, commandPath)
  const usage = doc === undefined ? undefined : usageLine(path, doc, node === undefined ? undefined : optionalFlagsOf(node))
  const withUsage = (text: string) => (usage === undefined ? `${text}. ${help}` : `${text} (${usage})`)
  const guess = (suggestions: ReadonlyArray<string>) => (suggestions.length > 0 ? ` (did you mean ${suggestions.join(" or ")}?)` : "")
  switch (error._tag) {
    case "UnrecognizedOption":
      return { message: `unknown flag ${error.option} for ${path}${guess(error.suggestions)}. Run '${path} --help' for its flags`, code: 2 }
    case "UnknownSubcommand":
      return { message: `unknown command ${JSON.stringify(error.subcommand)} for ${path}${guess(error.suggestions)}. Run '${path} --help' for the commands`, code: 2 }
    case "MissingArgument":
      return { message: withUsage(`missing ${argumentNames[error.argument]?.missing ?? upper(error.argument)}`), code: 2 }
    case "MissingOption":
      return { message: withUsage(`missing --${error.option}`), code: 2 }
    case "UnexpectedArgument": {
      const what = error.arguments.length === 1 ? "argument" : "arguments"
      return { message: withUsage(`unexpected ${what} ${error.arguments.map((a) => JSON.stringify(a)).join(", ")}`), code: 2 }
    }
    case "InvalidValue":
      return { message: invalidValue(error), code: 2 }
    case "DuplicateOption":
      return {
        message: `internal error: the flag ${error.option} belongs to both ${error.parentCommand} and ${error.childCommand}. Report it`,
        code: 1
      }
    case "ValidationError":
    case "UserError":
      return { message: firstLine(error.message), code: 2 }
    case "ShowHelp":
      return { message: help, code: 2 }
  }
}

/** Arguments whose usage is more than their name. */
const argumentNames: Readonly<Record<string, { readonly usage: string; readonly missing: string }>> = {
  "pattern-and-groups": { usage: "PATTERN GROUP...", missing: "PATTERN" },
  "user@name": { usage: "[USER@]NAME", missing: "NAME" }
}

const upper = (name: string) => name.replace(/-/g, "_").toUpperCase()

/**
 * The part of effect/cli's command tree the usage line reads: each command's name, subcommands and
 * flag parameters (the structure the public `Param` module describes: Single, Map, Transform,
 * Optional, Variadic).
 */
export interface CommandTree {
  readonly name: string
  readonly config?: { readonly flags?: ReadonlyArray<ParamTree> }
  readonly subcommands: ReadonlyArray<{ readonly commands: ReadonlyArray<CommandTree> }>
}

interface ParamTree {
  readonly _tag: string
  readonly name?: string
  readonly param?: ParamTree
  readonly min?: Option.Option<number>
  readonly primitiveType?: { readonly _tag: string }
}

/** The command `path` names ("aegea batch submit"), from the root; its first word is the root's. */
const commandAt = (root: CommandTree, path: ReadonlyArray<string>): CommandTree | undefined => {
  let node: CommandTree | undefined = root
  for (const name of path.slice(1)) {
    node = node?.subcommands.flatMap((group) => group.commands).find((sub) => sub.name === name)
  }
  return node
}

/** A flag parameter's name and whether the command line must give it: not optional, not a boolean, and if repeatable, at least once. */
const flagRequirement = (param: ParamTree): { readonly name: string; readonly required: boolean } | undefined => {
  switch (param._tag) {
    case "Single":
      return { name: param.name ?? "", required: param.primitiveType?._tag !== "Boolean" }
    case "Optional": {
      const inner = param.param === undefined ? undefined : flagRequirement(param.param)
      return inner === undefined ? undefined : { name: inner.name, required: false }
    }
    case "Variadic": {
      const inner = param.param === undefined ? undefined : flagRequirement(param.param)
      const min = param.min === undefined ? 0 : Option.getOrElse(param.min, () => 0)
      return inner === undefined ? undefined : { name: inner.name, required: inner.required && min > 0 }
    }
    default:
      return param.param === undefined ? undefined : flagRequirement(param.param)
  }
}

/**
 * The flags of a command the command line need not give. effect/cli's help document marks a
 * repeatable flag with no minimum (`Flag.atLeast(0)`) as required; its parameter says otherwise.
 */
export const optionalFlagsOf = (command: CommandTree): ReadonlySet<string> =>
  new Set(
    (command.config?.flags ?? []).flatMap((param) => {
      const found = flagRequirement(param)
      return found === undefined || found.required ? [] : [found.name]
    })
  )

/** "aegea grep PATTERN GROUP...", "aegea batch create-queue NAME --compute-environments COMPUTE_ENVIRONMENTS". */
const usageLine = (path: string, doc: HelpDoc, optionalFlags?: ReadonlySet<string>): string => {
  const args = (doc.args ?? []).map((arg) => {
    const known = argumentNames[arg.name]?.usage
    const text = known ?? `${upper(arg.name)}${arg.variadic ? "..." : ""}`
    return arg.required || known !== undefined ? text : `[${text}]`
  })
  const flags = doc.flags.filter((flag) => flag.required && optionalFlags?.has(flag.name) !== true).map((flag) => `--${flag.name}${flag.type === "boolean" ? "" : ` ${upper(flag.name)}`}`)
  return [path, ...args, ...flags].join(" ")
}

/** What a flag's value should look like, where its type alone ("a whole number") says too little. */
export const valuePhrases: Readonly<Record<string, string>> = {
  memory: "a number of MiB such as 4096",
  vcpus: "a number of vCPUs such as 0.5 or 2",
  gpus: "a number of GPUs such as 1",
  timeout: "a number of seconds such as 3600",
  days: "a number of days such as 30",
  head: "a number of lines such as 20",
  tail: "a number of lines such as 20",
  limit: "a number of events such as 100",
  context: "a number of events such as 3",
  "before-context": "a number of events such as 3",
  "after-context": "a number of events such as 3",
  top: "a number of groups such as 10",
  port: "a port number such as 22",
  "array-size": "a number of child jobs such as 10",
  "retry-attempts": "a number of attempts such as 3",
  "max-vcpus": "a number of vCPUs such as 64",
  "min-vcpus": "a number of vCPUs such as 0",
  "desired-vcpus": "a number of vCPUs such as 0",
  priority: "a whole number such as 5",
  "recovery-days": "a number of days such as 30",
  "server-alive-interval": "a number of seconds such as 30",
  "server-alive-count-max": "a whole number such as 3",
  columns: "column names, comma-separated, such as id,state,tags.Owner",
  "sort-by": "a column name such as launch_time, or launch_time:desc",
  "start-time": "a time such as 2h, yesterday or 2024-05-01 (aegea help time)",
  "end-time": "a time such as 1h, now or 2024-05-01T12:00 (aegea help time)",
  since: "a time such as 2h, yesterday or 2024-05-01 (aegea help time)",
  start: "a date such as 30d, yesterday or 2024-05-01 (aegea help time)",
  end: "a date such as today, +30d or 2024-06-01 (aegea help time)"
}

/** What to do instead of giving a flag twice, where more than "give it once" helps. */
const onceHints: Readonly<Record<string, string>> = {
  columns: "give it once with comma-separated names",
  state: "give it once with comma-separated states"
}

const choices = (expected: string): ReadonlyArray<string> | undefined => {
  const quoted = expected.replace(/^Expected:?\s*/, "")
  if (!/^"[^"]*"(\s*\|\s*"[^"]*")+$/.test(quoted)) return undefined
  return [...quoted.matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
}

/** A phrase for the value effect/cli expected, from its own words ("Expected an integer"). */
const expectedPhrase = (name: string, expected: string): string | undefined => {
  const known = valuePhrases[name]
  if (known !== undefined) return known
  const options = choices(expected)
  if (options !== undefined) return `one of ${options.join(", ")}`
  if (/integer/i.test(expected)) return "a whole number"
  if (/number/i.test(expected)) return "a number"
  return undefined
}

const times = (n: number) => (n === 2 ? "twice" : `${n} times`)

const invalidValue = (error: CliError.InvalidValue): string => {
  const label = error.kind === "flag" ? `--${error.option}` : (argumentNames[error.option]?.missing ?? upper(error.option))
  const occurrences = /^(\d+) occurrences$/.exec(error.value)
  if (error.kind === "flag" && occurrences !== null && /at most 1/.test(error.expected)) {
    return `${label} given ${times(Number(occurrences[1]))}; ${onceHints[error.option] ?? "give it once"}`
  }
  const phrase = expectedPhrase(error.option, error.expected)
  if (error.value === "") return phrase === undefined ? `${label} needs a value` : `${label} needs a value: ${phrase}`
  const wanted = phrase ?? firstLine(error.expected.replace(/^Expected:?\s*/, "")).replace(/\.$/, "")
  return `${label}: expected ${wanted}, got ${JSON.stringify(error.value)}`
}

const firstLine = (s: string) => (s.split("\n").find((l) => l.trim() !== "") ?? s).trim()

interface AwsCallLike {
  readonly requestId?: string
  readonly code?: string
  readonly operation?: string
  readonly service?: string
  readonly endpoint?: string
  readonly cause?: unknown
}

/** The --debug details: credentials and secret values redacted (an endpoint may echo the request). */
const debugDetails = (error: unknown, cause: Cause.Cause<unknown>) => redactSecrets(rawDebugDetails(error, cause))

const rawDebugDetails = (error: unknown, cause: Cause.Cause<unknown>) => {
  const lines: Array<string> = []
  const e = error as AwsCallLike
  // An error that wraps an AWS failure (launched, but a wait failed) shows that failure's call.
  const inner = e.cause as AwsCallLike | undefined
  const call = e.service === undefined && typeof inner === "object" && inner !== null && inner.service !== undefined ? inner : e
  if (call.service && call.operation) {
    lines.push(`  AWS call: ${call.service} ${call.operation}${call.code ? ` -> ${call.code}` : ""}${call.endpoint ? ` from ${call.endpoint}` : ""}`)
  }
  if (call.requestId) lines.push(`  request id: ${call.requestId}`)
  if (e.cause instanceof Error) lines.push(`  caused by: ${e.cause.stack ?? e.cause.message}`)
  lines.push(Cause.pretty(cause))
  return lines.join("\n")
}

export const describeFailure = (
  cause: Cause.Cause<unknown>,
  options: {
    readonly debug: boolean
    readonly isHelp: (u: unknown) => boolean
    /** The help document of the command a parse error is about (effect/cli hands it to the presenter). */
    readonly helpDoc?: HelpDoc
    /** The command tree that was run, for which of that command's flags are required. */
    readonly command?: CommandTree
  }
): Report => {
  if (Cause.hasInterruptsOnly(cause)) return { message: "aegea: interrupted", code: 130 }
  const error = Cause.squash(cause)
  if (options.isHelp(error)) {
    const cli = error as CliError.CliError
    const first = cli._tag === "ShowHelp" ? cli.errors[0] : cli
    if (first === undefined) return { message: undefined, code: 0 }
    const path = cli._tag === "ShowHelp" ? cli.commandPath : []
    const parsed = parserMessage(first, path, options.helpDoc, options.command)
    return { message: `aegea: ${parsed.message}`, code: parsed.code }
  }
  if (isAegeaError(error)) {
    const line = redactSecrets(`aegea: ${cliSummary(error)}`)
    return { message: options.debug ? `${line}\n${debugDetails(error, cause)}` : line, code: exitCodeOf(error) }
  }
  const text = error instanceof Error ? error.message : String(error)
  const line = redactSecrets(`aegea: internal error: ${firstLine(text)}. Run again with --debug and report it`)
  return { message: options.debug ? `${line}\n${debugDetails(error, cause)}` : line, code: 1 }
}
