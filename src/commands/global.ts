/**
 * Global flags (accepted before or after any subcommand) and the layers built from them. Each
 * command provides only the layers it needs; nothing here runs for `aegea --help`.
 */
import type * as Context from "effect/Context"
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
import type { SortBy as SortOrder } from "../lib/table.ts"
import { AegeaConfig } from "../services/AegeaConfig.ts"
import { Ec2 } from "../services/Ec2.ts"
import { Output, type OutputFormat, type OutputSettings } from "../services/Output.ts"

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

export const Profile = GlobalFlag.Setting("profile")({
  flag: optionalString("profile", "Use this profile from ~/.aws/config (default: AWS_PROFILE, then \"default\").")
})
export const Region = GlobalFlag.Setting("region")({
  flag: optionalString("region", "Use this AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region).")
})
export const EndpointUrl = GlobalFlag.Setting("endpoint-url")({
  flag: optionalString("endpoint-url", "Send AWS requests to this URL, e.g. a local emulator (default: AWS_ENDPOINT_URL).")
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
  flag: optionalString("columns", "Show these columns, comma-separated; dotted paths such as tags.Owner are allowed.")
})
export const SortBy = GlobalFlag.Setting("sort-by")({
  flag: optionalString("sort-by", "Sort rows by this column; add :desc for descending order.")
})
export const NoColor = GlobalFlag.Setting("no-color")({
  flag: Flag.Boolean("no-color").pipe(Flag.withDescription("Never colour the output (NO_COLOR does the same)."), Flag.withDefault(false))
})
export const Debug = GlobalFlag.Setting("debug")({
  flag: Flag.Boolean("debug").pipe(
    Flag.withDescription("On error, also print the cause chain and AWS request ids."),
    Flag.withDefault(false)
  )
})

export const globalFlags = [Profile, Region, EndpointUrl, OutputFormatFlag, Json, Columns, SortBy, NoColor, Debug] as const

/** The global output flags as the CLI parsed them. */
export interface OutputFlags {
  readonly output?: OutputFormat | undefined
  readonly json: boolean
  readonly columns?: string | undefined
  readonly sortBy?: string | undefined
  readonly noColor: boolean
}

/** `--columns a,b.c` -> ["a", "b.c"] (blanks dropped, duplicates kept once). */
export const parseColumns = (text: string): Result.Result<ReadonlyArray<string>, UsageError> => {
  const keys = [...new Set(text.split(",").map((key) => key.trim()).filter((key) => key !== ""))]
  return keys.length > 0
    ? Result.succeed(keys)
    : Result.fail(new UsageError({ message: "--columns needs at least one column", hint: "Use --columns id,name,state" }))
}

/** `--sort-by KEY`, `KEY:asc` or `KEY:desc`. */
export const parseSortBy = (text: string): Result.Result<SortOrder, UsageError> => {
  const colon = text.lastIndexOf(":")
  const key = (colon < 0 ? text : text.slice(0, colon)).trim()
  const direction = colon < 0 ? "asc" : text.slice(colon + 1).trim().toLowerCase()
  if (key === "" || (direction !== "asc" && direction !== "desc")) {
    return Result.fail(new UsageError({
      message: `invalid --sort-by ${JSON.stringify(text)}`,
      hint: "Use --sort-by COLUMN, COLUMN:asc or COLUMN:desc"
    }))
  }
  return Result.succeed({ key, descending: direction === "desc" })
}

/**
 * Settings from the flags, the environment and stdout: `--json` means `--output json`; colour only on
 * a TTY without NO_COLOR (any non-empty value), TERM=dumb or --no-color; tables fit the terminal's
 * width on a TTY and are never truncated otherwise.
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
    const color = tty && !flags.noColor && (env["NO_COLOR"] ?? "") === "" && env["TERM"] !== "dumb"
    const width = tty ? (stdout.columns !== undefined && stdout.columns > 0 ? stdout.columns : 80) : undefined
    return { format, columns, sortBy, color, width }
  })

/** AWS environment from --profile, --region, --endpoint-url and the process environment. */
export const AwsLayer = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* AegeaConfig
    const region = Option.orElse(yield* Region, () => Option.filter(config.get("region"), (r) => typeof r === "string"))
    return AwsClients.layer({
      region: Option.getOrUndefined(region) as string | undefined,
      profile: Option.getOrUndefined(yield* Profile),
      endpointUrl: Option.getOrUndefined(yield* EndpointUrl)
    })
  })
)

/** Output settings from the global flags, the config's `output` key and the terminal. */
export const OutputLayer = Layer.unwrap(
  Effect.gen(function*() {
    const config = yield* AegeaConfig
    const fromConfig = Option.getOrUndefined(config.get("output")) as OutputFormat | undefined
    const json = yield* Json
    // --json wins over the config file's `output`; only --output and --json together conflict.
    const output = Option.getOrUndefined(yield* OutputFormatFlag) ?? (json ? undefined : fromConfig)
    const settings = yield* detectSettings(
      {
        ...(output !== undefined ? { output } : {}),
        json,
        ...Option.match(yield* Columns, { onNone: () => ({}), onSome: (columns) => ({ columns }) }),
        ...Option.match(yield* SortBy, { onNone: () => ({}), onSome: (sortBy) => ({ sortBy }) }),
        noColor: yield* NoColor
      },
      process.env,
      process.stdout
    )
    return OutputLive(settings)
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
