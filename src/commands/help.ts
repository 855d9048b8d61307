/**
 * `aegea help [COMMAND... | TOPIC]`: with nothing, the root help; with a command path (`aegea help
 * batch submit`), that command's help; with a topic, a page about something that is not one command:
 * the environment variables aegea reads, exit codes, the config files and every key, the time syntax,
 * column names. The lists come from the code they describe (the errors, the config schema, the merge
 * operators), so they cannot drift from it; test/unit/helpTopics.test.ts holds the rest to the source.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Argument from "effect/cli/Argument"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import {
  AmbiguousName,
  AwsAccessDenied,
  AwsCredentialsMissing,
  AwsInvalidRequest,
  AwsNotFound,
  AwsQuotaExceeded,
  AwsThrottled,
  AwsUnavailable,
  ConfigError,
  OperationFailed,
  ResourceNotFound,
  UsageError
} from "../errors.ts"
import { type ConfigKeyType, notConfigurable } from "../lib/commandFlags.ts"
import { helpColors, helpWidth, renderRows, wrapText } from "../lib/helpFormat.ts"
import type { ListOperator } from "../lib/merge.ts"
import { timeExamples } from "../lib/timeExpr.ts"
import { globalKeys, type KeySpec, nearest, perCommandKeys, sectionNames } from "../services/ConfigSchema.ts"
import { commandFlags } from "../services/configKeys.ts"

/** A topic's page: paragraphs and two-column lists, wrapped to the width. */
type Block =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "heading"; readonly text: string }
  | { readonly kind: "rows"; readonly rows: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: "code"; readonly lines: ReadonlyArray<string> }

const text = (t: string): Block => ({ kind: "text", text: t })
const heading = (t: string): Block => ({ kind: "heading", text: t })
const rows = (r: ReadonlyArray<readonly [string, string]>): Block => ({ kind: "rows", rows: r })
const code = (lines: ReadonlyArray<string>): Block => ({ kind: "code", lines })

export interface Topic {
  readonly name: string
  readonly summary: string
  readonly blocks: () => ReadonlyArray<Block>
}

/** Every environment variable aegea reads (test/unit/helpTopics.test.ts checks the source against it). */
export const environmentVariables: ReadonlyArray<readonly [string, string]> = [
  ["AWS_PROFILE", "The AWS profile, when --profile is not given (before the config file's profile)."],
  ["AWS_DEFAULT_PROFILE", "The same, when AWS_PROFILE is not set."],
  ["AWS_REGION", "The AWS region, when --region is not given (before the config file's region and the profile's)."],
  ["AWS_DEFAULT_REGION", "The same, when AWS_REGION is not set."],
  ["AWS_ENDPOINT_URL", "Send AWS requests to this URL, e.g. a local emulator (before the config file's endpoint_url)."],
  ["AWS_ENDPOINT_URL_<SERVICE>", "One service's endpoint (read by the AWS SDK); AWS_ENDPOINT_URL_SSM also serves Session Manager."],
  ["AWS_MAX_ATTEMPTS", "Attempts per AWS call, 1 to 20 (default 5)."],
  ["AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN", "Credentials, read by the AWS SDK's default chain like every AWS tool."],
  ["AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE", "Where ~/.aws/config and ~/.aws/credentials are (profiles, regions, SSO)."],
  ["AEGEA_REQUEST_TIMEOUT", "Seconds each attempt of an AWS request may take, 1 to 3600 (default 60)."],
  ["AEGEA_CONFIG_FILE", "More config files, colon-separated, applied in order after your own (aegea help config)."],
  ["AEGEA_SESSION_PING_INTERVAL", "Seconds between the keep-alive pings of a Session Manager connection (default 30)."],
  ["AEGEA_SESSION_PONG_TIMEOUT", "Seconds without an answer to a ping after which the connection counts as lost and is resumed (default 10)."],
  ["AEGEA_SSH_HANDOFF", "proxy-command: aegea ssh gives OpenSSH its session through a ProxyCommand (aegea ssm-proxy), as for ssh -f and shared connections, instead of through named pipes it relays itself (Linux)."],
  ["AEGEA_SESSION_RESUME_ATTEMPTS", "Attempts to resume a session after its connection is lost, 1 to 100 (default 5)."],
  ["XDG_CONFIG_HOME", "Your config file is $XDG_CONFIG_HOME/aegea/config.yml (default ~/.config/aegea/config.yml)."],
  ["XDG_CACHE_HOME", "aegea's caches (Tab completion's values, each image's default ssh user, its compiled code) are in $XDG_CACHE_HOME/aegea (default ~/.cache/aegea)."],
  ["AEGEA_CACHE_DIR", "Where aegea keeps the code V8 compiled in earlier runs, which makes it start faster (default $XDG_CACHE_HOME/aegea)."],
  ["AEGEA_NO_COMPILE_CACHE", "Any non-empty value: neither read nor write that compile cache."],
  ["HOME", "Home of ~/.config/aegea, ~/.aws and aegea's ssh key ~/.ssh/aegea.ed25519."],
  ["NO_COLOR", "Any non-empty value: no colours (as --no-color)."],
  ["FORCE_COLOR", "Any value but empty, 0 or false: colours even when stdout is not a terminal."],
  ["TERM", "dumb: no colours."],
  ["AEGEA_PAGER", "The pager for tables taller or wider than the terminal (before PAGER; default less -RFS); empty or cat: none."],
  ["PAGER", "The same, when AEGEA_PAGER is not set."],
  ["LESS", "less's options; when unset, aegea starts the pager with LESS=FRX (as git and gh do)."],
  ["PATH", "Where ssh, scp, ssh-add and session-manager-plugin are found."],
  ["SSH_AUTH_SOCK", "Your ssh agent: its keys are offered too when aegea ssh sends a key to an instance."]
]

const awsFields = { action: "", service: "", operation: "", code: "", awsMessage: "" }

/**
 * Exit codes, each with the errors that end with it: the codes come from the error classes
 * themselves (src/errors.ts), so this page follows them.
 */
export const exitCodeRows = (): ReadonlyArray<{ readonly code: string; readonly errors: ReadonlyArray<string>; readonly meaning: string }> => {
  const codeOf = (error: { readonly [Runtime.errorExitCode]: number }) => error[Runtime.errorExitCode]
  const groups: ReadonlyArray<readonly [ReadonlyArray<{ readonly _tag: string; readonly [Runtime.errorExitCode]: number }>, string]> = [
    [
      [new OperationFailed({ message: "" }), new AwsInvalidRequest(awsFields), new AwsQuotaExceeded(awsFields)],
      "The operation failed: AWS rejected it, an account quota was reached, a job failed without its own exit code, or you answered no at a prompt."
    ],
    [[new UsageError({ message: "" })], "Usage: unknown flag or command, bad value, missing argument, a destructive command with no terminal and no --yes."],
    [[new ConfigError({ message: "" })], "Configuration: unreadable or invalid config file, no region, unknown profile, bad endpoint."],
    [[new AwsCredentialsMissing(awsFields), new AwsAccessDenied(awsFields)], "Credentials missing or expired, or access denied."],
    [[new AwsNotFound(awsFields), new ResourceNotFound({ kind: "", name: "" }), new AmbiguousName({ kind: "", name: "", candidates: [] })], "Resource not found, or a name that matches several resources."],
    [
      [new AwsThrottled(awsFields), new AwsUnavailable(awsFields)],
      "AWS unavailable: network down, 5xx, no answer within AEGEA_REQUEST_TIMEOUT, throttling after retries, or an endpoint that answers with something other than AWS."
    ]
  ]
  const out: Array<{ code: string; errors: ReadonlyArray<string>; meaning: string }> = [{ code: "0", errors: [], meaning: "Success." }]
  for (const [errors, meaning] of groups) {
    const codes = [...new Set(errors.map(codeOf))]
    for (const c of codes) out.push({ code: String(c), errors: errors.filter((e) => codeOf(e) === c).map((e) => e._tag), meaning })
  }
  out.sort((a, b) => Number(a.code) - Number(b.code))
  out.push({ code: "65", errors: [], meaning: "filter PATTERN GROUP (the Python aegea's spelling): no event matched, as it was there." })
  out.push({ code: "130", errors: [], meaning: "Interrupted (Ctrl-C), after cleaning up." })
  out.push({ code: "N", errors: [], meaning: "batch submit --watch, ecs run --watch, ssh and run: the remote command's or container's own exit code." })
  return out
}

/** What each merge operator does (a Record over every operator of src/lib/merge.ts). */
const mergeOperators: Readonly<Record<ListOperator, readonly [string, string]>> = {
  $append: ["{$append: x}", "add x at the end of the earlier list"],
  $extend: ["{$extend: [a, b]}", "add a, then b, at the end"],
  $extendleft: ["{$extendleft: [a, b]}", "put a, b in front"],
  $insert: ["{$insert: {0: x}}", "insert x before a position (negative counts from the end)"],
  $remove: ["{$remove: x}", "remove the first item equal to x"]
}

const typeName = (type: KeySpec | ConfigKeyType): string =>
  typeof type !== "string"
    ? type.join("|")
    : ({
      strings: "list of strings",
      boolean: "true or false",
      integer: "whole number",
      columns: "list of column names",
      "cloud-config": "cloud-init mapping, or its YAML/JSON text"
    } as Readonly<Record<string, string>>)[type] ?? type

/** Every config key: the global settings, then each command's flags (`launch.instance_type`). */
export const configKeyRows = (): ReadonlyArray<readonly [string, string]> => [
  ...Object.entries(globalKeys).map(([key, type]) => [key, typeName(type)] as const),
  ...sectionNames().flatMap((section) =>
    Object.entries(commandFlags[section] ?? {})
      .filter(([key]) => !notConfigurable.has(key))
      .map(([key, type]) => [`${section}.${key}`, typeName(type)] as const)
  )
]

/** The time syntax, by example (test/unit/helpTopics.test.ts parses every example). */
export const timeRows: ReadonlyArray<readonly [string, string]> = [
  ["2h, -2h, '2 hours', '2 hours ago'", "two hours ago"],
  ["30s, 90m, '15 minutes', '3 days', 1w, 1.5h", "that long ago: units s, m, h, d, w, spelled out or not"],
  ["+2h, 'in 2 hours'", "two hours from now (only + or in points to the future)"],
  ["now, today, yesterday", "now; midnight UTC today; midnight UTC yesterday"],
  ["2024-05-01, 2024-05-01T12:00, '2024-05-01 12:00:00+02:00'", "an ISO-8601 date or date-time; no zone means UTC"],
  ["1714564800000", "milliseconds since the epoch"]
]

/** How a column is named, by example for `aegea ls` (test/unit/helpTopics.test.ts resolves each one). */
export const columnRows: ReadonlyArray<readonly [string, string]> = [
  ["launchTime", "its key, as in JSON, YAML, CSV and TSV output"],
  ["LAUNCHED, az, 'private ip'", "its header, in any case"],
  ["launch_time", "the snake_case of its key"],
  ["instance_type, public_dns_name", "the Python aegea's name for it"],
  ["tags.Owner, placement.tenancy", "a dotted path into an object: a tag (headed OWNER), or a field (PLACEMENT TENANCY)"]
]

export const topics: ReadonlyArray<Topic> = [
  {
    name: "environment",
    summary: "Every environment variable aegea reads.",
    blocks: () => [
      text("aegea reads these environment variables; a flag on the command line wins over each of them, and each wins over the config file."),
      rows(environmentVariables),
      text("The AWS SDK's other settings (web identity, containers, instance metadata...) work as in every AWS tool.")
    ]
  },
  {
    name: "exit-codes",
    summary: "What aegea's exit codes mean.",
    blocks: () => [
      text("Every failure is one line on stderr saying what went wrong and what to do (--debug adds the cause chain and the AWS request id), and one of these exit codes:"),
      rows(exitCodeRows().map((row) => [row.code, row.meaning + (row.errors.length > 0 ? ` (${row.errors.join(", ")})` : "")] as const))
    ]
  },
  {
    name: "config",
    summary: "Config files, their order, merge operators and every key.",
    blocks: () => [
      heading("FILES"),
      text("YAML or JSON, merged in this order, later winning:"),
      rows([
        ["1", "built-in defaults"],
        ["2", "/etc/aegea/config.yml"],
        ["3", "$XDG_CONFIG_HOME/aegea/config.yml (default ~/.config/aegea/config.yml; aegea config set writes here)"],
        ["4", "each file of the colon-separated AEGEA_CONFIG_FILE, in order"],
        ["5", "flags on the command line"]
      ]),
      text("aegea config show prints every effective value and the file it came from."),
      heading("MERGING"),
      text("Mappings merge key by key; anything else replaces the earlier value. When the earlier value is a list, a mapping with one of these keys edits it instead:"),
      rows(Object.values(mergeOperators)),
      heading("KEYS"),
      text("A config key is a flag: each command has a section named by its path with _ for spaces (aegea batch submit -> batch_submit) holding its flags in snake_case (--instance-type -> instance_type). Every section also takes columns, sort_by and output. The top level holds the global settings. Not settable, on purpose: " + [...notConfigurable].join(", ") + "."),
      code(["ls:", "  columns: [name, id, state, launch_time]", "  sort_by: launch_time:desc", "batch_submit:", "  memory: 4096"]),
      rows(configKeyRows()),
      text(`Per command: ${Object.entries(perCommandKeys).map(([key, type]) => `SECTION.${key} (${typeName(type)})`).join(", ")}.`)
    ]
  },
  {
    name: "time",
    summary: "The syntax of every flag that takes a time.",
    blocks: () => [
      text("Every flag that takes a time (--start-time and --end-time of logs, grep and logs export, batch ls --since, cost --start and --end) reads the same syntax:"),
      rows(timeRows),
      text("A relative end counts back too: --start-time 2h --end-time 1h is the hour before the last one. A start after the end, a start in the future or an unreadable time is a usage error (exit 2). Quote the forms with spaces. Cost dates are whole UTC days; cost forecast takes a future --end such as +30d."),
      text(`For example: ${timeExamples}.`)
    ]
  },
  {
    name: "columns",
    summary: "How --columns and --sort-by name columns.",
    blocks: () => [
      text("--columns a,b,c chooses and orders the columns of a listing; --sort-by NAME sorts its rows (NAME:desc for descending order). The config file's columns and sort_by, in a command's section, take the same names. A column may be named by:"),
      rows(columnRows),
      text("Each listing's --help has a Columns: line naming its columns. Machine formats (--output json, yaml, csv, tsv) use the keys and always contain every requested column. An unknown name is a usage error (exit 2) listing the columns.")
    ]
  }
]

/** A topic's page at a width. */
export const renderTopic = (topic: Topic, width: number, colors: boolean): string => {
  const bold = (t: string) => (colors ? `\u001B[1m${t}\u001B[0m` : t)
  const out: Array<Array<string>> = []
  for (const block of topic.blocks()) {
    switch (block.kind) {
      case "heading":
        out.push([bold(block.text)])
        break
      case "text":
        out.push(wrapText(block.text, width - 2).map((l) => `  ${l}`))
        break
      case "code":
        out.push(block.lines.map((l) => `    ${l}`))
        break
      case "rows":
        out.push(renderRows(block.rows.map(([left, right]) => ({ left, right, paint: (t: string) => t })), width))
        break
    }
  }
  // A heading sits right above its section.
  const blocks = topic.blocks()
  const lines: Array<string> = [bold(topic.name.toUpperCase())]
  out.forEach((block, i) => {
    if (!(i > 0 && blocks[i - 1]!.kind === "heading")) lines.push("")
    lines.push(...block)
  })
  return lines.join("\n")
}

const topicNames = topics.map((t) => t.name)

/** The command paths of the CLI, from the config sections it generates ("batch_submit"). */
const isCommandPath = (path: ReadonlyArray<string>) => sectionNames().includes(path.join("_").replace(/-/g, "_"))

export const helpCommand = Command.make(
  "help",
  {
    words: Argument.String("command-or-topic").pipe(
      Argument.withDescription(`A command (aegea help batch submit) or a topic: ${topicNames.join(", ")}.`),
      Argument.variadic()
    )
  },
  Effect.fn("help")(function*({ words }) {
    const topic = words.length === 1 ? topics.find((t) => t.name === words[0]) : undefined
    if (topic !== undefined) {
      const width = helpWidth(process.stdout)
      const colors = helpColors(process.env, process.stdout.isTTY === true) && !process.argv.includes("--no-color")
      return yield* Console.log(renderTopic(topic, width, colors))
    }
    if (words.length === 0 || isCommandPath(words)) {
      // effect/cli renders the help of a command path when a handler asks for it (src/bin.ts: exit 0).
      return yield* new CliError.ShowHelp({ commandPath: ["aegea", ...words], errors: [] })
    }
    const word = words.join(" ")
    // Topics and command paths, spelled as config sections are ("exit_codes", "batch_submit").
    const known = new Map([...topicNames, ...sectionNames()].map((name) => [name.replace(/-/g, "_"), name] as const))
    const nearestKey = nearest(words.join("_"), [...known.keys()])
    const guess = nearestKey === undefined ? undefined : known.get(nearestKey)!.replace(/_/g, " ")
    return yield* new UsageError({
      message: `no help for ${JSON.stringify(word)}: it is neither a command nor a topic${guess === undefined ? "" : ` (did you mean ${guess.replace(/_/g, " ")}?)`}`,
      hint: `Topics: ${topicNames.join(", ")}; 'aegea help COMMAND' for a command, 'aegea --help' for the commands`
    })
  })
).pipe(
  Command.withDescription(
    `Help on a command (aegea help batch submit, as aegea batch submit --help) or a topic: ${topics.map((t) => t.name).join(", ")}. With nothing, the commands.`
  ),
  Command.withShortDescription(`Help on a command, or a topic: ${topicNames.join(", ")}.`),
  Command.withExamples([
    { command: "aegea help environment", description: "Every environment variable aegea reads" },
    { command: "aegea help batch submit", description: "The flags of batch submit" }
  ])
)
