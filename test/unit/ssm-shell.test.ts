// The shell-session additions to the Session Manager data channel: the session types a shell channel
// accepts in the handshake (and a port channel still refuses), and the terminal size message.
import { assert, describe, it } from "@effect/vitest"
import { decodeMessage, encodeMessage, MessageType, PayloadType } from "../../src/lib/ssm/frame.ts"
import { handshakeResponseJson, parseHandshakeRequest, SHELL_SESSION_TYPES, sizeJson } from "../../src/lib/ssm/payloads.ts"
import { type ChannelEvent, ChannelProtocol } from "../../src/lib/ssm/protocol.ts"

const request = (sessionType: string) =>
  JSON.stringify({ AgentVersion: "3.3.2.0", RequestedClientActions: [{ ActionType: "SessionType", ActionParameters: { SessionType: sessionType, Properties: {} } }] })

const agent = (seq: number, payloadType: number, payload: string) =>
  encodeMessage({
    messageType: MessageType.output,
    schemaVersion: 1,
    createdDate: 1_000,
    sequenceNumber: BigInt(seq),
    flags: 0n,
    messageId: `00000000-0000-4000-8000-${seq.toString().padStart(12, "0")}`,
    payloadType,
    payload: Buffer.from(payload)
  })

const sent = (events: ReadonlyArray<ChannelEvent>) =>
  events.flatMap((e) => {
    if (e._tag !== "Send") return []
    const d = decodeMessage(e.frame)
    return d._tag === "Decoded" ? [d.message] : []
  })

const status = (events: ReadonlyArray<ChannelEvent>) => {
  const response = sent(events).find((m) => m.payloadType === PayloadType.handshakeResponse)
  return JSON.parse(Buffer.from(response!.payload).toString()).ProcessedClientActions[0].ActionStatus as number
}

describe("shell sessions on the data channel", () => {
  it("a shell channel accepts Standard_Stream and InteractiveCommands; a port channel refuses them and still accepts Port", () => {
    for (const type of ["Standard_Stream", "InteractiveCommands"]) {
      assert.strictEqual(status(new ChannelProtocol({ now: () => 1_000, sessionTypes: SHELL_SESSION_TYPES }).receive(agent(0, PayloadType.handshakeRequest, request(type)))), 1)
      assert.strictEqual(status(new ChannelProtocol({ now: () => 1_000 }).receive(agent(0, PayloadType.handshakeRequest, request(type)))), 2)
    }
    assert.strictEqual(status(new ChannelProtocol({ now: () => 1_000, sessionTypes: SHELL_SESSION_TYPES }).receive(agent(0, PayloadType.handshakeRequest, request("Port")))), 2)
    assert.strictEqual(status(new ChannelProtocol({ now: () => 1_000 }).receive(agent(0, PayloadType.handshakeRequest, request("Port")))), 1)
    const refused = JSON.parse(handshakeResponseJson(parseHandshakeRequest(Buffer.from(request("Port")))!, SHELL_SESSION_TYPES))
    assert.match(refused.Errors[0], /Standard_Stream or InteractiveCommands, not "Port"/)
  })

  it("sends the terminal size as a sequenced size message, in line with data, and nothing once closed", () => {
    const protocol = new ChannelProtocol({ now: () => 1_000, sessionTypes: SHELL_SESSION_TYPES })
    assert.strictEqual(sizeJson(120, 40), `{"cols":120,"rows":40}`)
    protocol.receive(agent(0, PayloadType.handshakeRequest, request("Standard_Stream")))
    protocol.receive(agent(1, PayloadType.handshakeComplete, "{}"))
    const [size] = sent(protocol.sendSize(120, 40))
    assert.deepStrictEqual([size!.messageType, size!.sequenceNumber, size!.payloadType], [MessageType.input, 1n, PayloadType.size])
    assert.deepStrictEqual(JSON.parse(Buffer.from(size!.payload).toString()), { cols: 120, rows: 40 })
    const [typed] = sent(protocol.sendData(Buffer.from([3])))
    assert.deepStrictEqual([typed!.sequenceNumber, typed!.payloadType, [...typed!.payload]], [2n, PayloadType.output, [3]])
    assert.strictEqual(protocol.unacknowledged, 3)
    protocol.receive(encodeMessage({
      messageType: MessageType.channelClosed,
      schemaVersion: 1,
      createdDate: 1_000,
      sequenceNumber: 0n,
      flags: 0n,
      messageId: "00000000-0000-4000-8000-000000000009",
      payloadType: 0,
      payload: Buffer.from("{}")
    }))
    assert.deepStrictEqual(protocol.sendSize(80, 24), [])
  })
})
