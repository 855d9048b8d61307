import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { cliSummary } from "../../src/commands/remedies.ts"
import { AwsClients, resolveAwsEnvironment } from "../../src/layers/AwsClients.ts"
import { idempotent, makeAws } from "../../src/layers/aws.ts"

const dir = mkdtempSync(join(tmpdir(), "aegea-awsclients-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const configFile = join(dir, "config")
writeFileSync(configFile, "[default]\nregion = ap-south-1\n\n[profile work]\nregion = eu-central-1\n")
const none = join(dir, "missing")

// The SDK's shared-file loader reads these variables; each test sets them explicitly.
const withFiles = (config: string) => {
  process.env.AWS_CONFIG_FILE = config
  process.env.AWS_SHARED_CREDENTIALS_FILE = none
}

describe("resolveAwsEnvironment", () => {
  it.effect("uses --region before AWS_REGION before AWS_DEFAULT_REGION before the profile", () =>
    Effect.gen(function*() {
      withFiles(configFile)
      const env = { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "us-east-2" }
      assert.strictEqual((yield* resolveAwsEnvironment({ region: "eu-west-1" }, env)).region, "eu-west-1")
      assert.strictEqual((yield* resolveAwsEnvironment({}, env)).region, "us-west-2")
      assert.strictEqual((yield* resolveAwsEnvironment({}, { AWS_DEFAULT_REGION: "us-east-2" })).region, "us-east-2")
      assert.strictEqual((yield* resolveAwsEnvironment({}, {})).region, "ap-south-1")
      assert.strictEqual((yield* resolveAwsEnvironment({ profile: "work" }, {})).region, "eu-central-1")
      assert.strictEqual((yield* resolveAwsEnvironment({}, { AWS_PROFILE: "work" })).region, "eu-central-1")
    }))

  it.effect("sets profile and endpoint on clients only when given, and turns SDK retries off", () =>
    Effect.gen(function*() {
      withFiles(configFile)
      const plain = yield* resolveAwsEnvironment({ region: "us-east-1" }, {})
      const { credentials, customUserAgent, ...plainRest } = plain.clientConfig
      assert.deepStrictEqual(plainRest, { region: "us-east-1", maxAttempts: 1 })
      assert.strictEqual(typeof credentials, "function")
      assert.match(customUserAgent, /^aegea\/\d+\.\d+\.\d+/)
      const full = yield* resolveAwsEnvironment(
        { region: "us-east-1", profile: "work", endpointUrl: "http://127.0.0.1:5000" },
        { AWS_MAX_ATTEMPTS: "3" }
      )
      const { credentials: _c, customUserAgent: _u, ...fullRest } = full.clientConfig
      assert.deepStrictEqual(fullRest, {
        region: "us-east-1",
        maxAttempts: 1,
        profile: "work",
        endpoint: "http://127.0.0.1:5000"
      })
      assert.strictEqual(full.maxAttempts, 3)
      assert.strictEqual(Duration.toSeconds(full.requestTimeout), 60)
      const slow = yield* resolveAwsEnvironment({ region: "us-east-1" }, { AEGEA_REQUEST_TIMEOUT: "5" })
      assert.strictEqual(Duration.toSeconds(slow.requestTimeout), 5)
      const bad = yield* resolveAwsEnvironment({ region: "us-east-1" }, { AEGEA_REQUEST_TIMEOUT: "soon" }).pipe(Effect.flip)
      assert.strictEqual(bad._tag, "ConfigError")
    }))

  it.effect("fails with a ConfigError naming the fix when no region is configured", () =>
    Effect.gen(function*() {
      withFiles(none)
      const error = yield* Effect.flip(resolveAwsEnvironment({}, {}))
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(error.summary, "no AWS region configured. Set AWS_REGION, or the region option of AwsClients")
      assert.strictEqual(cliSummary(error), "no AWS region configured. Pass --region or set AWS_REGION")
    }))

  it.effect("a profile that exists in neither file is a ConfigError listing the known ones", () =>
    Effect.gen(function*() {
      withFiles(configFile)
      const error = yield* Effect.flip(resolveAwsEnvironment({ profile: "nope", region: "us-east-1" }, {}))
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(
        error.summary,
        `the AWS profile "nope" could not be found in ~/.aws/config or ~/.aws/credentials. Use one of default, work, or run 'aws configure --profile nope'`
      )
      const fromEnv = yield* Effect.flip(resolveAwsEnvironment({ region: "us-east-1" }, { AWS_PROFILE: "gone" }))
      assert.include(fromEnv.summary, `"gone"`)
    }))

  it.effect("profile names are looked up as own keys: __proto__, constructor, toString are unknown profiles", () =>
    Effect.gen(function*() {
      withFiles(configFile)
      for (const profile of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
        const error = yield* Effect.flip(resolveAwsEnvironment({ profile }, {}))
        assert.strictEqual(error._tag, "ConfigError")
        assert.include(error.summary, `the AWS profile ${JSON.stringify(profile)} could not be found`)
      }
    }))

  it.effect("rejects a malformed region, endpoint or AWS_MAX_ATTEMPTS", () =>
    Effect.gen(function*() {
      withFiles(none)
      const region = yield* Effect.flip(resolveAwsEnvironment({ region: "mars" }, {}))
      assert.include(region.summary, 'invalid AWS region "mars"')
      const endpoint = yield* Effect.flip(resolveAwsEnvironment({ region: "us-east-1", endpointUrl: "localhost:5" }, {}))
      assert.include(endpoint.summary, "invalid endpoint URL")
      const attempts = yield* Effect.flip(resolveAwsEnvironment({ region: "us-east-1" }, { AWS_MAX_ATTEMPTS: "0" }))
      assert.include(attempts.summary, "AWS_MAX_ATTEMPTS")
    }))
})

describe("AwsClients for programs that embed aegea (ClientOptions)", () => {
  it.effect("fixed credentials, extra SDK config (maxAttempts stays 1), and a ready-made client used as is, never destroyed", () =>
    Effect.gen(function*() {
      withFiles(none)
      const env = yield* resolveAwsEnvironment({
        region: "eu-west-1",
        clientOptions: {
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" },
          sdkConfig: { maxAttempts: 9, customUserAgent: "mine/1" }
        }
      }, {})
      assert.deepStrictEqual(yield* Effect.promise(() => env.clientConfig.credentials()), { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" })
      assert.strictEqual(env.clientConfig.maxAttempts, 1)
      assert.strictEqual(env.clientConfig.customUserAgent, "mine/1")

      const calls: Array<string> = []
      let destroyed = 0
      const mine = {
        send: (command: { input: unknown }) => {
          calls.push(JSON.stringify(command.input))
          return Promise.resolve({ ok: true })
        },
        destroy: () => void destroyed++
      }
      const made: Array<string> = []
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const aws = yield* makeAws("EC2", () => {
          made.push("EC2")
          return mine
        })
        return yield* aws.call({ input: { DryRun: false } } as never, "look", idempotent)
      })).pipe(Effect.provide(AwsClients.layerStatic({
        region: "eu-west-1",
        profile: undefined,
        endpointUrl: undefined,
        maxAttempts: 1,
        clientOptions: { clients: { EC2: mine } }
      })))
      assert.deepStrictEqual(result, { ok: true })
      assert.deepStrictEqual(calls, ['{"DryRun":false}'])
      assert.deepStrictEqual(made, [])
      assert.strictEqual(destroyed, 0)
    }))
})
