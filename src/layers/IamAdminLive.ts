/**
 * The live IamAdmin layer (IAM is global: the region only picks the endpoint). A listing of users
 * asks, per user, for its access keys (and when each was last used), MFA devices and groups; of
 * groups, for their members; of roles, for when each was last used (ListRoles leaves that out).
 */
import type { CreateUserCommandOutput } from "@aws-sdk/client-iam"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, reconciled } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import type { Principal } from "../services/Iam.ts"
import {
  credentialSource,
  IamAdmin,
  type IamAdminError,
  type IamPolicy,
  type IamUser,
  type NewUser,
  principalNotFound,
  trustedPrincipals
} from "../services/IamAdmin.ts"

/** Per-principal detail calls in flight at once. */
const concurrency = 4
const date = (d: Date | undefined) => (d instanceof Date ? d : undefined)
const latest = (dates: ReadonlyArray<Date | undefined>) =>
  dates.reduce<Date | undefined>((a, b) => (b === undefined ? a : a === undefined || b > a ? b : a), undefined)

/**
 * `IamAdmin` against IAM (and the process's one STS call), with the region, credentials and endpoint of
 * `AwsClients`.
 */
export const IamAdminLive: Layer.Layer<IamAdmin, never, AwsClients> = Layer.effect(
  IamAdmin,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-iam"))
    const aws = yield* makeAws("IAM", (config) => new sdk.IAMClient(config), { global: true })
    const env = yield* AwsClients
    const missingAs = (principal: Principal) => <A>(effect: Effect.Effect<A, AwsError>): Effect.Effect<A, IamAdminError> =>
      effect.pipe(Effect.catchTag("AwsNotFound", () => Effect.fail(principalNotFound(principal))))

    const userDetail = (u: { UserName?: string | undefined; Arn?: string | undefined; CreateDate?: Date | undefined; PasswordLastUsed?: Date | undefined }) =>
      Effect.gen(function*() {
        const name = u.UserName ?? ""
        const [keys, mfa, groups] = yield* Effect.all([
          Stream.runCollect(aws.pages(
            (Marker) => new sdk.ListAccessKeysCommand({ UserName: name, ...(Marker ? { Marker } : {}) }),
            `list the access keys of IAM user ${name}`,
            (r) => [r.AccessKeyMetadata, r.IsTruncated ? r.Marker : undefined]
          )),
          aws.call(new sdk.ListMFADevicesCommand({ UserName: name }), `list the MFA devices of IAM user ${name}`, idempotent),
          Stream.runCollect(aws.pages(
            (Marker) => new sdk.ListGroupsForUserCommand({ UserName: name, ...(Marker ? { Marker } : {}) }),
            `list the groups of IAM user ${name}`,
            (r) => [r.Groups, r.IsTruncated ? r.Marker : undefined]
          ))
        ], { concurrency: 3 })
        const accessKeys = yield* Effect.forEach(keys, (k) =>
          aws.call(new sdk.GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId ?? "" }), `find when access key ${k.AccessKeyId} was last used`, idempotent).pipe(
            Effect.map((r) => ({
              id: k.AccessKeyId ?? "",
              status: k.Status ?? "",
              ...(date(k.CreateDate) ? { created: k.CreateDate! } : {}),
              ...(date(r.AccessKeyLastUsed?.LastUsedDate) ? { lastUsed: r.AccessKeyLastUsed!.LastUsedDate! } : {})
            }))
          ), { concurrency: 2 })
        const lastUsed = latest([date(u.PasswordLastUsed), ...accessKeys.map((k) => k.lastUsed)])
        return {
          name,
          arn: u.Arn ?? "",
          ...(date(u.CreateDate) ? { created: u.CreateDate! } : {}),
          mfa: (mfa.MFADevices ?? []).length > 0,
          accessKeys,
          ...(date(u.PasswordLastUsed) ? { passwordLastUsed: u.PasswordLastUsed! } : {}),
          ...(lastUsed !== undefined ? { lastUsed } : {}),
          groups: groups.map((g) => g.GroupName ?? "").sort()
        } satisfies IamUser
      })

    const users = () =>
      aws.pages(
        (Marker) => new sdk.ListUsersCommand({ ...(Marker ? { Marker } : {}) }),
        "list IAM users",
        (r) => [r.Users, r.IsTruncated ? r.Marker : undefined]
      ).pipe(Stream.mapEffect(userDetail, { concurrency }))

    const groups = () =>
      aws.pages(
        (Marker) => new sdk.ListGroupsCommand({ ...(Marker ? { Marker } : {}) }),
        "list IAM groups",
        (r) => [r.Groups, r.IsTruncated ? r.Marker : undefined]
      ).pipe(Stream.mapEffect((g) =>
        Stream.runCollect(aws.pages(
          (Marker) => new sdk.GetGroupCommand({ GroupName: g.GroupName ?? "", ...(Marker ? { Marker } : {}) }),
          `list the members of IAM group ${g.GroupName}`,
          (r) => [r.Users, r.IsTruncated ? r.Marker : undefined]
        )).pipe(Effect.map((members) => ({
          name: g.GroupName ?? "",
          arn: g.Arn ?? "",
          ...(date(g.CreateDate) ? { created: g.CreateDate! } : {}),
          users: members.map((m) => m.UserName ?? "").sort()
        }))), { concurrency }))

    const roles = () =>
      aws.pages(
        (Marker) => new sdk.ListRolesCommand({ ...(Marker ? { Marker } : {}) }),
        "list IAM roles",
        (r) => [r.Roles, r.IsTruncated ? r.Marker : undefined]
      ).pipe(Stream.mapEffect((role) =>
        aws.call(new sdk.GetRoleCommand({ RoleName: role.RoleName ?? "" }), `find when IAM role ${role.RoleName} was last used`, idempotent).pipe(
          Effect.map((r) => r.Role?.RoleLastUsed),
          // Deleted meanwhile: listed without its last use.
          Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined)),
          Effect.map((used) => ({
            name: role.RoleName ?? "",
            arn: role.Arn ?? "",
            ...(role.Description ? { description: role.Description } : {}),
            ...(date(role.CreateDate) ? { created: role.CreateDate! } : {}),
            trustedPrincipals: trustedPrincipals(role.AssumeRolePolicyDocument),
            ...(date(used?.LastUsedDate) ? { lastUsed: used!.LastUsedDate! } : {}),
            ...(used?.Region ? { lastUsedRegion: used.Region } : {})
          }))
        ), { concurrency }))

    const policies = () =>
      aws.pages(
        (Marker) => new sdk.ListPoliciesCommand({ Scope: "Local", ...(Marker ? { Marker } : {}) }),
        "list IAM policies",
        (r) => [r.Policies, r.IsTruncated ? r.Marker : undefined]
      ).pipe(Stream.map((p): IamPolicy => ({
        name: p.PolicyName ?? "",
        type: "managed",
        arn: p.Arn ?? "",
        attachments: p.AttachmentCount ?? 0,
        ...(date(p.UpdateDate) ? { updated: p.UpdateDate! } : {})
      })))

    type Page<A> = readonly [ReadonlyArray<A> | undefined, string | undefined]
    const policiesOf = (principal: Principal) =>
      Effect.gen(function*() {
        const who = `IAM ${principal.kind} ${principal.name}`
        const attachedTo = `${principal.kind}/${principal.name}`
        type Attached = { PolicyName?: string | undefined; PolicyArn?: string | undefined }
        const managedPages = (read: (marker: string | undefined) => Effect.Effect<Page<Attached>, AwsError>) =>
          Stream.runCollect(Stream.paginate(undefined as string | undefined, (m) =>
            Effect.map(read(m), ([items, next]) => [items ?? [], Option.fromUndefinedOr(next)] as const)))
        const inlinePages = (read: (marker: string | undefined) => Effect.Effect<Page<string>, AwsError>) =>
          Stream.runCollect(Stream.paginate(undefined as string | undefined, (m) =>
            Effect.map(read(m), ([items, next]) => [items ?? [], Option.fromUndefinedOr(next)] as const)))
        const marker = (m: string | undefined) => (m ? { Marker: m } : {})
        const [managed, inline] = yield* (principal.kind === "user"
          ? Effect.all([
            managedPages((m) => aws.call(new sdk.ListAttachedUserPoliciesCommand({ UserName: principal.name, ...marker(m) }), `list the policies of ${who}`, idempotent).pipe(
              Effect.map((r): Page<Attached> => [r.AttachedPolicies, r.IsTruncated ? r.Marker : undefined]))),
            inlinePages((m) => aws.call(new sdk.ListUserPoliciesCommand({ UserName: principal.name, ...marker(m) }), `list the inline policies of ${who}`, idempotent).pipe(
              Effect.map((r): Page<string> => [r.PolicyNames, r.IsTruncated ? r.Marker : undefined])))
          ])
          : principal.kind === "group"
          ? Effect.all([
            managedPages((m) => aws.call(new sdk.ListAttachedGroupPoliciesCommand({ GroupName: principal.name, ...marker(m) }), `list the policies of ${who}`, idempotent).pipe(
              Effect.map((r): Page<Attached> => [r.AttachedPolicies, r.IsTruncated ? r.Marker : undefined]))),
            inlinePages((m) => aws.call(new sdk.ListGroupPoliciesCommand({ GroupName: principal.name, ...marker(m) }), `list the inline policies of ${who}`, idempotent).pipe(
              Effect.map((r): Page<string> => [r.PolicyNames, r.IsTruncated ? r.Marker : undefined])))
          ])
          : Effect.all([
            managedPages((m) => aws.call(new sdk.ListAttachedRolePoliciesCommand({ RoleName: principal.name, ...marker(m) }), `list the policies of ${who}`, idempotent).pipe(
              Effect.map((r): Page<Attached> => [r.AttachedPolicies, r.IsTruncated ? r.Marker : undefined]))),
            inlinePages((m) => aws.call(new sdk.ListRolePoliciesCommand({ RoleName: principal.name, ...marker(m) }), `list the inline policies of ${who}`, idempotent).pipe(
              Effect.map((r): Page<string> => [r.PolicyNames, r.IsTruncated ? r.Marker : undefined])))
          ])).pipe(missingAs(principal))
        return [
          ...managed.map((p): IamPolicy => ({ name: p.PolicyName ?? "", type: "managed", arn: p.PolicyArn ?? "", attachedTo })),
          ...inline.map((name): IamPolicy => ({ name, type: "inline", attachedTo }))
        ]
      })

    const exists = (principal: Principal): Effect.Effect<boolean, AwsError> => {
      const action = `look up IAM ${principal.kind} ${principal.name}`
      const call: Effect.Effect<unknown, AwsError> = principal.kind === "user"
        ? aws.call(new sdk.GetUserCommand({ UserName: principal.name }), action, idempotent)
        : principal.kind === "group"
        ? aws.call(new sdk.GetGroupCommand({ GroupName: principal.name, MaxItems: 1 }), action, idempotent)
        : aws.call(new sdk.GetRoleCommand({ RoleName: principal.name }), action, idempotent)
      return call.pipe(Effect.as(true), Effect.catchTag("AwsNotFound", () => Effect.succeed(false)))
    }

    const findUser = (name: string) =>
      aws.call(new sdk.GetUserCommand({ UserName: name }), `look for IAM user ${name}`, idempotent).pipe(
        Effect.map((r) => (r.User ? Option.some({ User: r.User, $metadata: r.$metadata }) : Option.none())),
        Effect.catchTag("AwsNotFound", () => Effect.succeed(Option.none()))
      )

    const createUser = (user: NewUser) =>
      Effect.gen(function*() {
        const created = yield* aws.call(
          new sdk.CreateUserCommand({ UserName: user.name }),
          `create IAM user ${user.name}`,
          // The name is the user's key: after a lost answer, look it up rather than create blindly.
          reconciled<CreateUserCommandOutput>(findUser(user.name), () => `IAM user ${user.name}`)
        )
        for (const group of user.groups) {
          // Adding a member twice changes nothing.
          yield* aws.call(
            new sdk.AddUserToGroupCommand({ UserName: user.name, GroupName: group }),
            `add IAM user ${user.name} to group ${group}`,
            idempotent
          )
        }
        if (user.consolePassword !== undefined) {
          yield* aws.call(
            new sdk.CreateLoginProfileCommand({
              UserName: user.name,
              Password: Redacted.value(user.consolePassword),
              PasswordResetRequired: true
            }),
            `give IAM user ${user.name} a console password`,
            // A second attempt after a lost answer finds the profile the first one made.
            idempotent
          ).pipe(Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && e.code === "EntityAlreadyExists", () => Effect.void))
        }
        return { name: user.name, arn: created.User?.Arn ?? "", groups: user.groups, consoleAccess: user.consolePassword !== undefined }
      })

    const whoami = Effect.gen(function*() {
      const identity = yield* aws.callerIdentity
      // The process's one provider: already resolved for the call above, so this asks nothing.
      const credentials = yield* Effect.promise(() => env.clientConfig.credentials().catch(() => undefined))
      const features = Object.keys((credentials as { $source?: Record<string, unknown> } | undefined)?.$source ?? {})
      return {
        arn: identity.arn,
        account: identity.account,
        userId: identity.userId,
        source: credentialSource(features, env.profile, process.env),
        ...(env.profile !== undefined ? { profile: env.profile } : {}),
        region: env.region
      }
    })

    return IamAdmin.of({ users, groups, roles, policies, policiesOf, exists, createUser, whoami })
  })
)
