/**
 * KMS-encrypted sessions (Session Manager preferences with a KMS key), the client's side, as the
 * session-manager-plugin (src/encryption, src/datachannel/streaming.go) and the agent
 * (agent/session/crypto, agent/session/datachannel) do it:
 *
 * - The agent's HandshakeRequest asks for the action `KMSEncryption` with `{"KMSKeyId": ...}` (newer
 *   agents add `"Challenge"`, a random string).
 * - The client calls kms:GenerateDataKey(KeyId, NumberOfBytes 64, EncryptionContext
 *   {"aws:ssm:SessionId": session, "aws:ssm:TargetId": target}, plus "aws:ssm:RandomChallenge" when
 *   the agent sent a challenge) and answers the action with ActionResult
 *   `{"KMSCipherTextKey": base64(CiphertextBlob), "KMSCipherTextHash": null}` (with
 *   `"ChallengeAcknowledgement": true` when it put the challenge in the context). The agent decrypts
 *   the blob with kms:Decrypt and the same context.
 * - The 64-byte plaintext key is two AES-256 keys: bytes 0..31 the agent encrypts with (the client
 *   decrypts with them), bytes 32..63 the client encrypts with.
 * - Payloads are AES-256-GCM, `nonce (12) || ciphertext || tag (16)`, no additional data: the
 *   client's Output payloads, and the agent's Output, StdErr and ExitCode payloads. The message's
 *   digest is over the encrypted payload.
 * - Before HandshakeComplete the agent sends EncChallengeRequest (payload type 8)
 *   `{"Challenge": base64}`: the client decrypts it with its decryption key, encrypts the plaintext
 *   with its encryption key and answers EncChallengeResponse (type 9) in the same shape.
 *
 * Pure apart from node:crypto (the cipher and random nonces); the KMS call is the caller's.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { PayloadType } from "./frame.ts"

export const KMS_DATA_KEY_BYTES = 64
export const GCM_NONCE_BYTES = 12
export const GCM_TAG_BYTES = 16
const KEY_BYTES = 32

/** What the agent's KMSEncryption action asks for. */
export interface KmsEncryptionRequest {
  readonly keyId: string
  /** Newer agents: a random challenge for the encryption context. */
  readonly challenge: string | undefined
}

/** The KMSEncryption action's parameters, if readable (a key id is required). */
export const parseKmsEncryptionRequest = (parameters: unknown): KmsEncryptionRequest | undefined => {
  if (typeof parameters !== "object" || parameters === null) return undefined
  const { Challenge, KMSKeyId } = parameters as { KMSKeyId?: unknown; Challenge?: unknown }
  if (typeof KMSKeyId !== "string" || KMSKeyId === "") return undefined
  return { keyId: KMSKeyId, challenge: typeof Challenge === "string" && Challenge !== "" ? Challenge : undefined }
}

/** kms:GenerateDataKey's input (its JSON field names), for a session and its target. */
export interface GenerateDataKeyInput {
  readonly KeyId: string
  readonly NumberOfBytes: number
  readonly EncryptionContext: Readonly<Record<string, string>>
}

export const generateDataKeyInput = (request: KmsEncryptionRequest, sessionId: string, targetId: string): GenerateDataKeyInput => ({
  KeyId: request.keyId,
  NumberOfBytes: KMS_DATA_KEY_BYTES,
  EncryptionContext: {
    "aws:ssm:SessionId": sessionId,
    "aws:ssm:TargetId": targetId,
    ...(request.challenge !== undefined ? { "aws:ssm:RandomChallenge": request.challenge } : {})
  }
})

/** GenerateDataKey's answer: the key encrypted under the KMS key (for the agent) and in plaintext. */
export interface DataKey {
  readonly ciphertextBlob: Uint8Array
  readonly plaintext: Uint8Array
}

/** The KMSEncryption action's result, as the plugin's Go struct serializes it ([]byte as base64). */
export const kmsActionResult = (request: KmsEncryptionRequest, ciphertextBlob: Uint8Array) => ({
  KMSCipherTextKey: Buffer.from(ciphertextBlob).toString("base64"),
  KMSCipherTextHash: null,
  ...(request.challenge !== undefined ? { ChallengeAcknowledgement: true } : {})
})

/** Client → agent payload types that are encrypted. */
export const ENCRYPTED_INPUT_TYPES: ReadonlySet<number> = new Set([PayloadType.output])
/** Agent → client payload types that are encrypted. */
export const ENCRYPTED_OUTPUT_TYPES: ReadonlySet<number> = new Set([PayloadType.output, PayloadType.stdErr, PayloadType.exitCode])

/** AES-256-GCM with a random 12-byte nonce: `nonce || ciphertext || tag`, no additional data. */
export const sealGcm = (key: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array = randomBytes(GCM_NONCE_BYTES)): Uint8Array => {
  const cipher = createCipheriv("aes-256-gcm", key, nonce)
  const body = cipher.update(plaintext)
  const rest = cipher.final()
  return Buffer.concat([nonce, body, rest, cipher.getAuthTag()])
}

/** The inverse of `sealGcm`; undefined when the envelope is too short or fails authentication. */
export const openGcm = (key: Uint8Array, envelope: Uint8Array): Uint8Array | undefined => {
  if (envelope.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) return undefined
  const nonce = envelope.subarray(0, GCM_NONCE_BYTES)
  const tag = envelope.subarray(envelope.length - GCM_TAG_BYTES)
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(envelope.subarray(GCM_NONCE_BYTES, envelope.length - GCM_TAG_BYTES)), decipher.final()])
  } catch {
    return undefined
  }
}

/**
 * The two keys of a session from GenerateDataKey's 64-byte plaintext. `role` "client" (aegea):
 * decrypt with bytes 0..31, encrypt with 32..63; "agent" (the test stand-in): the other way round.
 */
export class SessionCipher {
  private readonly encryptKey: Uint8Array
  private readonly decryptKey: Uint8Array

  constructor(plaintextKey: Uint8Array, role: "client" | "agent" = "client") {
    if (plaintextKey.length !== KMS_DATA_KEY_BYTES) {
      throw new RangeError(`a session's data key has ${KMS_DATA_KEY_BYTES} bytes, not ${plaintextKey.length}`)
    }
    const first = Uint8Array.prototype.slice.call(plaintextKey, 0, KEY_BYTES)
    const second = Uint8Array.prototype.slice.call(plaintextKey, KEY_BYTES)
    this.decryptKey = role === "client" ? first : second
    this.encryptKey = role === "client" ? second : first
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    return sealGcm(this.encryptKey, plaintext)
  }

  decrypt(envelope: Uint8Array): Uint8Array | undefined {
    return openGcm(this.decryptKey, envelope)
  }

  /** The EncChallengeResponse payload for an EncChallengeRequest payload; undefined if it cannot be read or decrypted. */
  answerChallenge(requestPayload: Uint8Array): Uint8Array | undefined {
    const challenge = parseChallenge(requestPayload)
    const plain = challenge === undefined ? undefined : this.decrypt(challenge)
    return plain === undefined ? undefined : challengeJson(this.encrypt(plain))
  }
}

/** `{"Challenge": base64}` (EncChallengeRequest and EncChallengeResponse). */
export const challengeJson = (challenge: Uint8Array): Uint8Array => Buffer.from(JSON.stringify({ Challenge: Buffer.from(challenge).toString("base64") }))

export const parseChallenge = (payload: Uint8Array): Uint8Array | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload).toString("utf8"))
    const challenge = (value as { Challenge?: unknown } | null)?.Challenge
    return typeof challenge === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(challenge) ? Buffer.from(challenge, "base64") : undefined
  } catch {
    return undefined
  }
}
