/**
 * The text of a JSON response body, for the SDK's JSON read (install.ts). The SDK gives `JSON.parse`
 * the body's bytes, which it turns into text with `Buffer#toString()` (UTF-8). When every byte is ASCII
 * (`buffer.isAscii`, a vectorised check) the Latin-1 decoding is the same text and about a fifth
 * cheaper: V8 copies the bytes into a one-byte string without validating UTF-8 sequences.
 * `aegea logs` of 100k events reads 19 MB of JSON. test/unit/jsonText.test.ts compares it with
 * `Buffer#toString()` (ASCII, multi-byte and invalid UTF-8, byte offsets into a larger buffer).
 */
import { isAscii } from "node:buffer"

/** `Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()`. */
export const utf8Text = (bytes: Uint8Array): string => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return isAscii(buffer) ? buffer.toString("latin1") : buffer.toString("utf8")
}
