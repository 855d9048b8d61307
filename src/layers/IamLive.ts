/**
 * The live IAM layer (IAM is global: the region only picks the endpoint). SDKs imported lazily;
 * the account id comes from the process's one STS GetCallerIdentity (works for every kind of credentials).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { AwsClients } from "./AwsClients.ts"
import { callerIdentityOf, idempotent, makeAws } from "./aws.ts"
import type { AwsError } from "../errors.ts"
import {
  callerName,
  type Ensured,
  Iam,
  IamIdentity,
  type PolicyDocument,
  type Principal,
  type Role,
  type RoleSpec,
  trustPolicy
} from "../services/Iam.ts"

/** IAM's answer to creating what exists (a second attempt after a lost answer gets it too). */
const alreadyExists = (e: AwsError) => e._tag === "AwsInvalidRequest" && e.code === "EntityAlreadyExists"

/** `Iam` against IAM (and the process's one STS call), with the region, credentials and endpoint of `AwsClients`. */
export const IamLive: Layer.Layer<Iam, never, AwsClients> = Layer.effect(
  Iam,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-iam"))
    const aws = yield* makeAws("IAM", (config) => new sdk.IAMClient(config), { global: true })

    // Putting the same document again changes nothing.
    const putInlinePolicy = (principal: Principal, policyName: string, document: PolicyDocument) => {
      const PolicyDocument = JSON.stringify(document)
      const action = `put the inline policy ${policyName} on IAM ${principal.kind} ${principal.name}`
      switch (principal.kind) {
        case "role":
          return aws.call(new sdk.PutRolePolicyCommand({ RoleName: principal.name, PolicyName: policyName, PolicyDocument }), action, idempotent).pipe(
            Effect.asVoid
          )
        case "user":
          return aws.call(new sdk.PutUserPolicyCommand({ UserName: principal.name, PolicyName: policyName, PolicyDocument }), action, idempotent).pipe(
            Effect.asVoid
          )
        case "group":
          return aws.call(new sdk.PutGroupPolicyCommand({ GroupName: principal.name, PolicyName: policyName, PolicyDocument }), action, idempotent).pipe(
            Effect.asVoid
          )
      }
    }

    const getRole = (name: string) =>
      aws.call(new sdk.GetRoleCommand({ RoleName: name }), `look up IAM role ${name}`, idempotent).pipe(
        Effect.map((r) => Option.fromUndefinedOr(r.Role?.Arn)),
        Effect.catchTag("AwsNotFound", () => Effect.succeed(Option.none<string>()))
      )

    const ensureRole = (spec: RoleSpec): Effect.Effect<Ensured<Role>, AwsError> =>
      Effect.gen(function*() {
        let arn = Option.getOrUndefined(yield* getRole(spec.name))
        let created = false
        if (arn === undefined) {
          arn = yield* aws.call(
            new sdk.CreateRoleCommand({
              RoleName: spec.name,
              AssumeRolePolicyDocument: JSON.stringify(trustPolicy(spec.trustedService)),
              ...(spec.description !== undefined ? { Description: spec.description } : {})
            }),
            `create IAM role ${spec.name}`,
            // The name is the role's key: a second attempt after a lost answer is EntityAlreadyExists,
            // which is handled below as "made meanwhile" and the role is looked up.
            idempotent
          ).pipe(
            Effect.map((r) => r.Role?.Arn),
            Effect.catchIf(alreadyExists, () => Effect.succeed(undefined))
          )
          created = arn !== undefined
          if (arn === undefined) arn = Option.getOrUndefined(yield* getRole(spec.name)) ?? ""
        }
        for (const policyArn of spec.managedPolicyArns ?? []) {
          // Attaching an attached policy changes nothing.
          yield* aws.call(new sdk.AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn: policyArn }), `attach ${policyArn} to IAM role ${spec.name}`, idempotent)
        }
        for (const [policyName, document] of Object.entries(spec.inlinePolicies ?? {})) {
          yield* putInlinePolicy({ kind: "role", name: spec.name }, policyName, document)
        }
        return { value: { name: spec.name, arn }, created }
      })

    const ensureInstanceProfile = (name: string, roleName: string) =>
      Effect.gen(function*() {
        const existing = yield* aws.call(new sdk.GetInstanceProfileCommand({ InstanceProfileName: name }), `look up instance profile ${name}`, idempotent).pipe(
          Effect.map((r) => r.InstanceProfile),
          Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined))
        )
        let profile = existing
        if (profile === undefined) {
          profile = yield* aws.call(
            new sdk.CreateInstanceProfileCommand({ InstanceProfileName: name }),
            `create instance profile ${name}`,
            // As CreateRole: a second attempt meets EntityAlreadyExists, handled as "made meanwhile".
            idempotent
          ).pipe(
            Effect.map((r) => r.InstanceProfile),
            Effect.catchIf(alreadyExists, () => Effect.succeed(undefined))
          )
        }
        if (!(profile?.Roles ?? []).some((r) => r.RoleName === roleName)) {
          yield* aws.call(
            new sdk.AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName }),
            `add role ${roleName} to instance profile ${name}`,
            // A profile holds one role: a second attempt after a lost answer is LimitExceeded, ignored below.
            idempotent
          ).pipe(
            // LimitExceeded is classified as a quota (AwsQuotaExceeded); either tag means "it has its role".
            Effect.catchIf((e) => (e._tag === "AwsQuotaExceeded" || e._tag === "AwsInvalidRequest") && e.code === "LimitExceeded", () => Effect.void)
          )
        }
        return {
          value: { name, arn: profile?.Arn ?? "" },
          created: existing === undefined
        }
      })

    const ensureServiceLinkedRole = (service: string, roleName: string) =>
      Effect.gen(function*() {
        const existing = Option.getOrUndefined(yield* getRole(roleName))
        if (existing !== undefined) return { value: { name: roleName, arn: existing }, created: false }
        const arn = yield* aws.call(
          new sdk.CreateServiceLinkedRoleCommand({ AWSServiceName: service }),
          `create the service-linked role of ${service}`,
          // One per service and account: a second attempt is "has been taken", handled below.
          idempotent
        ).pipe(
          Effect.map((r) => r.Role?.Arn),
          // a concurrent create: "Service role name ... has been taken in this account"
          Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && /taken|exists/i.test(e.awsMessage), () => Effect.succeed(undefined))
        )
        if (arn !== undefined) return { value: { name: roleName, arn }, created: true }
        // Created by a concurrent run, or by our own attempt whose answer was lost. Look it up by its
        // name, else by the service's own path (names differ in case between AWS and emulators).
        const byName = Option.getOrUndefined(yield* getRole(roleName))
        if (byName !== undefined) return { value: { name: roleName, arn: byName }, created: false }
        const listed = yield* aws.call(
          new sdk.ListRolesCommand({ PathPrefix: `/aws-service-role/${service}/` }),
          `look up the service-linked role of ${service}`,
          idempotent
        )
        const role = listed.Roles?.[0]
        return { value: { name: role?.RoleName ?? roleName, arn: role?.Arn ?? "" }, created: false }
      })

    return Iam.of({
      accountId: Effect.map(aws.callerIdentity, (identity) => identity.account),
      roleArn: getRole,
      ensureRole,
      ensureServiceLinkedRole,
      putInlinePolicy,
      ensureInstanceProfile
    })
  })
)

/** The caller's identity from STS GetCallerIdentity (works for users, roles and SSO alike): the process's one call. */
export const IamIdentityLive: Layer.Layer<IamIdentity, never, AwsClients> = Layer.effect(
  IamIdentity,
  Effect.gen(function*() {
    const identity = callerIdentityOf(yield* AwsClients)
    return IamIdentity.of({
      caller: Effect.map(identity, (identity) => ({ accountId: identity.account, arn: identity.arn, name: callerName(identity.arn) }))
    })
  })
)
