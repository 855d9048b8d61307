// kms:GenerateDataKey as one signed JSON 1.1 call (layers/kmsDataKey.ts), against the KMS stand-in on
// 127.0.0.1 (test/support/ssmStandInMux.ts), which refuses unsigned requests and keeps what it issued.
import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { generateDataKeyLayer } from "../../src/layers/kmsDataKey.ts"
import { generateDataKeyInput } from "../../src/lib/ssm/kmsEncryption.ts"
import { KMS_STAND_IN_KEY, type KmsStandIn, startKmsStandIn } from "../support/ssmStandInMux.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

let kms: KmsStandIn
beforeAll(async () => {
  kms = await startKmsStandIn()
})
afterAll(() => kms?.close())

const env = (endpointUrl: string) => AwsClients.layerStatic({ region: "eu-west-1", profile: undefined, endpointUrl, maxAttempts: 1 })
const input = generateDataKeyInput({ keyId: "alias/sessions", challenge: undefined }, "alice-0123456789abcdef0", "i-0123456789abcdef0")

it.effect("asks for 64 bytes with the session's encryption context, signed for kms in the region, and returns both forms of the key", () =>
  Effect.gen(function*() {
    const key = yield* generateDataKeyLayer(env(kms.endpoint))(input)
    assert.deepStrictEqual(Buffer.from(key.plaintext), KMS_STAND_IN_KEY)
    const request = kms.requests.at(-1)!
    assert.strictEqual(request.target, "TrentService.GenerateDataKey")
    assert.match(request.authorization, /^AWS4-HMAC-SHA256 Credential=testing\/\d{8}\/eu-west-1\/kms\/aws4_request/)
    assert.deepStrictEqual(request.body, {
      KeyId: "alias/sessions",
      NumberOfBytes: 64,
      EncryptionContext: { "aws:ssm:SessionId": "alice-0123456789abcdef0", "aws:ssm:TargetId": "i-0123456789abcdef0" }
    })
    // what the agent's kms:Decrypt would do: the blob opens only under the same context
    assert.deepStrictEqual(kms.decrypt(key.ciphertextBlob, input.EncryptionContext), KMS_STAND_IN_KEY)
    assert.strictEqual(kms.decrypt(key.ciphertextBlob, { ...input.EncryptionContext, "aws:ssm:TargetId": "i-other" }), undefined)
  }))

it.effect("an AWS error is a typed error naming what aegea was doing; a key of the wrong size is refused", () =>
  Effect.gen(function*() {
    const server = createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        const denied = req.url === "/denied"
        res.writeHead(denied ? 400 : 200, { "content-type": "application/x-amz-json-1.1" })
        res.end(JSON.stringify(
          denied
            ? { __type: "AccessDeniedException", message: "User is not authorized to perform: kms:GenerateDataKey" }
            : { CiphertextBlob: Buffer.from("blob").toString("base64"), Plaintext: Buffer.alloc(32).toString("base64") }
        ))
      })
    })
    yield* Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const denied = yield* Effect.flip(generateDataKeyLayer(env(`${base}/denied`))(input))
      assert.strictEqual(denied._tag, "AwsAccessDenied")
      assert.include("summary" in denied ? denied.summary : "", "generate the data key of an encrypted session with the KMS key alias/sessions")
      const short = yield* Effect.flip(generateDataKeyLayer(env(base))(input))
      assert.strictEqual(short._tag, "OperationFailed")
      assert.include(short.message, "without a 64-byte data key")
    } finally {
      server.close()
    }
  }))
