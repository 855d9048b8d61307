// A KMS-encrypted session in the pure data-channel protocol (lib/ssm/protocol.ts with
// lib/ssm/kmsEncryption.ts), the agent played by hand. The handshake vector is the
// session-manager-plugin's TestHandshakeRequestHandler (src/datachannel/streaming_test.go): agent
// version "10.0.0.1", KMSEncryption with key "some-key-id", then SessionType; the data key's
// ciphertext "cipher-text-key"; the expected processed actions in request order, KMSEncryption with
// status 1 and `{"KMSCipherTextKey": base64, "KMSCipherTextHash": null}`, SessionType with status 1.
import { assert, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { type ClientMessage, decodeMessage, encodeMessage, MessageType, PayloadType, sha256 } from "../../src/lib/ssm/frame.ts"
import { challengeJson, parseChallenge, SessionCipher } from "../../src/lib/ssm/kmsEncryption.ts"
import { CLIENT_VERSION } from "../../src/lib/ssm/payloads.ts"
import { type ChannelEvent, ChannelProtocol } from "../../src/lib/ssm/protocol.ts"

const agent = (seq: number, payloadType: number, payload: string | Uint8Array) =>
  encodeMessage({
    messageType: MessageType.output,
    schemaVersion: 1,
    createdDate: 1503434274948,
    sequenceNumber: BigInt(seq),
    flags: 0n,
    messageId: `00000000-0000-4000-8000-${seq.toString().padStart(12, "0")}`,
    payloadType,
    payload: typeof payload === "string" ? Buffer.from(payload) : payload
  })

const sent = (events: ReadonlyArray<ChannelEvent>): Array<ClientMessage> =>
  events.flatMap((e) => {
    if (e._tag !== "Send") return []
    const d = decodeMessage(e.frame)
    return d._tag === "Decoded" && d.message.messageType === MessageType.input ? [d.message] : []
  })

// buildHandshakeRequest in the plugin's test: KMSEncryption first, then the session type
const pluginHandshakeRequest = JSON.stringify({
  AgentVersion: "10.0.0.1",
  RequestedClientActions: [
    { ActionType: "KMSEncryption", ActionParameters: { KMSKeyId: "some-key-id" } },
    { ActionType: "SessionType", ActionParameters: { SessionType: "Port", Properties: { portNumber: "22", type: "LocalPortForwarding" } } }
  ]
})

describe("a KMS-encrypted session", () => {
  it("asks for the data key, answers as the plugin does, the challenge, then encrypts and decrypts Output", () => {
    const protocol = new ChannelProtocol({ now: () => 1_000 })
    const asked = protocol.receive(agent(0, PayloadType.handshakeRequest, pluginHandshakeRequest))
    // the ack goes at once; the response waits for the key
    assert.deepStrictEqual(asked.filter((e) => e._tag !== "Send"), [{ _tag: "KmsKeyNeeded", request: { keyId: "some-key-id", challenge: undefined } }])
    assert.deepStrictEqual(sent(asked), [])
    assert.strictEqual(protocol.sessionPropertiesType, "LocalPortForwarding")
    // data before HandshakeComplete waits (and will be encrypted)
    assert.deepStrictEqual(protocol.sendData(Buffer.from("early")), [])

    const key = randomBytes(64)
    const [response] = sent(protocol.kmsKeyReady({ ciphertextBlob: Buffer.from("cipher-text-key"), plaintext: key }))
    assert.strictEqual(response!.payloadType, PayloadType.handshakeResponse)
    assert.strictEqual(response!.sequenceNumber, 0n)
    assert.deepStrictEqual(JSON.parse(Buffer.from(response!.payload).toString()), {
      ClientVersion: CLIENT_VERSION,
      ProcessedClientActions: [
        { ActionType: "KMSEncryption", ActionStatus: 1, ActionResult: { KMSCipherTextKey: "Y2lwaGVyLXRleHQta2V5", KMSCipherTextHash: null }, Error: "" },
        { ActionType: "SessionType", ActionStatus: 1, ActionResult: null, Error: "" }
      ],
      Errors: null
    })
    assert.isTrue(protocol.encrypted)

    // the challenge: the agent encrypts with bytes 0..31; the answer comes back under bytes 32..63
    const agentCipher = new SessionCipher(key, "agent")
    const secret = randomBytes(48)
    const [answer] = sent(protocol.receive(agent(1, PayloadType.encChallengeRequest, challengeJson(agentCipher.encrypt(secret)))))
    assert.strictEqual(answer!.payloadType, PayloadType.encChallengeResponse)
    assert.strictEqual(answer!.sequenceNumber, 1n)
    assert.deepStrictEqual(Buffer.from(agentCipher.decrypt(parseChallenge(answer!.payload)!)!), secret)

    const complete = protocol.receive(agent(2, PayloadType.handshakeComplete, "{\"HandshakeTimeToComplete\":1,\"CustomerMessage\":\"This session is encrypted using AWS KMS.\"}"))
    const [early] = sent(complete)
    assert.strictEqual(early!.sequenceNumber, 2n)
    assert.deepStrictEqual(Buffer.from(agentCipher.decrypt(early!.payload)!).toString(), "early")
    // the digest is over the encrypted payload, as sent
    const frame = Buffer.from(complete.flatMap((e) => (e._tag === "Send" ? [e.frame] : [])).at(-1)!)
    assert.deepStrictEqual(frame.subarray(80, 112), Buffer.from(sha256(early!.payload)))
    assert.deepStrictEqual(frame.subarray(120), Buffer.from(early!.payload))
    const [data] = sent(protocol.sendData(Buffer.from("hello")))
    assert.notInclude(Buffer.from(data!.payload).toString("latin1"), "hello")
    assert.strictEqual(data!.payload.length, 12 + 5 + 16)
    assert.deepStrictEqual(Buffer.from(agentCipher.decrypt(data!.payload)!).toString(), "hello")

    // the agent's Output, StdErr and ExitCode are decrypted; its flags are not encrypted
    const delivered = protocol.receive(agent(3, PayloadType.output, agentCipher.encrypt(Buffer.from("world"))))
    assert.deepStrictEqual(delivered.flatMap((e) => (e._tag === "Data" ? [Buffer.from(e.bytes).toString()] : [])), ["world"])
    assert.deepStrictEqual(protocol.receive(agent(4, PayloadType.flag, Buffer.from([0, 0, 0, 3]))).filter((e) => e._tag === "AgentFlag"), [{ _tag: "AgentFlag", flag: 3 }])
    // a payload under another key fails the channel
    const bad = protocol.receive(agent(5, PayloadType.output, new SessionCipher(randomBytes(64), "agent").encrypt(Buffer.from("x"))))
    assert.match(bad.find((e) => e._tag === "Failed")!.reason, /does not decrypt/)
  })

  it("a failed GenerateDataKey tells the agent (status 2) and fails the channel with the reason", () => {
    const protocol = new ChannelProtocol({ now: () => 1_000 })
    protocol.receive(agent(0, PayloadType.handshakeRequest, pluginHandshakeRequest))
    const events = protocol.kmsKeyFailed("could not get a data key from KMS: access denied")
    const [response] = sent(events)
    const json = JSON.parse(Buffer.from(response!.payload).toString())
    assert.deepStrictEqual(json.ProcessedClientActions[0], {
      ActionType: "KMSEncryption",
      ActionStatus: 2,
      ActionResult: null,
      Error: "Failed to process action KMSEncryption: could not get a data key from KMS: access denied"
    })
    assert.deepStrictEqual(events.filter((e) => e._tag === "Failed"), [
      { _tag: "Failed", reason: "the session requires KMS encryption, and could not get a data key from KMS: access denied" }
    ])
  })

  it("a newer agent's random challenge joins the encryption context and is acknowledged", () => {
    const protocol = new ChannelProtocol({ now: () => 1_000 })
    const asked = protocol.receive(agent(0, PayloadType.handshakeRequest, JSON.stringify({
      AgentVersion: "3.3.1957.0",
      RequestedClientActions: [
        { ActionType: "SessionType", ActionParameters: { SessionType: "Port", Properties: { portNumber: "22" } } },
        { ActionType: "KMSEncryption", ActionParameters: { KMSKeyId: "alias/ssm", Challenge: "aaaabbbbccccdddd" } }
      ]
    })))
    assert.deepStrictEqual(asked.find((e) => e._tag === "KmsKeyNeeded"), { _tag: "KmsKeyNeeded", request: { keyId: "alias/ssm", challenge: "aaaabbbbccccdddd" } })
    const [response] = sent(protocol.kmsKeyReady({ ciphertextBlob: Buffer.from("blob"), plaintext: randomBytes(64) }))
    assert.deepStrictEqual(JSON.parse(Buffer.from(response!.payload).toString()).ProcessedClientActions[1].ActionResult, {
      KMSCipherTextKey: "YmxvYg==",
      KMSCipherTextHash: null,
      ChallengeAcknowledgement: true
    })
  })
})
