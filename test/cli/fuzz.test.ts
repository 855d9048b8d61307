// Issue 19: fuzzed command lines. Each is drawn (deterministically by seed) from the real command tree
// (the built help documents in dist/static/help): a command, some of its flags and arguments with
// values that are valid, odd or hostile (negative, huge, empty, control characters, option-looking,
// __proto__...), sometimes a flag of another command or a typo. The endpoint is a closed port, so any
// AWS call fails at once. Every run must end with a documented exit code, one "aegea:" line at most
// per failure and never a stack trace or an internal error.
//
// CI runs AEGEA_FUZZ_RUNS (default 40) lines; `npm run bench:fuzz` runs 1,000 and prints the figures.
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CLI_PATH, cliEnv, REPO_ROOT } from "../support/cli.ts"
import { seededRandom } from "../support/faultProxy.ts"

const RUNS = Math.max(1, Math.min(5_000, Number(process.env.AEGEA_FUZZ_RUNS ?? "40") || 40))
const SEED = Number(process.env.AEGEA_FUZZ_SEED ?? "2026") || 2026
const PARALLEL = 4
/** The exit codes README's "Errors and exit codes" documents (N, a container's code, needs a watch on AWS). */
const documented = new Set([0, 1, 2, 3, 4, 5, 6, 65, 130])

interface HelpFlag {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly type: string
}
interface HelpDoc {
  readonly flags: ReadonlyArray<HelpFlag>
  readonly args: ReadonlyArray<{ readonly name: string; readonly variadic?: boolean }>
  readonly subcommands: ReadonlyArray<unknown>
}

const helpDir = join(REPO_ROOT, "dist", "static", "help")
const commands = readdirSync(helpDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ path: f.slice(0, -5).split("."), doc: JSON.parse(readFileSync(join(helpDir, f), "utf8")) as HelpDoc }))
  // Commands that open sessions or spawn programs (ssh, scp, tunnel, session...) wait on a terminal or a
  // peer: covered by their own suites. Everything else takes part.
  .filter((c) => !["ssh", "scp", "tunnel", "session", "ssm-proxy", "top"].includes(c.path[0]!) && !(c.path[0] === "ecs" && c.path[1] === "exec") && !(c.path[0] === "batch" && c.path[1] === "ssh"))
const allFlags = [...new Set(commands.flatMap((c) => c.doc.flags.map((f) => f.name)))]

const oddValues = [
  "", " ", "-1", "0", "1", "-999999999999", "99999999999999999999", "1e309", "NaN", "0x10", "1.5", "abc", "__proto__",
  "constructor", "--help", "-", "--", "a,b,,c", "=", "x=y", "KEY=", "=VALUE", "/", "../../etc/passwd", "\u0007bell", "\u001b[31mred",
  "é日本", "a".repeat(5_000), "2024-13-45", "-999999999999d", "yesterday", "arn:aws:iam::123:role/x", "i-0123456789abcdef0",
  "ml-*", "*", "?", "s3://bucket/key", "http://", "{\"a\":1}", "[1,2", "true", "false", "null"
]

const draw = (random: () => number) => {
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const command = pick(commands)
  const argv: Array<string> = [...command.path]
  if (random() < 0.1 && argv.length > 0) argv[argv.length - 1] = argv[argv.length - 1]!.slice(0, -1) + "x" // a typo
  for (const arg of command.doc.args) {
    const n = arg.variadic ? Math.floor(random() * 3) : random() < 0.85 ? 1 : 0
    for (let i = 0; i < n; i++) argv.push(pick(oddValues))
  }
  const flags = Math.floor(random() * 4)
  for (let i = 0; i < flags; i++) {
    const own = command.doc.flags.length > 0 && random() < 0.8
    const name = own ? pick(command.doc.flags).name : pick(allFlags)
    const flag = command.doc.flags.find((f) => f.name === name)
    if (flag?.type === "boolean") argv.push(random() < 0.8 ? `--${name}` : `--${name}=${pick(oddValues)}`)
    else if (random() < 0.5) argv.push(`--${name}`, pick(oddValues))
    else argv.push(`--${name}=${pick(oddValues)}`)
  }
  if (random() < 0.1) argv.splice(Math.floor(random() * (argv.length + 1)), 0, pick(["--output", "--region", "--profile", "--columns", "--query"]), pick(oddValues))
  // Destructive commands never ask: stdin is not a terminal (they refuse without --yes, exit 2).
  return argv
}

const run = (argv: ReadonlyArray<string>, endpoint: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...argv], {
      env: cliEnv({ env: { AWS_ENDPOINT_URL: endpoint, AWS_MAX_ATTEMPTS: "1", AEGEA_REQUEST_TIMEOUT: "2" } }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout = (stdout + d).slice(-20_000)))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-20_000)))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`aegea ${JSON.stringify(argv)} did not finish within 30 s`))
    }, 30_000)
    child.once("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** A port that refuses connections: bound, then closed. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 9
      server.close(() => resolve(port))
    })
  })

const figures = { runs: 0, byCode: new Map<number | null, number>() }
afterAll(() => {
  const codes = [...figures.byCode].sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1)).map(([c, n]) => `exit ${c}: ${n}`).join(", ")
  console.log(`fuzzed command lines: ${figures.runs} (seed ${SEED}); ${codes}`)
})

describe(`fuzzed command lines (${RUNS}, seed ${SEED})`, () => {
  it("end with a documented exit code, no stack trace and no internal error", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`
    const random = seededRandom(SEED)
    const lines = Array.from({ length: RUNS }, () => draw(random))
    const failures: Array<string> = []
    for (let i = 0; i < lines.length; i += PARALLEL) {
      const batch = lines.slice(i, i + PARALLEL)
      const results = await Promise.all(batch.map((argv) => run(argv, endpoint)))
      results.forEach((r, j) => {
        figures.runs += 1
        figures.byCode.set(r.code, (figures.byCode.get(r.code) ?? 0) + 1)
        const argv = JSON.stringify(batch[j])
        if (!documented.has(r.code ?? -1)) failures.push(`${argv}: exit ${r.code}\n${r.stderr.slice(0, 400)}`)
        else if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) failures.push(`${argv}: a stack trace\n${r.stderr.slice(0, 400)}`)
        else if (/internal error/i.test(r.stderr)) failures.push(`${argv}: internal error\n${r.stderr.slice(0, 400)}`)
        else if (r.code !== 0 && !r.stderr.split("\n").some((l) => l.startsWith("aegea: ") || l.startsWith("Error:") || l.trim() !== "")) {
          failures.push(`${argv}: exit ${r.code} with nothing said on stderr`)
        }
      })
    }
    expect(failures.slice(0, 10).join("\n\n")).toBe("")
  }, Math.max(120_000, RUNS * 3_000))
})
