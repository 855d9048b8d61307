/**
 * A FilterLogEvents answer's lines made from its bytes by WebAssembly (assembly/logLines.ts, compiled
 * into ./logLinesWasm.ts by scripts/wasm.mjs): the lines `pageTextLines` (./logLines.ts) makes from the
 * answer's text, for `aegea logs GROUP` without colour (a pipe, a file: the large reads).
 *
 * Why: the text path decodes each ~2 MB page into a string, and V8's `replace` then calls back into
 * JavaScript for every event and builds a string per line; for the first pages of a read that code
 * runs before V8 has optimized it (the launcher keeps TurboFan off for its first second). The module
 * reads the bytes at the same speed from the first page (about 2 ms a page), writes the lines into its
 * own memory, and they leave it as one buffer, written to stdout as it is (`PageLines.bytes`; a string
 * of them only if `text` is read): `aegea logs` over 100k events spends about a third less CPU
 * (docs/performance.md, fourteenth round), and with the answer collected straight into the module's
 * memory (`logLinesArea`) and no string made, a fifth less again (fifteenth round).
 *
 * The same lines or `undefined`, never others: anything the module does not read exactly as the text
 * path does (a line break in a message after a stream or group name that is not printable ASCII, a
 * time outside the years 0-9999, a lone surrogate, bytes that are not UTF-8, colour, any shape the
 * text path would not take either) gives `undefined`, and the
 * caller reads the answer's text as before. test/unit/logBytes.test.ts compares the two on generated
 * answers. Answers under MIN_BYTES are left to the text path (not worth the module's instantiation),
 * as is every answer where WebAssembly is unavailable (`node --jitless`).
 *
 * Memory: one instance per process, its memory grown to the largest answer read (body, room for the
 * lines, a message's scratch: four times the answer, of which the pages written to are touched) and
 * reused for every later one.
 */
import { isAscii, isUtf8 } from "node:buffer"
import { logLinesWasm } from "./logLinesWasm.ts"
import type { PageLines } from "./logText.ts"
import { memoryLender, WASM_BASE, type WasmGlobal, type WasmMemory, wasmExports } from "./wasm.ts"

/** Smaller answers are read from their text. */
export const MIN_BYTES = 64 * 1024

interface LinesModule {
  readonly memory: WasmMemory
  readonly lines: (body: number, n: number, out: number, room: number, prefix: number, prefixLength: number, scratch: number, scratchMessage: number) => number
  readonly outLen: WasmGlobal
  readonly count: WasmGlobal
  readonly restAt: WasmGlobal
}

const NO_PREFIX = Buffer.alloc(0)

/**
 * The lines of a FilterLogEvents answer's bytes, as `pageTextLines(group, text, options)` gives them
 * for the answer's text, or undefined where the text must be read (see above). Never throws.
 * (`minBytes`: MIN_BYTES but in tests.)
 */
export const pageBytesLines = (
  group: string,
  body: Uint8Array,
  options: { readonly showGroup: boolean; readonly color: boolean },
  minBytes = MIN_BYTES
): PageLines | undefined => {
  if (options.color || body.length < minBytes) return undefined
  try {
    return linesWithModule(group, body, options)
  } catch {
    // a trap of the module (a fault of its own): the text path reads the answer
    return undefined
  }
}

/**
 * Where the module's memory holds what one answer of `n` bytes needs, with a prefix of `prefixLength`:
 * the body at WASM_BASE, the prefix, a message's scratch, the lines, and room for the longest message.
 * A line is never longer than its record's JSON but for the prefix (a record is at least 80 bytes)
 * and the indentation of a message's further lines: room for twice the body, else (status 2) the
 * text path reads it. Then room for the longest message (the body's length), moved to be laid out.
 */
const layout = (n: number, prefixLength: number) => {
  const room = 2 * n + Math.ceil(n / 80) * prefixLength + 64
  const prefixAt = WASM_BASE + n
  const scratchAt = prefixAt + prefixLength
  const outAt = scratchAt + 32
  const movedAt = outAt + room
  return { room, prefixAt, scratchAt, outAt, movedAt, end: movedAt + n }
}

const prefixOf = (group: string, options: { readonly showGroup: boolean }): Buffer =>
  options.showGroup ? Buffer.from(`${group}:`) : NO_PREFIX

/** The module's memory lent to one answer's body at a time. */
const lender = memoryLender(logLinesWasm)

/**
 * The module's memory lent for one FilterLogEvents answer's body (signedCall's `area`), as
 * ec2Bytes.ts's describeInstancesArea: the answer is collected straight into it at WASM_BASE, where
 * `pageBytesLines` reads it in place, instead of into a buffer of its own (fresh memory for every page,
 * then copied into the module). The answer's chunks are kept (`keep`): a page's events, read only if
 * asked for, are decoded from them after the lending. One body at a time; given back when the
 * call's attempt ends.
 */
export const logLinesArea = (group: string, options: { readonly showGroup: boolean; readonly color: boolean }) =>
  lender.area((length) => (options.color || length < MIN_BYTES ? undefined : layout(length, prefixOf(group, options).length).end), true)

const linesWithModule = (
  group: string,
  body: Uint8Array,
  options: { readonly showGroup: boolean; readonly color: boolean }
): PageLines | undefined => {
  const wasm = wasmExports<LinesModule>(logLinesWasm)
  if (wasm === null || !isUtf8(body)) return undefined
  const prefix = prefixOf(group, options)
  const n = body.length
  const { room, prefixAt, scratchAt, outAt, movedAt, end } = layout(n, prefix.length)
  // collected into the lent memory already (logLinesArea), or copied there
  if (!lender.place(wasm.memory, body, end)) return undefined
  new Uint8Array(wasm.memory.buffer).set(prefix, prefixAt)
  if (wasm.lines(WASM_BASE, n, outAt, room, prefixAt, prefix.length, scratchAt, movedAt) !== 0) return undefined
  const count = wasm.count.value
  const length = wasm.outLen.value
  const restAt = wasm.restAt.value
  let rest: { events?: unknown; nextToken?: unknown }
  try {
    rest = JSON.parse(`{"events":[${Buffer.from(wasm.memory.buffer, WASM_BASE + restAt, n - restAt).toString("utf8")}`) as typeof rest
  } catch {
    return undefined
  }
  const token = rest.nextToken
  if (!Array.isArray(rest.events) || rest.events.length !== 0) return undefined
  if (token !== undefined && token !== null && typeof token !== "string") return undefined
  const nextToken = token ?? undefined
  if (count === 0) return { text: "", count, nextToken }
  // the lines without the "\n" before the first, copied out of the module's memory with a "\n" after
  // the last: bytes for stdout as they are (Output.textBytes); a string of them only if asked for
  const lineBytes = length - 1
  const bytes = Buffer.allocUnsafe(lineBytes + 1)
  bytes.set(new Uint8Array(wasm.memory.buffer, outAt + 1, lineBytes))
  bytes[lineBytes] = 0x0a
  let text: string | undefined
  return {
    get text() {
      return text ??= bytes.toString(isAscii(bytes) ? "latin1" : "utf8", 0, lineBytes)
    },
    bytes,
    count,
    nextToken
  }
}
