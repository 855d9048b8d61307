/**
 * The SDK's `streamCollector` (`@smithy/core` serde, which `@smithy/node-http-handler` re-exports and
 * every client's deserializers call for a response body), with Node streams read into one
 * preallocated array. The SDK pipes the response into a `Writable` that keeps every chunk, then
 * copies them into a zero-filled `Uint8Array` of their total length: two passes over each body and a
 * stream's write machinery per chunk. Here, when the response says its length (`content-length`, as
 * AWS's JSON and XML answers do), each chunk is copied once, as it arrives, into an array of that
 * length made without zero-filling (every byte is written before it is read); without a length, or if
 * the body turns out longer or shorter, the chunks are kept and joined as the SDK joins them.
 *
 * The result is what the SDK's gives: a `Uint8Array` (not a `Buffer`) with its own `ArrayBuffer` of
 * exactly the body's length, at offset 0; errors of the stream reject it. Anything but a plain Node
 * `Readable` (a Blob, a web stream, an object-mode stream or one with an encoding set) goes to the
 * SDK's own. test/unit/streamCollector.test.ts compares the two over HTTP responses on 127.0.0.1
 * (with and without content-length, chunked, multi-byte characters split across chunks, empty,
 * gzip-encoded bytes, a body cut short) and over plain streams.
 */
import { Readable } from "node:stream"

type Collector = (stream: unknown) => Promise<Uint8Array>

/** Larger declared lengths are not trusted with one allocation up front. */
const maxPreallocated = 1 << 30

/** The declared length of an HTTP response (`IncomingMessage`), when it has a valid one. */
const declaredLength = (stream: Readable): number | undefined => {
  const value = (stream as { headers?: Record<string, unknown> }).headers?.["content-length"]
  if (typeof value !== "string" || !/^[0-9]{1,10}$/.test(value)) return undefined
  const length = Number(value)
  return length <= maxPreallocated ? length : undefined
}

/** `concatBytes` of the SDK: the chunks in a new array of their total length. */
const joined = (chunks: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  const result = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    result.set(chunk, offset)
    offset += chunk.byteLength
  }
  return result
}

/** The SDK's collector `sdk`, with plain Node streams collected here. */
export const fastStreamCollector = (sdk: Collector): Collector => (stream) => {
  if (!(stream instanceof Readable) || stream.readableObjectMode || stream.readableEncoding !== null) return sdk(stream)
  return new Promise((resolve, reject) => {
    const declared = declaredLength(stream)
    // While the chunks fit the declared length: copied into `whole` as they come; otherwise kept.
    let whole = declared === undefined ? undefined : Buffer.allocUnsafeSlow(declared)
    let chunks: Array<Uint8Array> | undefined = whole === undefined ? [] : undefined
    let length = 0
    stream.on("data", (chunk: Buffer) => {
      if (whole !== undefined && length + chunk.byteLength <= whole.byteLength) {
        whole.set(chunk, length)
      } else {
        if (chunks === undefined) {
          chunks = [whole!.subarray(0, length)]
          whole = undefined
        }
        chunks.push(chunk)
      }
      length += chunk.byteLength
    })
    stream.on("error", reject)
    stream.on("end", () => {
      if (whole !== undefined && length === whole.byteLength) resolve(new Uint8Array(whole.buffer, 0, length))
      else resolve(joined(chunks ?? [whole!.subarray(0, length)], length))
    })
  })
}
