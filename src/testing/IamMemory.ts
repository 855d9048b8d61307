/**
 * An in-memory IAM for tests: seeded roles, users and groups; roles and instance profiles created by
 * `ensureRole`/`ensureInstanceProfile`; inline policies kept per principal. Everything is readable
 * through `IamMemoryState`. A missing principal fails with AwsNotFound (NoSuchEntity), as AWS does.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { AwsNotFound } from "../errors.ts"
import { Iam, type PolicyDocument, type Principal, type PrincipalKind, type RoleSpec } from "../services/Iam.ts"

export interface IamSeed {
  readonly roles?: ReadonlyArray<string>
  readonly users?: ReadonlyArray<string>
  readonly groups?: ReadonlyArray<string>
  readonly accountId?: string
}

export interface InlinePolicy {
  readonly principal: Principal
  readonly policyName: string
  readonly document: PolicyDocument
}

export class IamMemoryState extends Context.Service<IamMemoryState, {
  readonly inlinePolicies: Effect.Effect<ReadonlyArray<InlinePolicy>>
  /** Roles created by ensureRole, with the spec they were created from. */
  readonly createdRoles: Effect.Effect<ReadonlyArray<RoleSpec>>
  /** Instance profile name -> role name. */
  readonly instanceProfiles: Effect.Effect<ReadonlyMap<string, string>>
}>()("aegea/testing/IamMemoryState") {}

const operations: Record<PrincipalKind, string> = { role: "PutRolePolicy", user: "PutUserPolicy", group: "PutGroupPolicy" }

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
        const roleArn = (name: string) => `arn:aws:iam::${account}:role/${name}`
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
              if (!exists) yield* Ref.update(known, (k) => ({ ...k, role: [...k.role, roleName] }))
              return { value: { name: roleName, arn: `arn:aws:iam::${account}:role/aws-service-role/${service}/${roleName}` }, created: !exists }
            }),
          putInlinePolicy,
          ensureInstanceProfile: (name, roleName) =>
            Effect.gen(function*() {
              const exists = (yield* Ref.get(profiles)).has(name)
              yield* Ref.update(profiles, (m) => new Map([...m, [name, roleName]]))
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

export const IamIdentityMemory = {
  /** A fixed caller (default arn:aws:iam::123456789012:user/alice). */
  layer: (arn = "arn:aws:iam::123456789012:user/alice"): Layer.Layer<IamIdentity> =>
    Layer.succeed(
      IamIdentity,
      IamIdentity.of({ caller: Effect.succeed({ accountId: arn.split(":")[4] ?? "", arn, name: callerName(arn) }) })
    )
}
