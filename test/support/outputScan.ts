// Issue 19: a secret and credential scan of every output of the suite.
//
// Every aegea process a test spawns through ./cli.ts (runCli, runCliPiped, runCliOnTerminal) records its
// command line, stdout and stderr (`--debug` included), and the files and folders it created in its HOME,
// into a folder that the aws and cli-standalone projects' global setup creates; when the run ends, the
// setup's teardown scans them and fails the run on any finding:
// - the suite's own credentials (the secret access key and session token awsTestEnv() sets),
// - request signatures (`Signature=<64 hex>`, `X-Amz-Signature=`, `X-Amz-Security-Token=`),
// - private keys (`-----BEGIN ... PRIVATE KEY-----`) and values marked SUITE-SECRET- that tests store as
//   secrets: anywhere but the stdout of `aegea secrets get`, whose job is to print them,
// - files aegea created with access for group or others, and folders it created that are not 0700.
import { appendFileSync, lstatSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

/** The suite's credentials (awsTestEnv): distinctive, so that any echo of them is found. */
export const SUITE_SECRET_ACCESS_KEY = "aegeaSuiteSecretKey+DoNotPrint/0000000000"
export const SUITE_SESSION_TOKEN = "AegeaSuiteSessionToken//DoNotPrint0000000000000000000000000000"
/** Tests that store a secret value mark it with this, so the scan can tell it from ordinary text. */
export const SECRET_MARK = "SUITE-SECRET-"

export interface RecordedOutput {
  readonly args: ReadonlyArray<string>
  readonly stdout: string
  readonly stderr: string
  /** Paths (relative to HOME) and modes of what the process created there. */
  readonly created: ReadonlyArray<{ readonly path: string; readonly mode: number; readonly dir: boolean }>
}

/** Files and folders under the places aegea writes in HOME, with their modes (bounded walk). */
export const snapshotHome = (home: string): Map<string, { mode: number; dir: boolean }> => {
  const seen = new Map<string, { mode: number; dir: boolean }>()
  const walk = (relative: string, depth: number) => {
    if (depth > 6 || seen.size > 2_000) return
    let names: Array<string>
    try {
      names = readdirSync(join(home, relative))
    } catch {
      return
    }
    for (const name of names) {
      const path = relative === "" ? name : join(relative, name)
      let stat
      try {
        stat = lstatSync(join(home, path))
      } catch {
        continue
      }
      if (stat.isSymbolicLink()) continue
      seen.set(path, { mode: stat.mode & 0o777, dir: stat.isDirectory() })
      if (stat.isDirectory()) walk(path, depth + 1)
    }
  }
  walk("", 0)
  return seen
}

/** What appeared in HOME between two snapshots. */
export const createdSince = (
  before: Map<string, { mode: number; dir: boolean }>,
  after: Map<string, { mode: number; dir: boolean }>
): RecordedOutput["created"] =>
  [...after].filter(([path]) => !before.has(path)).map(([path, { mode, dir }]) => ({ path, mode, dir }))

/** Appends one process's outputs to the run's record (a JSON line per process; one file per test worker). */
export const recordOutput = (folder: string | undefined, output: RecordedOutput): void => {
  if (folder === undefined) return
  appendFileSync(join(folder, `outputs-${process.pid}.jsonl`), JSON.stringify(output) + "\n")
}

const credentialPatterns: ReadonlyArray<readonly [string, RegExp]> = [
  ["the suite's secret access key", new RegExp(SUITE_SECRET_ACCESS_KEY.replace(/[+/]/g, "\\$&"))],
  ["the suite's session token", new RegExp(SUITE_SESSION_TOKEN.replace(/[+/]/g, "\\$&"))],
  ["a request signature", /\bSignature=[0-9a-f]{64}\b/],
  ["a presigned URL's signature", /X-Amz-Signature=[0-9a-f]{16}/i],
  ["a security token in a URL", /X-Amz-Security-Token=[^&\s*]{8}/i]
]
const secretPatterns: ReadonlyArray<readonly [string, RegExp]> = [
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["a stored secret value", new RegExp(SECRET_MARK)]
]

/** The findings in one recorded process, as lines naming the command, the stream and what was found. */
export const findingsOf = (output: RecordedOutput): Array<string> => {
  const found: Array<string> = []
  const command = `aegea ${output.args.join(" ")}`.slice(0, 200)
  const printsSecrets = output.args[0] === "secrets" && output.args[1] === "get"
  for (const [stream, text] of [["stdout", output.stdout], ["stderr", output.stderr]] as const) {
    for (const [what, pattern] of credentialPatterns) if (pattern.test(text)) found.push(`${command}: ${what} on ${stream}`)
    if (stream === "stdout" && printsSecrets) continue
    for (const [what, pattern] of secretPatterns) if (pattern.test(text)) found.push(`${command}: ${what} on ${stream}`)
  }
  for (const entry of output.created) {
    if (entry.path.endsWith(".pub")) continue // a public key is meant to be read
    const wanted = entry.dir ? 0o700 : 0o600
    if (entry.dir ? entry.mode !== wanted : (entry.mode & 0o077) !== 0) {
      found.push(`${command}: created ~/${entry.path} with mode ${entry.mode.toString(8)} (want ${wanted.toString(8)})`)
    }
  }
  return found
}

/** Every finding of a run's record folder, and how many processes it covered. */
export const scanRecord = (folder: string): { processes: number; findings: Array<string> } => {
  let processes = 0
  const findings: Array<string> = []
  for (const name of readdirSync(folder)) {
    if (!name.endsWith(".jsonl")) continue
    for (const line of readFileSync(join(folder, name), "utf8").split("\n")) {
      if (line === "") continue
      processes += 1
      findings.push(...findingsOf(JSON.parse(line) as RecordedOutput))
    }
  }
  return { processes, findings }
}
