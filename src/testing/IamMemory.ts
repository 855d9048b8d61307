/**
 * An in-memory IAM for tests: seeded roles, users and groups; roles and instance profiles created by
 * `ensureRole`/`ensureInstanceProfile`; inline policies kept per principal. Everything is readable
 * through `IamMemoryState`. A missing principal (or the missing role of an instance profile) fails with
 * AwsNotFound (NoSuchEntity), as AWS does; an instance profile keeps the one role it holds.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { AwsNotFound } from "../errors.ts"
import { Iam, type PolicyDocument, type Principal, type PrincipalKind, type RoleSpec } from "../services/Iam.ts"

/** The roles, users and groups that exist from the start in `IamMemory`. */
export interface IamSeed {
  readonly roles?: ReadonlyArray<string>
  readonly users?: ReadonlyArray<string>
  readonly groups?: ReadonlyArray<string>
  readonly accountId?: string
}

/** An inline policy `IamMemory` holds: its principal, name and document. */
export interface InlinePolicy {
  readonly principal: Principal
  readonly policyName: string
  readonly document: PolicyDocument
}

/** What `IamMemory` was asked to make: inline policies, roles and instance profiles. */
export class IamMemoryState extends Context.Service<IamMemoryState, {
  readonly inlinePolicies: Effect.Effect<ReadonlyArray<InlinePolicy>>
  /** Roles created by ensureRole, with the spec they were created from. */
  readonly createdRoles: Effect.Effect<ReadonlyArray<RoleSpec>>
  /** Instance profile name -> role name. */
  readonly instanceProfiles: Effect.Effect<ReadonlyMap<string, string>>
}>()("aegea/testing/IamMemoryState") {}

const operations: Record<PrincipalKind, string> = { role: "PutRolePolicy", user: "PutUserPolicy", group: "PutGroupPolicy" }

/** `Iam` in memory, with `IamMemoryState`. */
export const IamMemory = {
  layer: (seed: IamSeed = {}): Layer.Layer<Iam | IamMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const account = seed.accountId ?? "123456789012"
        const policies = yield* Ref.make<ReadonlyArray<InlinePolicy>>([])
        const created = yield* Ref.make<ReadonlyArray<RoleSpec>>([])
        const profiles = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
        const known = yield* Ref.make<Record<PrincipalKind, ReadonlyArray<string>>>({
          role: seed.roles ?? [],
          user: seed.users ?? [],
          group: seed.groups ?? []
        })
        const rolePaths = new Map<string, string>()
        const roleArn = (name: string) => `arn:aws:iam::${account}:role/${rolePaths.get(name) ?? ""}${name}`
        const putInlinePolicy = (principal: Principal, policyName: string, document: PolicyDocument) =>
          Effect.gen(function*() {
            if ((yield* Ref.get(known))[principal.kind].includes(principal.name)) {
              return yield* Ref.update(policies, (list) => [
                ...list.filter((p) =>
                  !(p.principal.kind === principal.kind && p.principal.name === principal.name && p.policyName === policyName)
                ),
                { principal, policyName, document }
              ])
            }
            return yield* new AwsNotFound({
              action: `put the inline policy ${policyName} on IAM ${principal.kind} ${principal.name}`,
              service: "IAM",
              operation: operations[principal.kind],
              code: "NoSuchEntity",
              awsMessage: `The ${principal.kind} with name ${principal.name} cannot be found.`
            })
          })
        const iam = Iam.of({
          accountId: Effect.succeed(account),
          roleArn: (name) =>
            Effect.map(Ref.get(known), (k) => (k.role.includes(name) ? Option.some(roleArn(name)) : Option.none())),
          ensureRole: (spec) =>
            Effect.gen(function*() {
              const exists = (yield* Ref.get(known)).role.includes(spec.name)
              if (!exists) {
                yield* Ref.update(known, (k) => ({ ...k, role: [...k.role, spec.name] }))
                yield* Ref.update(created, (c) => [...c, spec])
              }
              for (const [name, document] of Object.entries(spec.inlinePolicies ?? {})) {
                yield* putInlinePolicy({ kind: "role", name: spec.name }, name, document)
              }
              return { value: { name: spec.name, arn: roleArn(spec.name) }, created: !exists }
            }),
          ensureServiceLinkedRole: (service, roleName) =>
            Effect.gen(function*() {
              const exists = (yield* Ref.get(known)).role.includes(roleName)
              if (!exists) {
                yield* Ref.update(known, (k) => ({ ...k, role: [...k.role, roleName] }))
                // a service-linked role lives under its service's path, and GetRole gives that ARN
                rolePaths.set(roleName, `aws-service-role/${service}/`)
              }
              return { value: { name: roleName, arn: roleArn(roleName) }, created: !exists }
            }),
          putInlinePolicy,
          ensureInstanceProfile: (name, roleName) =>
            Effect.gen(function*() {
              const exists = (yield* Ref.get(profiles)).has(name)
              if (!(yield* Ref.get(known)).role.includes(roleName)) {
                return yield* new AwsNotFound({
                  action: `add role ${roleName} to instance profile ${name}`,
                  service: "IAM",
                  operation: "AddRoleToInstanceProfile",
                  code: "NoSuchEntity",
                  awsMessage: `Role ${roleName} not found`
                })
              }
              // A profile holds one role: one that has a role keeps it (AWS: LimitExceeded, which IamLive ignores).
              if (!exists) yield* Ref.update(profiles, (m) => new Map([...m, [name, roleName]]))
              return { value: { name, arn: `arn:aws:iam::${account}:instance-profile/${name}` }, created: !exists }
            })
        })
        const state = IamMemoryState.of({
          inlinePolicies: Ref.get(policies),
          createdRoles: Ref.get(created),
          instanceProfiles: Ref.get(profiles)
        })
        return Context.make(Iam, iam).pipe(Context.add(IamMemoryState, state))
      })
    )
}

// --- what launch needs ---
// (Imports are hoisted; they sit here to keep this block separate from the code above.)
import { callerName, IamIdentity } from "../services/Iam.ts"

/** `IamIdentity` in memory: a fixed caller. */
export const IamIdentityMemory = {
  /** A fixed caller (default arn:aws:iam::123456789012:user/alice). */
  layer: (arn = "arn:aws:iam::123456789012:user/alice"): Layer.Layer<IamIdentity> =>
    Layer.succeed(
      IamIdentity,
      IamIdentity.of({ caller: Effect.succeed({ accountId: arn.split(":")[4] ?? "", arn, name: callerName(arn) }) })
    )
}
