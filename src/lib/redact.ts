/**
 * Credentials and secret values out of text aegea prints (`--debug` details, log lines): an endpoint
 * that echoes the request in its error would otherwise show the session token and the signed
 * Authorization header. Pure; applied to the whole text, whatever its shape (HTTP headers, JSON,
 * util.inspect output, query strings, ini lines).
 */

export const redacted = "[redacted]"

/** The Authorization header: its whole value (scheme, credential scope, signed headers, signature). */
const authorization = /(\bauthorization\\?["']?\s*[:=]\s*\\?["']?)([^"'\\\r\n]*)/gi

/** Names whose value is a secret: tokens, signatures, secret keys, Secrets Manager values. */
const secretNames = [
  "x-amz-security-token",
  "x-amz-signature",
  "signature",
  "aws_session_token",
  "aws_security_token",
  "aws_secret_access_key",
  "secret_access_key",
  "secretaccesskey",
  "sessiontoken",
  "securitytoken",
  "secretstring",
  "secretbinary"
].join("|")

/** NAME, optionally quoted (also as escaped JSON), `:` or `=`, then the value up to a delimiter. */
const secretValue = new RegExp(
  `(\\b(?:${secretNames})\\\\?["']?\\s*[:=]\\s*(?:\\\\?["'])?)((?:\\\\.|[^"'\\\\\\s&,;<>}\\]])*)`,
  "gi"
)

/** `text` with every credential and secret value replaced by [redacted]. */
export const redactSecrets = (text: string): string =>
  text
    .replace(authorization, (_, prefix: string, value: string) => (value === "" ? prefix : `${prefix}${redacted}`))
    .replace(secretValue, (_, prefix: string, value: string) => (value === "" ? prefix : `${prefix}${redacted}`))
