/**
 * The JSON and flag payloads of the data channel: the OpenDataChannel text frame, acknowledgements,
 * the handshake, channel_closed, and the 4-byte flags. Pure functions; parsers never throw.
 */

/**
 * The version aegea reports (a released session-manager-plugin's). Agents decide by it: at least
 * 1.1.70, port-forwarding sessions speak smux (lib/ssm/smux.ts); above 1.2.331.0, the agent turns its
 * smux keep-alive off (else it would close a tunnel idle for 30 s). Above 1.2.295 agents would
 * separate stdout and stderr of NonInteractiveCommands sessions, which aegea does not accept.
 */
export const CLIENT_VERSION = "1.2.694.0"

/** The first (text) WebSocket frame: authenticates with the one-time token of StartSession. */
export const openDataChannelJson = (token: string, requestId: string, clientId: string): string =>
  JSON.stringify({
    MessageSchemaVersion: "1.0",
    RequestId: requestId,
    TokenValue: token,
    ClientId: clientId,
    ClientVersion: CLIENT_VERSION
  })

export interface Acknowledgement {
  readonly messageType: string
  readonly messageId: string
  readonly sequenceNumber: number
}

/** Key order and spelling as the plugin's Go struct serializes them. */
export const ackJson = (ack: Acknowledgement): string =>
  JSON.stringify({
    AcknowledgedMessageType: ack.messageType,
    AcknowledgedMessageId: ack.messageId,
    AcknowledgedMessageSequenceNumber: ack.sequenceNumber,
    IsSequentialMessage: true
  })

const parseObject = (bytes: Uint8Array): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

export const parseAck = (bytes: Uint8Array): Acknowledgement | undefined => {
  const o = parseObject(bytes)
  const seq = o?.AcknowledgedMessageSequenceNumber
  if (o === undefined || typeof seq !== "number" || !Number.isSafeInteger(seq)) return undefined
  return {
    messageType: typeof o.AcknowledgedMessageType === "string" ? o.AcknowledgedMessageType : "",
    messageId: typeof o.AcknowledgedMessageId === "string" ? o.AcknowledgedMessageId : "",
    sequenceNumber: seq
  }
}

const ACK_HEAD = Buffer.from(`{"AcknowledgedMessageType":"input_stream_data","AcknowledgedMessageId":"`, "latin1")
const ACK_SEQUENCE_KEY = Buffer.from(`","AcknowledgedMessageSequenceNumber":`, "latin1")
const ACK_TAILS = [Buffer.from(`,"IsSequentialMessage":true}`, "latin1"), Buffer.from(`,"IsSequentialMessage":false}`, "latin1")]
const UUID_TEXT_LENGTH = 36

/**
 * Whether `text` holds the bytes of `expected` at `at` (compared here: for the few dozen bytes of an
 * acknowledgement, a loop costs less than a call into Buffer.compare).
 */
const bytesAt = (text: Uint8Array, at: number, expected: Uint8Array): boolean => {
  if (at + expected.length > text.length) return false
  for (let i = 0; i < expected.length; i++) if (text[at + i] !== expected[i]) return false
  return true
}

/** Whether the 36 bytes at `at` hold no double quote (the id's closing quote comes right after them). */
const idText = (text: Uint8Array, at: number): boolean => {
  for (let i = at; i < at + UUID_TEXT_LENGTH; i++) if (text[i] === 0x22) return false
  return text[at + UUID_TEXT_LENGTH] === 0x22
}

/**
 * The sequence number an acknowledgement acknowledges: `parseAck(bytes)?.sequenceNumber`, read in place
 * when the payload is exactly what the agent's Go struct serializes for an input_stream_data message
 * (`AcknowledgedMessageType`, a 36-character id with no quote, the number as plain digits,
 * `IsSequentialMessage`, nothing else); anything else goes through `parseAck`. `offset`: where the
 * payload starts in `bytes` (it runs to the end).
 */
export const ackSequenceNumber = (bytes: Uint8Array, offset = 0): number | undefined => {
  // the payload is bytes[offset..] (a frame's, read without a view of it)
  const text = bytes
  const idEnd = offset + ACK_HEAD.length + UUID_TEXT_LENGTH
  const start = idEnd + ACK_SEQUENCE_KEY.length
  if (
    text.length > start &&
    bytesAt(text, offset, ACK_HEAD) &&
    idText(text, offset + ACK_HEAD.length) &&
    bytesAt(text, idEnd, ACK_SEQUENCE_KEY)
  ) {
    let at = start
    let value = 0
    for (let c = text[at]; c !== undefined && c >= 0x30 && c <= 0x39 && at - start < 15; c = text[++at]) value = value * 10 + (c - 0x30)
    const digits = at - start
    // plain digits: no leading zero, at most 15 (a safe integer); then the last field and the end
    if (digits > 0 && (digits === 1 || text[start] !== 0x30)) {
      for (const tail of ACK_TAILS) {
        if (text.length === at + tail.length && bytesAt(text, at, tail)) return value
      }
    }
  }
  return parseAck(offset === 0 ? bytes : bytes.subarray(offset))?.sequenceNumber
}

export interface RequestedAction {
  readonly actionType: string
  readonly parameters: unknown
}

export interface HandshakeRequest {
  readonly agentVersion: string
  readonly actions: ReadonlyArray<RequestedAction>
}

export const parseHandshakeRequest = (bytes: Uint8Array): HandshakeRequest | undefined => {
  const o = parseObject(bytes)
  if (o === undefined || !Array.isArray(o.RequestedClientActions)) return undefined
  const actions: Array<RequestedAction> = []
  for (const a of o.RequestedClientActions as ReadonlyArray<unknown>) {
    if (typeof a !== "object" || a === null || typeof (a as { ActionType?: unknown }).ActionType !== "string") return undefined
    actions.push({ actionType: (a as { ActionType: string }).ActionType, parameters: (a as { ActionParameters?: unknown }).ActionParameters })
  }
  return { agentVersion: typeof o.AgentVersion === "string" ? o.AgentVersion : "", actions }
}

/** The SessionType an agent asks for ("Port" for SSH and port forwarding), if any. */
export const requestedSessionType = (request: HandshakeRequest): string | undefined => {
  const action = request.actions.find((a) => a.actionType === "SessionType")
  const type = (action?.parameters as { SessionType?: unknown } | undefined)?.SessionType
  return typeof type === "string" ? type : undefined
}

/** The `type` of the SessionType action's Properties ("LocalPortForwarding" for the port-forwarding documents), if any. */
export const requestedPropertiesType = (request: HandshakeRequest): string | undefined => {
  const action = request.actions.find((a) => a.actionType === "SessionType")
  const type = (action?.parameters as { Properties?: { type?: unknown } | null } | undefined)?.Properties?.type
  return typeof type === "string" ? type : undefined
}

/** The session types a port (SSH, tunnel) channel accepts. */
export const PORT_SESSION_TYPES: ReadonlyArray<string> = ["Port"]
/** The session types of an interactive shell: the standard shell, and AWS-StartInteractiveCommand (or ECS Exec). */
export const SHELL_SESSION_TYPES: ReadonlyArray<string> = ["Standard_Stream", "InteractiveCommands"]

/** The payload of a terminal size message (PayloadType.size), as the plugin's shell session sends it. */
export const sizeJson = (cols: number, rows: number): string => JSON.stringify({ cols, rows })

export const ActionStatus = { success: 1, failed: 2, unsupported: 3 } as const

/** The outcome of the KMSEncryption action: its result (lib/ssm/kmsEncryption.ts kmsActionResult), or why it failed. */
export type KmsOutcome = { readonly result: object } | { readonly error: string }

/**
 * The answer to a HandshakeRequest: one processed action per requested action, in order. aegea
 * accepts the session types given, answers KMSEncryption with `kms` (declines it without), and
 * declines anything else with an error the agent shows to the user.
 */
export const handshakeResponseJson = (
  request: HandshakeRequest,
  sessionTypes: ReadonlyArray<string> = PORT_SESSION_TYPES,
  kms?: KmsOutcome
): string => {
  const errors: Array<string> = []
  const processed = request.actions.map((action) => {
    if (action.actionType === "SessionType") {
      const type = (action.parameters as { SessionType?: unknown } | undefined)?.SessionType
      if (typeof type === "string" && sessionTypes.includes(type)) return { ActionType: action.actionType, ActionStatus: ActionStatus.success, ActionResult: null, Error: "" }
      const error = `aegea expected the session type ${sessionTypes.join(" or ")}, not ${JSON.stringify(type)}`
      errors.push(error)
      return { ActionType: action.actionType, ActionStatus: ActionStatus.failed, ActionResult: null, Error: error }
    }
    if (action.actionType === "KMSEncryption" && kms !== undefined) {
      if ("result" in kms) return { ActionType: action.actionType, ActionStatus: ActionStatus.success, ActionResult: kms.result, Error: "" }
      const error = `Failed to process action KMSEncryption: ${kms.error}`
      errors.push(error)
      return { ActionType: action.actionType, ActionStatus: ActionStatus.failed, ActionResult: null, Error: error }
    }
    const error = action.actionType === "KMSEncryption"
      ? "aegea could not set up KMS encryption of this session"
      : `aegea does not support the action ${action.actionType}`
    errors.push(error)
    return { ActionType: action.actionType, ActionStatus: ActionStatus.unsupported, ActionResult: null, Error: error }
  })
  return JSON.stringify({ ClientVersion: CLIENT_VERSION, ProcessedClientActions: processed, Errors: errors.length > 0 ? errors : null })
}

export interface HandshakeComplete {
  readonly timeToCompleteNanos: number
  readonly customerMessage: string
}

export const parseHandshakeComplete = (bytes: Uint8Array): HandshakeComplete | undefined => {
  const o = parseObject(bytes)
  if (o === undefined) return undefined
  return {
    timeToCompleteNanos: typeof o.HandshakeTimeToComplete === "number" ? o.HandshakeTimeToComplete : 0,
    customerMessage: typeof o.CustomerMessage === "string" ? o.CustomerMessage : ""
  }
}

/** The reason in a channel_closed payload ("" when the agent gave none or the payload is unreadable). */
export const channelClosedReason = (bytes: Uint8Array): string => {
  const output = parseObject(bytes)?.Output
  return typeof output === "string" ? output : ""
}

export const Flag = { disconnectToPort: 1, terminateSession: 2, connectToPortError: 3 } as const

export const flagPayload = (flag: number): Uint8Array => {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(flag)
  return bytes
}

export const parseFlag = (bytes: Uint8Array): number | undefined =>
  bytes.length === 4 ? Buffer.from(bytes).readUInt32BE(0) : undefined
