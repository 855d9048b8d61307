#!/usr/bin/env node
// A stand-in for AWS's session-manager-plugin in tests (the real one is a Go binary that cannot be
// installed here). It takes the real plugin's command line, as the AWS CLI and `aegea ssh
// --ssm-plugin` run it:
//   session-manager-plugin ENV_VAR_NAME REGION StartSession PROFILE PARAMETERS_JSON ENDPOINT
// reads StartSession's response from the environment variable ENV_VAR_NAME, and speaks the data
// channel with aegea's own client (the built library), piping stdin and stdout like the plugin does
// for an SSH session. Each invocation is appended to $FAKE_PLUGIN_LOG (without the token).
import { appendFileSync } from "node:fs"
import { Effect, Layer, Redacted } from "effect"
import { Aws, Ssm } from "../../dist/lib/index.js"

const [responseVariable = "", region = "", operation, profile, parameters = "{}", endpoint] = process.argv.slice(2)
const response = JSON.parse(process.env[responseVariable] ?? "{}")
if (process.env.FAKE_PLUGIN_LOG) {
  appendFileSync(
    process.env.FAKE_PLUGIN_LOG,
    JSON.stringify({ responseVariable, region, operation, profile, parameters, endpoint, sessionId: response.SessionId }) + "\n"
  )
}
if (operation !== "StartSession" || !response.StreamUrl || !response.TokenValue) {
  process.stderr.write(`fake session-manager-plugin: unexpected invocation ${JSON.stringify(process.argv.slice(2))}\n`)
  process.exit(2)
}
const target = JSON.parse(parameters).Target
const program = Effect.gen(function*() {
  const sessions = yield* Ssm.SsmSession
  const channel = yield* sessions.attach(target, {
    sessionId: response.SessionId,
    streamUrl: response.StreamUrl,
    token: Redacted.make(response.TokenValue)
  })
  yield* Ssm.relay(channel, { input: process.stdin, output: process.stdout, onInputEnd: "keep-reading" })
}).pipe(
  Effect.scoped,
  Effect.provide(
    Ssm.layerSession.pipe(Layer.provide(Ssm.layer), Layer.provide(Aws.layer({ region, endpointUrl: endpoint, maxAttempts: 1 })))
  )
)
Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`fake session-manager-plugin: ${error}\n`)
    process.exit(1)
  }
)
