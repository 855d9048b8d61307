import { assert, describe, it } from "@effect/vitest"
import { redactSecrets } from "../../src/lib/redact.ts"

const token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/="
const signature = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
const authHeader = `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261130/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`

describe("redactSecrets", () => {
  it("removes tokens, signatures, secret keys and secret values in every shape aegea may print", () => {
    const samples = [
      `authorization: ${authHeader}\r\nx-amz-security-token: ${token}\r\nhost: 127.0.0.1`,
      `{"headers":{"Authorization":"${authHeader}","X-Amz-Security-Token":"${token}"}}`,
      `{ authorization: '${authHeader}', 'x-amz-security-token': '${token}' }`,
      `GET /?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Security-Token=${encodeURIComponent(token)}&X-Amz-Signature=${signature} HTTP/1.1`,
      `aws_session_token = ${token}\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
      `{"SecretId":"prod/db","SecretString":"hunter2-${token}","ClientRequestToken":"abc"}`,
      `"{\\"SecretBinary\\":\\"aHVudGVyMg==${token}\\",\\"SessionToken\\":\\"${token}\\"}"`,
      `{"Credentials":{"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","SessionToken":"${token}"}}`
    ]
    for (const sample of samples) {
      const out = redactSecrets(sample)
      assert.notInclude(out, token, out)
      assert.notInclude(out, signature, out)
      assert.notInclude(out, "hunter2", out)
      assert.notInclude(out, "aHVudGVyMg", out)
      assert.notInclude(out, "wJalrXUtnFEMI", out)
      assert.include(out, "[redacted]")
    }
  })

  it("leaves ordinary text alone", () => {
    const text = "aegea: SignatureDoesNotMatch: the request signature we calculated does not match; host: 127.0.0.1"
    assert.strictEqual(redactSecrets(text), text)
    assert.strictEqual(redactSecrets(`SecretId: prod/db, Name: x`), `SecretId: prod/db, Name: x`)
  })
})
