/**
 * Global flags (accepted before or after any subcommand) and the layers built from them. Each
 * command provides only the layers it needs; nothing here runs for `aegea --help`.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Flag from "effect/cli/Flag"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import { AwsClients } from "../layers/AwsClients.ts"
import { Ec2Live } from "../layers/Ec2Live.ts"
import { OutputLive } from "../layers/OutputLive.ts"
import { UsageError } from "../errors.ts"
import { choosePager } from "../lib/pager.ts"
import { compileQuery } from "../lib/query.ts"
import type { SortBy as SortOrder } from "../lib/table.ts"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Output, type OutputFormat, type OutputSettings } from "../services/Output.ts"

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

export const Profile = GlobalFlag.Setting("profile")({
  flag: optionalString("profile", "Use this profile from ~/.aws/config (default: AWS_PROFILE, the config file's profile, then \"default\").")
})
export const Region = GlobalFlag.Setting("region")({
  flag: optionalString("region", "Use this AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the config file's region, then the profile's).")
})
export const EndpointUrl = GlobalFlag.Setting("endpoint-url")({
  flag: optionalString("endpoint-url", "Send AWS requests to this URL, e.g. a local emulator (default: AWS_ENDPOINT_URL, then the config file's endpoint_url).")
})
export const OutputFormatFlag = GlobalFlag.Setting("output")({
  flag: Flag.Literals("output", ["table", "json", "yaml", "csv", "tsv"]).pipe(
    Flag.withAlias("o"),
    Flag.withDescription("Print results as a table (the default), JSON, YAML, CSV or TSV."),
    Flag.optional
  )
})
export const Json = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(Flag.withDescription("Print results as JSON (same as --output json)."), Flag.withDefault(false))
})
export const Columns = GlobalFlag.Setting("columns")({
  flag: Flag.String("columns").pipe(
    Flag.withAlias("c"),
    Flag.withDescription(
      "Show these columns, comma-separated (or space-separated when there is no comma: -c \"id name\"): a key, a header (AZ) or a snake_case name (launch_time); dotted paths such as tags.Owner too."
    ),
    Flag.optional
  )
})
export const SortBy = GlobalFlag.Setting("sort-by")({
  flag: optionalString("sort-by", "Sort rows by this column (any name --columns takes); add :desc (or :reverse) for descending order.")
})
export const NoColor = GlobalFlag.Setting("no-color")({
  flag: Flag.Boolean("no-color").pipe(
    Flag.withDescription("Never colour the output (NO_COLOR does the same; FORCE_COLOR=1 colours it even through a pipe)."),
    Flag.withDefault(false)
  )
})
export const Query = GlobalFlag.Setting("query")({
  flag: optionalString(
    "query",
    "Filter and reshape the output with a JMESPath expression over its JSON form, as the AWS CLI's --query, e.g. \"[?state=='running'].id\"; any --output. (grep's own --query is an Insights query.)"
  )
})
export const NoPager = GlobalFlag.Setting("no-pager")({
  flag: Flag.Boolean("no-pager").pipe(
    Flag.withDescription("Print long output directly, not through the pager (AEGEA_PAGER, PAGER, else less -RFS); config pager: false does the same."),
    Flag.withDefault(false)
  )
})
export const Debug = GlobalFlag.Setting("debug")({
  flag: Flag.Boolean("debug").pipe(
    Flag.withDescription("On error, also print the cause chain and AWS request ids."),
    Flag.withDefault(false)
  )
})

export const globalFlags = [Profile, Region, EndpointUrl, OutputFormatFlag, Json, Columns, SortBy, Query, NoColor, NoPager, Debug] as const

/** The global output flags as the CLI parsed them. */
export interface OutputFlags {
  readonly output?: OutputFormat | undefined
  readonly json: boolean
  readonly columns?: string | undefined
  readonly sortBy?: string | undefined
  readonly noColor: boolean
  /** `--query EXPR` (JMESPath). */
  readonly query?: string | undefined
}

/**
 * `--columns a,b.c` (or `-c "a b.c"`, the Python aegea's spelling: spaces separate only when there is
 * no comma) -> ["a", "b.c"] (blanks dropped, duplicates kept once). The names are resolved against the command's table (keys, headers, snake_case names, aliases) when it is printed.
 */
export const parseColumns = (text: string): Result.Result<ReadonlyArray<string>, UsageError> => {
  // Commas separate names when there is one (a header may hold a space: "private ip"), else spaces do.
  const keys = [...new Set(text.split(text.includes(",") ? "," : /\s+/).map((key) => key.trim()).filter((key) => key !== ""))]
  return keys.length > 0
    ? Result.succeed(keys)
    : Result.fail(new UsageError({ message: "--columns needs at least one column", hint: "Use --columns id,name,state" }))
}

/**
 * `--sort-by KEY`, `KEY:asc` or `KEY:desc` (`KEY:reverse`, the Python aegea's spelling, is `desc`).
 * KEY is any column name the table takes (a key, a header, a snake_case name); it is resolved, and
 * an unknown one reported, when the table is printed.
 */
export const parseSortBy = (text: string): Result.Result<SortOrder, UsageError> => {
  const colon = text.lastIndexOf(":")
  const key = (colon < 0 ? text : text.slice(0, colon)).trim()
  const suffix = colon < 0 ? "asc" : text.slice(colon + 1).trim().toLowerCase()
  const direction = suffix === "reverse" ? "desc" : suffix
  if (key === "" || (direction !== "asc" && direction !== "desc")) {
    return Result.fail(new UsageError({
      message: `invalid --sort-by ${JSON.stringify(text)}`,
      hint: "Use --sort-by COLUMN, COLUMN:asc or COLUMN:desc"
    }))
  }
  return Result.succeed({ key, descending: direction === "desc" })
}

/**
 * Whether to colour stdout, first rule that applies: --no-color (or the config's no_color) never;
 * TERM=dumb never; NO_COLOR (any non-empty value) never; FORCE_COLOR=0 or false never, any other
 * non-empty FORCE_COLOR always (even through a pipe); else only on a terminal. NO_COLOR winning over
 * FORCE_COLOR and TERM=dumb over both is effect/cli's rule for --help, so help and data agree.
 */
export const colorWanted = (
  noColorFlag: boolean,
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean
): boolean => {
  if (noColorFlag || env["TERM"] === "dumb" || (env["NO_COLOR"] ?? "") !== "") return false
  const force = (env["FORCE_COLOR"] ?? "").trim().toLowerCase()
  if (force === "0" || force === "false") return false
  return force !== "" || stdoutIsTTY
}

/**
 * Settings from the flags, the environment and stdout: `--json` means `--output json`; colour as
 * colorWanted says; tables fit the terminal's width on a TTY and are never truncated otherwise; a
 * `--query` expression is compiled here, so a syntax error stops the command before it calls AWS.
 */
export const detectSettings = (
  flags: OutputFlags,
  env: Readonly<Record<string, string | undefined>>,
  stdout: { readonly isTTY?: boolean | undefined; readonly columns?: number | undefined }
): Effect.Effect<OutputSettings, UsageError> =>
  Effect.gen(function*() {
    if (flags.json && flags.output !== undefined && flags.output !== "json") {
      return yield* new UsageError({
        message: `--json conflicts with --output ${flags.output}`,
        hint: "Give only one of them"
      })
    }
    const format: OutputFormat = flags.json ? "json" : (flags.output ?? "table")
    const columns = flags.columns === undefined
      ? Option.none()
      : Option.some(yield* Effect.fromResult(parseColumns(flags.columns)))
    const sortBy = flags.sortBy === undefined
      ? Option.none()
      : Option.some(yield* Effect.fromResult(parseSortBy(flags.sortBy)))
    const tty = stdout.isTTY === true
    const color = colorWanted(flags.noColor, env, tty)
    const width = tty ? (stdout.columns !== undefined && stdout.columns > 0 ? stdout.columns : 80) : undefined
    if (flags.query === undefined) return { format, columns, sortBy, color, width }
    // compileQuery loads the JMESPath library: only with --query, never for other command lines.
    yield* compileQuery(flags.query)
    return { format, columns, sortBy, color, width, query: flags.query }
  })

/**
 * AWS environment: --profile, --region, --endpoint-url, then the process environment (AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ENDPOINT_URL), then the config file's `region`, `profile` and
 * `endpoint_url`, then the profile's settings in ~/.aws/config.
 */
export const AwsLayer = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* AegeaConfig
    const configured = (key: string) => Option.getOrUndefined(Option.filter(config.get(key), (v): v is string => typeof v === "string"))
    return AwsClients.layer({
      region: Option.getOrUndefined(yield* Region),
      profile: Option.getOrUndefined(yield* Profile),
      endpointUrl: Option.getOrUndefined(yield* EndpointUrl),
      configured: { region: configured("region"), profile: configured("profile"), endpointUrl: configured("endpoint_url") }
    })
  })
)

/**
 * The config section of the command being run ("batch_submit"), set by the root command
 * (src/root.ts); undefined outside the CLI (a program calling a handler itself).
 */
export const CommandSection = Context.Reference<string | undefined>("aegea/CommandSection", { defaultValue: () => undefined })

/**
 * The path of the subcommand a parsed root input selects, e.g. ["batch", "submit"]. effect/cli keeps
 * the selected subcommand under a symbol key as `{ name, result }`, one level per command.
 */
export const selectedPath = (input: unknown): ReadonlyArray<string> => {
  const path: Array<string> = []
  let current: unknown = input
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const state = Object.getOwnPropertySymbols(current)
      .map((symbol) => (current as Record<symbol, unknown>)[symbol])
      .find((value): value is { readonly name: string; readonly result: unknown } =>
        typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string" && "result" in value
      )
    if (state === undefined) break
    path.push(state.name)
    current = state.result
  }
  return path
}

/** Output settings from the global flags, then the command's config section, the config's top level and the terminal. */
export const OutputLayer = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* AegeaConfig
    const commandSection = yield* CommandSection
    const section = commandSection === undefined ? {} : config.section(commandSection)
    const text = (value: unknown) => (typeof value === "string" ? value : Array.isArray(value) ? value.map(String).join(",") : undefined)
    const fromConfig = (text(section["output"]) ?? text(Option.getOrUndefined(config.get("output")))) as OutputFormat | undefined
    const json = yield* Json
    // --json wins over the config file's `output`; only --output and --json together conflict.
    const output = Option.getOrUndefined(yield* OutputFormatFlag) ?? (json ? undefined : fromConfig)
    const columns = Option.getOrUndefined(yield* Columns) ?? text(section["columns"])
    const sortBy = Option.getOrUndefined(yield* SortBy) ?? text(section["sort_by"])
    const settings = yield* detectSettings(
      {
        ...(output !== undefined ? { output } : {}),
        json,
        ...(columns !== undefined ? { columns } : {}),
        ...(sortBy !== undefined ? { sortBy } : {}),
        noColor: (yield* NoColor) || Option.getOrUndefined(config.get("no_color")) === true,
        ...Option.match(yield* Query, { onNone: () => ({}), onSome: (query) => ({ query }) })
      },
      process.env,
      process.stdout
    )
    const pager = choosePager(process.env, {
      stdoutIsTTY: process.stdout.isTTY === true,
      enabled: !(yield* NoPager) && Option.getOrUndefined(config.get("pager")) !== false
    })
    return OutputLive(settings, { pager })
  })
)

/**
 * Use the service already in context when there is one (a test, or a program embedding the CLI,
 * provided its own layer), else build `live`. This is what lets command tests run the real parser
 * and handlers against the in-memory layers of `aegea/testing`.
 */
export const preferProvided = <I, S, E, R>(tag: Context.Key<I, S>, live: Layer.Layer<I, E, R>): Layer.Layer<I, E, R> =>
  Layer.unwrap(
    Effect.map(Effect.serviceOption(tag), (provided) =>
      Option.isSome(provided) ? Layer.succeed(tag, provided.value) as Layer.Layer<I, E, R> : live)
  )

// Loaded on first use: the YAML parser and the file reading stay out of `aegea --help`.
const AegeaConfigLazy = Layer.unwrap(
  Effect.promise(() => import("../layers/AegeaConfigLive.ts")).pipe(Effect.map((m) => m.AegeaConfigLive))
)
const ConfigLayer = preferProvided(AegeaConfig, AegeaConfigLazy)

/** Config + Output: what every command needs. */
export const BaseLayer = Layer.mergeAll(preferProvided(Output, OutputLayer), ConfigLayer).pipe(
  Layer.provideMerge(ConfigLayer)
)

/**
 * An AWS service's layer for a command: the one already provided (a test's in-memory layer, or a
 * program's own), else the live layer on the AWS environment of the global flags. This is the one
 * seam through which tests run the real commands against `aegea/testing`.
 */
export const awsService = <I, S>(tag: Context.Key<I, S>, live: Layer.Layer<I, never, AwsClients>) =>
  preferProvided(tag, live.pipe(Layer.provide(AwsLayer)))

export const Ec2Layer = awsService(Ec2, Ec2Live).pipe(Layer.provideMerge(BaseLayer))
