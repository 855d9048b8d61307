#!/usr/bin/env node
// Launcher: its static imports are Node built-ins and the chunk loader (./compileCache.ts, bundled
// into this file). The CLI's code is in dist/chunks/, classic scripts the loader runs with V8's code
// cache of an earlier run (Node 20 has no compile cache for ES modules; see ./compileCache.ts).
// Built as CommonJS (dist/package.json says so): Node runs a CommonJS entry point without its ES
// module loader (8 ms of CPU on every command line, `aegea --help` included), and `require` of a
// built-in hands over the module without building an ES namespace of it.
import { fstatSync, readFileSync, writeSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { type ChunkLoader, makeChunkLoader } from "./compileCache.ts"

/** dist/aegea.js as a URL: the chunks and the static texts are beside it. */
const launcherUrl = pathToFileURL(__filename)

/**
 * The build's content hash of dist/chunks (scripts/build.mjs writes it over this placeholder, which
 * has the same length): the compile cache's files are named by it. Unreplaced (not a build): no cache.
 */
const BUILD_ID: string = "aegea-build-id-placeholder-xxxxx"

/** v8.setFlagsFromString once the CLI path has loaded node:v8 (see below). */
let setFlags: ((flags: string) => void) | undefined
let loader: ChunkLoader | undefined
/** The loader of dist/chunks/NAME.js (./compileCache.ts), made on first use: the help texts need none. */
const chunks = (): ChunkLoader =>
  (loader ??= makeChunkLoader({
    dir: decodeURIComponent(new URL("./chunks/", launcherUrl).pathname),
    buildId: /^[0-9a-f]{32}$/.test(BUILD_ID) ? BUILD_ID : undefined,
    env: process.env,
    require,
    // --debug: source maps apply to what Node's own loader compiles (the chunks as CommonJS modules)
    enabled: !process.env.AEGEA_NO_COMPILE_CACHE && !process.argv.includes("--debug"),
    // V8 takes a cache only under the flags it was made with: those of start-up (--no-opt, below; and
    // incremental marking on, which a long transfer turns off: lib/v8Optimize.ts tuneGcForStreaming)
    beforeWrite: () => {
      setFlags?.("--no-opt")
      if ((globalThis as Record<symbol, unknown>)[Symbol.for("aegea.streamingGc")] === true) setFlags?.("--incremental-marking")
    }
  }))

/** The help layout code (a small chunk): the build's help documents laid out at a terminal's width. */
const helpLayout = (): typeof import("./lib/helpFormat.ts") => {
  const loader = chunks()
  loader.useCache("help")
  return loader.load("helpFormat")
}

/**
 * Whether stdout is a pipe, a socket (what Node's child_process gives a child as a pipe) or a file, so
 * surely no terminal: told from the descriptor, without making `process.stdout` (which loads Node's
 * stream, socket and terminal modules: a fifth of `aegea ls --help` into a pipe). Anything else (a
 * terminal, /dev/null) is left to `process.stdout`.
 */
const stdoutIsPipeOrFile = (): boolean => {
  try {
    const stat = fstatSync(1)
    return stat.isFIFO() || stat.isSocket() || stat.isFile()
  } catch {
    return false
  }
}

/** Prints `text` (a pipe or a file: stdoutIsPipeOrFile) with write(2) itself, else through `process.stdout`. */
const printText = (text: Buffer): void => {
  let written = 0
  try {
    while (written < text.length) written += writeSync(1, text, written)
  } catch {
    // a pipe that is full (non-blocking) or gone: what is left goes the usual way
    process.stdout.write(text.subarray(written))
  }
}

/**
 * `aegea --help` / `aegea --version` (nothing else on the line): print the text the build rendered
 * from this very CLI (scripts/build.mjs), in colour exactly when the CLI would colour it. Any other
 * command line, or a missing file, takes the normal path.
 */
const printStatic = async (): Promise<boolean> => {
  const args = process.argv.slice(2)
  if (args.length > 1 && !process.env.AEGEA_NO_STATIC) return printCommandHelp(args)
  if (args.length !== 1 || process.env.AEGEA_NO_STATIC) return false
  const name = args[0] === "--help" || args[0] === "-h" ? "help" : args[0] === "--version" || args[0] === "-v" ? "version" : undefined
  if (name === undefined) return false
  const plain = stdoutIsPipeOrFile()
  const color = helpInColor(plain)
  try {
    if (plain) {
      printText(readFileSync(new URL(`./static/${name}${color ? ".color" : ""}.txt`, launcherUrl)))
      return true
    }
    // On a terminal, help wraps to its width: the build's help document, laid out here (a small chunk).
    if (name === "help" && process.stdout.isTTY === true) {
      const { helpWidth, renderHelpDoc } = helpLayout()
      const doc = JSON.parse(readFileSync(new URL("./static/help.json", launcherUrl), "utf8"))
      process.stdout.write(`${renderHelpDoc(doc, { width: helpWidth(process.stdout), colors: color })}\n`)
      return true
    }
    process.stdout.write(readFileSync(new URL(`./static/${name}${color ? ".color" : ""}.txt`, launcherUrl)))
    return true
  } catch {
    return false
  }
}

/**
 * Colour exactly when the CLI would colour help: the rule of helpColors (src/lib/helpFormat.ts).
 * `notATerminal`: stdout is known to be no terminal (stdoutIsPipeOrFile), so it is not asked.
 */
const helpInColor = (notATerminal = false): boolean => {
  // FORCE_COLOR=0 turns colour off, as it does for data output.
  const { FORCE_COLOR = "", NO_COLOR = "", TERM } = process.env
  const force = FORCE_COLOR.trim().toLowerCase()
  return force !== "0" && force !== "false" && TERM !== "dumb" && NO_COLOR === "" && (force !== "" || (!notATerminal && process.stdout.isTTY === true))
}

/**
 * `aegea COMMAND... --help` (command words only, then --help or -h): lay out the build's document of
 * that command's help (dist/static/help/COMMAND.json) as the CLI would, at the terminal's width. Any
 * other line (a word that is not a command: no such file) takes the normal path.
 */
const printCommandHelp = async (args: ReadonlyArray<string>): Promise<boolean> => {
  const last = args[args.length - 1]
  const words = args.slice(0, -1)
  if ((last !== "--help" && last !== "-h") || !words.every((w) => /^[a-z][a-z0-9-]*$/.test(w))) return false
  // Into a pipe or a file without colour, the layout is the build's own (80 columns): print its text
  // (dist/static/help/COMMAND.txt), loading no layout code and no stream (see stdoutIsPipeOrFile).
  if (stdoutIsPipeOrFile() && !helpInColor(true)) {
    let text: Buffer | undefined
    try {
      text = readFileSync(new URL(`./static/help/${words.join(".")}.txt`, launcherUrl))
    } catch {
      // no text: lay out the document
    }
    if (text !== undefined) {
      printText(text)
      return true
    }
  }
  const colors = helpInColor()
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(new URL(`./static/help/${words.join(".")}.json`, launcherUrl), "utf8"))
  } catch {
    return false
  }
  const { helpWidth, renderHelpDoc } = helpLayout()
  process.stdout.write(`${renderHelpDoc(doc as Parameters<typeof renderHelpDoc>[0], { width: helpWidth(process.stdout), colors })}\n`)
  return true
}

/**
 * `aegea ssm-proxy ... --ticket-directory D` with a ticket waiting (the ProxyCommand of `aegea ssh`):
 * relay without loading the CLI or the SDK (src/proxyRelay.ts). False when this is not that case.
 */
const relayTicket = async (): Promise<boolean> => {
  const args = process.argv.slice(2)
  if (args[0] !== "ssm-proxy" || process.env.AEGEA_NO_STATIC) return false
  const relay = chunks()
  relay.useCache("relay")
  const { relayClaimedTicket, ticketProxyArgs } = relay.load<typeof import("./proxyRelay.ts")>("proxyRelay")
  const proxy = ticketProxyArgs(args)
  if (proxy === undefined) return false
  const code = await relayClaimedTicket(proxy.instanceId, proxy.directory)
  if (code === undefined) return false
  // stdin (ssh's end of the pipe) may still be open: exit once what was relayed is written
  process.exitCode = code
  if (process.stdout.writableLength === 0) process.exit(code)
  process.stdout.once("drain", () => process.exit(code))
  return true
}

/** The CLI: everything but the static help texts and the ticket relay. */
const runCli = (): void => {
  // --debug: stack frames name src/*.ts files and lines (the bundle ships linked source maps). Only
  // then: reading the maps costs start-up time that no other run should pay.
  if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true)
  // The SDK prints a 9-line notice on Node < 22 when the first client is built; operators do not need it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"
  // Most commands are done in well under a second, before code optimized by TurboFan would pay back
  // the CPU its compiler burns on background threads (13% of `aegea ls`'s CPU; -0.06 s). So it starts
  // off, and comes back after a second for the commands that keep running (follow, watch, tunnels).
  // Both flags are read at each tiering decision; test/cli/startup.test.ts checks the switch back.
  // (node:v8 required here: it loads Node's stream modules, which the help paths above do without)
  const { setFlagsFromString } = require("node:v8") as typeof import("node:v8")
  setFlags = setFlagsFromString
  setFlagsFromString("--no-opt")
  // (src/sdkPatches/optimizer.ts turns it on for the read of a large response, and off after it while this is true)
  const startupNoOpt = Symbol.for("aegea.startupNoOpt")
  ;(globalThis as Record<symbol, unknown>)[startupNoOpt] = true
  setTimeout(() => {
    ;(globalThis as Record<symbol, unknown>)[startupNoOpt] = false
    setFlagsFromString("--opt")
  }, 1_000).unref()
  // The EC2 family (ls, listings, start/stop...) has a root of its own: `ls` loads 16% less code.
  // (loaded here, not at the top: `aegea COMMAND --help` above loads no file but this one)
  const cliChunks = chunks()
  const family = process.env.AEGEA_NO_STATIC
    ? "all"
    : cliChunks.load<typeof import("./lib/commandFamily.ts")>("commandFamily").cliRoot(process.argv.slice(2))
  // Each family runs different code: a cache file of its own.
  cliChunks.useCache(family)
  // So has `logs` (src/cliLogs.ts), which otherwise loads the whole CLI for a command of its own;
  // and the ssh family: ssh, scp, tunnel, run, ssm-proxy (src/cliSsh.ts).
  const { run } = cliChunks.load<typeof import("./bin.ts")>("bin")
  // `ls` (the command of most runs) has a root with nothing else: src/cliLs.ts
  const { cli } = family === "ls"
    ? cliChunks.load<typeof import("./cliLs.ts")>("cliLs")
    : family === "ec2"
    ? cliChunks.load<typeof import("./cliEc2.ts")>("cliEc2")
    : family === "logs"
    ? cliChunks.load<typeof import("./cliLogs.ts")>("cliLogs")
    : family === "ssh"
    ? cliChunks.load<typeof import("./cliSsh.ts")>("cliSsh")
    : cliChunks.load<typeof import("./cli.ts")>("cli")
  run(cli)
}

// (no top-level await: this is a CommonJS module; an error rejects the promise, which Node reports
// as it did an error thrown at the top of the ES module, and exits 1)
void printStatic().then(async (printed) => {
  if (!printed && !(await relayTicket())) runCli()
})
