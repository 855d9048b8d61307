/**
 * The live IAM layer (IAM is global: the region only picks the endpoint). SDKs imported lazily;
 * the account id comes from STS GetCallerIdentity (works for every kind of credentials).
 */
import { Effect, Layer, Option } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client } from "./aws.ts"
import { type Ensured, Iam, type PolicyDocument, type Principal, type Role, type RoleSpec, trustPolicy } from "../services/Iam.ts"

export const IamLive: Layer.Layer<Iam, never, AwsClients> = Layer.effect(
  Iam,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("@aws-sdk/client-iam"))
    const iam = yield* client(() => new sdk.IAMClient(env.clientConfig))

    const putInlinePolicy = (principal: Principal, policyName: string, document: PolicyDocument) => {
      const PolicyDocument = JSON.stringify(document)
      const action = `put the inline policy ${policyName} on IAM ${principal.kind} ${principal.name}`
      switch (principal.kind) {
        case "role":
          return call(env, { service: "IAM", operation: "PutRolePolicy", action }, (abortSignal) =>
            iam.send(new sdk.PutRolePolicyCommand({ RoleName: principal.name, PolicyName: policyName, PolicyDocument }), {
              abortSignal
            })).pipe(Effect.asVoid)
        case "user":
          return call(env, { service: "IAM", operation: "PutUserPolicy", action }, (abortSignal) =>
            iam.send(new sdk.PutUserPolicyCommand({ UserName: principal.name, PolicyName: policyName, PolicyDocument }), {
              abortSignal
            })).pipe(Effect.asVoid)
        case "group":
          return call(env, { service: "IAM", operation: "PutGroupPolicy", action }, (abortSignal) =>
            iam.send(new sdk.PutGroupPolicyCommand({ GroupName: principal.name, PolicyName: policyName, PolicyDocument }), {
              abortSignal
            })).pipe(Effect.asVoid)
      }
    }

    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "IAM", operation, action }, run)
    const alreadyExists = (e: { readonly _tag: string; readonly code?: string }) =>
      e._tag === "AwsInvalidRequest" && e.code === "EntityAlreadyExists"

    const getRole = (name: string) =>
      send("GetRole", `look up IAM role ${name}`, (abortSignal) =>
        iam.send(new sdk.GetRoleCommand({ RoleName: name }), { abortSignal })).pipe(
          Effect.map((r) => Option.fromUndefinedOr(r.Role?.Arn)),
          Effect.catchTag("AwsNotFound", () => Effect.succeed(Option.none<string>()))
        )

    const ensureRole = (spec: RoleSpec): Effect.Effect<Ensured<Role>, import("../errors.ts").AwsError> =>
      Effect.gen(function*() {
        let arn = Option.getOrUndefined(yield* getRole(spec.name))
        let created = false
        if (arn === undefined) {
          arn = yield* send("CreateRole", `create IAM role ${spec.name}`, (abortSignal) =>
            iam.send(
              new sdk.CreateRoleCommand({
                RoleName: spec.name,
                AssumeRolePolicyDocument: JSON.stringify(trustPolicy(spec.trustedService)),
                ...(spec.description !== undefined ? { Description: spec.description } : {})
              }),
              { abortSignal }
            )).pipe(
              Effect.map((r) => r.Role?.Arn),
              Effect.catchIf(alreadyExists, () => Effect.succeed(undefined))
            )
          created = arn !== undefined
          if (arn === undefined) arn = Option.getOrUndefined(yield* getRole(spec.name)) ?? ""
        }
        for (const policyArn of spec.managedPolicyArns ?? []) {
          yield* send("AttachRolePolicy", `attach ${policyArn} to IAM role ${spec.name}`, (abortSignal) =>
            iam.send(new sdk.AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn: policyArn }), { abortSignal }))
        }
        for (const [policyName, document] of Object.entries(spec.inlinePolicies ?? {})) {
          yield* putInlinePolicy({ kind: "role", name: spec.name }, policyName, document)
        }
        return { value: { name: spec.name, arn }, created }
      })

    const ensureInstanceProfile = (name: string, roleName: string) =>
      Effect.gen(function*() {
        const existing = yield* send("GetInstanceProfile", `look up instance profile ${name}`, (abortSignal) =>
          iam.send(new sdk.GetInstanceProfileCommand({ InstanceProfileName: name }), { abortSignal })).pipe(
            Effect.map((r) => r.InstanceProfile),
            Effect.catchTag("AwsNotFound", () => Effect.succeed(undefined))
          )
        let profile = existing
        if (profile === undefined) {
          profile = yield* send("CreateInstanceProfile", `create instance profile ${name}`, (abortSignal) =>
            iam.send(new sdk.CreateInstanceProfileCommand({ InstanceProfileName: name }), { abortSignal })).pipe(
              Effect.map((r) => r.InstanceProfile),
              Effect.catchIf(alreadyExists, () => Effect.succeed(undefined))
            )
        }
        if (!(profile?.Roles ?? []).some((r) => r.RoleName === roleName)) {
          yield* send("AddRoleToInstanceProfile", `add role ${roleName} to instance profile ${name}`, (abortSignal) =>
            iam.send(new sdk.AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName }), { abortSignal })).pipe(
              Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && e.code === "LimitExceeded", () => Effect.void)
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
        const arn = yield* send("CreateServiceLinkedRole", `create the service-linked role of ${service}`, (abortSignal) =>
          iam.send(new sdk.CreateServiceLinkedRoleCommand({ AWSServiceName: service }), { abortSignal })).pipe(
            Effect.map((r) => r.Role?.Arn),
            // a concurrent create: "Service role name ... has been taken in this account"
            Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && /taken|exists/i.test(e.awsMessage), () => Effect.succeed(undefined))
          )
        if (arn !== undefined) return { value: { name: roleName, arn }, created: true }
        return { value: { name: roleName, arn: Option.getOrUndefined(yield* getRole(roleName)) ?? "" }, created: false }
      })

    const accountId = Effect.gen(function*() {
      const sts = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
      const identity = yield* Effect.acquireUseRelease(
        Effect.sync(() => new sts.STSClient(env.clientConfig)),
        (c) =>
          call(env, { service: "STS", operation: "GetCallerIdentity", action: "find the AWS account id" }, (abortSignal) =>
            c.send(new sts.GetCallerIdentityCommand({}), { abortSignal })),
        (c) => Effect.sync(() => c.destroy())
      )
      return identity.Account ?? ""
    })

    return Iam.of({
      accountId: yield* Effect.cached(accountId),
      roleArn: getRole,
      ensureRole,
      ensureServiceLinkedRole,
      putInlinePolicy,
      ensureInstanceProfile
    })
  })
)

// --- launch (issue 5) ---
// (Imports are hoisted; they sit here to keep this block separate from the code above.)
import { callerName, IamIdentity } from "../services/Iam.ts"

/** The caller's identity from STS GetCallerIdentity (works for users, roles and SSO alike), cached. */
export const IamIdentityLive: Layer.Layer<IamIdentity, never, AwsClients> = Layer.effect(
  IamIdentity,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const caller = Effect.gen(function*() {
      const sts = yield* Effect.promise(() => import("@aws-sdk/client-sts"))
      const identity = yield* Effect.acquireUseRelease(
        Effect.sync(() => new sts.STSClient(env.clientConfig)),
        (c) =>
          call(env, { service: "STS", operation: "GetCallerIdentity", action: "find out who is calling" }, (abortSignal) =>
            c.send(new sts.GetCallerIdentityCommand({}), { abortSignal })),
        (c) => Effect.sync(() => c.destroy())
      )
      const arn = identity.Arn ?? ""
      return { accountId: identity.Account ?? "", arn, name: callerName(arn) }
    })
    return IamIdentity.of({ caller: yield* Effect.cached(caller) })
  })
)
