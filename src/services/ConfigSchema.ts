/**
 * The shape of the effective configuration. The top level is a mapping of sections (one per command
 * path, e.g. `batch_submit`) and a few global settings. Known keys have types; unknown sections and
 * keys pass through, so a config written for a newer aegea still loads. Every section, known or not,
 * may set `columns` (a list of strings or a comma-separated string) and `sort_by`.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { type ConfigValue, describeValue, isConfigMap, valueAt } from "../lib/merge.ts"

const Text = Schema.String.annotate({ message: "a string" })
const Count = Schema.Number.annotate({ message: "a number" }).pipe(Schema.check(Schema.isFinite({ message: "a finite number" })))
const Switch = Schema.Boolean.annotate({ message: "true or false" })
const TextOrCount = Schema.Union([Schema.Finite, Schema.String]).annotate({ message: "a number or a string" })
const Texts = Schema.Array(Text).annotate({ message: "a list of strings" })

/** `columns: [id, state]` or `columns: id,state`. */
export const Columns = Schema.Union([Texts, Schema.String]).annotate({
  message: "a list of strings or a comma-separated string"
})

export const outputFormats = ["table", "json", "yaml", "csv", "tsv"] as const
export const OutputFormat = Schema.Literals(outputFormats).annotate({ message: `one of ${outputFormats.join(", ")}` })

const anyKeys = [Schema.Record(Schema.String, Schema.Unknown)] as const

const section = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.StructWithRest(
    Schema.Struct({ columns: Schema.optionalKey(Columns), sort_by: Schema.optionalKey(Text), ...fields }),
    anyKeys
  ).annotate({ message: "a mapping (key: value)" })

/** A section aegea does not know (yet): only `columns` and `sort_by` are checked. */
export const AnySection = section({})

export const knownSections = {
  ls: section({}),
  launch: section({
    instance_type: Schema.optionalKey(Text),
    ami: Schema.optionalKey(Text),
    iam_role: Schema.optionalKey(Text),
    subnet: Schema.optionalKey(Text),
    availability_zone: Schema.optionalKey(Text),
    ssh_key_name: Schema.optionalKey(Text),
    security_groups: Schema.optionalKey(Texts),
    spot: Schema.optionalKey(Switch),
    storage: Schema.optionalKey(Schema.Record(Schema.String, TextOrCount).annotate({ message: "a mapping of mount point: size" }))
  }),
  batch_submit: section({
    image: Schema.optionalKey(Text),
    queue: Schema.optionalKey(Text),
    vcpus: Schema.optionalKey(Count),
    memory: Schema.optionalKey(Count),
    gpus: Schema.optionalKey(Count),
    job_role: Schema.optionalKey(Text),
    retry_attempts: Schema.optionalKey(Count),
    watch: Schema.optionalKey(Switch)
  }),
  ecs_run: section({
    cluster: Schema.optionalKey(Text),
    image: Schema.optionalKey(Text),
    task_name: Schema.optionalKey(Text),
    fargate_cpu: Schema.optionalKey(TextOrCount),
    fargate_memory: Schema.optionalKey(TextOrCount),
    memory: Schema.optionalKey(Count),
    watch: Schema.optionalKey(Switch)
  }),
  ssh: section({
    user: Schema.optionalKey(Text),
    ssm: Schema.optionalKey(Switch),
    server_alive_interval: Schema.optionalKey(Count),
    server_alive_count_max: Schema.optionalKey(Count)
  })
}

export const ConfigSchema = Schema.StructWithRest(
  Schema.Struct({
    output: Schema.optionalKey(OutputFormat),
    region: Schema.optionalKey(Text),
    profile: Schema.optionalKey(Text),
    endpoint_url: Schema.optionalKey(Text),
    ...Object.fromEntries(Object.entries(knownSections).map(([name, schema]) => [name, Schema.optionalKey(schema)])) as {
      readonly [Name in keyof typeof knownSections]: Schema.optionalKey<(typeof knownSections)[Name]>
    }
  }),
  anyKeys
).annotate({ message: "a mapping (key: value)" })

/** The first thing wrong with a config: where (dotted path) and what, e.g. "must be a number, got \"lots\"". */
export interface ConfigIssue {
  readonly path: ReadonlyArray<string>
  readonly message: string
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()
const decode = Schema.decodeUnknownResult(ConfigSchema)
const decodeSection = Schema.decodeUnknownResult(AnySection)

/** Check a merged config; undefined when it is valid. */
export const validateConfig = (value: unknown): ConfigIssue | undefined => {
  const checked = decode(value)
  if (Result.isFailure(checked)) return firstIssue(value, [], checked.failure.issue)
  if (!isConfigMap(value)) return undefined
  for (const [name, sectionValue] of Object.entries(value)) {
    if (Object.hasOwn(knownSections, name) || !isConfigMap(sectionValue)) continue
    const result = decodeSection(sectionValue)
    if (Result.isFailure(result)) return firstIssue(value, [name], result.failure.issue)
  }
  return undefined
}

const firstIssue = (root: unknown, prefix: ReadonlyArray<string>, issue: SchemaIssue.Issue): ConfigIssue => {
  const [first] = formatter(issue).issues
  const path = [...prefix, ...(first?.path ?? []).map((key) => String(typeof key === "object" ? key.key : key))]
  const expected = first?.message ?? "is invalid"
  const actual = valueAt(root as ConfigValue, path)
  return { path, message: `must be ${expected}, got ${showValue(actual)}` }
}

const showValue = (value: unknown): string =>
  typeof value === "string"
    ? JSON.stringify(value)
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : describeValue(value)
