// KMS-encrypted sessions in process: the live data channel (ssmSessionLayer) against the SSM stand-in,
// whose agent asks for KMS encryption on one instance and checks the data key against the KMS
// stand-in (both on 127.0.0.1). A session whose data key comes from KMS round-trips checksummed bytes
// encrypted both ways and survives a dropped connection; one whose GenerateDataKey fails ends with one
// line and the agent is told why (it closes the session).
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { createHash } from "node:crypto"
import { createServer, type AddressInfo, type Server } from "node:net"
import { afterAll, beforeAll } from "vitest"
import { OperationFailed } from "../../src/errors.ts"
import { AwsClients } from "../../src/layers/AwsClients.ts"
import { generateDataKeyLayer } from "../../src/layers/kmsDataKey.ts"
import { SsmLive } from "../../src/layers/SsmLive.ts"
import { ssmSessionLayer } from "../../src/layers/SsmSessionLive.ts"
import { SsmSession } from "../../src/services/SsmSession.ts"
import { motoEndpoint } from "../support/moto.ts"
import { type SsmStandIn, startSsmStandIn } from "../support/ssmStandIn.ts"
import { type KmsStandIn, startKmsStandIn } from "../support/ssmStandInMux.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

const INSTANCE = "i-0aaaabbbbccccdddd"
let standIn: SsmStandIn
let kms: KmsStandIn
let echo: Server

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on("error", () => {})
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  kms = await startKmsStandIn()
  standIn = await startSsmStandIn({
    motoEndpoint: motoEndpoint(),
    onlineInstances: [INSTANCE],
    portMap: { 22: (echo.address() as AddressInfo).port },
    kms: { standIn: kms, keyId: "alias/session-key", instances: [INSTANCE] }
  })
})
afterAll(async () => {
  await standIn?.close()
  await kms?.close()
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()))
})

const aws = (endpointUrl: string) => AwsClients.layerStatic({ region: "us-east-1", profile: undefined, endpointUrl, maxAttempts: 1 })
const layer = (generateDataKey: Parameters<typeof ssmSessionLayer>[0] extends infer O ? O extends { generateDataKey?: infer G } ? G : never : never) =>
  ssmSessionLayer({ generateDataKey, notice: () => {} }).pipe(Layer.provide(SsmLive.pipe(Layer.provide(aws(standIn.endpoint)))))
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")

describe("a KMS-encrypted session", () => {
  it.live("round-trips checksummed bytes encrypted both ways, across a dropped connection", () =>
    Effect.gen(function*() {
      const channel = yield* (yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 22 })
      assert.isTrue(channel.encrypted)
      const payload = Buffer.from(Array.from({ length: 60_000 }, (_, i) => (i * 11 + 3) & 0xff))
      let received = 0
      let dropped = false
      const chunks: Array<Uint8Array> = []
      const reader = channel.output.pipe(
        Stream.takeUntil((chunk) => {
          chunks.push(chunk)
          received += chunk.length
          if (!dropped && received >= 20_000) dropped = standIn.drop(channel.sessionId)
          return received >= payload.length
        }),
        Stream.runDrain
      )
      const writer = Effect.forEach([0, 1, 2, 3, 4, 5], (i) => Effect.andThen(channel.write(payload.subarray(i * 10_000, (i + 1) * 10_000)), Effect.sleep("5 millis")), { discard: true })
      yield* Effect.all([reader, writer], { concurrency: 2 })
      assert.strictEqual(sha(Buffer.concat(chunks)), sha(payload))
      assert.isTrue(dropped)
      const session = standIn.sessions.find((s) => s.sessionId === channel.sessionId)!
      assert.isTrue(session.encrypted)
      assert.strictEqual(session.resumes, 1)
      assert.deepStrictEqual(session.log.slice(0, 6), [
        "connection",
        "agent:HandshakeRequest",
        "client:HandshakeResponse",
        "agent:EncChallengeRequest",
        "client:EncChallengeResponse",
        "agent:HandshakeComplete"
      ])
      assert.deepStrictEqual(kms.requests.at(-1)!.body.EncryptionContext, { "aws:ssm:SessionId": channel.sessionId, "aws:ssm:TargetId": INSTANCE })
    }).pipe(Effect.scoped, Effect.provide(layer(generateDataKeyLayer(aws(kms.endpoint)))), Effect.timeout("30 seconds")))

  it.live("a failed GenerateDataKey ends the session with one line, and the agent is told", () =>
    Effect.gen(function*() {
      const before = standIn.sessions.length
      const error = yield* Effect.scoped((yield* SsmSession).open(INSTANCE, { kind: "ssh", port: 22 })).pipe(Effect.flip)
      assert.strictEqual(error._tag, "OperationFailed")
      assert.match(
        error._tag === "OperationFailed" ? error.message : "",
        /^the Session Manager session for i-\w+ \(session [^)]+\) failed: the session requires KMS encryption, and could not get a data key from KMS: access denied to the key$/
      )
      const session = standIn.sessions[before]!
      assert.isFalse(session.encrypted)
      assert.include(session.log, "client:HandshakeResponse")
    }).pipe(
      Effect.provide(layer(() => Effect.fail(new OperationFailed({ message: "access denied to the key" })))),
      Effect.timeout("30 seconds")
    ))
})
