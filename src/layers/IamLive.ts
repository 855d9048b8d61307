/** The live IAM layer (IAM is global: the region only picks the endpoint). SDK imported lazily. */
import { Effect, Layer } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client } from "./aws.ts"
import { Iam, type PolicyDocument, type Principal } from "../services/Iam.ts"

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

    return Iam.of({ putInlinePolicy })
  })
)
