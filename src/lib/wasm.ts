/**
 * The WebAssembly modules aegea carries (assembly/*.ts, compiled into src/lib/*Wasm.ts by
 * scripts/wasm.mjs) made into instances, once each per process, and what their callers share: each
 * module's memory below `WASM_BASE` is its own static data, the caller's data goes above it.
 */

/** What aegea uses of the WebAssembly API (global in Node; ES2023's lib does not declare it). */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown }
}

/** A module's memory, as its exports give it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

/** A module's exported global (a number). */
export interface WasmGlobal {
  readonly value: number
}

/** Where a module's memory is the caller's: above the module's static data (one 64 KiB page). */
export const WASM_BASE = 65536

const instances = new Map<string, unknown>()

/**
 * The exports of the module whose bytes are `base64` (an instance made on first use, the same one
 * afterwards), or null where WebAssembly is unavailable (`node --jitless`) or refuses it.
 */
export const wasmExports = <A>(base64: string): A | null => {
  let exports = instances.get(base64)
  if (exports === undefined) {
    const api = (globalThis as { readonly WebAssembly?: WebAssemblyApi }).WebAssembly
    try {
      exports = api === undefined ? null : new api.Instance(new api.Module(Buffer.from(base64, "base64")), {}).exports
    } catch {
      exports = null
    }
    instances.set(base64, exports)
  }
  return exports as A | null
}

/** Grows `memory` to hold at least `bytes` bytes; false when it cannot. */
export const ensureMemory = (memory: WasmMemory, bytes: number): boolean => {
  const have = memory.buffer.byteLength
  if (have >= bytes) return true
  try {
    memory.grow(Math.ceil((bytes - have) / 65536))
    return true
  } catch {
    return false
  }
}

/**
 * A module's memory lent to one answer's body at a time (the hand-signed calls' `area`,
 * layers/awsJson.ts LentArea), and the reader's placing of a body there: the answer is collected
 * straight into the memory at WASM_BASE (no buffer of its own to fill, then copy), and read in place.
 * While it is lent, no other body is copied over it (nor the memory grown, which would move it): that
 * reader leaves its answer to the text path.
 */
export const memoryLender = (base64: string) => {
  let lent = false
  return {
    /**
     * Memory for one body of `length` bytes, the module's memory grown to `end(length)` first
     * (undefined: not lent, the body is collected as usual); `keep`: the caller keeps the body's chunks.
     */
    area: (end: (length: number) => number | undefined, keep = false) => {
      let mine = false
      return {
        keep,
        take: (length: number): Uint8Array | undefined => {
          const needed = lent ? undefined : end(length)
          const wasm = needed === undefined ? null : wasmExports<{ readonly memory: WasmMemory }>(base64)
          if (wasm === null || !ensureMemory(wasm.memory, needed!)) return undefined
          lent = mine = true
          return new Uint8Array(wasm.memory.buffer, WASM_BASE, length)
        },
        release: (): void => {
          if (mine) lent = mine = false
        }
      }
    },
    /**
     * `body` at WASM_BASE of `memory`, grown to `end` bytes: collected there already (an area's), or
     * copied there; false when it cannot be (lent to another body, or the memory cannot grow).
     */
    place: (memory: WasmMemory, body: Uint8Array, end: number): boolean => {
      if (body.buffer === memory.buffer && body.byteOffset === WASM_BASE) return memory.buffer.byteLength >= end
      if (lent || !ensureMemory(memory, end)) return false
      new Uint8Array(memory.buffer).set(body, WASM_BASE)
      return true
    }
  }
}
