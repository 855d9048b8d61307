/**
 * Progress of waits as a user sees it (dist/aegea.js against moto): on a terminal (a pseudo-terminal
 * from util-linux `script`), one status line redrawn in place ("\r" + erase, a spinner, the states,
 * the time waited) and erased before the result; on a pipe, a timestamped line per change, never a
 * spinner, never the same line twice. Moto stops an instance at once, so a stand-in proxy in front of
 * it answers the first polls after StopInstances with the instance still "stopping".
 */
import { createServer, request, type Server } from "node:http"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, runCliOnTerminal } from "../support/cli.ts"
import { seedLogs } from "../support/logs.ts"
import { motoEndpoint, resetMoto, seedInstances } from "../support/moto.ts"

const erase = "\r\u001b[2K"
const spinner = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/

/**
 * A proxy to moto that passes everything through, except that after each StopInstances the next
 * `stoppingPolls` DescribeInstances answers say "stopping" (code 64) where moto says "stopped"; ECS
 * tasks described get the statuses of `tasks.script` first (one per DescribeTasks), then, with
 * `tasks.hold`, stay RUNNING (moto moves a task towards STOPPED as it is described).
 */
const startSlowStopProxy = (stoppingPolls: number) =>
  new Promise<{ url: string; server: Server; described: () => number; tasks: { script: Array<string>; hold: boolean } }>((resolve) => {
    const target = new URL(motoEndpoint())
    const tasks = { script: [] as Array<string>, hold: false }
    let left = 0
    let described = 0
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const body = Buffer.concat(chunks)
        const amzTarget = String(req.headers["x-amz-target"] ?? "")
        const action = amzTarget !== "" ? amzTarget.slice(amzTarget.lastIndexOf(".") + 1) : new URLSearchParams(body.toString("utf8")).get("Action")
        const up = request(
          { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, "content-length": String(body.length) } },
          (answer) => {
            const parts: Array<Buffer> = []
            answer.on("data", (c: Buffer) => parts.push(c))
            answer.on("end", () => {
              let text = Buffer.concat(parts).toString("utf8")
              if (action === "StopInstances") left = stoppingPolls
              else if (action === "DescribeInstances" && left > 0 && text.includes("<name>stopped</name>")) {
                left--
                described++
                text = text.replaceAll("<code>80</code>", "<code>64</code>").replaceAll("<name>stopped</name>", "<name>stopping</name>")
              } else if (action === "DescribeTasks") {
                const status = tasks.script.shift() ?? (tasks.hold ? "RUNNING" : undefined)
                if (status !== undefined) text = text.replace(/"lastStatus": ?"[A-Z]+"/g, `"lastStatus": "${status}"`)
              }
              const headers = { ...answer.headers, "content-length": String(Buffer.byteLength(text)) }
              delete headers["transfer-encoding"]
              res.writeHead(answer.statusCode ?? 502, headers).end(text)
            })
          }
        )
        up.on("error", () => res.writeHead(502).end())
        up.end(body)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({ url: `http://127.0.0.1:${port}`, server, described: () => described, tasks })
    })
  })

let proxy: Awaited<ReturnType<typeof startSlowStopProxy>>
let ids: Array<string> = []

beforeAll(async () => {
  await resetMoto()
  ids = await seedInstances(2, { names: ["slow-1", "slow-2"] })
  proxy = await startSlowStopProxy(2)
  await seedLogs({ "/aegea/progress": { "web-1": [{ timestamp: Date.now() - 60_000, message: "hello" }] } })
}, 60_000)

afterAll(() => new Promise<void>((done) => proxy.server.close(() => done())))

describe("instance --wait", () => {
  it("on a terminal: one status line redrawn in place, then erased before the table", async () => {
    const before = proxy.described()
    const r = await runCliOnTerminal(["stop", "slow-1", "--wait", "--yes"], { env: { AWS_ENDPOINT_URL: proxy.url }, columns: 120, timeoutMs: 60_000 })
    expect(r.code, r.output).toBe(0)
    expect(proxy.described() - before).toBe(2)
    const text = `waiting for ${ids[0]} (slow-1): stopping → stopped`
    // The line is drawn at the first poll, and redrawn by the spinner (other frames) at the same place.
    expect(r.output).toContain(`${erase}⠋ ${text} · 0s`)
    const draws = r.output.split(erase).filter((d) => d.startsWith("⠙ ") || d.startsWith("⠹ "))
    expect(draws.length, r.output).toBeGreaterThan(0)
    expect(draws.every((d) => d.includes(text))).toBe(true)
    // From the first draw to the table: no line break at all (one line, in place), and the last
    // thing before the table is the erase.
    const first = r.output.indexOf(`${erase}⠋ ${text}`)
    const table = r.output.indexOf("NAME")
    expect(table).toBeGreaterThan(first)
    const waiting = r.output.slice(first, table)
    expect(waiting).not.toContain("\n")
    expect(waiting.endsWith(erase)).toBe(true)
    expect(r.output.slice(table)).toMatch(/slow-1\s+i-\S+\s+running\s+stopped/)
    expect(r.output.slice(table)).not.toMatch(spinner)
  })

  it("on a pipe: a timestamped line per change, never a spinner or a carriage return", async () => {
    const before = proxy.described()
    const r = await runCli(["stop", "slow-2", "--wait", "--yes"], { env: { AWS_ENDPOINT_URL: proxy.url }, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(proxy.described() - before).toBe(2)
    expect(r.stderr).not.toMatch(spinner)
    expect(r.stderr).not.toContain("\r")
    // Three polls (stopping, stopping, stopped): two lines.
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ${ids[1]} \\(slow-2\\) stopping$`))
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ${ids[1]} \\(slow-2\\) stopped$`))
    expect(r.stdout).toMatch(/slow-2\s+i-\S+\s+running\s+stopped/)
  })

  it("with machine output on a terminal: the plain lines on stderr, no spinner, JSON intact", async () => {
    const r = await runCliOnTerminal(["start", "slow-2", "--wait", "--json"], { timeoutMs: 60_000 })
    expect(r.code, r.output).toBe(0)
    expect(r.output).not.toMatch(spinner)
    expect(r.output).toMatch(new RegExp(`^\\S+Z ${ids[1]} \\(slow-2\\) running$`, "m"))
  })
})

describe("logs export", () => {
  it("on a terminal the download shows on the status line with its bytes; on a pipe it does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegea-progress-"))
    const tty = await runCliOnTerminal(["logs", "export", "/aegea/progress", "--start-time=-1h", "--output-dir", dir], { columns: 150, timeoutMs: 60_000 })
    expect(tty.code, tty.output).toBe(0)
    expect(tty.output).toMatch(/\r\u001b\[2K⠋ downloading 1\/1: \d+ B \/ \d+ B/)
    const piped = await runCli(["logs", "export", "/aegea/progress", "--start-time=-1h", "--output-dir", dir])
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stderr).not.toMatch(spinner)
    expect(piped.stderr).not.toContain("downloading")
    const lines = piped.stderr.trimEnd().split("\n")
    expect(new Set(lines).size).toBe(lines.length)
  })
})

describe("watch", () => {
  it("on a pipe: timestamped status lines, each once", async () => {
    const r = await runCli(["ecs", "run", "--command", "echo hello", "--watch"], { timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    const watch = r.stderr.split("\n").filter((l) => l.includes("(cluster aegea_ecs):"))
    expect(watch.length).toBeGreaterThan(0)
    for (const line of watch) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ task \S+ \(cluster aegea_ecs\): [A-Z]+/)
    expect(new Set(watch).size).toBe(watch.length)
    expect(r.stderr).not.toMatch(spinner)
  })

  it("Ctrl-C on a terminal says how to resume watching (and how to stop the task)", async () => {
    const started = await runCli(["ecs", "run", "--command", "sleep 600", "--json"], { timeoutMs: 60_000 })
    expect(started.code, started.stderr).toBe(0)
    const { taskId } = JSON.parse(started.stdout) as { taskId: string }
    proxy.tasks.hold = true
    const r = await runCliOnTerminal(["ecs", "watch", taskId], {
      env: { AWS_ENDPOINT_URL: proxy.url },
      answer: [{ after: "RUNNING", send: "\u0003" }, { after: "(y/N)", send: "n\r" }],
      timeoutMs: 60_000
    })
    expect(r.output).toContain(
      `stopped watching; task ${taskId} keeps running: 'aegea ecs watch ${taskId} --cluster aegea_ecs' resumes watching, 'aegea ecs stop ${taskId} --cluster aegea_ecs' stops it`
    )
    expect(r.code).toBe(130)
    proxy.tasks.hold = false
  })

  it("on a terminal: a status line while the task waits to start (PROVISIONING, PENDING), then the status lines", async () => {
    const started = await runCli(["ecs", "run", "--command", "echo hi", "--json"], { timeoutMs: 60_000 })
    expect(started.code, started.stderr).toBe(0)
    const { taskId } = JSON.parse(started.stdout) as { taskId: string }
    proxy.tasks.script = ["PROVISIONING", "PROVISIONING", "PENDING", "PENDING"]
    const r = await runCliOnTerminal(["ecs", "watch", taskId], { env: { AWS_ENDPOINT_URL: proxy.url, NO_COLOR: "" }, columns: 150, timeoutMs: 60_000 })
    proxy.tasks.script = []
    expect(r.code, r.output).toBe(0)
    const label = `task ${taskId} (cluster aegea_ecs)`
    expect(r.output).toContain(`${erase}⠋ waiting for ${label} to start: PROVISIONING · 0s`)
    expect(r.output).toContain(`waiting for ${label} to start: PENDING`)
    // Status changes are lines of their own, timestamped and coloured (the terminal has colour).
    expect(r.output).toMatch(new RegExp(`\\u001b\\[2m\\S+Z\\u001b\\[22m ${label.replace(/[()]/g, "\\$&")}: \\u001b\\[33mPROVISIONING\\u001b\\[39m`))
    expect(r.output.match(new RegExp(`: \\u001b\\[33mPENDING`, "g"))).toHaveLength(1)
    // Once it has started the status line is erased for good: after the STOPPED line, no spinner.
    const stopped = r.output.search(/\u001b\[31mSTOPPED/)
    expect(stopped).toBeGreaterThan(0)
    expect(r.output.slice(stopped)).not.toMatch(spinner)
    expect(r.output.slice(0, stopped)).toMatch(/PENDING · \d+s\r\u001b\[2K\u001b\[2m\S+Z\u001b\[22m task \S+ \(cluster aegea_ecs\): $/)
  })
})
