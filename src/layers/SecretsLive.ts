/**
 * The live Secrets Manager layer. Calls whose request or response carries a secret value
 * (GetSecretValue, CreateSecret, PutSecretValue) never let the SDK's error through: it is replaced
 * by a plain error holding only name, code, status, request id and a message with the value scrubbed,
 * so neither the error line nor `--debug` (cause stack, Cause.pretty) can show the value, whatever
 * the server echoes (e.g. `$response`, `$responseBodyText` of an unreadable body).
 */
import type { MetadataBearer, MiddlewareStack } from "@smithy/types"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate, tokenized } from "./aws.ts"
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

/**
 * `command`, made to fail only with a sanitized error: its request or response holds `secret` (or
 * a value we do not know, for GetSecretValue). The middleware wraps the whole stack of the command,
 * so nothing the SDK attaches to its error reaches aws.ts, the error line or `--debug`.
 */
const guarded = <C extends { readonly middlewareStack: object }>(secret: string | undefined, command: C): C => {
  // Each command has a stack of its own (merged into the client's at send): only this call is guarded.
  const stack = command.middlewareStack as Pick<MiddlewareStack<object, MetadataBearer>, "add">
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args)
      } catch (e) {
        throw sanitizedError(e, secret)
      }
    },
    { step: "initialize", priority: "high", name: "aegeaSanitizeSecretErrors" }
  )
  return command
}

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

/** `Secrets` against Secrets Manager, with the region, credentials and endpoint of `AwsClients`. */
export const SecretsLive: Layer.Layer<Secrets, never, AwsClients> = Layer.effect(
  Secrets,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-secrets-manager"))
    const aws = yield* makeAws("Secrets Manager", (config) => new sdk.SecretsManagerClient(config))
    const env = aws.env
    /** AWS's ResourceNotFoundException becomes "no secret named X" with a hint (exit 5). */
    const notFoundAsResource = (name: string, selector?: VersionSelector) =>
    <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A, SecretError> =>
      effect.pipe(
        Effect.catchTag("AwsNotFound", (e): Effect.Effect<never, SecretError> =>
          Effect.fail(e.code === "ResourceNotFoundException" ? secretNotFound(name, env.region, selector) : e))
      )

    const list = () =>
      paginate((token) =>
        aws.call(new sdk.ListSecretsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }), "list secrets", idempotent).pipe(
          Effect.map((r) => [(r.SecretList ?? []).map(toSummary), r.NextToken] as const)
        )
      )

    const describe = (name: string) =>
      aws.call(new sdk.DescribeSecretCommand({ SecretId: name }), `describe secret ${name}`, idempotent).pipe(
        Effect.map((r): SecretDescription => ({
          ...toSummary(r),
          versions: Object.entries(r.VersionIdsToStages ?? {}).map(([versionId, stages]) => ({ versionId, stages }))
        })),
        notFoundAsResource(name)
      )

    const getValue = (name: string, selector: VersionSelector = {}) =>
      aws.call(
        guarded(
          undefined,
          new sdk.GetSecretValueCommand({
            SecretId: name,
            ...(selector.versionId ? { VersionId: selector.versionId } : {}),
            ...(selector.versionStage ? { VersionStage: selector.versionStage } : {})
          })
        ),
        `read secret ${name}`,
        idempotent
      ).pipe(
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
        // One token for this put, made before the first call: every attempt of CreateSecret and of
        // PutSecretValue sends it, and AWS (and moto) make at most one version per token with the
        // same value. It also becomes the new version's id.
        const token = randomUUID()
        const created = yield* aws.call(
          guarded(
            secret,
            new sdk.CreateSecretCommand({
              Name: name,
              SecretString: secret,
              ClientRequestToken: token,
              ...(options.description !== undefined ? { Description: options.description } : {})
            })
          ),
          `create secret ${name}`,
          tokenized
        ).pipe(
          Effect.catchIf((e) => e.code === "ResourceExistsException", () => Effect.succeed(undefined))
        )
        if (created !== undefined) {
          return { name: created.Name ?? name, arn: created.ARN ?? "", versionId: created.VersionId ?? "", created: true }
        }
        const added = yield* aws.call(
          guarded(secret, new sdk.PutSecretValueCommand({ SecretId: name, SecretString: secret, ClientRequestToken: token })),
          `store a new value in secret ${name}`,
          tokenized
        )
        return { name: added.Name ?? name, arn: added.ARN ?? "", versionId: added.VersionId ?? "", created: false }
      })

    // AWS reports success for a forced delete of a secret that does not exist: check first.
    const deleteSecret = (name: string, options: DeleteOptions = {}) =>
      // Read first: a secret already scheduled for deletion before this call gets AWS's own refusal;
      // one that becomes "marked deleted" during it was deleted by this call's lost first attempt.
      describe(name).pipe(Effect.flatMap((before) =>
        aws.call(
          new sdk.DeleteSecretCommand({
            SecretId: name,
            ...(options.force ? { ForceDeleteWithoutRecovery: true } : {}),
            ...(!options.force && options.recoveryDays !== undefined ? { RecoveryWindowInDays: options.recoveryDays } : {})
          }),
          `delete secret ${name}`,
          // Deleting a deleted secret deletes nothing more (a forced one answers success again).
          idempotent
        ).pipe(
          Effect.map((r) => ({ name: r.Name ?? name, arn: r.ARN ?? "", deletionDate: toDate(r.DeletionDate) })),
          // A retry after a lost answer finds the secret "marked deleted" by the first attempt: that
          // is the outcome asked for, as the secret itself says.
          Effect.catchIf(
            (e) =>
              !options.force && before.deletionDate === undefined && e._tag === "AwsInvalidRequest" &&
              /marked (as )?deleted|scheduled for deletion/i.test(e.awsMessage),
            (e) =>
              describe(name).pipe(
                Effect.flatMap((secret) =>
                  secret.deletionDate === undefined
                    ? Effect.fail(e)
                    : Effect.succeed({ name: secret.name, arn: secret.arn, deletionDate: secret.deletionDate as Date | undefined })
                ),
                Effect.catchTag("ResourceNotFound", () => Effect.fail(e))
              )
          ),
          notFoundAsResource(name)
        )
      ))

    return Secrets.of({ region: env.region, list, describe, getValue, put, delete: deleteSecret })
  })
)
