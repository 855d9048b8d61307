// `aegea ssm-proxy TARGET 22` as OpenSSH runs it, with a session already started at the SSM stand-in
// (its ticket in a ticket directory, as `aegea ssh` leaves it): the child, its stdout chunks and stderr.
import { StartSessionCommand, SSMClient } from "@aws-sdk/client-ssm"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { CLI_PATH, cliEnv } from "./cli.ts"
import { TEST_REGION } from "./moto.ts"

export interface ProxyRun {
  readonly child: ChildProcessWithoutNullStreams
  readonly sessionId: string
  readonly chunks: Array<Buffer>
  readonly stderr: () => string
}

export const startSsmProxy = async (
  ssmEndpoint: string,
  target: string,
  work: string,
  env: Record<string, string>
): Promise<ProxyRun> => {
  const ssm = new SSMClient({ region: TEST_REGION, endpoint: ssmEndpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } })
  const started = await ssm.send(new StartSessionCommand({ Target: target, DocumentName: "AWS-StartSSHSession", Parameters: { portNumber: ["22"] } }))
  ssm.destroy()
  const sessionId = started.SessionId!
  const tickets = mkdtempSync(join(work, "tickets-"))
  writeFileSync(join(tickets, `ticket-${target}.json`), JSON.stringify({ SessionId: sessionId, TokenValue: started.TokenValue, StreamUrl: started.StreamUrl }), { mode: 0o600 })
  const child = spawn(process.execPath, [CLI_PATH, "ssm-proxy", target, "22", "--region", TEST_REGION, "--ticket-directory", tickets], {
    env: cliEnv({ env }),
    stdio: ["pipe", "pipe", "pipe"]
  })
  const chunks: Array<Buffer> = []
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => chunks.push(d))
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  child.stdin.on("error", () => {})
  return { child, sessionId, chunks, stderr: () => stderr }
}
