/**
 * An in-memory IamAdmin for tests: seeded groups, roles, users (with groups, MFA and access keys),
 * customer-managed policies attached to principals and inline policies; `createUser` adds a user
 * (failing with AwsNotFound for a group that does not exist, as IAM does) and records its console
 * password, revealed to tests through `IamAdminMemoryState`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { AwsInvalidRequest, AwsNotFound } from "../errors.ts"
import type { Principal } from "../services/Iam.ts"
import { IamAdmin, type IamPolicy, type IamUser, type NewUser, principalNotFound, type Whoami } from "../services/IamAdmin.ts"

/** What `IamAdminMemory` starts with: groups, roles, users, managed and inline policies, and the caller. */
export interface IamAdminSeed {
  readonly groups?: ReadonlyArray<string>
  /** Roles and the service that may assume each. */
  readonly roles?: ReadonlyArray<{ readonly name: string; readonly trustedService: string }>
  readonly users?: ReadonlyArray<{
    readonly name: string
    readonly groups?: ReadonlyArray<string>
    /** How many (active) access keys to give it. */
    readonly accessKeys?: number
    readonly mfa?: boolean
  }>
  /** Customer-managed policies and whom each is attached to. */
  readonly managedPolicies?: ReadonlyArray<{ readonly name: string; readonly attachedTo?: ReadonlyArray<Principal> }>
  readonly inlinePolicies?: ReadonlyArray<{ readonly principal: Principal; readonly name: string }>
  /** The caller; default arn:aws:iam::123456789012:user/alice with credentials from the environment. */
  readonly whoami?: Partial<Whoami>
}

/** What `IamAdminMemory` holds beyond the service: console passwords given at creation. */
export class IamAdminMemoryState extends Context.Service<IamAdminMemoryState, {
  /** User name -> console password given at creation (revealed for assertions). */
  readonly consolePasswords: Effect.Effect<ReadonlyMap<string, string>>
}>()("aegea/testing/IamAdminMemoryState") {}

const account = "123456789012"

/** `IamAdmin` in memory, with `IamAdminMemoryState`. */
export const IamAdminMemory = {
  layer: (seed: IamAdminSeed = {}): Layer.Layer<IamAdmin | IamAdminMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const now = new Date(yield* Clock.currentTimeMillis)
        let keyCounter = 0
        const newKey = () => `AKIA${(++keyCounter).toString().padStart(16, "0")}`
        const users = yield* Ref.make(new Map<string, IamUser>(
          (seed.users ?? []).map((u) => [u.name, {
            name: u.name,
            arn: `arn:aws:iam::${account}:user/${u.name}`,
            created: now,
            mfa: u.mfa ?? false,
            accessKeys: Array.from({ length: u.accessKeys ?? 0 }, () => ({ id: newKey(), status: "Active", created: now })),
            groups: [...(u.groups ?? [])].sort()
          }])
        ))
        const groupNames = new Set(seed.groups ?? [])
        const passwords = yield* Ref.make(new Map<string, string>())
        const known = (principal: Principal) =>
          Effect.map(Ref.get(users), (u) =>
            principal.kind === "user" ? u.has(principal.name)
            : principal.kind === "group" ? groupNames.has(principal.name)
            : (seed.roles ?? []).some((r) => r.name === principal.name))
        const same = (a: Principal, b: Principal) => a.kind === b.kind && a.name === b.name

        const policiesOf = (principal: Principal) =>
          Effect.gen(function*() {
            if (!(yield* known(principal))) return yield* principalNotFound(principal)
            const attachedTo = `${principal.kind}/${principal.name}`
            return [
              ...(seed.managedPolicies ?? []).filter((p) => (p.attachedTo ?? []).some((a) => same(a, principal))).map((p): IamPolicy => ({
                name: p.name,
                type: "managed",
                arn: `arn:aws:iam::${account}:policy/${p.name}`,
                attachedTo
              })),
              ...(seed.inlinePolicies ?? []).filter((p) => same(p.principal, principal)).map((p): IamPolicy => ({
                name: p.name,
                type: "inline",
                attachedTo
              }))
            ]
          })

        const createUser = (user: NewUser) =>
          Effect.gen(function*() {
            if ((yield* Ref.get(users)).has(user.name)) {
              return yield* new AwsInvalidRequest({
                action: `create IAM user ${user.name}`,
                service: "IAM",
                operation: "CreateUser",
                code: "EntityAlreadyExists",
                awsMessage: `User with name ${user.name} already exists.`
              })
            }
            const arn = `arn:aws:iam::${account}:user/${user.name}`
            yield* Ref.update(users, (m) => new Map(m).set(user.name, {
              name: user.name,
              arn,
              created: now,
              mfa: false,
              accessKeys: [],
              groups: []
            }))
            for (const group of user.groups) {
              if (!groupNames.has(group)) {
                return yield* new AwsNotFound({
                  action: `add IAM user ${user.name} to group ${group}`,
                  service: "IAM",
                  operation: "AddUserToGroup",
                  code: "NoSuchEntity",
                  awsMessage: `The group with name ${group} cannot be found.`
                })
              }
              yield* Ref.update(users, (m) => {
                const u = m.get(user.name)!
                return new Map(m).set(user.name, { ...u, groups: [...new Set([...u.groups, group])].sort() })
              })
            }
            if (user.consolePassword !== undefined) {
              const password = Redacted.value(user.consolePassword)
              yield* Ref.update(passwords, (m) => new Map(m).set(user.name, password))
            }
            return { name: user.name, arn, groups: user.groups, consoleAccess: user.consolePassword !== undefined }
          })

        const byName = <A extends { readonly name: string }>(items: Iterable<A>) => [...items].sort((a, b) => a.name.localeCompare(b.name))
        const service = IamAdmin.of({
          users: () => Stream.unwrap(Effect.map(Ref.get(users), (m) => Stream.fromIterable(byName(m.values())))),
          groups: () =>
            Stream.unwrap(Effect.map(Ref.get(users), (m) =>
              Stream.fromIterable(byName([...groupNames].map((name) => ({
                name,
                arn: `arn:aws:iam::${account}:group/${name}`,
                created: now,
                users: [...m.values()].filter((u) => u.groups.includes(name)).map((u) => u.name).sort()
              })))))),
          roles: () =>
            Stream.fromIterable(byName((seed.roles ?? []).map((r) => ({
              name: r.name,
              arn: `arn:aws:iam::${account}:role/${r.name}`,
              created: now,
              trustedPrincipals: [r.trustedService]
            })))),
          policies: () =>
            Stream.fromIterable(byName((seed.managedPolicies ?? []).map((p): IamPolicy => ({
              name: p.name,
              type: "managed",
              arn: `arn:aws:iam::${account}:policy/${p.name}`,
              attachments: (p.attachedTo ?? []).length,
              updated: now
            })))),
          policiesOf,
          exists: known,
          createUser,
          whoami: Effect.succeed({
            arn: `arn:aws:iam::${account}:user/alice`,
            account,
            userId: "AIDAEXAMPLEALICE",
            source: "environment (AWS_ACCESS_KEY_ID)",
            region: "us-east-1",
            ...seed.whoami
          })
        })
        return Context.make(IamAdmin, service).pipe(
          Context.add(IamAdminMemoryState, IamAdminMemoryState.of({ consolePasswords: Ref.get(passwords) }))
        )
      })
    )
}
