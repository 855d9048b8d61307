/**
 * AWS Lambda as aegea sees it: functions (their configuration, never their environment values in
 * listings), code and configuration updates, and event source mappings.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { type AwsError, ResourceNotFound } from "../errors.ts"

/** A Lambda function's configuration: runtime, handler, memory, timeout, code size and last change. */
export const LambdaFunction = Schema.Struct({
  name: Schema.String,
  arn: Schema.String,
  /** e.g. python3.12; absent for container-image functions. */
  runtime: Schema.optional(Schema.String),
  memoryMiB: Schema.optional(Schema.Number),
  timeoutSeconds: Schema.optional(Schema.Number),
  lastModified: Schema.optional(Schema.Date),
  codeSize: Schema.Number,
  handler: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  role: Schema.optional(Schema.String),
  packageType: Schema.optional(Schema.String),
  codeSha256: Schema.optional(Schema.String),
  /** LastUpdateStatus: Successful, InProgress, Failed. */
  updateStatus: Schema.optional(Schema.String),
  /** LastUpdateStatusReason: why an update failed (or what it is doing). */
  updateStatusReason: Schema.optional(Schema.String)
})
/** A Lambda function's configuration: runtime, handler, memory, timeout, code size and last change. */
export type LambdaFunction = typeof LambdaFunction.Type

/** A function's configuration with its environment variables (names and values). */
export interface FunctionConfiguration extends LambdaFunction {
  readonly environment: Readonly<Record<string, string>>
}

/** New code: a zip archive's bytes, or an object in S3. */
export type CodeSource =
  | { readonly _tag: "ZipFile"; readonly bytes: Uint8Array }
  | { readonly _tag: "S3"; readonly bucket: string; readonly key: string }

/** The configuration to change; what is undefined stays. `environment` replaces all variables. */
export interface ConfigUpdate {
  readonly memoryMiB?: number | undefined
  readonly timeoutSeconds?: number | undefined
  readonly environment?: Readonly<Record<string, string>> | undefined
  readonly handler?: string | undefined
  readonly runtime?: string | undefined
}

/** A Lambda event source mapping: the source it reads, its function and state. */
export const EventSourceMapping = Schema.Struct({
  uuid: Schema.String,
  functionArn: Schema.String,
  eventSourceArn: Schema.optional(Schema.String),
  state: Schema.optional(Schema.String),
  batchSize: Schema.optional(Schema.Number),
  lastModified: Schema.optional(Schema.Date),
  lastProcessingResult: Schema.optional(Schema.String)
})
/** A Lambda event source mapping: the source it reads, its function and state. */
export type EventSourceMapping = typeof EventSourceMapping.Type

/** Why a `Lambda` call failed: AWS failed, or the function does not exist. */
export type LambdaError = AwsError | ResourceNotFound

/**
 * Lambda functions: list, read, update code and configuration, event source mappings. Live: `LambdaLive`; in
 * memory: `LambdaMemory`.
 */
export class Lambda extends Context.Service<Lambda, {
  readonly region: string
  /** Every function (unqualified, $LATEST), page by page. */
  readonly list: () => Stream.Stream<LambdaFunction, AwsError>
  /** One function by name or ARN, with its environment. */
  readonly get: (name: string) => Effect.Effect<FunctionConfiguration, LambdaError>
  readonly updateCode: (name: string, code: CodeSource) => Effect.Effect<LambdaFunction, LambdaError>
  readonly updateConfig: (name: string, update: ConfigUpdate) => Effect.Effect<LambdaFunction, LambdaError>
  /** The event source mappings of one function (by name or ARN), or of all functions. */
  readonly eventSourceMappings: (functionName?: string) => Stream.Stream<EventSourceMapping, LambdaError>
}>()("aegea/Lambda") {}

/** The error for a function that does not exist, the same from every layer. */
export const functionNotFound = (name: string, region: string) =>
  new ResourceNotFound({ kind: "Lambda function", name, region, hint: "Run 'aegea lambda ls' to see the functions" })

/** Lambda's LastModified ("2024-01-02T03:04:05.678+0000") as a Date; undefined when unreadable. */
export const parseLambdaTime = (text: string | undefined): Date | undefined => {
  if (text === undefined || text === "") return undefined
  const date = new Date(text.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"))
  return Number.isNaN(date.getTime()) ? undefined : date
}
