// Work done while an AWS call waits for its answer (src/lib/whileWaiting.ts): `aegea ssh` loads the
// WebSocket client and makes its named pipes only once its first request is written out, and
// spawns ssh only once StartSession's request is; the hand-signed calls (awsJson.ts) report both.
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import type { AwsEnvironment } from "../../src/layers/AwsClients.ts"
import { once } from "../../src/layers/aws.ts"
import { jsonCall } from "../../src/layers/awsJson.ts"
import { makeWaits, whileWaiting } from "../../src/lib/whileWaiting.ts"

describe("whileWaiting", () => {
  it("holds work until a request is written out, then runs it once; later work runs at once", () => {
    const waits = makeWaits()
    const ran: Array<string> = []
    waits.whileWaiting(() => ran.push("first"))
    waits.whileWaiting(() => {
      throw new Error("a failing prefetch")
    })
    waits.whileWaiting(() => ran.push("second"))
    const written = waits.requestStarted()
    expect(ran).toEqual([])
    written()
    // a failing task does not stop the others
    expect(ran).toEqual(["first", "second"])
    written()
    expect(ran).toEqual(["first", "second"])
    waits.whileWaiting(() => ran.push("late"))
    expect(ran).toEqual(["first", "second", "late"])
  })

  it("requestsWritten waits for every request started, and not at all when none is pending", async () => {
    const waits = makeWaits()
    const order: Array<string> = []
    await waits.requestsWritten().then(() => order.push("none pending"))
    const a = waits.requestStarted()
    const b = waits.requestStarted()
    const all = waits.requestsWritten().then(() => order.push("all written"))
    a()
    await Promise.resolve()
    order.push("one written")
    b()
    await all
    expect(order).toEqual(["none pending", "one written", "all written"])
  })

  it("a hand-signed call runs the waiting work after its request went out and before its answer is read", async () => {
    let received: IncomingMessage | undefined
    let answer: (() => void) | undefined
    let workDone = false
    // answers once the request has arrived and the waiting work has run, whichever is last
    const answerWhenBoth = () => {
      if (workDone) answer?.()
    }
    const server = createServer((req, res) => {
      received = req
      req.resume()
      answer = () => res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end("{}")
      answerWhenBoth()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const env: AwsEnvironment = {
        region: "us-east-1",
        profile: undefined,
        endpointUrl: `http://127.0.0.1:${port}`,
        maxAttempts: 1,
        requestTimeout: Duration.seconds(30),
        clientConfig: { region: "us-east-1", maxAttempts: 1, credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }), customUserAgent: "aegea/test" }
      }
      const service = { service: "Test", signingName: "test", targetPrefix: "Test", endpoint: "https://test.invalid", endpointEnvId: "TEST", region: "us-east-1" }
      const events: Array<string> = []
      // answered only once the waiting work has run: were it held until the answer, the call would
      // never end (the test's own timeout would say so)
      whileWaiting(() => {
        events.push("waiting work")
        workDone = true
        answerWhenBoth()
      })
      expect(events).toEqual([])
      const call = Effect.runPromise(jsonCall(env, service, "Ping", {}, "ping", once)).then(() => events.push("answer read"))
      await call
      expect(events).toEqual(["waiting work", "answer read"])
      expect(received?.headers["x-amz-target"]).toBe("Test.Ping")
    } finally {
      server.close()
    }
  })
})
