/**
 * An in-memory IAM for tests: seeded roles, users and groups; inline policies kept per principal and
 * readable through `IamMemoryState`. A missing principal fails with AwsNotFound (NoSuchEntity), as AWS does.
 */
import { Context, Effect, Layer, Ref } from "effect"
import { AwsNotFound } from "../services/Errors.ts"
import { Iam, type PolicyDocument, type Principal, type PrincipalKind } from "../services/Iam.ts"

export interface IamSeed {
  readonly roles?: ReadonlyArray<string>
  readonly users?: ReadonlyArray<string>
  readonly groups?: ReadonlyArray<string>
}

export interface InlinePolicy {
  readonly principal: Principal
  readonly policyName: string
  readonly document: PolicyDocument
}

export class IamMemoryState extends Context.Service<IamMemoryState, {
  readonly inlinePolicies: Effect.Effect<ReadonlyArray<InlinePolicy>>
}>()("aegea/testing/IamMemoryState") {}

const operations: Record<PrincipalKind, string> = { role: "PutRolePolicy", user: "PutUserPolicy", group: "PutGroupPolicy" }

export const IamMemory = {
  layer: (seed: IamSeed = {}): Layer.Layer<Iam | IamMemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const policies = yield* Ref.make<ReadonlyArray<InlinePolicy>>([])
        const known: Record<PrincipalKind, ReadonlyArray<string>> = {
          role: seed.roles ?? [],
          user: seed.users ?? [],
          group: seed.groups ?? []
        }
        const iam = Iam.of({
          putInlinePolicy: (principal, policyName, document) =>
            known[principal.kind].includes(principal.name)
              ? Ref.update(policies, (list) => [
                ...list.filter((p) => !(p.principal.kind === principal.kind && p.principal.name === principal.name && p.policyName === policyName)),
                { principal, policyName, document }
              ])
              : Effect.fail(
                new AwsNotFound({
                  action: `put the inline policy ${policyName} on IAM ${principal.kind} ${principal.name}`,
                  service: "IAM",
                  operation: operations[principal.kind],
                  code: "NoSuchEntity",
                  awsMessage: `The ${principal.kind} with name ${principal.name} cannot be found.`
                })
              )
        })
        return Context.make(Iam, iam).pipe(Context.add(IamMemoryState, IamMemoryState.of({ inlinePolicies: Ref.get(policies) })))
      })
    )
}
