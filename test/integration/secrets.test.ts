import { AwsClients } from "../../src/layers/AwsClients.ts"
import { SecretsLive } from "../../src/layers/SecretsLive.ts"
import { secretsContract } from "../contract/secrets.ts"
import { motoEndpoint, TEST_REGION, useMoto } from "../support/moto.ts"
import { NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer, Stdio, Stream } from "effect"
import { CliError, Command } from "effect/cli"
import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { secretsCommand } from "../../src/commands/secrets.ts"
import { IamLive } from "../../src/layers/IamLive.ts"
import { describeFailure } from "../../src/report.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { rootOf } from "../support/root.ts"

process.env.AWS_ACCESS_KEY_ID = "testing"
process.env.AWS_SECRET_ACCESS_KEY = "testing"

useMoto()

secretsContract("live on moto", {
  make: async () => {
    const env = AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: motoEndpoint(), maxAttempts: 1 })
    return SecretsLive.pipe(Layer.provide(env))
  }
})

// --- redaction through the whole command, including the --debug report ---------------------------


/** A hostile "AWS" that rejects every request and echoes its body (the secret included) in the error. */
let echoServer: Server
let echoEndpoint = ""
let echoed = ""
beforeAll(async () => {
  echoServer = createServer((req, res) => {
    let body = ""
    req.on("data", (d: Buffer) => (body += d.toString("utf8")))
    req.on("end", () => {
      echoed += body
      res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "echo-request-1" })
      // "not found" for DescribeSecret (so put goes on to CreateSecret), the echo for everything else
      const describe = String(req.headers["x-amz-target"]).endsWith(".DescribeSecret")
      res.end(JSON.stringify(
        describe
          ? { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }
          : { __type: "ValidationException", message: `invalid request: ${body}` }
      ))
    })
  })
  await new Promise<void>((resolve) => echoServer.listen(0, "127.0.0.1", resolve))
  const address = echoServer.address()
  echoEndpoint = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : ""
})
afterAll(() => new Promise<void>((resolve) => echoServer.close(() => resolve())))

/** Run `secrets ...argv` in-process; returns everything a user could see, --debug report included. */
const runSecrets = (argv: ReadonlyArray<string>, options: { endpoint: string; stdin?: string }) =>
  Effect.gen(function*() {
    const exit = yield* Command.runWith(rootOf(secretsCommand), { version: "0", renderErrors: false })(["secrets", ...argv]).pipe(Effect.exit)
    const out = yield* OutputCapture
    const report = Exit.isFailure(exit)
      ? describeFailure(exit.cause, { debug: true, isHelp: CliError.isCliError }).message ?? ""
      : ""
    const squashed = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
    return { exit, stdout: yield* out.stdoutText, stderr: (yield* out.stderr).join("\n"), report, squashed }
  }).pipe(
    Effect.provide(Layer.mergeAll(
      Layer.mergeAll(SecretsLive, IamLive).pipe(
        Layer.provide(AwsClients.layerStatic({ region: TEST_REGION, profile: undefined, endpointUrl: options.endpoint, maxAttempts: 1 }))
      ),
      OutputTest.layer(),
      layerFromValue({})
    )),
    Effect.provide(Stdio.layerTest({ stdin: Stream.make(new TextEncoder().encode(options.stdin ?? "")) })),
    Effect.provide(NodeServices.layer),
    Effect.runPromise
  )

describe("secret values stay out of errors and --debug reports", () => {
  it("a rejected put whose error echoes the request shows <redacted>, never the value", async () => {
    const value = `echoed-secret-${Date.now()}`
    const r = await runSecrets(["put", "app/token"], { endpoint: echoEndpoint, stdin: value })
    expect(Exit.isFailure(r.exit)).toBe(true)
    expect(echoed).toContain(value) // the server did see (and echo) it: the test can fail
    expect(r.report).toContain("ValidationException")
    for (const text of [r.stdout, r.stderr, r.report, r.squashed]) expect(text).not.toContain(value)
  })

  it("put then get on moto: only get's stdout holds the value", async () => {
    const value = `moto-secret-${Date.now()}`
    const put = await runSecrets(["put", "redaction/app"], { endpoint: motoEndpoint(), stdin: value })
    expect(put.report).toBe("")
    expect(Exit.isSuccess(put.exit)).toBe(true)
    expect(put.stdout + put.stderr).not.toContain(value)
    const get = await runSecrets(["get", "redaction/app"], { endpoint: motoEndpoint() })
    expect(get.stdout).toBe(`${value}\n`)
    const field = await runSecrets(["get", "redaction/app", "--field", "x"], { endpoint: motoEndpoint() })
    expect(Exit.isFailure(field.exit)).toBe(true)
    for (const text of [field.stdout, field.stderr, field.report, field.squashed]) expect(text).not.toContain(value)
  })
})
