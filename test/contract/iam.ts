/**
 * The Iam and IamIdentity contract (roles, instance profiles, service-linked roles, inline policies,
 * the caller): the same scenarios against IamMemory/IamIdentityMemory (test/unit) and IamLive/
 * IamIdentityLive on moto (test/integration). Every test uses fresh names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { callerName, Iam, IamIdentity, type PolicyDocument, type Principal } from "../../src/services/Iam.ts"
import { failureOn, freshName, runOn } from "./run.ts"

export interface IamHarness {
  /** A layer where the given users and groups exist (roles are made through the service). */
  readonly make: (seed: { readonly users?: ReadonlyArray<string>; readonly groups?: ReadonlyArray<string> }) => Promise<{
    readonly layer: Layer.Layer<Iam | IamIdentity>
    /** The inline policy `name` of a principal as stored, or undefined. */
    readonly inlinePolicy: (principal: Principal, name: string) => Promise<PolicyDocument | undefined>
    /** The roles an instance profile holds. */
    readonly profileRoles: (profile: string) => Promise<ReadonlyArray<string>>
  }>
}

const iam = Effect.gen(function*() {
  return yield* Iam
})
const doc = (action: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: action, Resource: "*" }]
})

export const iamContract = (label: string, harness: IamHarness) =>
  describe(`Iam contract (${label})`, () => {
    it("the account id is the caller's; the caller's name is the last part of its ARN", async () => {
      const { layer } = await harness.make({})
      const account = await runOn(layer, Effect.flatMap(iam, (s) => s.accountId))
      assert.match(account, /^\d{12}$/)
      const caller = await runOn(layer, Effect.gen(function*() {
        return yield* (yield* IamIdentity).caller
      }))
      assert.strictEqual(caller.accountId, account)
      assert.strictEqual(caller.arn.split(":")[4], account)
      assert.strictEqual(caller.name, callerName(caller.arn))
      assert.isTrue(caller.name.length > 0)
    })

    it("ensureRole creates a role once (a second ensure finds it) and writes its inline policies each time", async () => {
      const { layer, inlinePolicy } = await harness.make({})
      const name = freshName("contract-role")
      const account = await runOn(layer, Effect.flatMap(iam, (s) => s.accountId))
      assert.isTrue(Option.isNone(await runOn(layer, Effect.flatMap(iam, (s) => s.roleArn(name)))))
      const spec = { name, trustedService: "ecs-tasks.amazonaws.com", inlinePolicies: { "contract.policy": doc("logs:PutLogEvents") } }
      const first = await runOn(layer, Effect.flatMap(iam, (s) => s.ensureRole(spec)))
      assert.deepStrictEqual(first, { value: { name, arn: `arn:aws:iam::${account}:role/${name}` }, created: true })
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(iam, (s) => s.roleArn(name))), Option.some(first.value.arn))
      assert.deepStrictEqual(await inlinePolicy({ kind: "role", name }, "contract.policy"), doc("logs:PutLogEvents"))
      const changed = { ...spec, inlinePolicies: { "contract.policy": doc("logs:CreateLogStream") } }
      const second = await runOn(layer, Effect.flatMap(iam, (s) => s.ensureRole(changed)))
      assert.deepStrictEqual(second, { value: first.value, created: false })
      assert.deepStrictEqual(await inlinePolicy({ kind: "role", name }, "contract.policy"), doc("logs:CreateLogStream"))
    })

    it("putInlinePolicy writes (and replaces) a policy on a user and a group", async () => {
      const user = freshName("contract-user")
      const group = freshName("contract-group")
      const { layer, inlinePolicy } = await harness.make({ users: [user], groups: [group] })
      for (const principal of [{ kind: "user", name: user }, { kind: "group", name: group }] as const) {
        await runOn(layer, Effect.flatMap(iam, (s) => s.putInlinePolicy(principal, "contract.read", doc("secretsmanager:GetSecretValue"))))
        await runOn(layer, Effect.flatMap(iam, (s) => s.putInlinePolicy(principal, "contract.read", doc("secretsmanager:DescribeSecret"))))
        assert.deepStrictEqual(await inlinePolicy(principal, "contract.read"), doc("secretsmanager:DescribeSecret"))
      }
    })

    it("putInlinePolicy on a missing role, user or group is AwsNotFound (NoSuchEntity)", async () => {
      const { layer } = await harness.make({})
      for (const kind of ["role", "user", "group"] as const) {
        const error = await failureOn(layer, Effect.flatMap(iam, (s) => s.putInlinePolicy({ kind, name: freshName("nobody") }, "p", doc("s3:GetObject"))))
        assert.deepStrictEqual([kind, error._tag, error.code], [kind, "AwsNotFound", "NoSuchEntity"])
      }
    })

    it("ensureInstanceProfile makes the profile with its role once; a profile keeps the one role it holds", async () => {
      const { layer, profileRoles } = await harness.make({})
      const role = freshName("contract-profile-role")
      const other = freshName("contract-other-role")
      const account = await runOn(layer, Effect.flatMap(iam, (s) => s.accountId))
      await runOn(layer, Effect.flatMap(iam, (s) => s.ensureRole({ name: role, trustedService: "ec2.amazonaws.com" })))
      await runOn(layer, Effect.flatMap(iam, (s) => s.ensureRole({ name: other, trustedService: "ec2.amazonaws.com" })))
      const first = await runOn(layer, Effect.flatMap(iam, (s) => s.ensureInstanceProfile(role, role)))
      assert.deepStrictEqual(first, { value: { name: role, arn: `arn:aws:iam::${account}:instance-profile/${role}` }, created: true })
      assert.deepStrictEqual(await profileRoles(role), [role])
      const again = await runOn(layer, Effect.flatMap(iam, (s) => s.ensureInstanceProfile(role, role)))
      assert.deepStrictEqual(again, { value: first.value, created: false })
      // An instance profile holds one role: asking for another leaves the first (AWS: LimitExceeded, ignored).
      await runOn(layer, Effect.flatMap(iam, (s) => s.ensureInstanceProfile(role, other)))
      assert.deepStrictEqual(await profileRoles(role), [role])
    })

    it("ensureInstanceProfile with a missing role is AwsNotFound (NoSuchEntity)", async () => {
      const { layer } = await harness.make({})
      const error = await failureOn(layer, Effect.flatMap(iam, (s) => s.ensureInstanceProfile(freshName("contract-lonely"), freshName("nobody"))))
      assert.deepStrictEqual([error._tag, error.code], ["AwsNotFound", "NoSuchEntity"])
    })

    it("ensureServiceLinkedRole creates the role under the service's path once", async () => {
      const { layer } = await harness.make({})
      const account = await runOn(layer, Effect.flatMap(iam, (s) => s.accountId))
      const first = await runOn(layer, Effect.flatMap(iam, (s) => s.ensureServiceLinkedRole("batch.amazonaws.com", "AWSServiceRoleForBatch")))
      assert.strictEqual(first.created, true)
      assert.match(first.value.arn, new RegExp(`^arn:aws:iam::${account}:role/aws-service-role/batch\\.amazonaws\\.com/AWSServiceRoleFor`))
      const second = await runOn(layer, Effect.flatMap(iam, (s) => s.ensureServiceLinkedRole("batch.amazonaws.com", "AWSServiceRoleForBatch")))
      assert.deepStrictEqual([second.created, second.value.arn], [false, first.value.arn])
    })
  })
