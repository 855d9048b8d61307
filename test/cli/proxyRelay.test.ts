// `aegea ssm-proxy ... --ticket-directory D` with a ticket waiting (what `aegea ssh` gives OpenSSH as
// its ProxyCommand): the launcher relays through the ticket's session without loading the AWS SDK or
// the command tree (src/proxyRelay.ts), makes no AWS call, and leaves ending the session to its caller.
import { SSMClient, StartSessionCommand } from "@aws-sdk/client-ssm"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type AddressInfo, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ticketProxyArgs } from "../../src/proxyRelay.ts"
import { CLI_PATH, cliEnv, REPO_ROOT } from "../support/cli.ts"
import { writeLoadHook } from "../support/loadLog.ts"
import { motoEndpoint, seedInstances, TEST_REGION, useMoto } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"

useMoto()

const work = mkdtempSync(join(tmpdir(), "aegea-proxy-relay-"))
let standIn: SsmStandIn
let echo: Server
let box = ""
let registerHook = ""

beforeAll(async () => {
  echo = createServer((s) => {
    s.on("error", () => {})
    s.pipe(s)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  ;[box = ""] = await seedInstances(1, { names: ["relay-box"] })
  standIn = await startSsmStandIn({ motoEndpoint: motoEndpoint(), onlineInstances: [box], portMap: { 22: (echo.address() as AddressInfo).port } })
  registerHook = writeLoadHook(work)
}, 60_000)

afterAll(async () => {
  await standIn?.close()
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
  rmSync(work, { recursive: true, force: true })
})

describe("the ProxyCommand's lean path", () => {
  it("reads exactly the command line sshArgs.proxyCommand writes", () => {
    expect(ticketProxyArgs(["ssm-proxy", "i-0abc", "22", "--region", "us-east-1", "--ticket-directory", "/t"])).toEqual({ instanceId: "i-0abc", directory: "/t" })
    expect(ticketProxyArgs(["ssm-proxy", "i-0abc", "22", "--region", "r", "--profile", "p", "--endpoint-url", "u", "--ticket-directory", "/t"])).toEqual({ instanceId: "i-0abc", directory: "/t" })
    expect(ticketProxyArgs(["ssm-proxy", "i-0abc", "22", "--region", "us-east-1"])).toBeUndefined()
    expect(ticketProxyArgs(["ssm-proxy", "box", "22", "--ticket-directory", "/t"])).toBeUndefined()
    expect(ticketProxyArgs(["ssm-proxy", "i-0abc", "22", "--debug", "--ticket-directory", "/t"])).toBeUndefined()
    expect(ticketProxyArgs(["ssm-proxy", "i-0abc", "22", "--ticket-directory"])).toBeUndefined()
  })

  it("relays through the waiting session with no AWS call and none of the SDK or the command tree loaded", async () => {
    const ssm = new SSMClient({ region: TEST_REGION, endpoint: standIn.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } })
    const started = await ssm.send(new StartSessionCommand({ Target: box, DocumentName: "AWS-StartSSHSession", Parameters: { portNumber: ["22"] } }))
    ssm.destroy()
    const tickets = mkdtempSync(join(work, "tickets-"))
    writeFileSync(join(tickets, `ticket-${box}.json`), JSON.stringify({ SessionId: started.SessionId, TokenValue: started.TokenValue, StreamUrl: started.StreamUrl }), { mode: 0o600 })
    const operationsBefore = standIn.operations.length
    const log = join(work, "load.log")
    writeFileSync(log, "")
    const child = spawn(
      process.execPath,
      ["--import", registerHook, CLI_PATH, "ssm-proxy", box, "22", "--region", TEST_REGION, "--ticket-directory", tickets],
      { env: { ...cliEnv({ env: { AWS_ENDPOINT_URL_SSM: standIn.endpoint } }), AEGEA_LOAD_LOG: log }, stdio: ["pipe", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    child.stdin.write("through the ticket\n")
    for (let i = 0; i < 200 && !stdout.includes("through the ticket"); i++) await new Promise((r) => setTimeout(r, 50))
    expect(stdout, stderr).toBe("through the ticket\n")
    child.kill("SIGHUP") // what ssh does to its ProxyCommand when it is done
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)))
    expect(code, stderr).toBe(0)
    expect(readdirSync(tickets), "the ticket was claimed").toEqual([])
    expect(standIn.operations.slice(operationsBefore), "no AWS call: StartSession and TerminateSession are aegea ssh's").toEqual([])
    const session = standIn.sessions.find((s) => s.sessionId === started.SessionId)!
    expect(session.terminatedByFlag, "the agent was asked to end the session").toBe(true)

    // What the process loaded, by the bundle's own map of which source went into which chunk.
    const meta = JSON.parse(readFileSync(join(REPO_ROOT, "dist", "meta.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, unknown> }> }
    const loaded = readFileSync(log, "utf8").split("\n").filter((u) => u.includes("/dist/")).map((u) => u.replace(/^.*\/dist\//, ""))
    // the build writes into dist.tmp-PID/ and then renames it to dist/
    const outputs = new Map(Object.entries(meta.outputs).map(([file, o]) => [file.replace(/^[^/]+\//, ""), o]))
    const inputs = loaded.flatMap((file) => Object.keys(outputs.get(file)?.inputs ?? {}))
    expect(loaded.length, "the hook saw the launcher and its chunks").toBeGreaterThan(3)
    expect(inputs.some((i) => i.includes("src/lib/ssm/frame.ts")), loaded.join("\n")).toBe(true)
    expect(inputs.filter((i) => i.includes("@aws-sdk/") || i.includes("@smithy/")), "the AWS SDK").toEqual([])
    expect(inputs.filter((i) => i.includes("src/commands/") || i.includes("effect/dist/cli/") || i.includes("src/cli")), "the command tree").toEqual([])
  }, 60_000)
})
