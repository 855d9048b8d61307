/**
 * A FilterLogEvents answer's lines made from its bytes by WebAssembly (assembly/logLines.ts, compiled
 * into ./logLinesWasm.ts by scripts/wasm.mjs): the lines `pageTextLines` (./logLines.ts) makes from the
 * answer's text, for `aegea logs GROUP` without colour (a pipe, a file: the large reads).
 *
 * Why: the text path decodes each ~2 MB page into a string, and V8's `replace` then calls back into
 * JavaScript for every event and builds a string per line; for the first pages of a read that code
 * runs before V8 has optimized it (the launcher keeps TurboFan off for its first second). The module
 * reads the bytes at the same speed from the first page (about 2 ms a page), writes the lines into its
 * own memory, and one string of the lines is made from them: `aegea logs` over 100k events spends about
 * a third less CPU (docs/performance.md, fourteenth round).
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
import { ensureMemory, WASM_BASE, type WasmGlobal, type WasmMemory, wasmExports } from "./wasm.ts"

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

const linesWithModule = (
  group: string,
  body: Uint8Array,
  options: { readonly showGroup: boolean; readonly color: boolean }
): PageLines | undefined => {
  const wasm = wasmExports<LinesModule>(logLinesWasm)
  if (wasm === null || !isUtf8(body)) return undefined
  const prefix = options.showGroup ? Buffer.from(`${group}:`) : NO_PREFIX
  const n = body.length
  // A line is never longer than its record's JSON but for the prefix (a record is at least 80 bytes)
  // and the indentation of a message's further lines: room for twice the body, else (status 2) the
  // text path reads it. Then room for the longest message (the body's length), moved to be laid out.
  const room = 2 * n + Math.ceil(n / 80) * prefix.length + 64
  const prefixAt = WASM_BASE + n
  const scratchAt = prefixAt + prefix.length
  const outAt = scratchAt + 32
  const movedAt = outAt + room
  if (!ensureMemory(wasm.memory, movedAt + n)) return undefined
  const bytes = new Uint8Array(wasm.memory.buffer)
  bytes.set(body, WASM_BASE)
  bytes.set(prefix, prefixAt)
  if (wasm.lines(WASM_BASE, n, outAt, room, prefixAt, prefix.length, scratchAt, movedAt) !== 0) return undefined
  const count = wasm.count.value
  const length = wasm.outLen.value
  const restAt = wasm.restAt.value
  // the lines without the "\n" before the first
  const out = Buffer.from(wasm.memory.buffer, outAt + 1, Math.max(0, length - 1))
  const text = count === 0 ? "" : out.toString(isAscii(out) ? "latin1" : "utf8")
  let rest: { events?: unknown; nextToken?: unknown }
  try {
    rest = JSON.parse(`{"events":[${Buffer.from(body.buffer, body.byteOffset + restAt, n - restAt).toString("utf8")}`) as typeof rest
  } catch {
    return undefined
  }
  const token = rest.nextToken
  if (!Array.isArray(rest.events) || rest.events.length !== 0) return undefined
  if (token !== undefined && token !== null && typeof token !== "string") return undefined
  return { text, count, nextToken: token ?? undefined }
}
