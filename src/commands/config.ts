/** `aegea config show | get KEY | set KEY VALUE`: read and change the layered configuration. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { ResourceNotFound, UsageError } from "../errors.ts"
import { Output, type TableSpec } from "../services/Output.ts"
import { listingDescription } from "../lib/table.ts"
import { checkKeyPath, checkSetting, type ConfigIssue } from "../services/ConfigSchema.ts"
import { BaseLayer } from "./global.ts"

const keyArgument = Argument.String("key").pipe(
  Argument.withDescription("A dotted config key: the section (the command path with _ for spaces) and the flag, e.g. batch_submit.memory.")
)
const valueArgument = Argument.String("value").pipe(
  Argument.withDescription("The value, read as YAML: 4096 is a number, true a boolean, \"[id, state]\" a list, anything else a string.")
)

/** A dotted key with no empty part that names a setting or a command's flag, or a UsageError (exit 2). */
const checkKey = (key: string) => {
  if (key.split(".").some((part) => part.trim() === "")) {
    return Effect.fail(
      new UsageError({ message: `invalid config key ${JSON.stringify(key)}`, hint: "Write it as section.key, e.g. ls.columns" })
    )
  }
  const issue = checkKeyPath(key.split("."))
  return issue === undefined ? Effect.succeed(key) : Effect.fail(keyError(issue))
}

const keyError = (issue: ConfigIssue) =>
  new UsageError({
    message: `${issue.path.join(".")} ${issue.message}`,
    hint: "A config key is a command's flag in snake_case under the command's section, e.g. launch.instance_type for aegea launch --instance-type"
  })

// The YAML parser is loaded only when a value is set, so that `aegea --help` does not pay for it.
const loadParseValue = Effect.promise(() => import("../lib/configValue.ts")).pipe(Effect.map((m) => m.parseValue))

const configTable: TableSpec = {
  columns: [{ key: "key", kind: "name" }, { key: "value" }, { key: "source" }]
}

const show = Command.make(
  "show",
  {},
  Effect.fn("config.show")(function*() {
    const config = yield* AegeaConfig
    const output = yield* Output
    const rows = config.entries.map((entry) => ({ key: entry.key, value: entry.value, source: entry.source }))
    yield* output.table(rows, configTable, { empty: "no configuration keys" })
  })
).pipe(
  Command.withAlias("ls"), // the Python aegea's `configure ls`
  Command.withDescription(listingDescription("Show the effective configuration: every key, its value and the file it came from.", configTable)),
  Command.withShortDescription("Show the effective configuration: every key, its value and the file it came from."),
  Command.withExamples([
    { command: "aegea config show", description: "All keys with their sources" },
    { command: "aegea config show --json", description: "The same as JSON" }
  ])
)

const get = Command.make(
  "get",
  { key: keyArgument },
  Effect.fn("config.get")(function*({ key }) {
    const config = yield* AegeaConfig
    const output = yield* Output
    const value = config.get(yield* checkKey(key))
    if (Option.isNone(value)) {
      return yield* new ResourceNotFound({
        kind: "config key",
        name: key,
        hint: "Run 'aegea config show' to see the keys that are set"
      })
    }
    const found = value.value
    yield* typeof found === "object" && found !== null ? output.document(found) : output.text(String(found))
  })
).pipe(
  Command.withDescription("Print the effective value of one config key."),
  Command.withExamples([{ command: "aegea config get batch_submit.memory", description: "Default memory of batch jobs" }])
)

const set = Command.make(
  "set",
  { key: keyArgument, value: valueArgument },
  Effect.fn("config.set")(function*(input) {
    const config = yield* AegeaConfig
    const output = yield* Output
    const key = yield* checkKey(input.key)
    const value = (yield* loadParseValue)(input.value)
    const issue = checkSetting(key.split("."), value)
    if (issue !== undefined) return yield* keyError(issue)
    yield* config.set(key, value)
    yield* output.info(`set ${key} to ${JSON.stringify(value)} in ${config.userFile}`)
  })
).pipe(
  Command.withDescription(
    "Set a key in your config file ($XDG_CONFIG_HOME/aegea/config.yml), keeping its comments; refuses invalid values."
  ),
  Command.withExamples([
    { command: "aegea config set batch_submit.memory 4096", description: "Give batch jobs 4 GiB by default" },
    { command: "aegea config set ls.columns \"[name, id, state]\"", description: "Choose the columns of aegea ls" }
  ])
)

const unset = Command.make(
  "unset",
  { key: keyArgument },
  Effect.fn("config.unset")(function*(input) {
    const config = yield* AegeaConfig
    const output = yield* Output
    const key = yield* checkKey(input.key)
    if (yield* config.unset(key)) return yield* output.info(`removed ${key} from ${config.userFile}`)
    const source = config.entries.find((entry) => entry.key === key || entry.key.startsWith(`${key}.`))?.source
    return yield* new ResourceNotFound({
      kind: "config key",
      name: `${key} in ${config.userFile}`,
      hint: source === undefined
        ? "Run 'aegea config show' to see the keys that are set"
        : source === "defaults"
        ? `${key} is a built-in default; set it to another value with 'aegea config set ${key} VALUE'`
        : `${key} is set in ${source}; edit that file`
    })
  })
).pipe(
  Command.withDescription("Remove a key from your config file, keeping its comments: the next layer's value (or the default) applies again."),
  Command.withExamples([{ command: "aegea config unset ls.columns", description: "Back to the default columns of aegea ls" }])
)

/** `aegea config`: needs only `AegeaConfig` and `Output` (a test's, when it provides them). */
export const configCommand = Command.make("config").pipe(
  Command.withAlias("configure"), // the Python aegea's `configure ls/get/set`
  Command.withDescription("Show, read and change aegea's configuration (defaults < /etc < user file < AEGEA_CONFIG_FILE)."),
  Command.withSubcommands([show, get, set, unset]),
  Command.provide(BaseLayer)
)

