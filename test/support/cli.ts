// Runs the built CLI (dist/aegea.js) as a user would, against moto (see ./moto.ts awsTestEnv()).
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { constants, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { inject } from "vitest"
import { awsTestEnv } from "./moto.ts"
import { createdSince, recordOutput, snapshotHome } from "./outputScan.ts"

declare module "vitest" {
  interface ProvidedContext {
    /** Where every spawned aegea's outputs are recorded for the secret scan (./outputScan.ts); unset in unit. */
    outputScanDir?: string
  }
}

/** The run's record folder (aws and cli-standalone projects), else undefined. */
const scanFolder = (): string | undefined => {
  try {
    return inject("outputScanDir")
  } catch {
    return undefined
  }
}

/** Snapshots HOME before a spawn; the returned function records the process's outputs after it. */
const recorder = (env: Record<string, string>, args: ReadonlyArray<string>) => {
  const folder = scanFolder()
  const home = env.HOME
  if (folder === undefined || home === undefined) return () => {}
  const before = snapshotHome(home)
  return (stdout: string, stderr: string) =>
    recordOutput(folder, { args, stdout, stderr, created: createdSince(before, snapshotHome(home)) })
}

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url))
export const CLI_PATH = join(REPO_ROOT, "dist", "aegea.js")

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Added on top of awsTestEnv() (wins over it). */
  readonly env?: Record<string, string>
  /** Written to stdin, then stdin is closed (it is always closed: the child never waits for input). */
  readonly input?: string
  /** Default 30 s; on expiry the child is killed and the promise rejects. */
  readonly timeoutMs?: number
  /** Shares one HOME between calls (see makeTestHome()); default: a fresh one per call. */
  readonly home?: string
  /** Options for node itself, before the script (e.g. ["--import", probe]). */
  readonly nodeArgs?: ReadonlyArray<string>
}

// Only these are taken from the test process: no AWS_*, AEGEA_*, HOME, XDG_* or NODE_OPTIONS leak in.
const PASS_THROUGH = ["PATH", "TMPDIR", "LANG", "LC_ALL", "SYSTEMROOT"] as const

export function cliEnv(opts: Pick<CliOptions, "env" | "home"> = {}): Record<string, string> {
  const base: Record<string, string> = {}
  for (const k of PASS_THROUGH) {
    const v = process.env[k]
    if (v !== undefined) base[k] = v
  }
  return { ...base, ...awsTestEnv(opts.home !== undefined ? { home: opts.home } : {}), ...opts.env }
}

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`node scripts/build.mjs\` first`)
}

export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

function run(
  file: string,
  args: ReadonlyArray<string>,
  opts: CliOptions,
  what: string,
  aegeaArgs: ReadonlyArray<string>
): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  const env = cliEnv(opts)
  const record = recorder(env, aegeaArgs)
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    child.stdin.on("error", () => {}) // EPIPE if the child exits without reading
    child.stdin.end(opts.input ?? "")
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(
        new Error(
          `${what} did not finish within ${timeoutMs} ms (killed)\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`
        )
      )
    }, timeoutMs)
    child.once("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      record(stdout, stderr)
      // a signal death is reported shell-style: 128 + signal number
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr })
    })
  })
}

/** `node dist/aegea.js ...args` with awsTestEnv(); resolves with the exit code and both streams. */
export function runCli(args: ReadonlyArray<string>, opts: CliOptions = {}): Promise<CliResult> {
  assertBuilt()
  return run(process.execPath, [...(opts.nodeArgs ?? []), CLI_PATH, ...args], opts, `aegea ${args.join(" ")}`, args)
}

export interface PipedResult extends CliResult {
  /** Exit code of the last command of the pipe. `code`/`stderr` are aegea's, `stdout` is the pipe's output. */
  readonly pipeCode: number
}

/**
 * `aegea ...args | pipeTo...` through `sh -c` (e.g. pipeTo = ["head", "-1"]): checks that aegea behaves when
 * its reader goes away (no EPIPE stack trace, sensible exit code).
 */
export async function runCliPiped(
  args: ReadonlyArray<string>,
  pipeTo: ReadonlyArray<string>,
  opts: CliOptions = {}
): Promise<PipedResult> {
  assertBuilt()
  const dir = mkdtempSync(join(tmpdir(), "aegea-pipe-"))
  try {
    const errFile = join(dir, "stderr")
    const codeFile = join(dir, "code")
    const aegea = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(" ")
    const script =
      `{ ${aegea} 2>${shellQuote(errFile)}; echo $? >${shellQuote(codeFile)}; } | ${pipeTo.map(shellQuote).join(" ")}`
    const r = await run("/bin/sh", ["-c", script], opts, `aegea ${args.join(" ")} | ${pipeTo.join(" ")}`, args)
    const code = Number(readFileSync(codeFile, "utf8").trim())
    return { code, stdout: r.stdout, stderr: readFileSync(errFile, "utf8"), pipeCode: r.code }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface TerminalAnswer {
  readonly after: string
  readonly send: string
}

export interface TerminalOptions {
  /** The terminal's width (`stty cols`). */
  readonly columns?: number
  /** The terminal's height (`stty rows`). */
  readonly rows?: number
  /** Added on top of cliEnv()'s (e.g. PAGER). */
  readonly env?: Record<string, string>
  /**
   * Type `send` once `after` has been printed (e.g. "(y/N)" -> "n\r"); a list answers several
   * questions in turn, each after the text that follows the previous answer.
   */
  readonly answer?: TerminalAnswer | ReadonlyArray<TerminalAnswer>
  /** Default 30 s; on expiry the child is killed and the promise rejects. */
  readonly timeoutMs?: number
}

/**
 * `aegea ...args` with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`), as at a
 * real terminal: stdout and stderr arrive merged, with "\r\n" turned back into "\n".
 */
export function runCliOnTerminal(args: ReadonlyArray<string>, opts: TerminalOptions = {}): Promise<{ code: number; output: string }> {
  assertBuilt()
  const aegea = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(" ")
  const command = `${opts.columns === undefined ? "" : `stty cols ${opts.columns}; `}${opts.rows === undefined ? "" : `stty rows ${opts.rows}; `}${aegea}`
  const timeoutMs = opts.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const env = cliEnv(opts.env !== undefined ? { env: opts.env } : {})
    const record = recorder(env, args)
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    const answers: Array<TerminalAnswer> = opts.answer === undefined ? [] : Array.isArray(opts.answer) ? [...opts.answer] : [opts.answer as TerminalAnswer]
    let seen = 0
    const onData = (d: string) => {
      output += d
      const next = answers[0]
      const at = next === undefined ? -1 : output.indexOf(next.after, seen)
      if (next !== undefined && at >= 0) {
        answers.shift()
        seen = at + next.after.length
        child.stdin.write(next.send)
      }
    }
    child.stdout.setEncoding("utf8").on("data", onData)
    child.stderr.setEncoding("utf8").on("data", onData)
    if (opts.answer === undefined) child.stdin.end()
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`script ${command} did not finish within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    child.once("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once("close", (code) => {
      clearTimeout(timer)
      record(output, "") // stdout and stderr merged by the terminal
      resolve({ code: code ?? -1, output: output.replace(/\r\n/g, "\n") })
    })
  })
}
