// The hand-signed calls' answer bodies (layers/awsJson.ts bodyCollector): the same text as joining
// every chunk and decoding it as UTF-8, whether the answer says its length or not, says it wrongly,
// or splits a character between chunks.
import { describe, expect, it } from "vitest"
import { bodyCollector } from "../../src/layers/awsJson.ts"

const textOf = (chunks: ReadonlyArray<Buffer>, contentLength: string | undefined) => {
  const collect = bodyCollector(contentLength)
  for (const chunk of chunks) collect.add(chunk)
  return collect.text()
}
/** `bytes` cut into pieces of `size`. */
const cut = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size))

describe("bodyCollector", () => {
  const ascii = Buffer.from(JSON.stringify({ events: Array.from({ length: 500 }, (_, i) => ({ message: `event ${i}` })) }))
  const multi = Buffer.from(JSON.stringify({ events: ["naïve café ☕ 🚀", "中文", "ok"] }))

  it.each([
    ["ASCII", ascii],
    ["multi-byte characters, split between chunks", multi]
  ])("%s: the UTF-8 text of the joined chunks, with the right length declared, none, or a wrong one", (_, bytes) => {
    const expected = bytes.toString("utf8")
    for (const size of [1, 3, 7, 64, bytes.length]) {
      const chunks = cut(bytes, size)
      expect(textOf(chunks, String(bytes.length))).toBe(expected)
      expect(textOf(chunks, undefined)).toBe(expected)
      // a length shorter than the body: the rest is kept all the same
      expect(textOf(chunks, String(Math.floor(bytes.length / 2)))).toBe(expected)
      expect(textOf(chunks, "not a number")).toBe(expected)
    }
    // a body cut short of its declared length: what came
    expect(textOf(cut(bytes.subarray(0, 10), 4), String(bytes.length))).toBe(bytes.subarray(0, 10).toString("utf8"))
  })

  it("invalid UTF-8 decodes as Buffer#toString does, and an empty body is empty", () => {
    const bad = Buffer.from([0x7b, 0xff, 0xfe, 0x7d])
    expect(textOf([bad], "4")).toBe(bad.toString("utf8"))
    expect(textOf([], "0")).toBe("")
    expect(textOf([], undefined)).toBe("")
  })
})
