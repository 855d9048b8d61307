/** `aegea iam` helpers and the --attached-to lookup, against IamAdminMemory. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { generatePassword, iamCommand, keySummary, parsePrincipal } from "../../src/commands/iam.ts"
import { defaults } from "../../src/defaults.ts"
import { credentialSource, trustedPrincipals } from "../../src/services/IamAdmin.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { IamAdminMemory, IamAdminMemoryState } from "../../src/testing/IamAdminMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { rootOf } from "../support/root.ts"

const aegea = (...argv: Array<string>) => Command.runWith(rootOf(iamCommand), { version: "test" })(argv)
const layers = Layer.mergeAll(
  NodeServices.layer,
  IamAdminMemory.layer({ groups: ["both", "ops"], roles: [{ name: "both", trustedService: "ec2.amazonaws.com" }] }),
  OutputTest.layer({ format: "json" }),
  layerFromValue(structuredClone(defaults))
)
type Failure = { _tag?: string; message?: string; hint?: string }

describe("aegea iam", () => {
  it("trustedPrincipals reads IAM's URL-encoded trust policies", () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"] }, Action: "sts:AssumeRole" },
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "sts:AssumeRole" },
        { Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }
      ]
    }
    assert.deepStrictEqual(trustedPrincipals(encodeURIComponent(JSON.stringify(policy))), [
      "ec2.amazonaws.com",
      "ecs-tasks.amazonaws.com",
      "arn:aws:iam::111122223333:root"
    ])
    assert.deepStrictEqual(trustedPrincipals("not json"), [])
  })

  it("credentialSource names where the provider chain found the credentials", () => {
    assert.strictEqual(credentialSource(["CREDENTIALS_PROFILE_SSO", "CREDENTIALS_SSO"], "dev", {}), "SSO (profile dev)")
    assert.strictEqual(credentialSource(["CREDENTIALS_ENV_VARS"], undefined, {}), "environment (AWS_ACCESS_KEY_ID)")
    assert.strictEqual(credentialSource(["CREDENTIALS_IMDS"], undefined, {}), "instance role (EC2 instance metadata)")
    assert.strictEqual(credentialSource(["CREDENTIALS_PROFILE"], undefined, {}), "profile default (shared credentials file)")
    assert.strictEqual(credentialSource(["CREDENTIALS_STS_ASSUME_ROLE", "CREDENTIALS_PROFILE_SOURCE_PROFILE"], "prod", {}), "assumed role (profile prod)")
    assert.strictEqual(credentialSource(["CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN"], undefined, {}), "web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)")
    assert.strictEqual(credentialSource([], undefined, { AWS_ACCESS_KEY_ID: "AKIA" }), "environment (AWS_ACCESS_KEY_ID)")
  })

  it("generatePassword mixes every kind of character; keys show their age in days; principals parse", () => {
    for (let i = 0; i < 20; i++) {
      const p = generatePassword()
      assert.strictEqual(p.length, 24)
      for (const re of [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/]) assert.match(p, re)
    }
    assert.strictEqual(keySummary({ id: "AKIA1", status: "Active", created: new Date(0) }, 3 * 86_400_000 + 5), "AKIA1 active 3d")
    assert.deepStrictEqual(parsePrincipal("role/app"), { kind: "role", name: "app" })
    assert.deepStrictEqual(parsePrincipal("app"), { name: "app" })
  })

  it.effect("--attached-to a name that is both a group and a role asks which; create-user keeps its password only in the output", () =>
    Effect.gen(function*() {
      const ambiguous = (yield* Effect.flip(aegea("iam", "policies", "--attached-to", "both"))) as Failure
      assert.strictEqual(ambiguous.message, "\"both\" is the name of an IAM group and an IAM role")
      assert.strictEqual(ambiguous.hint, "Say which: --attached-to group/both or --attached-to role/both")
      const mistyped = (yield* Effect.flip(aegea("iam", "policies", "--attached-to", "users/alice"))) as Failure
      assert.strictEqual(mistyped.message, "--attached-to \"users/alice\" names no kind of principal")
      assert.strictEqual(mistyped.hint, "Give user/NAME, group/NAME, role/NAME or a bare name")
      yield* aegea("iam", "create-user", "zoe", "--groups", "ops", "--console-password")
      const [row] = JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<{ consolePassword: string; groups: Array<string> }>
      assert.deepStrictEqual(row?.groups, ["ops"])
      assert.strictEqual((yield* (yield* IamAdminMemoryState).consolePasswords).get("zoe"), row?.consolePassword)
    }).pipe(Effect.provide(layers)))
})
