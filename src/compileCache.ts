// The launcher's loader of the CLI's code (dist/chunks/*.js), with V8's code cache on Node 20.
//
// Node 20 keeps no compiled code between runs of ES modules (Node 22's module.enableCompileCache()
// does), so every run of aegea parsed and compiled the ~0.75 MB of JavaScript a command loads: a
// fifth of `aegea ls`'s start-up, and the ES module loader another tenth. So the build turns the
// CLI's chunks into classic scripts (CommonJS, one per chunk, the same code; scripts/build.mjs), and
// this loader runs each with `vm.Script`, giving V8 the code it compiled for the same chunks in an
// earlier run (`cachedData`): no parse, no compile of the functions that ran then. After the command,
// at exit, a run that found no cache (or a rejected one) writes it: `script.createCachedData()` made
// after execution holds every function compiled while the command ran.
//
// The cache is code, so it is only read from a folder of the user's own: $AEGEA_CACHE_DIR, else
// $XDG_CACHE_HOME/aegea, else ~/.cache/aegea, created 0700, used only when owned by the current user
// and not writable by group or others, and each file the same (a file someone else planted is code
// run as the user). One file per command family (the code each runs differs), named by the build's
// content hash, the Node version and architecture and the node flags, so another build or Node never
// reads it; each file carries a SHA-256 of its contents (V8 takes a damaged cache without noticing).
// Written to a temporary file and renamed (concurrent runs: the last one wins, a reader sees one whole
// file), never fatal: a read-only or full disk runs without it. AEGEA_NO_COMPILE_CACHE=1 turns it off,
// and so does --debug (source maps apply to code Node's own loader compiles, not to vm.Script): then
// the chunks load with Node's require(), as the same CommonJS modules.
// AEGEA_COMPILE_CACHE_DEBUG=1 prints one line on stderr at exit: what was used and whether it wrote.

import type * as Crypto from "node:crypto"
import type * as Fs from "node:fs"
import type * as Vm from "node:vm"

/** The loader of the CLI's chunks: `load("bin")` is dist/chunks/bin.js's exports. */
export interface ChunkLoader {
  /** Runs dist/chunks/NAME.js (once per process: later calls return the same exports). */
  readonly load: <A>(name: string) => A
  /**
   * Uses the cache file of `family` for the chunks loaded from now on (chunks loaded before, as the
   * launcher's small command-family chunk, compile as they would without a cache); the last family
   * named is the file written at exit.
   */
  readonly useCache: (family: string) => void
}

export interface ChunkLoaderOptions {
  /** The folder of the chunks, ending in "/" (dist/chunks/). */
  readonly dir: string
  /** The build's content hash of the chunks (scripts/build.mjs), undefined when unknown: no cache. */
  readonly buildId: string | undefined
  readonly env: NodeJS.ProcessEnv
  /** Node's require (for node: built-ins, and every chunk when there is no cache). */
  readonly require: NodeJS.Require
  /** False: load every chunk with `require` (AEGEA_NO_COMPILE_CACHE, --debug). */
  readonly enabled: boolean
  /** Called at exit just before the cache is made (the launcher restores the V8 flags of start-up, which V8 checks). */
  readonly beforeWrite?: () => void
}

const MAGIC = "AEGEACC1"
/** Files of other builds (or Node versions) are removed when a cache is written, once this old. */
const STALE_MS = 60 * 60 * 1000

/** The cache folder the environment names, if any (absolute paths only). */
export const cacheDirectory = (env: NodeJS.ProcessEnv): string | undefined => {
  const absolute = (p: string | undefined) => (p !== undefined && p.startsWith("/") ? p : undefined)
  if (env.AEGEA_CACHE_DIR !== undefined && env.AEGEA_CACHE_DIR !== "") return absolute(env.AEGEA_CACHE_DIR)
  const xdg = absolute(env.XDG_CACHE_HOME)
  if (xdg !== undefined) return `${xdg.replace(/\/+$/, "")}/aegea`
  const home = absolute(env.HOME)
  return home === undefined ? undefined : `${home.replace(/\/+$/, "")}/.cache/aegea`
}

/** A folder or file aegea may take code from: the user's own, not writable by group or others. */
const ownedAndPrivate = (stat: Fs.Stats, uid: number): boolean => stat.uid === uid && (stat.mode & 0o022) === 0

/** The parsed cache file: each chunk's V8 data. */
type Entries = Map<string, Buffer>

/** Reads a cache file; undefined when it is missing, not the user's own, or not whole. */
const readCache = (fs: typeof Fs, crypto: typeof Crypto, file: string, uid: number): Entries | undefined => {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, "r")
    const stat = fs.fstatSync(fd)
    if (!stat.isFile() || !ownedAndPrivate(stat, uid)) return undefined
    const data = Buffer.allocUnsafe(stat.size)
    let read = 0
    while (read < data.length) {
      const n = fs.readSync(fd, data, read, data.length - read, read)
      if (n === 0) return undefined
      read += n
    }
    if (data.length < 12 || data.toString("latin1", 0, 8) !== MAGIC) return undefined
    const headerLength = data.readUInt32LE(8)
    if (12 + headerLength > data.length) return undefined
    const header = JSON.parse(data.toString("utf8", 12, 12 + headerLength)) as { sha256: string; scripts: Record<string, [number, number]> }
    const payload = data.subarray(12 + headerLength)
    if (crypto.createHash("sha256").update(payload).digest("hex") !== header.sha256) return undefined
    const entries: Entries = new Map()
    for (const [name, [offset, length]] of Object.entries(header.scripts)) {
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > payload.length) return undefined
      entries.set(name, payload.subarray(offset, offset + length))
    }
    return entries
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** The bytes of a cache file holding `entries`. */
const encodeCache = (crypto: typeof Crypto, entries: Entries): Buffer => {
  const scripts: Record<string, [number, number]> = {}
  const parts: Array<Buffer> = []
  let offset = 0
  for (const [name, data] of entries) {
    scripts[name] = [offset, data.length]
    parts.push(data)
    offset += data.length
  }
  const payload = Buffer.concat(parts)
  const header = Buffer.from(JSON.stringify({ sha256: crypto.createHash("sha256").update(payload).digest("hex"), scripts }))
  const prefix = Buffer.alloc(12)
  prefix.write(MAGIC, 0, "latin1")
  prefix.writeUInt32LE(header.length, 8)
  return Buffer.concat([prefix, header, payload])
}

/** Writes `bytes` to `file` through a temporary file and a rename, in a folder of the user's own; false if it could not. */
const writeCache = (fs: typeof Fs, dir: string, file: string, bytes: Buffer, uid: number, keep: string): boolean => {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    if (!ownedAndPrivate(fs.statSync(dir), uid)) return false
    const temporary = `${file}.${process.pid}.tmp`
    try {
      fs.writeFileSync(temporary, bytes, { mode: 0o600 })
      fs.renameSync(temporary, file)
    } catch {
      fs.rmSync(temporary, { force: true })
      return false
    }
    // Files of other builds, Node versions or flags, and temporary files of runs that died, once stale.
    const now = Date.now()
    for (const name of fs.readdirSync(dir)) {
      if (!/\.v8cache(\.\d+\.tmp)?$/.test(name)) continue
      if (name.includes(keep)) continue
      try {
        if (now - fs.statSync(`${dir}/${name}`).mtimeMs > STALE_MS) fs.rmSync(`${dir}/${name}`, { force: true })
      } catch {
        // gone already
      }
    }
    return true
  } catch {
    return false
  }
}

/** The chunk loader the launcher uses (see the top of this file). */
export const makeChunkLoader = (options: ChunkLoaderOptions): ChunkLoader => {
  const { dir, env } = options
  const nodeRequire = options.require
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  const builtin = <A>(id: string): A => (getBuiltin?.(id) as A | undefined) ?? (nodeRequire(id) as A)
  const uid = process.getuid?.()
  const directory = cacheDirectory(env)
  if (!options.enabled || options.buildId === undefined || uid === undefined || directory === undefined) {
    return { load: (name) => nodeRequire(`${dir}${name}.js`), useCache: () => {} }
  }
  const fs = builtin<typeof Fs>("node:fs")
  const vm = builtin<typeof Vm>("node:vm")
  const crypto = builtin<typeof Crypto>("node:crypto")

  const modules = new Map<string, { exports: unknown }>()
  /** The scripts run after useCache, to be written at exit. */
  const scripts = new Map<string, Vm.Script>()
  let cached: Entries | undefined
  let file: string | undefined
  let fromCache = 0
  let rejected = 0
  let missing = 0

  const load = <A>(name: string): A => {
    const known = modules.get(name)
    if (known !== undefined) return known.exports as A
    const module = { exports: {} as unknown }
    modules.set(name, module)
    const filename = `${dir}${name}.js`
    const source = fs.readFileSync(filename, "utf8")
    const cachedData = cached?.get(name)
    const script = new vm.Script(`(function (exports, require, module) {${source}\n})`, {
      filename,
      ...(cachedData !== undefined ? { cachedData } : {})
    })
    if (file !== undefined) {
      scripts.set(name, script)
      if (cachedData === undefined) missing++
      else if (script.cachedDataRejected === true) rejected++
      else fromCache++
    }
    // A chunk requires the chunks beside it ("./chunk-ABC.js") and Node's built-ins.
    const require = (id: string): unknown => {
      const chunk = /^\.\/([^/]+)\.js$/.exec(id)
      return chunk !== null ? load(chunk[1]!) : nodeRequire(id)
    }
    const run = script.runInThisContext() as (exports: unknown, require: (id: string) => unknown, module: { exports: unknown }) => void
    run.call(module.exports, module.exports, require, module)
    return module.exports as A
  }

  let tag: string | undefined
  const useCache = (family: string): void => {
    // node flags change what V8 compiles (and V8 rejects a cache made under other flags): a file of their own
    if (tag === undefined) {
      const flags = [...process.execArgv, env.NODE_OPTIONS ?? ""].join(" ").trim()
      const flagsTag = flags === "" ? "" : `-${crypto.createHash("sha256").update(flags).digest("hex").slice(0, 8)}`
      tag = `${options.buildId}-${process.version}-${process.arch}${flagsTag}`
    }
    const first = file === undefined
    const next = `${directory}/${family}-${tag}.v8cache`
    if (next === file) return
    // Another family after the first (`ssm-proxy` without a ticket to relay runs the CLI after the
    // relay's chunk): its file for the chunks loaded from now on, the only ones written at exit.
    file = next
    cached = undefined
    scripts.clear()
    fromCache = rejected = missing = 0
    try {
      if (ownedAndPrivate(fs.statSync(directory), uid)) cached = readCache(fs, crypto, file, uid)
    } catch {
      // no folder yet
    }
    if (!first) return
    process.once("exit", () => {
      let wrote = false
      if (missing + rejected > 0) {
        try {
          options.beforeWrite?.()
          // what this run compiled, and what an earlier run cached for chunks this one did not load
          const entries: Entries = new Map(cached ?? [])
          for (const [name, script] of scripts) entries.set(name, script.createCachedData())
          wrote = writeCache(fs, directory, file!, encodeCache(crypto, entries), uid, tag!)
        } catch {
          // without a cache, as before
        }
      }
      if (env.AEGEA_COMPILE_CACHE_DEBUG === "1") {
        process.stderr.write(`aegea compile cache: ${file} ${fromCache} cached ${rejected} rejected ${missing} missing${wrote ? " written" : ""}\n`)
      }
    })
  }

  return { load, useCache }
}
