// Connections opened ahead (layers/warmConnections.ts): one per warmUp, taken once each by a request to
// the same origin (the keep-alive agent of the hand-signed calls, or a WebSocket), never one that closed.
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { takeWarm, warmAgent, warmCount, warmUp } from "../../src/layers/warmConnections.ts"
import { sessionMessagesUrl } from "../../src/commands/ssh.ts"

let server: http.Server
let origin: URL
const accepted: Array<Socket> = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    req.on("end", () => res.end(`served on ${req.socket.remotePort}`))
  })
  server.on("connection", (socket: Socket) => accepted.push(socket))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const until = async (predicate: () => boolean, what: string) => {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`gave up waiting for ${what}`)
}

const post = (agent: http.Agent) =>
  new Promise<string>((resolve, reject) => {
    const req = http.request(origin, { method: "POST", agent }, (res) => {
      let text = ""
      res.setEncoding("utf8").on("data", (d: string) => (text += d)).on("end", () => resolve(text))
    })
    req.on("error", reject)
    req.end("{}")
  })

describe("warm connections", () => {
  it("opens one connection per warmUp, which the next requests to that origin take instead of connecting", async () => {
    const before = accepted.length
    await warmUp(origin)
    await warmUp(new URL(`ws://127.0.0.1:${origin.port}/v1/data-channel/x`))
    await until(() => accepted.length === before + 2, "two connections")
    expect(warmCount(origin)).toBe(2)
    const warmPorts = accepted.slice(before).map((s) => s.remotePort)
    // the agent's first request goes on a warm connection; nothing new is accepted
    const answer = await post(warmAgent(http, "http"))
    expect(warmPorts.map((p) => `served on ${p}`)).toContain(answer)
    expect(accepted.length).toBe(before + 2)
    expect(warmCount(origin)).toBe(1)
    // the other one is there for a WebSocket to the same host and port; then none is left
    expect(takeWarm(new URL(`ws://127.0.0.1:${origin.port}/v1/data-channel/y`))).toBeDefined()
    expect(takeWarm(origin)).toBeUndefined()
  })

  it("takes none for another origin, nor one the server closed meanwhile, and opens none for other schemes", async () => {
    const before = accepted.length
    await warmUp(origin)
    await until(() => accepted.length === before + 1, "a connection")
    expect(takeWarm(new URL(`http://127.0.0.1:${Number(origin.port) + 1}`))).toBeUndefined()
    expect(takeWarm(new URL(`https://127.0.0.1:${origin.port}`))).toBeUndefined()
    // the server ends it: it is dropped, and a request connects as it would have
    const closedPort = accepted[before]!.remotePort
    accepted[before]!.destroy()
    await until(() => warmCount(origin) === 0, "the closed connection dropped")
    expect(takeWarm(origin)).toBeUndefined()
    // (served on the agent's kept-alive connection of the test before, or a new one: not the closed one)
    expect(await post(warmAgent(http, "http"))).not.toBe(`served on ${closedPort}`)
    const now = accepted.length
    await warmUp("ftp://127.0.0.1/")
    await warmUp("not a url")
    await new Promise((r) => setTimeout(r, 20))
    expect(accepted.length).toBe(now)
  })

  it("over https: a TLS connection naming the host (SNI), which the https agent and a wss WebSocket take", async () => {
    const { createServer } = await import("node:net")
    const hellos: Array<Buffer> = []
    const raw = createServer((socket) => socket.once("data", (d: Buffer) => hellos.push(d)))
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve))
    const port = (raw.address() as AddressInfo).port
    try {
      await warmUp(`https://localhost:${port}`)
      await warmUp(`wss://localhost:${port}/v1/data-channel/z`)
      await until(() => hellos.length === 2, "two TLS hellos")
      // a TLS handshake record whose ClientHello names the host
      for (const hello of hellos) {
        expect(hello[0]).toBe(0x16)
        expect(hello.includes(Buffer.from("localhost"))).toBe(true)
      }
      const https = await import("node:https")
      const agent = warmAgent(https, "https") as unknown as { createConnection: (o: object) => Socket }
      const taken = agent.createConnection({ host: "localhost", port })
      expect(warmCount(new URL(`https://localhost:${port}`))).toBe(1)
      const forWebSocket = takeWarm(new URL(`wss://localhost:${port}/v1/data-channel/z`))
      expect(forWebSocket).toBeDefined()
      expect(forWebSocket).not.toBe(taken)
      for (const socket of [taken, forWebSocket!]) {
        socket.on("error", () => {})
        socket.destroy()
      }
    } finally {
      raw.close()
    }
  })

  it("does not take a connection opened more than 10 s before (a middlebox may have dropped it unseen)", async () => {
    const before = accepted.length
    await warmUp(origin)
    await until(() => accepted.length === before + 1, "a connection")
    const now = Date.now()
    const clock = vi.spyOn(Date, "now").mockReturnValue(now + 10_001)
    try {
      expect(takeWarm(origin)).toBeUndefined()
    } finally {
      clock.mockRestore()
    }
    // and it was closed, not left open
    await until(() => accepted[before]!.destroyed || accepted[before]!.readableEnded, "the old connection closed")
  })

  it("guesses Session Manager's message endpoint from the SSM endpoint's region, else keeps the endpoint", () => {
    expect(sessionMessagesUrl("https://ssm.eu-west-1.amazonaws.com")).toBe("https://ssmmessages.eu-west-1.amazonaws.com/")
    expect(sessionMessagesUrl("https://ssm.cn-north-1.amazonaws.com.cn")).toBe("https://ssmmessages.cn-north-1.amazonaws.com.cn/")
    expect(sessionMessagesUrl("http://127.0.0.1:4566")).toBe("http://127.0.0.1:4566/")
    expect(sessionMessagesUrl("https://vpce-1.ssm.us-east-1.vpce.amazonaws.com")).toBe("https://vpce-1.ssm.us-east-1.vpce.amazonaws.com/")
  })
})
