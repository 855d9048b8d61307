// src/sdkPatches/jsonText.ts gives the SDK's JSON read the text it would make with Buffer#toString():
// the same string for ASCII bodies (decoded as Latin-1), multi-byte and invalid UTF-8, and views into a
// larger buffer.
import { describe, expect, it } from "vitest"
import { utf8Text } from "../../src/sdkPatches/jsonText.ts"

const sdkText = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()

describe("utf8Text", () => {
  const bodies: ReadonlyArray<Uint8Array> = [
    Buffer.from('{"events":[{"message":"plain ascii \\u00e9 \\n"}]}'),
    Buffer.from("{\"message\":\"é 😀 ünïcödé\"}", "utf8"),
    new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x80, 0x22, 0x7d]), // invalid UTF-8: replacement characters
    new Uint8Array([0x22, 0xe2, 0x82]), // a character cut short
    new Uint8Array(Array.from({ length: 128 }, (_, i) => i)), // every ASCII byte, controls included
    new Uint8Array([0x80]),
    new Uint8Array(0)
  ]
  it("is Buffer#toString() of the bytes", () => {
    for (const bytes of bodies) expect(utf8Text(bytes)).toBe(sdkText(bytes))
  })
  it("reads only the view's bytes of a larger buffer", () => {
    const whole = Buffer.from("xx{\"a\":\"é\"}yy{\"b\":1}zz", "utf8")
    for (let start = 0; start < whole.length; start++)
      for (let end = start; end <= whole.length; end++) {
        const view = new Uint8Array(whole.buffer, whole.byteOffset + start, end - start)
        expect(utf8Text(view)).toBe(sdkText(view))
      }
  })
  it("an ASCII text keeps every character (a Latin-1 decoding would differ above 0x7f)", () => {
    const bytes = Buffer.from("A\u00e9B", "utf8")
    expect(utf8Text(bytes)).toBe("A\u00e9B")
  })
})
