// The agent's side of two Session Manager features, for the stand-in (ssmStandIn.ts):
//
// - smux (port forwarding with LocalPortForwarding and a client version >= 1.1.70): the smux server
//   (xtaci/smux v1, as the agent's port_mux.go runs it) that accepts the client's streams and
//   connects each to the destination TCP port; the agent closes a stream (FIN) when its connection
//   ends and closes the connection when the client closes the stream; a destination it cannot reach
//   gets the data channel flag ConnectToPortError and a FIN.
// - KMS encryption: a KMS stand-in on 127.0.0.1 (TrentService.GenerateDataKey, signed JSON 1.1, with
//   a fixed 64-byte data key), and the agent's checks: the client's KMSCipherTextKey must be a blob
//   this KMS issued for exactly {aws:ssm:SessionId, aws:ssm:TargetId} (what the agent's kms:Decrypt
//   with that context proves), then the encryption challenge, then AES-GCM on the payloads.
import { randomBytes, randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type Server } from "node:http"
import { type AddressInfo, connect, type Socket } from "node:net"
import { challengeJson, parseChallenge, SessionCipher } from "../../src/lib/ssm/kmsEncryption.ts"
import { compareVersions, encodeSmuxFrame, SMUX_MAX_FRAME_DATA, SmuxCmd, SmuxFrameReader } from "../../src/lib/ssm/smux.ts"

/** The Properties of a port session's SessionType action, as the agent sends them for the document. */
export const portSessionProperties = (documentName: string, parameters: Record<string, ReadonlyArray<string>>): Record<string, string> => ({
  portNumber: parameters.portNumber?.[0] ?? "22",
  ...(documentName.startsWith("AWS-StartPortForwardingSession")
    ? {
      type: "LocalPortForwarding",
      localPortNumber: parameters.localPortNumber?.[0] ?? "",
      ...(parameters.host?.[0] !== undefined ? { host: parameters.host[0] } : {})
    }
    : {})
})

/** The agent's rule (port.go GetSession): smux iff LocalPortForwarding and the client reports >= 1.1.70. */
export const agentUsesMux = (properties: Record<string, string>, clientVersion: string): boolean =>
  properties.type === "LocalPortForwarding" && compareVersions(clientVersion, "1.1.70") >= 0

export interface AgentMux {
  /** An Output payload from the client (any piece of its smux stream). */
  readonly receive: (bytes: Uint8Array) => void
  /** The session ended: every destination connection goes. */
  readonly close: () => void
  /** Streams the client opened (SYN). */
  readonly streamsOpened: number
  /** The most streams open at the same time. */
  readonly maxOpen: number
  /** A protocol error ended the mux (nothing more is read). */
  readonly error: string | undefined
  /**
   * Backpressure from the client (its data channel stops reading): stop reading the destination
   * connections (true) or go on (false), as the agent does once its window is full and acknowledged no more.
   */
  readonly hold: (held: boolean) => void
}

/**
 * The agent's smux server for one session. `send` takes bytes for the client (the stand-in cuts them
 * into Output messages), `flag` sends a data channel flag.
 */
export const agentMux = (options: {
  readonly host: string
  readonly port: number
  readonly send: (bytes: Uint8Array) => void
  readonly flag: (flag: number) => void
  readonly sockets?: Set<Socket>
  /** A destination connection opened (once per stream) or closed. */
  readonly onSocket?: (delta: 1 | -1) => void
}): AgentMux => {
  const reader = new SmuxFrameReader()
  const streams = new Map<number, Socket>()
  let streamsOpened = 0
  let maxOpen = 0
  let error: string | undefined
  const fin = (sid: number) => {
    if (streams.delete(sid)) options.send(encodeSmuxFrame(SmuxCmd.fin, sid))
  }
  let held = false
  const open = (sid: number) => {
    if (streams.has(sid)) return
    streamsOpened++
    const socket = connect({ host: options.host, port: options.port, noDelay: true })
    if (held) socket.pause()
    streams.set(sid, socket)
    options.sockets?.add(socket)
    options.onSocket?.(1)
    maxOpen = Math.max(maxOpen, streams.size)
    let connected = false
    socket.on("connect", () => (connected = true))
    socket.on("data", (chunk: Buffer) => {
      if (!streams.has(sid)) return
      for (let i = 0; i < chunk.length; i += SMUX_MAX_FRAME_DATA) options.send(encodeSmuxFrame(SmuxCmd.psh, sid, chunk.subarray(i, i + SMUX_MAX_FRAME_DATA)))
    })
    socket.on("error", () => {
      if (!connected && streams.has(sid)) options.flag(3)
    })
    socket.on("close", () => {
      options.sockets?.delete(socket)
      options.onSocket?.(-1)
      fin(sid)
    })
  }
  return {
    receive: (bytes) => {
      const read = reader.push(bytes)
      if (read._tag === "ProtocolError") {
        error ??= read.reason
        return
      }
      for (const frame of read.frames) {
        const socket = streams.get(frame.streamId)
        if (frame.cmd === SmuxCmd.syn) open(frame.streamId)
        else if (frame.cmd === SmuxCmd.psh) socket?.write(frame.data)
        else if (frame.cmd === SmuxCmd.fin && socket !== undefined) {
          // the agent's io.Copy ends: it closes the destination connection, then the stream
          socket.end()
        }
      }
    },
    close: () => {
      for (const socket of streams.values()) socket.destroy()
      streams.clear()
    },
    get streamsOpened() {
      return streamsOpened
    },
    get maxOpen() {
      return maxOpen
    },
    get error() {
      return error
    },
    hold: (h) => {
      held = h
      for (const socket of streams.values()) {
        if (h) socket.pause()
        else socket.resume()
      }
    }
  }
}

/** The fixed data key the KMS stand-in hands out (64 bytes: the agent's half, then the client's). */
export const KMS_STAND_IN_KEY = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff))

export interface KmsRequest {
  readonly target: string
  readonly authorization: string
  readonly body: Record<string, unknown>
}

export interface KmsStandIn {
  readonly endpoint: string
  readonly requests: ReadonlyArray<KmsRequest>
  /** What kms:Decrypt would answer for a blob and context: the key, or undefined (wrong blob or context). */
  readonly decrypt: (blob: Uint8Array, context: Record<string, string>) => Buffer | undefined
  readonly close: () => Promise<void>
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const sameContext = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())

/** TrentService.GenerateDataKey on 127.0.0.1: signed requests only, NumberOfBytes 64, the fixed key. */
export async function startKmsStandIn(): Promise<KmsStandIn> {
  const requests: Array<KmsRequest> = []
  const issued = new Map<string, { readonly context: Record<string, string> }>()
  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const target = String(req.headers["x-amz-target"] ?? "")
      const authorization = String(req.headers.authorization ?? "")
      const body = raw.length > 0 ? JSON.parse(raw.toString()) as Record<string, unknown> : {}
      requests.push({ target, authorization, body })
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() })
        res.end(JSON.stringify(value))
      }
      if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/kms\/aws4_request/.test(authorization)) {
        return answer(400, { __type: "IncompleteSignatureException", message: "the request is not signed for kms" })
      }
      if (target !== "TrentService.GenerateDataKey") return answer(400, { __type: "UnknownOperationException", message: target })
      if (body.NumberOfBytes !== 64 || typeof body.KeyId !== "string") {
        return answer(400, { __type: "ValidationException", message: "expected KeyId and NumberOfBytes 64" })
      }
      const blob = Buffer.concat([Buffer.from("kms-stand-in:"), randomBytes(16)])
      issued.set(blob.toString("base64"), { context: (body.EncryptionContext ?? {}) as Record<string, string> })
      return answer(200, { KeyId: body.KeyId, CiphertextBlob: blob.toString("base64"), Plaintext: KMS_STAND_IN_KEY.toString("base64") })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    decrypt: (blob, context) => {
      const entry = issued.get(Buffer.from(blob).toString("base64"))
      return entry !== undefined && sameContext(entry.context, context) ? Buffer.from(KMS_STAND_IN_KEY) : undefined
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** The agent's side of KMS encryption for one session. */
export interface AgentEncryption {
  /** The action for the HandshakeRequest. */
  readonly action: { readonly ActionType: "KMSEncryption"; readonly ActionParameters: { readonly KMSKeyId: string } }
  /**
   * The client's processed KMSEncryption action: the agent's cipher when the blob decrypts under the
   * session's context, else why not.
   */
  readonly accept: (processed: unknown) => SessionCipher | string
  /** An EncChallengeRequest payload, and the check of the client's EncChallengeResponse payload. */
  readonly challenge: (cipher: SessionCipher) => { readonly payload: Uint8Array; readonly check: (response: Uint8Array) => boolean }
}

export const agentEncryption = (kms: KmsStandIn, keyId: string, sessionId: string, targetId: string): AgentEncryption => ({
  action: { ActionType: "KMSEncryption", ActionParameters: { KMSKeyId: keyId } },
  accept: (processed) => {
    const p = processed as { ActionStatus?: unknown; ActionResult?: { KMSCipherTextKey?: unknown } | null; Error?: unknown } | undefined
    if (p?.ActionStatus !== 1) return `the client did not accept KMS encryption: ${String(p?.Error ?? "")}`
    const key = p.ActionResult?.KMSCipherTextKey
    if (typeof key !== "string") return "no KMSCipherTextKey"
    const plaintext = kms.decrypt(Buffer.from(key, "base64"), { "aws:ssm:SessionId": sessionId, "aws:ssm:TargetId": targetId })
    return plaintext === undefined ? "the data key does not decrypt under the session's encryption context" : new SessionCipher(plaintext, "agent")
  },
  challenge: (cipher) => {
    const secret = randomBytes(64)
    return {
      payload: challengeJson(cipher.encrypt(secret)),
      check: (response) => {
        const answer = parseChallenge(response)
        const plain = answer === undefined ? undefined : cipher.decrypt(answer)
        return plain !== undefined && Buffer.from(plain).equals(secret)
      }
    }
  }
})
