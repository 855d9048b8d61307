// A local stand-in for the parts of SSM that moto lacks: StartSession, TerminateSession and
// DescribeInstanceInformation (JSON protocol, `X-Amz-Target: AmazonSSM.<Operation>`), reached through
// AWS_ENDPOINT_URL_SSM; every other SSM operation is forwarded to moto. StartSession's StreamUrl
// points at this server's WebSocket endpoint, which speaks the AGENT side of the data channel
// (handshake, acks, output_stream_data, flags, channel_closed) and relays the bytes to a local TCP
// port. Listens on 127.0.0.1 only.
//
// Sessions outlive their WebSocket as on AWS: a connection that ends without the TerminateSession
// flag or API call (dropped, terminated) leaves the session open; ResumeSession gives a new token, the
// next connection with it continues the session (no new handshake), the agent sends again every
// output_stream_data message not yet acknowledged, and input_stream_data messages seen before are
// acknowledged again and dropped by sequence number (a gap is buffered), as the agent does. Controls:
// `drop` (abrupt close), `stall` (stop reading and sending, pings unanswered, no close),
// `endOnResume` (ResumeSession answers without a token) and `failResumes` (ResumeSession fails, 500). Every session logs the order of what it
// handled (`log`), so a test can check that no data came before HandshakeComplete.
//
// Port forwarding sessions (AWS-StartPortForwardingSession...) carry `type: LocalPortForwarding`; when
// the client reports version >= 1.1.70 the agent speaks smux, as the real one does
// (ssmStandInMux.ts): one destination connection per stream. With `kms`, sessions on the instances it
// names ask for KMS encryption: the client's data key must come from the KMS stand-in under the
// session's encryption context, the encryption challenge must be answered, and Output payloads are
// AES-GCM both ways.
//
// Shell sessions (StartSession without a document, AWS-StartInteractiveCommand, and ECS ExecuteCommand,
// reached through AWS_ENDPOINT_URL_ECS: every other ECS operation is forwarded to moto) run a real
// local /bin/sh (or `/bin/sh -c COMMAND`) on pipes, without a pseudo-terminal, and relay it.
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { type ChildProcess, spawn } from "node:child_process"
import { connect, type AddressInfo, type Socket } from "node:net"
import { WebSocketServer, type WebSocket } from "ws"
import { ACK_FLAGS, type ClientMessage, decodeMessage, encodeMessage, MessageType, PayloadType } from "../../src/lib/ssm/frame.ts"
import type { SessionCipher } from "../../src/lib/ssm/kmsEncryption.ts"
import { type AgentEncryption, agentEncryption, type AgentMux, agentMux, agentUsesMux, type KmsStandIn, portSessionProperties } from "./ssmStandInMux.ts"

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
  /** Sessions on these instances ask for KMS encryption with `keyId`, checked against the KMS stand-in. */
  readonly kms?: { readonly standIn: KmsStandIn; readonly keyId: string; readonly instances: ReadonlyArray<string> }
  /** Where StreamUrl points (http URL; default: the stand-in itself), e.g. a delaying proxy in front of it. */
  readonly streamEndpoint?: () => string
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
  /** ResumeSession calls answered with a token. */
  resumes: number
  /** input_stream_data messages received again (same sequence number) and dropped. */
  duplicates: number
  /** Port forwarding: whether the agent spoke smux, the streams the client opened, the most open at once. */
  mux: boolean
  streams: number
  maxOpenStreams: number
  /** KMS: the challenge was answered, and every payload since decrypted. */
  encrypted: boolean
  /**
   * What the agent handled, in order: "agent:HandshakeRequest", "client:HandshakeResponse",
   * "agent:HandshakeComplete", "client:Output", "client:Size", "client:Flag", "connection" (a WebSocket
   * opened with a valid token).
   */
  readonly log: Array<string>
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
    // bash started by sshd reads ~/.bashrc for a remote command when it is the top-level shell
    // (Debian builds it so): on a machine whose .bashrc starts pyenv that is 0.4 s per command, in
    // every ssh of the tests and in the bench's direct ssh and aegea ssh alike. One level up, it does not.
    "SetEnv SHLVL=1",
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
  /**
   * Drop the session's WebSocket abruptly (no close frame, no channel_closed); the session stays open.
   * False when the session had no connection to drop (e.g. a resumption under way).
   */
  readonly drop: (sessionId: string) => boolean
  /**
   * Stall the session's WebSocket: read nothing (pings go unanswered) and send nothing, without
   * closing it. False when the session had no working connection to stall.
   */
  readonly stall: (sessionId: string) => boolean
  /** When true, ResumeSession answers without a token (the session has ended). */
  endOnResume: boolean
  /** ResumeSession calls still to answer with a 500 InternalServerError (each call takes one). */
  failResumes: number
  readonly close: () => Promise<void>
}

/** The agent's side of one session, kept across its WebSockets. */
interface AgentState {
  ws: WebSocket | undefined
  stalled: boolean
  outSeq: bigint
  expectedIn: bigint
  /** output_stream_data frames the client has not acknowledged, by sequence number. */
  readonly unacked: Map<bigint, Uint8Array>
  /** input_stream_data messages that arrived ahead of a gap. */
  readonly ahead: Map<bigint, ClientMessage>
  handshakeStarted: boolean
  tcp: Socket | undefined
  shell: ChildProcess | undefined
  ended: boolean
  mux: AgentMux | undefined
  encryption: AgentEncryption | undefined
  cipher: SessionCipher | undefined
  /** The check of the client's EncChallengeResponse, while one is awaited. */
  challenge: ((response: Uint8Array) => boolean) | undefined
}

const payloadNames: Record<number, string> = {
  [PayloadType.output]: "Output",
  [PayloadType.size]: "Size",
  [PayloadType.flag]: "Flag",
  [PayloadType.handshakeResponse]: "HandshakeResponse",
  [PayloadType.encChallengeResponse]: "EncChallengeResponse"
}

const AGENT_VERSION = "3.3.1957.0"

const newAgentState = (): AgentState => ({
  ws: undefined,
  stalled: false,
  outSeq: 0n,
  expectedIn: 0n,
  unacked: new Map(),
  ahead: new Map(),
  handshakeStarted: false,
  tcp: undefined,
  shell: undefined,
  ended: false,
  mux: undefined,
  encryption: undefined,
  cipher: undefined,
  challenge: undefined
})

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
  const sessions = new Map<string, StandInSession & { token: string; readonly agent: AgentState }>()
  const operations: Array<string> = []
  const sockets = new Set<Socket>()
  const execTasks = new Set<string>()
  let endpoint = ""
  const streamBase = () => (options.streamEndpoint?.() ?? endpoint).replace(/^http/, "ws")

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
          // as SSM refuses a target whose agent is not connected
          if (!options.onlineInstances.includes(target)) return json(res, 400, { __type: "TargetNotConnected", message: `${target} is not connected.` })
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
            resumes: 0,
            duplicates: 0,
            mux: false,
            streams: 0,
            maxOpenStreams: 0,
            encrypted: false,
            log: [],
            agent: newAgentState(),
            token
          })
          const streamUrl = `${streamBase()}/v1/data-channel/${sessionId}?role=publish_subscribe`
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
            resumes: 0,
            duplicates: 0,
            mux: false,
            streams: 0,
            maxOpenStreams: 0,
            encrypted: false,
            log: [],
            agent: newAgentState(),
            token
          })
          return json(res, 200, {
            clusterArn: task.clusterArn,
            containerArn: container?.containerArn,
            containerName: container?.name ?? input.container,
            interactive: true,
            taskArn: task.taskArn,
            session: { sessionId, streamUrl: `${streamBase()}/v1/data-channel/${sessionId}?role=publish_subscribe`, tokenValue: token }
          })
        }
        case "TerminateSession": {
          const s = sessions.get(String(input.SessionId))
          if (s) {
            s.terminatedByApi = true
            endSession(s)
          }
          return json(res, 200, { SessionId: input.SessionId })
        }
        case "ResumeSession": {
          const s = sessions.get(String(input.SessionId))
          if (s === undefined) return json(res, 400, { __type: "DoesNotExistException", message: `Session ${String(input.SessionId)} does not exist` })
          if (standIn.failResumes > 0) {
            standIn.failResumes--
            return json(res, 500, { __type: "InternalServerError", message: "the stand-in fails this ResumeSession" })
          }
          if (s.agent.ended || standIn.endOnResume) return json(res, 200, { SessionId: s.sessionId })
          s.token = randomUUID()
          s.resumes++
          const streamUrl = `${streamBase()}/v1/data-channel/${s.sessionId}?role=publish_subscribe`
          return json(res, 200, { SessionId: s.sessionId, TokenValue: s.token, StreamUrl: streamUrl })
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

  type Session = StandInSession & { token: string; readonly agent: AgentState }

  /** The session is over: its destination connection or shell and its WebSocket go. */
  const endSession = (session: Session) => {
    const a = session.agent
    if (a.ended) return
    a.ended = true
    a.tcp?.destroy()
    a.mux?.close()
    a.shell?.kill("SIGKILL")
    a.ws?.close(1000)
  }

  /** The agent side of one data channel: the session's state, over the WebSocket `ws` from now on. */
  const agent = (ws: WebSocket, session: Session) => {
    const a = session.agent
    const shellType = session.documentName === "SSM-SessionManagerRunShell"
      ? "Standard_Stream"
      : session.documentName === "AWS-StartInteractiveCommand" ? "InteractiveCommands" : undefined
    const transmit = (frame: Uint8Array) => {
      const current = a.ws
      if (current !== undefined && current.readyState === current.OPEN && !a.stalled) current.send(frame)
    }
    const frame = (messageType: string, sequenceNumber: bigint, payloadType: number, payload: Uint8Array, flags = 0n) =>
      encodeMessage({ messageType, schemaVersion: 1, createdDate: Date.now(), sequenceNumber, flags, messageId: randomUUID(), payloadType, payload })
    /** A sequenced output_stream_data message, kept until the client acknowledges it. */
    const output = (payloadType: number, payload: Uint8Array) => {
      const seq = a.outSeq++
      // the agent encrypts Output, StdErr and ExitCode once KMS encryption is on
      const body = a.cipher !== undefined && [PayloadType.output, PayloadType.stdErr, PayloadType.exitCode].includes(payloadType as 1) ? a.cipher.encrypt(payload) : payload
      const f = frame(MessageType.output, seq, payloadType, body)
      a.unacked.set(seq, f)
      transmit(f)
    }
    const closeChannel = (reason: string) => {
      if (a.ended) return
      transmit(frame(MessageType.channelClosed, 0n, 0, Buffer.from(JSON.stringify({ MessageType: "channel_closed", SessionId: session.sessionId, Output: reason, SchemaVersion: 1 }))))
      endSession(session)
    }
    const openTcp = () => {
      const socket = connect({ host: "127.0.0.1", port: remote(), noDelay: true })
      a.tcp = socket
      sockets.add(socket)
      session.openSockets++
      socket.on("data", (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i += 1024) output(PayloadType.output, chunk.subarray(i, i + 1024))
      })
      socket.on("error", () => {
        if (!a.ended) output(PayloadType.flag, Buffer.from([0, 0, 0, 3]))
      })
      socket.on("close", () => {
        sockets.delete(socket)
        session.openSockets--
        closeChannel("")
      })
    }
    const remote = () => {
      const remotePort = Number(session.parameters.portNumber?.[0] ?? 22)
      return options.portMap?.[remotePort] ?? remotePort
    }
    /** The agent's smux server: each stream the client opens is one connection to the destination. */
    const openMux = () => {
      session.mux = true
      a.mux = agentMux({
        host: "127.0.0.1",
        port: remote(),
        send: (bytes) => {
          for (let i = 0; i < bytes.length; i += 1024) output(PayloadType.output, bytes.subarray(i, i + 1024))
        },
        flag: (flag) => output(PayloadType.flag, Buffer.from([0, 0, 0, flag])),
        sockets,
        onSocket: (delta) => {
          session.openSockets += delta
          if (delta === 1) {
            session.streams = a.mux?.streamsOpened ?? session.streams + 1
            session.maxOpenStreams = Math.max(session.maxOpenStreams, session.openSockets)
          }
        }
      })
    }
    const properties = shellType === undefined ? portSessionProperties(session.documentName, session.parameters) : {}
    /** The handshake is done (after the encryption challenge, if any): the session starts. */
    const complete = (clientVersion: string) => {
      session.log.push("agent:HandshakeComplete")
      output(PayloadType.handshakeComplete, Buffer.from(JSON.stringify({
        HandshakeTimeToComplete: 1_000_000,
        CustomerMessage: a.cipher !== undefined ? "This session is encrypted using AWS KMS." : ""
      })))
      if (shellType !== undefined) openShell()
      else if (agentUsesMux(properties, clientVersion)) openMux()
      else openTcp()
    }
    const openShell = () => {
      const command = session.parameters.command?.[0]
      const child = spawn("/bin/sh", command === undefined ? [] : ["-c", command], { stdio: ["pipe", "pipe", "pipe"] })
      a.shell = child
      const relayOut = (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i += 1024) output(PayloadType.output, chunk.subarray(i, i + 1024))
      }
      child.stdout!.on("data", relayOut)
      child.stderr!.on("data", relayOut)
      child.stdin!.on("error", () => {})
      child.on("close", () => closeChannel(""))
    }
    /** One input_stream_data message, in sequence. */
    let clientVersion = ""
    const handle = (received: ClientMessage) => {
      const name = payloadNames[received.payloadType] ?? `PayloadType${received.payloadType}`
      session.log.push(`client:${name}`)
      let m = received
      if (a.cipher !== undefined && m.payloadType === PayloadType.output) {
        const plain = a.cipher.decrypt(m.payload)
        if (plain === undefined) {
          session.encrypted = false
          return closeChannel("could not decrypt the client's data")
        }
        m = { ...m, payload: plain }
      }
      if (m.payloadType === PayloadType.handshakeResponse) {
        const response = JSON.parse(Buffer.from(m.payload).toString()) as {
          ClientVersion?: string
          ProcessedClientActions?: Array<{ ActionType?: string; ActionStatus: number }>
        }
        const processed = response.ProcessedClientActions ?? []
        if (processed.length === 0 || processed.some((p) => p.ActionStatus !== 1)) return closeChannel("handshake failed")
        clientVersion = response.ClientVersion ?? ""
        if (a.encryption !== undefined) {
          const accepted = a.encryption.accept(processed.find((p) => p.ActionType === "KMSEncryption"))
          if (typeof accepted === "string") return closeChannel(accepted)
          a.cipher = accepted
          const challenge = a.encryption.challenge(accepted)
          a.challenge = challenge.check
          session.log.push("agent:EncChallengeRequest")
          output(PayloadType.encChallengeRequest, challenge.payload)
          return
        }
        complete(clientVersion)
      } else if (m.payloadType === PayloadType.encChallengeResponse) {
        const check = a.challenge
        a.challenge = undefined
        if (check === undefined || !check(m.payload)) return closeChannel("the encryption challenge failed")
        session.encrypted = true
        complete(clientVersion)
      } else if (m.payloadType === PayloadType.output && a.mux !== undefined) {
        a.mux.receive(m.payload)
      } else if (m.payloadType === PayloadType.output && a.shell !== undefined) {
        session.input = Buffer.concat([session.input, m.payload])
        if (options.dropOn !== undefined && session.input.includes(options.dropOn)) {
          // the shell dies with its connection: the session cannot be resumed
          a.ended = true
          a.shell.kill("SIGKILL")
          a.ws?.terminate()
          return
        }
        a.shell.stdin!.write(m.payload)
      } else if (m.payloadType === PayloadType.size) {
        session.sizes.push(JSON.parse(Buffer.from(m.payload).toString()) as { cols: number; rows: number })
      } else if (m.payloadType === PayloadType.output) {
        a.tcp?.write(m.payload)
      } else if (m.payloadType === PayloadType.flag) {
        const flag = Buffer.from(m.payload).readUInt32BE(0)
        if (flag === 2) {
          session.terminatedByFlag = true
          closeChannel("")
        } else if (flag === 1) a.tcp?.destroy()
      }
    }
    ws.on("close", (code) => {
      if (a.ws !== ws) return
      a.ws = undefined
      // a normal close by the client ends the session; a lost connection leaves it to be resumed
      if (code === 1000) endSession(session)
    })
    ws.once("message", (first, isBinary) => {
      const open = isBinary ? undefined : JSON.parse(first.toString()) as { TokenValue?: string }
      if (a.ended || open?.TokenValue !== session.token) return ws.close(1003, "request to open data channel does not contain token")
      session.channels++
      session.log.push("connection")
      const previous = a.ws
      a.ws = ws
      a.stalled = false
      previous?.terminate()
      if (a.handshakeStarted) {
        // a resumed session: everything not acknowledged again, in order
        for (const seq of [...a.unacked.keys()].sort((x, y) => (x < y ? -1 : 1))) transmit(a.unacked.get(seq)!)
      } else {
        a.handshakeStarted = true
        session.log.push("agent:HandshakeRequest")
        const kms = options.kms
        if (kms !== undefined && kms.instances.includes(session.target)) {
          a.encryption = agentEncryption(kms.standIn, kms.keyId, session.sessionId, session.target)
        }
        output(PayloadType.handshakeRequest, Buffer.from(JSON.stringify({
          AgentVersion: AGENT_VERSION,
          RequestedClientActions: [
            { ActionType: "SessionType", ActionParameters: { SessionType: shellType ?? "Port", Properties: properties } },
            ...(a.encryption !== undefined ? [a.encryption.action] : [])
          ]
        })))
      }
      ws.on("message", (data: Buffer, binary: boolean) => {
        if (!binary || a.ws !== ws || a.stalled) return
        const decoded = decodeMessage(data)
        if (decoded._tag !== "Decoded") return
        const m = decoded.message
        if (m.messageType === MessageType.acknowledge) {
          const acked = JSON.parse(Buffer.from(m.payload).toString()) as { AcknowledgedMessageSequenceNumber?: number }
          if (typeof acked.AcknowledgedMessageSequenceNumber === "number") a.unacked.delete(BigInt(acked.AcknowledgedMessageSequenceNumber))
          return
        }
        if (m.messageType !== MessageType.input) return
        transmit(frame(MessageType.acknowledge, 0n, 0, Buffer.from(JSON.stringify({
          AcknowledgedMessageType: m.messageType,
          AcknowledgedMessageId: m.messageId,
          AcknowledgedMessageSequenceNumber: Number(m.sequenceNumber),
          IsSequentialMessage: true
        })), ACK_FLAGS))
        if (m.sequenceNumber < a.expectedIn || a.ahead.has(m.sequenceNumber)) {
          session.duplicates++ // sent again (a resend or a resumption): acknowledged again, dropped
          return
        }
        if (m.sequenceNumber > a.expectedIn) {
          a.ahead.set(m.sequenceNumber, m)
          return
        }
        a.expectedIn++
        handle(m)
        for (let next = a.ahead.get(a.expectedIn); next !== undefined && !a.ended; next = a.ahead.get(a.expectedIn)) {
          a.ahead.delete(a.expectedIn)
          a.expectedIn++
          handle(next)
        }
      })
    })
  }

  const standIn: SsmStandIn = {
    get endpoint() {
      return endpoint
    },
    get sessions() {
      return [...sessions.values()]
    },
    operations,
    drop: (sessionId) => {
      const a = sessions.get(sessionId)?.agent
      const ws = a?.ws
      if (a === undefined || ws === undefined) return false
      a.ws = undefined
      ws.terminate()
      return true
    },
    stall: (sessionId) => {
      const a = sessions.get(sessionId)?.agent
      if (a?.ws === undefined || a.stalled) return false
      a.stalled = true
      ;(a.ws as unknown as { _socket?: Socket })._socket?.pause()
      return true
    },
    endOnResume: false,
    failResumes: 0,
    close: async () => {
      for (const s of sockets) s.destroy()
      for (const s of sessions.values()) s.agent.shell?.kill("SIGKILL")
      for (const client of wss.clients) client.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  }

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve))
  endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return standIn
}
