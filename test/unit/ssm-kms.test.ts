// KMS-encrypted sessions (lib/ssm/kmsEncryption.ts). Where each vector comes from:
// - aws/session-manager-plugin src/datachannel/streaming_test.go (TestHandshakeRequestHandler,
//   buildHandshakeRequest): key id "some-key-id", session "session-id", target "some-instance-id",
//   the encryption context it asserts, and the ActionResult for the ciphertext key "cipher-text-key"
//   (Go's json of []byte: base64; KMSCipherTextHash nil: null).
// - aws/amazon-ssm-agent agent/session/crypto/blockcipher_test.go (TestEncryptDecrypt): the 64-byte
//   plaintext key and its "flipped" form (the halves swapped); a cipher made from one decrypts what
//   the other encrypts, because the agent encrypts with bytes 0..31 and the client with 32..63
//   (plugin src/encryption/encrypter.go: decryption key = first half, encryption key = second half).
// - AES-256-GCM known answers: McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13
//   and 14 (zero key, zero 96-bit IV), to pin `nonce || ciphertext || tag` with no additional data.
import { assert, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import {
  challengeJson,
  generateDataKeyInput,
  kmsActionResult,
  openGcm,
  parseChallenge,
  parseKmsEncryptionRequest,
  sealGcm,
  SessionCipher
} from "../../src/lib/ssm/kmsEncryption.ts"

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex")
const AGENT_TEST_KEY = hex(
  "7775626261206c756262612064756220647562207775626261206c756262612064756220647562207775626261206c7562626120647562206475622077756262"
)
const AGENT_TEST_KEY_FLIPPED = hex(
  "64756220647562207775626261206c75626261206475622064756220777562627775626261206c756262612064756220647562207775626261206c7562626120"
)

describe("the KMSEncryption action", () => {
  it("reads the agent's parameters and builds GenerateDataKey's input with the session's encryption context", () => {
    // buildHandshakeRequest: json.Marshal(KMSEncryptionRequest{KMSKeyID: "some-key-id"})
    const request = parseKmsEncryptionRequest(JSON.parse("{\"KMSKeyId\":\"some-key-id\"}"))
    assert.deepStrictEqual(request, { keyId: "some-key-id", challenge: undefined })
    assert.deepStrictEqual(generateDataKeyInput(request!, "session-id", "some-instance-id"), {
      KeyId: "some-key-id",
      NumberOfBytes: 64,
      EncryptionContext: { "aws:ssm:SessionId": "session-id", "aws:ssm:TargetId": "some-instance-id" }
    })
    // newer agents (agent/session/contracts/model.go KMSEncryptionRequest.Challenge): the challenge joins the context
    const withChallenge = parseKmsEncryptionRequest({ KMSKeyId: "arn:aws:kms:us-east-1:123456789012:key/k", Challenge: "aaaabbbbccccdddd" })!
    assert.deepStrictEqual(generateDataKeyInput(withChallenge, "s", "i-1").EncryptionContext, {
      "aws:ssm:SessionId": "s",
      "aws:ssm:TargetId": "i-1",
      "aws:ssm:RandomChallenge": "aaaabbbbccccdddd"
    })
    assert.strictEqual(parseKmsEncryptionRequest({}), undefined)
    assert.strictEqual(parseKmsEncryptionRequest({ KMSKeyId: "" }), undefined)
    assert.strictEqual(parseKmsEncryptionRequest(null), undefined)
  })

  it("answers with the ciphertext key in base64 and a null hash, as the plugin's test expects", () => {
    const request = { keyId: "some-key-id", challenge: undefined }
    assert.strictEqual(
      JSON.stringify(kmsActionResult(request, Buffer.from("cipher-text-key"))),
      "{\"KMSCipherTextKey\":\"Y2lwaGVyLXRleHQta2V5\",\"KMSCipherTextHash\":null}"
    )
    assert.strictEqual(
      JSON.stringify(kmsActionResult({ keyId: "k", challenge: "c" }, Buffer.from("cipher-text-key"))),
      "{\"KMSCipherTextKey\":\"Y2lwaGVyLXRleHQta2V5\",\"KMSCipherTextHash\":null,\"ChallengeAcknowledgement\":true}"
    )
  })
})

describe("AES-256-GCM envelopes", () => {
  it("matches the GCM spec's known answers (nonce || ciphertext || tag, no additional data)", () => {
    const zeroKey = Buffer.alloc(32)
    const zeroNonce = Buffer.alloc(12)
    // test case 13: empty plaintext
    assert.deepStrictEqual(Buffer.from(sealGcm(zeroKey, Buffer.alloc(0), zeroNonce)), Buffer.concat([zeroNonce, hex("530f8afbc74536b9a963b4f1c4cb738b")]))
    // test case 14: 16 zero bytes
    const sealed = sealGcm(zeroKey, Buffer.alloc(16), zeroNonce)
    assert.deepStrictEqual(Buffer.from(sealed), Buffer.concat([zeroNonce, hex("cea7403d4d606b6e074ec5d3baf39d18"), hex("d0d1c8a799996bf0265b98b5d48ab919")]))
    assert.deepStrictEqual(Buffer.from(openGcm(zeroKey, sealed)!), Buffer.alloc(16))
  })

  it("refuses a tampered or truncated envelope", () => {
    const key = randomBytes(32)
    const sealed = Buffer.from(sealGcm(key, Buffer.from("hello")))
    assert.strictEqual(Buffer.from(openGcm(key, sealed)!).toString(), "hello")
    for (const i of [0, 12, sealed.length - 1]) {
      const bad = Buffer.from(sealed)
      bad[i]! ^= 1
      assert.strictEqual(openGcm(key, bad), undefined, `byte ${i} flipped`)
    }
    assert.strictEqual(openGcm(key, sealed.subarray(0, 27)), undefined)
    assert.strictEqual(openGcm(randomBytes(32), sealed), undefined)
  })

  it("uses a fresh nonce per message", () => {
    const cipher = new SessionCipher(AGENT_TEST_KEY)
    const a = cipher.encrypt(Buffer.from("same"))
    const b = cipher.encrypt(Buffer.from("same"))
    assert.notDeepEqual(Buffer.from(a.subarray(0, 12)), Buffer.from(b.subarray(0, 12)))
    assert.strictEqual(a.length, 12 + 4 + 16)
  })
})

describe("SessionCipher", () => {
  it("splits the key as the agent and the plugin do (the agent's flipped-key test)", () => {
    // blockcipher_test.go: the flipped key is the same two halves, swapped
    assert.deepStrictEqual(AGENT_TEST_KEY_FLIPPED, Buffer.concat([AGENT_TEST_KEY.subarray(32), AGENT_TEST_KEY.subarray(0, 32)]))
    const plain = Buffer.from("plainTextDataToBeEncrypted")
    // agent(K) encrypts, agent(flipped K) decrypts: the agent's own test
    const agent = new SessionCipher(AGENT_TEST_KEY, "agent")
    assert.deepStrictEqual(Buffer.from(new SessionCipher(AGENT_TEST_KEY_FLIPPED, "agent").decrypt(agent.encrypt(plain))!), plain)
    // the client with the same key reads the agent, and the agent reads the client
    const client = new SessionCipher(AGENT_TEST_KEY, "client")
    assert.deepStrictEqual(Buffer.from(client.decrypt(agent.encrypt(plain))!), plain)
    assert.deepStrictEqual(Buffer.from(agent.decrypt(client.encrypt(plain))!), plain)
    // and nobody reads their own direction
    assert.strictEqual(client.decrypt(client.encrypt(plain)), undefined)
    // the client encrypts with bytes 32..63
    assert.deepStrictEqual(Buffer.from(openGcm(AGENT_TEST_KEY.subarray(32), client.encrypt(plain))!), plain)
    assert.throws(() => new SessionCipher(Buffer.alloc(32)))
  })

  it("answers the encryption challenge: decrypt with the agent's key, encrypt with the client's", () => {
    const key = randomBytes(64)
    const agent = new SessionCipher(key, "agent")
    const client = new SessionCipher(key, "client")
    const challenge = randomBytes(64)
    const request = challengeJson(agent.encrypt(challenge))
    assert.match(Buffer.from(request).toString(), /^\{"Challenge":"[A-Za-z0-9+/]+=*"\}$/)
    const response = client.answerChallenge(request)!
    assert.deepStrictEqual(Buffer.from(agent.decrypt(parseChallenge(response)!)!), challenge)
    // a challenge under another key, or not a challenge: no answer
    assert.strictEqual(client.answerChallenge(challengeJson(new SessionCipher(randomBytes(64), "agent").encrypt(challenge))), undefined)
    assert.strictEqual(client.answerChallenge(Buffer.from("{}")), undefined)
    assert.strictEqual(client.answerChallenge(Buffer.from("not json")), undefined)
  })
})
