/**
 * The IamAdmin contract: the same scenarios against IamAdminMemory (test/unit) and IamAdminLive on
 * moto (test/integration). The harness seeds IAM (users, groups, roles, policies) its own way, then
 * hands over a layer. Every test uses fresh names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer, Redacted, Stream } from "effect"
import { IamAdmin } from "../../src/services/IamAdmin.ts"
import type { IamAdminSeed } from "../../src/testing/IamAdminMemory.ts"

export interface IamAdminHarness {
  /** A layer over IAM holding (at least) `seed`; the same store for every run in a test. */
  readonly make: (seed: IamAdminSeed) => Promise<Layer.Layer<IamAdmin>>
}

let counter = 0
const fresh = (base: string) => `ct-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<IamAdmin>, f: (s: IamAdmin["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* IamAdmin)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<IamAdmin>, f: (s: IamAdmin["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* IamAdmin)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; code?: string; name?: string }
}

export const iamAdminContract = (label: string, harness: IamAdminHarness) =>
  describe(`IamAdmin contract (${label})`, () => {
    it("lists users with their access keys, MFA and groups, and groups with their members", async () => {
      const group = fresh("devs")
      const user = fresh("dana")
      const bare = fresh("bare")
      const layer = await harness.make({ groups: [group], users: [{ name: user, groups: [group], accessKeys: 1 }, { name: bare }] })
      const users = await run(layer, (s) => Stream.runCollect(s.users()))
      const dana = users.find((u) => u.name === user)
      assert.isDefined(dana)
      assert.deepStrictEqual(dana!.groups, [group])
      assert.isFalse(dana!.mfa)
      assert.strictEqual(dana!.accessKeys.length, 1)
      assert.match(dana!.accessKeys[0]!.id, /^AKIA/)
      assert.strictEqual(dana!.accessKeys[0]!.status, "Active")
      assert.instanceOf(dana!.accessKeys[0]!.created, Date)
      assert.include(dana!.arn, `:user/${user}`)
      const other = users.find((u) => u.name === bare)
      assert.deepStrictEqual([other?.groups, other?.accessKeys], [[], []])
      const groups = await run(layer, (s) => Stream.runCollect(s.groups()))
      assert.deepStrictEqual(groups.find((g) => g.name === group)?.users, [user])
    })

    it("lists roles with the principals trusted to assume them", async () => {
      const role = fresh("app")
      const layer = await harness.make({ roles: [{ name: role, trustedService: "ec2.amazonaws.com" }] })
      const roles = await run(layer, (s) => Stream.runCollect(s.roles()))
      const found = roles.find((r) => r.name === role)
      assert.deepStrictEqual(found?.trustedPrincipals, ["ec2.amazonaws.com"])
      assert.include(found?.arn ?? "", `:role/${role}`)
    })

    it("lists customer-managed policies, and the managed and inline policies of a principal", async () => {
      const role = fresh("svc")
      const policy = fresh("read")
      const inline = fresh("inline")
      const layer = await harness.make({
        roles: [{ name: role, trustedService: "lambda.amazonaws.com" }],
        managedPolicies: [{ name: policy, attachedTo: [{ kind: "role", name: role }] }],
        inlinePolicies: [{ principal: { kind: "role", name: role }, name: inline }]
      })
      const all = await run(layer, (s) => Stream.runCollect(s.policies()))
      const managed = all.find((p) => p.name === policy)
      assert.strictEqual(managed?.type, "managed")
      assert.strictEqual(managed?.attachments, 1)
      assert.include(managed?.arn ?? "", `:policy/${policy}`)
      assert.isFalse(all.some((p) => p.name === "AdministratorAccess"), "AWS-managed policies are not listed")
      const ofRole = await run(layer, (s) => s.policiesOf({ kind: "role", name: role }))
      assert.deepStrictEqual(ofRole.map((p) => [p.name, p.type, p.attachedTo]), [
        [policy, "managed", `role/${role}`],
        [inline, "inline", `role/${role}`]
      ])
      const missing = await failureOf(layer, (s) => s.policiesOf({ kind: "user", name: fresh("ghost") }))
      assert.strictEqual(missing._tag, "ResourceNotFound")
      assert.strictEqual(missing.kind, "IAM user")
    })

    it("exists tells users, groups and roles apart", async () => {
      const name = fresh("same")
      const layer = await harness.make({ groups: [name] })
      assert.isTrue(await run(layer, (s) => s.exists({ kind: "group", name })))
      assert.isFalse(await run(layer, (s) => s.exists({ kind: "user", name })))
      assert.isFalse(await run(layer, (s) => s.exists({ kind: "role", name })))
    })

    it("creates a user in groups with a console password; a second create of the name fails", async () => {
      const group = fresh("ops")
      const user = fresh("carol")
      const layer = await harness.make({ groups: [group] })
      const created = await run(layer, (s) => s.createUser({ name: user, groups: [group], consolePassword: Redacted.make("Aa1!-generated-Zz9") }))
      assert.strictEqual(created.name, user)
      assert.include(created.arn, `:user/${user}`)
      assert.isTrue(created.consoleAccess)
      const listed = (await run(layer, (s) => Stream.runCollect(s.users()))).find((u) => u.name === user)
      assert.deepStrictEqual(listed?.groups, [group])
      const again = await failureOf(layer, (s) => s.createUser({ name: user, groups: [] }))
      assert.strictEqual(again.code, "EntityAlreadyExists")
    })

    it("whoami: the caller's ARN, account and user id, and where the credentials came from", async () => {
      const layer = await harness.make({})
      const me = await run(layer, (s) => s.whoami)
      assert.match(me.account, /^\d{12}$/)
      assert.match(me.arn, /^arn:aws:(iam|sts)::\d{12}:/)
      assert.isNotEmpty(me.userId)
      assert.strictEqual(me.source, "environment (AWS_ACCESS_KEY_ID)")
    })
  })
