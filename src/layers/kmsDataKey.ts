/**
 * kms:GenerateDataKey for KMS-encrypted sessions (lib/ssm/kmsEncryption.ts), as one signed JSON 1.1
 * call (TrentService.GenerateDataKey, awsJson.ts): no KMS SDK client, so the lean ProxyCommand path
 * (proxyRelay.ts) stays lean; it loads this file only when an agent asks for encryption.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type AegeaError, OperationFailed } from "../errors.ts"
import type { DataKey, GenerateDataKeyInput } from "../lib/ssm/kmsEncryption.ts"
import { KMS_DATA_KEY_BYTES } from "../lib/ssm/kmsEncryption.ts"
import { AwsClients, type AwsEnvironment, type AwsSettings } from "./AwsClients.ts"
import { idempotent } from "./aws.ts"
import { jsonCall, type JsonService } from "./awsJson.ts"

/** The call a channel makes when the agent asks for KMS encryption (replaceable in tests). */
export type GenerateDataKey = (input: GenerateDataKeyInput) => Effect.Effect<DataKey, AegeaError>

export const kmsService = (region: string): JsonService => ({
  service: "KMS",
  signingName: "kms",
  targetPrefix: "TrentService",
  endpoint: `https://kms.${region}.amazonaws.com`,
  endpointEnvId: "KMS",
  region
})

interface GenerateDataKeyResponse {
  readonly CiphertextBlob?: string
  readonly Plaintext?: string
  readonly KeyId?: string
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * GenerateDataKey in the environment's region. A new random key each time, nothing created: safe to
 * retry (`idempotent`). An answer without a 64-byte plaintext or a ciphertext is an error.
 */
export const generateDataKeyWith = (env: AwsEnvironment): GenerateDataKey => (input) =>
  Effect.flatMap(
    jsonCall<GenerateDataKeyResponse>(
      env,
      kmsService(env.region),
      "GenerateDataKey",
      input,
      `generate the data key of an encrypted session with the KMS key ${input.KeyId}`,
      idempotent
    ),
    (answer): Effect.Effect<DataKey, OperationFailed> => {
      const plaintext = typeof answer.Plaintext === "string" && base64.test(answer.Plaintext) ? Buffer.from(answer.Plaintext, "base64") : undefined
      const blob = typeof answer.CiphertextBlob === "string" && base64.test(answer.CiphertextBlob) ? Buffer.from(answer.CiphertextBlob, "base64") : undefined
      if (plaintext === undefined || plaintext.length !== KMS_DATA_KEY_BYTES || blob === undefined || blob.length === 0) {
        return Effect.fail(new OperationFailed({
          message: `KMS GenerateDataKey with the KMS key ${input.KeyId} answered without a ${KMS_DATA_KEY_BYTES}-byte data key and its ciphertext`
        }))
      }
      return Effect.succeed({ ciphertextBlob: blob, plaintext })
    }
  )

/** GenerateDataKey for the lean ProxyCommand path: the AWS environment resolved for this one call. */
export const generateDataKeyFor = (aws: Pick<AwsSettings, "region" | "profile" | "endpointUrl">): GenerateDataKey => (input) =>
  Effect.gen(function*() {
    return yield* generateDataKeyWith(yield* AwsClients)(input)
  }).pipe(Effect.provide(AwsClients.layer(aws)))

/** The layer-free form for callers that already hold an environment layer. */
export const generateDataKeyLayer = (aws: Layer.Layer<AwsClients, AegeaError>): GenerateDataKey => (input) =>
  Effect.gen(function*() {
    return yield* generateDataKeyWith(yield* AwsClients)(input)
  }).pipe(Effect.provide(aws))
