// A local stand-in for the parts of SSM that moto lacks: StartSession, TerminateSession and
// DescribeInstanceInformation (JSON protocol, `X-Amz-Target: AmazonSSM.<Operation>`), reached through
// AWS_ENDPOINT_URL_SSM; every other SSM operation is forwarded to moto. StartSession's StreamUrl
// points at this server's WebSocket endpoint, which speaks the AGENT side of the data channel
// (handshake, acks, output_stream_data, flags, channel_closed) and relays the bytes to a local TCP
// port. Listens on 127.0.0.1 only.
//
// Shell sessions (StartSession without a document, AWS-StartInteractiveCommand, and ECS ExecuteCommand,
// reached through AWS_ENDPOINT_URL_ECS: every other ECS operation is forwarded to moto) run a real
// local /bin/sh (or `/bin/sh -c COMMAND`) on pipes, without a pseudo-terminal, and relay it.
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { type ChildProcess, spawn } from "node:child_process"
import { connect, type AddressInfo, type Socket } from "node:net"
import { WebSocketServer, type WebSocket } from "ws"
import { ACK_FLAGS, decodeMessage, encodeMessage, MessageType, PayloadType } from "../../src/lib/ssm/frame.ts"

export interface StandInOptions {
  /** moto's URL, for the operations the stand-in does not implement. */
  readonly motoEndpoint: string
  /** Instances whose SSM agent is online. */
  readonly onlineInstances: ReadonlyArray<string>
  /** Where the "instance" connects for a given remote port: port 22 -> the test's sshd, etc. Default: same port on 127.0.0.1. */
  readonly portMap?: Readonly<Record<number, number>>
  /** Instances for which StartSession is refused with AccessDeniedException. */
  readonly deniedSessions?: ReadonlyArray<string>
  /** A shell session whose input contains this text loses its connection (no channel_closed). */
  readonly dropOn?: string
}

export interface StandInSession {
  readonly sessionId: string
  readonly target: string
  readonly documentName: string
  readonly parameters: Record<string, ReadonlyArray<string>>
  terminatedByApi: boolean
  terminatedByFlag: boolean
  /** Data channels opened with this session's token. */
  channels: number
  /** TCP connections from the "agent" to the destination that are still open. */
  openSockets: number
  /** Shell sessions: the bytes typed (input_stream_data output payloads), and the size messages. */
  input: Buffer
  readonly sizes: Array<{ cols: number; rows: number }>
}

export interface Sshd {
  readonly port: number
  /** The host's public key, "ssh-ed25519 AAAA... comment". */
  readonly hostPublicKey: string
  /** A private key sshd accepts for the current user. */
  readonly clientKey: string
  /** Add a public key to the accepted keys. */
  readonly authorize: (publicKey: string) => void
  readonly stop: () => Promise<void>
}

/**
 * A real OpenSSH sshd on 127.0.0.1:<free port> as the current user, with a generated host key and
 * client key in a temporary directory, logging to stderr (-D -e).
 */
export async function startSshd(): Promise<Sshd> {
  const { execFileSync, spawn } = await import("node:child_process")
  const { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs")
  const { tmpdir } = await import("node:os")
  const { join } = await import("node:path")
  const dir = mkdtempSync(join(tmpdir(), "aegea-sshd-"))
  const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", join(dir, file)])
  keygen("host_key")
  keygen("client_key")
  const authorizedKeys = join(dir, "authorized_keys")
  writeFileSync(authorizedKeys, readFileSync(join(dir, "client_key.pub")))
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  writeFileSync(join(dir, "sshd_config"), [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_key")}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    "StrictModes no",
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "Subsystem sftp internal-sftp",
    ""
  ].join("\n"))
  // As root, sshd needs its privilege separation directory (Debian's service creates it at boot).
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 })
  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] })
  let log = ""
  child.stderr.setEncoding("utf8").on("data", (d: string) => (log += d))
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port }, () => {
        s.destroy()
        resolve(true)
      })
      s.on("error", () => resolve(false))
    })
    if (up) break
    if (child.exitCode !== null || i === 99) throw new Error(`sshd did not start: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    port,
    hostPublicKey: readFileSync(join(dir, "host_key.pub"), "utf8").trim(),
    clientKey: join(dir, "client_key"),
    authorize: (publicKey) => appendFileSync(authorizedKeys, publicKey.trim() + "\n"),
    stop: async () => {
      child.kill("SIGTERM")
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)))
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface SsmStandIn {
  readonly endpoint: string
  readonly sessions: ReadonlyArray<StandInSession>
  /** Every operation received, e.g. "StartSession". */
  readonly operations: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const AGENT_VERSION = "3.3.1957.0"

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() })
  res.end(JSON.stringify(body))
}

export async function startSsmStandIn(options: StandInOptions): Promise<SsmStandIn> {
  const sessions = new Map<string, StandInSession & { token: string }>()
  const operations: Array<string> = []
  const sockets = new Set<Socket>()
  const execTasks = new Set<string>()
  let endpoint = ""

  const forward = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v
    const upstream = await fetch(options.motoEndpoint + (req.url ?? "/"), { method: req.method ?? "POST", headers, body })
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers))
    res.end(Buffer.from(await upstream.arrayBuffer()))
  }

  const http: Server = createServer((req, res) => {
    readBody(req).then(async (body) => {
      const target = String(req.headers["x-amz-target"] ?? "")
      const operation = target.startsWith("AmazonSSM.")
        ? target.slice("AmazonSSM.".length)
        : target === "AmazonEC2ContainerServiceV20141113.ExecuteCommand"
        ? "ecs:ExecuteCommand"
        : target === "AmazonEC2ContainerServiceV20141113.RunTask" ? "ecs:RunTask" : ""
      operations.push(operation || target || `${req.method} ${req.url}`)
      const input = body.length > 0 ? JSON.parse(body.toString()) as Record<string, unknown> : {}
      switch (operation) {
        case "StartSession": {
          const target = String(input.Target)
          if (options.deniedSessions?.includes(target)) {
            return json(res, 400, {
              __type: "AccessDeniedException",
              message: `User: arn:aws:iam::123456789012:user/default_user is not authorized to perform: ssm:StartSession on resource: arn:aws:ec2:us-east-1:123456789012:instance/${target}`
            })
          }
          const sessionId = `default_user-${randomUUID().slice(0, 17)}`
          const token = randomUUID()
          sessions.set(sessionId, {
            sessionId,
            target,
            documentName: String(input.DocumentName ?? "SSM-SessionManagerRunShell"),
            parameters: (input.Parameters ?? {}) as Record<string, ReadonlyArray<string>>,
            terminatedByApi: false,
            terminatedByFlag: false,
            channels: 0,
            openSockets: 0,
            input: Buffer.alloc(0),
            sizes: [],
            token
          })
          const streamUrl = `${endpoint.replace(/^http/, "ws")}/v1/data-channel/${sessionId}?role=publish_subscribe`
          return json(res, 200, { SessionId: sessionId, TokenValue: token, StreamUrl: streamUrl })
        }
        case "ecs:RunTask": {
          // moto does not keep enableExecuteCommand: the stand-in remembers the tasks started with it
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v
          const upstream = await fetch(options.motoEndpoint + (req.url ?? "/"), { method: "POST", headers, body })
          const answer = Buffer.from(await upstream.arrayBuffer())
          if (upstream.ok && input.enableExecuteCommand === true) {
            for (const t of (JSON.parse(answer.toString()) as { tasks?: Array<{ taskArn?: string }> }).tasks ?? []) if (t.taskArn) execTasks.add(t.taskArn)
          }
          res.writeHead(upstream.status, Object.fromEntries(upstream.headers))
          return res.end(answer)
        }
        case "ecs:ExecuteCommand": {
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v
          headers["x-amz-target"] = "AmazonEC2ContainerServiceV20141113.DescribeTasks"
          const described = await fetch(options.motoEndpoint + "/", {
            method: "POST",
            headers,
            body: JSON.stringify({ cluster: input.cluster, tasks: [input.task] })
          }).then((r) => r.json() as Promise<{ tasks?: Array<Record<string, unknown>> }>)
          const task = described.tasks?.[0]
          if (task === undefined) return json(res, 400, { __type: "InvalidParameterException", message: "The specified task was not found." })
          if (!execTasks.has(String(task.taskArn))) {
            return json(res, 400, {
              __type: "InvalidParameterException",
              message: "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again."
            })
          }
          const containers = (task.containers ?? []) as Array<{ name?: string; containerArn?: string }>
          const container = containers.find((c) => input.container === undefined || c.name === input.container) ?? containers[0]
          const sessionId = `ecs-execute-command-${randomUUID().slice(0, 17)}`
          const token = randomUUID()
          sessions.set(sessionId, {
            sessionId,
            target: `ecs:${String(task.taskArn)}`,
            documentName: "AWS-StartInteractiveCommand",
            parameters: { command: [String(input.command)] },
            terminatedByApi: false,
            terminatedByFlag: false,
            channels: 0,
            openSockets: 0,
            input: Buffer.alloc(0),
            sizes: [],
            token
          })
          return json(res, 200, {
            clusterArn: task.clusterArn,
            containerArn: container?.containerArn,
            containerName: container?.name ?? input.container,
            interactive: true,
            taskArn: task.taskArn,
            session: { sessionId, streamUrl: `${endpoint.replace(/^http/, "ws")}/v1/data-channel/${sessionId}?role=publish_subscribe`, tokenValue: token }
          })
        }
        case "TerminateSession": {
          const s = sessions.get(String(input.SessionId))
          if (s) s.terminatedByApi = true
          return json(res, 200, { SessionId: input.SessionId })
        }
        case "DescribeInstanceInformation": {
          const filters = (input.Filters ?? []) as Array<{ Key: string; Values: Array<string> }>
          const wanted = filters.find((f) => f.Key === "InstanceIds")?.Values
          const list = options.onlineInstances
            .filter((id) => wanted === undefined || wanted.includes(id))
            .map((id) => ({ InstanceId: id, PingStatus: "Online", AgentVersion: AGENT_VERSION, PlatformName: "Debian", LastPingDateTime: Date.now() / 1000 }))
          return json(res, 200, { InstanceInformationList: list })
        }
        default:
          return forward(req, res, body)
      }
    }).catch((e: unknown) => json(res, 500, { __type: "InternalServerError", message: String(e) }))
  })

  const wss = new WebSocketServer({ noServer: true })
  http.on("upgrade", (req, socket, head) => {
    const match = /^\/v1\/data-channel\/([^?]+)/.exec(req.url ?? "")
    const session = match ? sessions.get(match[1]!) : undefined
    if (session === undefined) return socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => agent(ws, session))
  })

  /** The agent side of one data channel. */
  const agent = (ws: WebSocket, session: StandInSession & { token: string }) => {
    let outSeq = 0n
    let expectedIn = 0n
    let tcp: Socket | undefined
    let shell: ChildProcess | undefined
    let closed = false
    const shellType = session.documentName === "SSM-SessionManagerRunShell"
      ? "Standard_Stream"
      : session.documentName === "AWS-StartInteractiveCommand" ? "InteractiveCommands" : undefined
    const send = (messageType: string, sequenceNumber: bigint, payloadType: number, payload: Uint8Array, flags = 0n) => {
      if (ws.readyState !== ws.OPEN) return
      ws.send(encodeMessage({ messageType, schemaVersion: 1, createdDate: Date.now(), sequenceNumber, flags, messageId: randomUUID(), payloadType, payload }))
    }
    const output = (payloadType: number, payload: Uint8Array) => send(MessageType.output, outSeq++, payloadType, payload)
    const closeChannel = (reason: string) => {
      if (closed) return
      closed = true
      tcp?.destroy()
      shell?.kill("SIGKILL")
      send(MessageType.channelClosed, 0n, 0, Buffer.from(JSON.stringify({ MessageType: "channel_closed", SessionId: session.sessionId, Output: reason, SchemaVersion: 1 })))
      ws.close(1000)
    }
    const openTcp = () => {
      const remotePort = Number(session.parameters.portNumber?.[0] ?? 22)
      const port = options.portMap?.[remotePort] ?? remotePort
      const socket = connect({ host: "127.0.0.1", port })
      tcp = socket
      sockets.add(socket)
      session.openSockets++
      socket.on("data", (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i += 1024) output(PayloadType.output, chunk.subarray(i, i + 1024))
      })
      socket.on("error", () => {
        if (!closed) output(PayloadType.flag, Buffer.from([0, 0, 0, 3]))
      })
      socket.on("close", () => {
        sockets.delete(socket)
        session.openSockets--
        closeChannel("")
      })
    }
    const openShell = () => {
      const command = session.parameters.command?.[0]
      const child = spawn("/bin/sh", command === undefined ? [] : ["-c", command], { stdio: ["pipe", "pipe", "pipe"] })
      shell = child
      const relayOut = (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i += 1024) output(PayloadType.output, chunk.subarray(i, i + 1024))
      }
      child.stdout!.on("data", relayOut)
      child.stderr!.on("data", relayOut)
      child.stdin!.on("error", () => {})
      child.on("close", () => closeChannel(""))
    }
    ws.on("close", () => {
      closed = true
      tcp?.destroy()
      shell?.kill("SIGKILL")
    })
    ws.once("message", (first, isBinary) => {
      const open = isBinary ? undefined : JSON.parse(first.toString()) as { TokenValue?: string }
      if (open?.TokenValue !== session.token) return ws.close(1003, "request to open data channel does not contain token")
      session.channels++
      const requestedProperties = { portNumber: session.parameters.portNumber?.[0] ?? "22" }
      output(PayloadType.handshakeRequest, Buffer.from(JSON.stringify({
        AgentVersion: AGENT_VERSION,
        RequestedClientActions: [{ ActionType: "SessionType", ActionParameters: { SessionType: shellType ?? "Port", Properties: shellType === undefined ? requestedProperties : {} } }]
      })))
      ws.on("message", (data: Buffer, binary: boolean) => {
        if (!binary) return
        const decoded = decodeMessage(data)
        if (decoded._tag !== "Decoded" || decoded.message.messageType !== MessageType.input) return
        const m = decoded.message
        send(MessageType.acknowledge, 0n, 0, Buffer.from(JSON.stringify({
          AcknowledgedMessageType: m.messageType,
          AcknowledgedMessageId: m.messageId,
          AcknowledgedMessageSequenceNumber: Number(m.sequenceNumber),
          IsSequentialMessage: true
        })), ACK_FLAGS)
        if (m.sequenceNumber !== expectedIn) return // a resend of something already handled
        expectedIn++
        if (m.payloadType === PayloadType.handshakeResponse) {
          const response = JSON.parse(Buffer.from(m.payload).toString()) as { ProcessedClientActions?: Array<{ ActionStatus: number }> }
          if (response.ProcessedClientActions?.[0]?.ActionStatus !== 1) return closeChannel("handshake failed")
          output(PayloadType.handshakeComplete, Buffer.from(JSON.stringify({ HandshakeTimeToComplete: 1_000_000, CustomerMessage: "" })))
          if (shellType === undefined) openTcp()
          else openShell()
        } else if (m.payloadType === PayloadType.output && shell !== undefined) {
          session.input = Buffer.concat([session.input, m.payload])
          if (options.dropOn !== undefined && session.input.includes(options.dropOn)) {
            closed = true
            ws.terminate()
            shell.kill("SIGKILL")
            return
          }
          shell.stdin!.write(m.payload)
        } else if (m.payloadType === PayloadType.size) {
          session.sizes.push(JSON.parse(Buffer.from(m.payload).toString()) as { cols: number; rows: number })
        } else if (m.payloadType === PayloadType.output) {
          tcp?.write(m.payload)
        } else if (m.payloadType === PayloadType.flag) {
          const flag = Buffer.from(m.payload).readUInt32BE(0)
          if (flag === 2) {
            session.terminatedByFlag = true
            closeChannel("")
          } else if (flag === 1) tcp?.destroy()
        }
      })
    })
  }

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve))
  endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return {
    endpoint,
    get sessions() {
      return [...sessions.values()]
    },
    operations,
    close: async () => {
      for (const s of sockets) s.destroy()
      for (const client of wss.clients) client.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  }
}
