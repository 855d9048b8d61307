/**
 * The live Secrets Manager layer. Calls whose request or response carries a secret value
 * (GetSecretValue, CreateSecret, PutSecretValue) never let the SDK's error through: it is replaced
 * by a plain error holding only name, code, status, request id and a message with the value scrubbed,
 * so neither the error line nor `--debug` (cause stack, Cause.pretty) can show the value, whatever
 * the server echoes (e.g. `$response`, `$responseBodyText` of an unreadable body).
 */
import { Effect, Layer, Redacted } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import {
  type DeleteOptions,
  type SecretDescription,
  type SecretError,
  Secrets,
  type SecretSummary,
  secretNotFound,
  type VersionSelector
} from "../services/Secrets.ts"

interface SdkFailure {
  readonly name?: string
  readonly Code?: string
  readonly code?: unknown
  readonly message?: string
  readonly $fault?: "client" | "server"
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string }
  readonly $retryable?: { readonly throttling?: boolean }
  readonly cause?: { readonly code?: unknown }
}

/** Replace every occurrence of the secret (when it is long enough to be recognised) by "<redacted>". */
const scrub = (text: string, secret: string | undefined) =>
  secret !== undefined && secret.length >= 4 ? text.split(secret).join("<redacted>") : text

/**
 * An error with what the error mapping needs (name, code, fault, status, request id) and nothing
 * else: no response, no body text, no nested cause.
 */
export const sanitizedError = (e: unknown, secret: string | undefined): Error => {
  const failure = (e ?? {}) as SdkFailure
  const name = failure.name ?? "Error"
  const message = scrub((failure.message ?? String(e)).split("\n")[0] ?? "", secret)
  const code = typeof failure.code === "string" ? failure.code : typeof failure.cause?.code === "string" ? failure.cause.code : undefined
  const clean = new Error(message)
  clean.name = name
  clean.stack = `${name}: ${message}`
  return Object.assign(clean, {
    ...(failure.Code !== undefined ? { Code: failure.Code } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(failure.$fault !== undefined ? { $fault: failure.$fault } : {}),
    ...(failure.$retryable !== undefined ? { $retryable: { throttling: failure.$retryable.throttling === true } } : {}),
    $metadata: {
      ...(failure.$metadata?.httpStatusCode !== undefined ? { httpStatusCode: failure.$metadata.httpStatusCode } : {}),
      ...(failure.$metadata?.requestId !== undefined ? { requestId: failure.$metadata.requestId } : {})
    }
  })
}

/** Run an SDK call whose request or response holds a secret, sanitizing any failure. */
const guarded = <A>(secret: string | undefined, run: () => Promise<A>): Promise<A> =>
  run().catch((e: unknown) => {
    throw sanitizedError(e, secret)
  })

const toDate = (d: Date | undefined) => (d instanceof Date ? d : undefined)
const toTags = (tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined) =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ""]))

interface SdkSecret {
  readonly Name?: string | undefined
  readonly ARN?: string | undefined
  readonly Description?: string | undefined
  readonly LastChangedDate?: Date | undefined
  readonly LastAccessedDate?: Date | undefined
  readonly DeletedDate?: Date | undefined
  readonly Tags?: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined
}

const toSummary = (s: SdkSecret): SecretSummary => ({
  name: s.Name ?? "",
  arn: s.ARN ?? "",
  ...(s.Description ? { description: s.Description } : {}),
  ...(toDate(s.LastChangedDate) ? { lastChanged: s.LastChangedDate! } : {}),
  ...(toDate(s.LastAccessedDate) ? { lastAccessed: s.LastAccessedDate! } : {}),
  ...(toDate(s.DeletedDate) ? { deletionDate: s.DeletedDate! } : {}),
  tags: toTags(s.Tags)
})

export const SecretsLive: Layer.Layer<Secrets, never, AwsClients> = Layer.effect(
  Secrets,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-secrets-manager"))
    const sm = yield* client(() => new sdk.SecretsManagerClient(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "Secrets Manager", operation, action }, run)
    /** AWS's ResourceNotFoundException becomes "no secret named X" with a hint (exit 5). */
    const notFoundAsResource = (name: string, selector?: VersionSelector) =>
    <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A, SecretError> =>
      effect.pipe(
        Effect.catchTag("AwsNotFound", (e): Effect.Effect<never, SecretError> =>
          Effect.fail(e.code === "ResourceNotFoundException" ? secretNotFound(name, env.region, selector) : e))
      )

    const list = () =>
      paginate((token) =>
        send("ListSecrets", "list secrets", (abortSignal) =>
          sm.send(new sdk.ListSecretsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }), { abortSignal })).pipe(
            Effect.map((r) => [(r.SecretList ?? []).map(toSummary), r.NextToken] as const)
          )
      )

    const describe = (name: string) =>
      send("DescribeSecret", `describe secret ${name}`, (abortSignal) =>
        sm.send(new sdk.DescribeSecretCommand({ SecretId: name }), { abortSignal })).pipe(
          Effect.map((r): SecretDescription => ({
            ...toSummary(r),
            versions: Object.entries(r.VersionIdsToStages ?? {}).map(([versionId, stages]) => ({ versionId, stages }))
          })),
          notFoundAsResource(name)
        )

    const getValue = (name: string, selector: VersionSelector = {}) =>
      send("GetSecretValue", `read secret ${name}`, (abortSignal) =>
        guarded(undefined, () =>
          sm.send(
            new sdk.GetSecretValueCommand({
              SecretId: name,
              ...(selector.versionId ? { VersionId: selector.versionId } : {}),
              ...(selector.versionStage ? { VersionStage: selector.versionStage } : {})
            }),
            { abortSignal }
          ))).pipe(
          Effect.map((r) => {
            const binary = r.SecretString === undefined && r.SecretBinary !== undefined
            const value = Redacted.make(binary ? Buffer.from(r.SecretBinary!).toString("base64") : r.SecretString ?? "")
            // Drop the SDK's plain copies as soon as the value is wrapped.
            r.SecretString = undefined
            r.SecretBinary = undefined
            return { name: r.Name ?? name, arn: r.ARN ?? "", versionId: r.VersionId ?? "", stages: r.VersionStages ?? [], value, binary }
          }),
          notFoundAsResource(name, selector)
        )

    const put = (name: string, value: Redacted.Redacted<string>, options: { readonly description?: string | undefined } = {}) =>
      Effect.gen(function*() {
        const secret = Redacted.value(value)
        const created = yield* send("CreateSecret", `create secret ${name}`, (abortSignal) =>
          guarded(secret, async () => {
            try {
              return await sm.send(
                new sdk.CreateSecretCommand({
                  Name: name,
                  SecretString: secret,
                  ...(options.description !== undefined ? { Description: options.description } : {})
                }),
                { abortSignal }
              )
            } catch (e) {
              if ((e as { name?: string }).name === "ResourceExistsException") return undefined
              throw e
            }
          }))
        if (created !== undefined) {
          return { name: created.Name ?? name, arn: created.ARN ?? "", versionId: created.VersionId ?? "", created: true }
        }
        const added = yield* send("PutSecretValue", `store a new value in secret ${name}`, (abortSignal) =>
          guarded(secret, () => sm.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: secret }), { abortSignal })))
        return { name: added.Name ?? name, arn: added.ARN ?? "", versionId: added.VersionId ?? "", created: false }
      })

    // AWS reports success for a forced delete of a secret that does not exist: check first.
    const deleteSecret = (name: string, options: DeleteOptions = {}) =>
      (options.force ? Effect.asVoid(describe(name)) : Effect.void).pipe(Effect.andThen(send("DeleteSecret", `delete secret ${name}`, (abortSignal) =>
        sm.send(
          new sdk.DeleteSecretCommand({
            SecretId: name,
            ...(options.force ? { ForceDeleteWithoutRecovery: true } : {}),
            ...(!options.force && options.recoveryDays !== undefined ? { RecoveryWindowInDays: options.recoveryDays } : {})
          }),
          { abortSignal }
        )).pipe(
          Effect.map((r) => ({ name: r.Name ?? name, arn: r.ARN ?? "", deletionDate: toDate(r.DeletionDate) })),
          notFoundAsResource(name)
        )))

    return Secrets.of({ region: env.region, list, describe, getValue, put, delete: deleteSecret })
  })
)
