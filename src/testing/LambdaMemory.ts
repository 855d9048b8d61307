/**
 * An in-memory Lambda for tests: seeded functions and event source mappings; code updates change
 * the size and SHA-256 (of the zip's bytes, or of "s3://bucket/key"), configuration updates change
 * what they name, and both set LastModified from Effect's Clock. With `update`, an update stays
 * InProgress for `seconds` of Clock time and then ends Successful, or Failed with `failure` as its
 * reason (AWS applies updates in the background; `lambda update-*` waits for the end).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { AwsInvalidRequest } from "../errors.ts"
import {
  type CodeSource,
  type ConfigUpdate,
  type EventSourceMapping,
  type FunctionConfiguration,
  functionNotFound,
  Lambda,
  type LambdaFunction
} from "../services/Lambda.ts"

/** A function that exists from the start in `LambdaMemory`. */
export interface FunctionSeed {
  readonly name: string
  readonly runtime?: string
  readonly memoryMiB?: number
  readonly timeoutSeconds?: number
  readonly handler?: string
  readonly codeSize?: number
  readonly environment?: Readonly<Record<string, string>>
}

/** How updates end: after `seconds` (default 0) InProgress, Successful, or Failed with `failure`. */
export interface UpdateScript {
  readonly seconds?: number
  readonly failure?: string
}

/** An event source mapping that exists from the start in `LambdaMemory`. */
export interface MappingSeed {
  readonly functionName: string
  readonly eventSourceArn: string
  readonly batchSize?: number
}

const accountId = "123456789012"

/** `Lambda` in memory: functions and event source mappings from the seed, updated as AWS does. */
export const LambdaMemory = {
  layer: (
    options: {
      readonly region?: string
      readonly functions?: ReadonlyArray<FunctionSeed>
      readonly mappings?: ReadonlyArray<MappingSeed>
      readonly update?: UpdateScript
    } = {}
  ): Layer.Layer<Lambda> =>
    Layer.effect(
      Lambda,
      Effect.gen(function*() {
        const region = options.region ?? "us-east-1"
        const arnOf = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`
        const now = yield* Clock.currentTimeMillis
        const store = yield* Ref.make(
          new Map<string, FunctionConfiguration>(
            (options.functions ?? []).map((f) => [f.name, {
              name: f.name,
              arn: arnOf(f.name),
              runtime: f.runtime ?? "python3.12",
              memoryMiB: f.memoryMiB ?? 128,
              timeoutSeconds: f.timeoutSeconds ?? 3,
              lastModified: new Date(now),
              codeSize: f.codeSize ?? 0,
              handler: f.handler ?? "index.handler",
              role: `arn:aws:iam::${accountId}:role/lambda`,
              packageType: "Zip",
              updateStatus: "Successful",
              environment: f.environment ?? {}
            }])
          )
        )
        const mappings: ReadonlyArray<EventSourceMapping> = (options.mappings ?? []).map((m, i) => ({
          uuid: `00000000-0000-0000-0000-${String(i + 1).padStart(12, "0")}`,
          functionArn: arnOf(m.functionName),
          eventSourceArn: m.eventSourceArn,
          state: "Enabled",
          batchSize: m.batchSize ?? 10,
          lastModified: new Date(now),
          lastProcessingResult: "No records processed"
        }))

        /** When each function's last update ends (Clock millis), for `update.seconds`. */
        const updateEnds = new Map<string, number>()
        const failure = options.update?.failure
        /** The function as AWS would describe it now: its update InProgress until it ends. */
        const current = (f: FunctionConfiguration | undefined, time: number): FunctionConfiguration | undefined => {
          if (f === undefined) return undefined
          const ends = updateEnds.get(f.name)
          if (ends === undefined) return f
          if (time < ends) return { ...f, updateStatus: "InProgress" }
          return failure === undefined ? f : { ...f, updateStatus: "Failed", updateStatusReason: failure }
        }
        /** By name or ARN (a qualifier is ignored). */
        const find = (name: string) =>
          Effect.gen(function*() {
            const m = yield* Ref.get(store)
            const key = name.startsWith("arn:") ? name.split(":")[6] ?? name : name
            return current(m.get(key), yield* Clock.currentTimeMillis)
          })
        const summary = ({ environment: _, ...f }: FunctionConfiguration): LambdaFunction => f

        const list = () =>
          Stream.unwrap(Ref.get(store).pipe(Effect.map((m) =>
            Stream.fromIterable([...m.values()].sort((a, b) => a.name.localeCompare(b.name)).map(summary))
          )))

        const get = (name: string) =>
          Effect.flatMap(find(name), (f) => (f === undefined ? Effect.fail(functionNotFound(name, region)) : Effect.succeed(f)))

        const change = (name: string, f: (current: FunctionConfiguration) => FunctionConfiguration) =>
          Effect.gen(function*() {
            const existing = yield* get(name)
            const time = yield* Clock.currentTimeMillis
            const next = { ...f(existing), lastModified: new Date(time), updateStatus: "Successful" }
            yield* Ref.update(store, (m) => new Map(m).set(next.name, next))
            if (options.update !== undefined) updateEnds.set(next.name, time + (options.update.seconds ?? 0) * 1000)
            return summary(current(next, time)!)
          })

        const updateCode = (name: string, code: CodeSource) => {
          const bytes = code._tag === "ZipFile" ? code.bytes : new TextEncoder().encode(`s3://${code.bucket}/${code.key}`)
          return change(name, (f) => ({
            ...f,
            codeSize: bytes.byteLength,
            codeSha256: createHash("sha256").update(bytes).digest("base64")
          }))
        }

        const updateConfig = (name: string, update: ConfigUpdate) =>
          Effect.gen(function*() {
            if (update.memoryMiB !== undefined && (update.memoryMiB < 128 || update.memoryMiB > 10240)) {
              return yield* new AwsInvalidRequest({
                action: `update the configuration of Lambda function ${name}`,
                service: "Lambda",
                operation: "UpdateFunctionConfiguration",
                code: "ValidationException",
                awsMessage: "1 validation error detected: Value at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240",
                region
              })
            }
            return yield* change(name, (f) => ({
              ...f,
              ...(update.memoryMiB !== undefined ? { memoryMiB: update.memoryMiB } : {}),
              ...(update.timeoutSeconds !== undefined ? { timeoutSeconds: update.timeoutSeconds } : {}),
              ...(update.handler !== undefined ? { handler: update.handler } : {}),
              ...(update.runtime !== undefined ? { runtime: update.runtime } : {}),
              ...(update.environment !== undefined ? { environment: { ...update.environment } } : {})
            }))
          })

        const eventSourceMappings = (functionName?: string) =>
          Stream.unwrap(Effect.gen(function*() {
            if (functionName === undefined) return Stream.fromIterable(mappings)
            const f = yield* find(functionName)
            return Stream.fromIterable(f === undefined ? [] : mappings.filter((m) => m.functionArn === f.arn))
          }))

        return Lambda.of({ region, list, get, updateCode, updateConfig, eventSourceMappings })
      })
    )
}
