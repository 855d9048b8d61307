/** The live Lambda layer: one call per method, each with its policy. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import {
  type CodeSource,
  type ConfigUpdate,
  type EventSourceMapping,
  type FunctionConfiguration,
  functionNotFound,
  Lambda,
  type LambdaError,
  type LambdaFunction,
  parseLambdaTime
} from "../services/Lambda.ts"

interface SdkFunction {
  readonly FunctionName?: string | undefined
  readonly FunctionArn?: string | undefined
  readonly Runtime?: string | undefined
  readonly MemorySize?: number | undefined
  readonly Timeout?: number | undefined
  readonly LastModified?: string | undefined
  readonly CodeSize?: number | undefined
  readonly Handler?: string | undefined
  readonly Description?: string | undefined
  readonly Role?: string | undefined
  readonly PackageType?: string | undefined
  readonly CodeSha256?: string | undefined
  readonly LastUpdateStatus?: string | undefined
  readonly LastUpdateStatusReason?: string | undefined
  readonly Environment?: { readonly Variables?: Record<string, string> | undefined } | undefined
}

/** An SDK function configuration, in aegea's terms. */
export const toLambdaFunction = (f: SdkFunction): LambdaFunction => {
  const lastModified = parseLambdaTime(f.LastModified)
  return {
    name: f.FunctionName ?? "",
    arn: f.FunctionArn ?? "",
    ...(f.Runtime ? { runtime: f.Runtime } : {}),
    ...(f.MemorySize !== undefined ? { memoryMiB: f.MemorySize } : {}),
    ...(f.Timeout !== undefined ? { timeoutSeconds: f.Timeout } : {}),
    ...(lastModified ? { lastModified } : {}),
    codeSize: f.CodeSize ?? 0,
    ...(f.Handler ? { handler: f.Handler } : {}),
    ...(f.Description ? { description: f.Description } : {}),
    ...(f.Role ? { role: f.Role } : {}),
    ...(f.PackageType ? { packageType: f.PackageType } : {}),
    ...(f.CodeSha256 ? { codeSha256: f.CodeSha256 } : {}),
    ...(f.LastUpdateStatus ? { updateStatus: f.LastUpdateStatus } : {}),
    ...(f.LastUpdateStatusReason ? { updateStatusReason: f.LastUpdateStatusReason } : {})
  }
}

/** `Lambda` against Lambda, with the region, credentials and endpoint of `AwsClients`. */
export const LambdaLive: Layer.Layer<Lambda, never, AwsClients> = Layer.effect(
  Lambda,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-lambda"))
    const aws = yield* makeAws("Lambda", (config) => new sdk.LambdaClient(config))
    const region = aws.region
    const notFound = (name: string) => <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A, LambdaError> =>
      effect.pipe(
        Effect.catchTag("AwsNotFound", (e): Effect.Effect<never, LambdaError> =>
          Effect.fail(e.code === "ResourceNotFoundException" ? functionNotFound(name, region) : e))
      )

    const list = () =>
      aws.pages(
        (token) => new sdk.ListFunctionsCommand({ MaxItems: 50, ...(token ? { Marker: token } : {}) }),
        "list Lambda functions",
        (r) => [(r.Functions ?? []).map(toLambdaFunction), r.NextMarker] as const
      )

    const get = (name: string) =>
      aws.call(new sdk.GetFunctionConfigurationCommand({ FunctionName: name }), `describe Lambda function ${name}`, idempotent).pipe(
        Effect.map((r): FunctionConfiguration => ({ ...toLambdaFunction(r), environment: { ...r.Environment?.Variables } })),
        notFound(name)
      )

    const updateCode = (name: string, code: CodeSource) =>
      aws.call(
        new sdk.UpdateFunctionCodeCommand({
          FunctionName: name,
          ...(code._tag === "ZipFile" ? { ZipFile: code.bytes } : { S3Bucket: code.bucket, S3Key: code.key })
        }),
        `update the code of Lambda function ${name}`,
        // The same code twice is the same function.
        idempotent
      ).pipe(Effect.map(toLambdaFunction), notFound(name))

    const updateConfig = (name: string, update: ConfigUpdate) =>
      aws.call(
        new sdk.UpdateFunctionConfigurationCommand({
          FunctionName: name,
          ...(update.memoryMiB !== undefined ? { MemorySize: update.memoryMiB } : {}),
          ...(update.timeoutSeconds !== undefined ? { Timeout: update.timeoutSeconds } : {}),
          ...(update.environment !== undefined ? { Environment: { Variables: { ...update.environment } } } : {}),
          ...(update.handler !== undefined ? { Handler: update.handler } : {}),
          ...(update.runtime !== undefined ? { Runtime: update.runtime as never } : {})
        }),
        `update the configuration of Lambda function ${name}`,
        // Setting the same values twice leaves the same configuration.
        idempotent
      ).pipe(Effect.map(toLambdaFunction), notFound(name))

    const eventSourceMappings = (functionName?: string): Stream.Stream<EventSourceMapping, LambdaError> =>
      aws.pages(
        (token) =>
          new sdk.ListEventSourceMappingsCommand({
            MaxItems: 100,
            ...(functionName !== undefined ? { FunctionName: functionName } : {}),
            ...(token ? { Marker: token } : {})
          }),
        functionName === undefined ? "list event source mappings" : `list the event source mappings of Lambda function ${functionName}`,
        (r) =>
          [
            (r.EventSourceMappings ?? []).map((m): EventSourceMapping => ({
              uuid: m.UUID ?? "",
              functionArn: m.FunctionArn ?? "",
              ...(m.EventSourceArn ? { eventSourceArn: m.EventSourceArn } : {}),
              ...(m.State ? { state: m.State } : {}),
              ...(m.BatchSize !== undefined ? { batchSize: m.BatchSize } : {}),
              ...(m.LastModified instanceof Date ? { lastModified: m.LastModified } : {}),
              ...(m.LastProcessingResult ? { lastProcessingResult: m.LastProcessingResult } : {})
            })),
            r.NextMarker
          ] as const
      ).pipe(Stream.catchTag("AwsNotFound", (e) => Stream.fail(functionName !== undefined && e.code === "ResourceNotFoundException" ? functionNotFound(functionName, region) : e)))

    return Lambda.of({ region, list, get, updateCode, updateConfig, eventSourceMappings })
  })
)
