/** Ec2Network in memory: a default VPC (or none), and security groups and launch templates created on demand. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Option from "effect/Option"
import { type DefaultNetwork, Ec2Network, type LaunchTemplate } from "../services/Ec2Network.ts"
import type { Ensured } from "../services/Iam.ts"
import { ResourceNotFound } from "../errors.ts"

/** `Ec2Network` in memory: a default VPC (or none), security groups and launch templates made on demand. */
export const Ec2NetworkMemory = {
  /** A default VPC `vpc-default` with subnets `subnet-a`..`subnet-c` unless `network` is given (null: no default VPC). */
  layer: (network: DefaultNetwork | null = { vpcId: "vpc-default", subnetIds: ["subnet-a", "subnet-b", "subnet-c"] }) =>
    Layer.effect(
      Ec2Network,
      Effect.gen(function*() {
        const groups = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
        let next = 0
        const key = (name: string, vpcId: string) => `${vpcId}/${name}`
        const templates = yield* Ref.make<ReadonlyMap<string, { readonly id: string; readonly name: string; readonly userData: string }>>(new Map())
        return Ec2Network.of({
          launchTemplate: (name) =>
            Effect.map(Ref.get(templates), (t) => Option.map(Option.fromUndefinedOr(t.get(name)), ({ id }) => ({ id, name }))),
          ensureLaunchTemplate: (spec) =>
            Ref.modify(templates, (t): readonly [Ensured<LaunchTemplate>, ReadonlyMap<string, { readonly id: string; readonly name: string; readonly userData: string }>] => {
              const existing = t.get(spec.name)
              if (existing !== undefined) return [{ value: { id: existing.id, name: spec.name }, created: false }, t] as const
              const id = `lt-${(++next).toString(16).padStart(17, "0")}`
              return [{ value: { id, name: spec.name }, created: true }, new Map([...t, [spec.name, { id, name: spec.name, userData: spec.userData }]])] as const
            }),
          defaultNetwork: network === null
            ? Effect.fail(new ResourceNotFound({ kind: "VPC", name: "default", hint: "Create one with 'aws ec2 create-default-vpc'" }))
            : Effect.succeed(network),
          securityGroupId: (name, vpcId) => Effect.map(Ref.get(groups), (g) => g.get(key(name, vpcId))),
          ensureSecurityGroup: (name, vpcId) =>
            Ref.modify(groups, (g): readonly [{ readonly id: string; readonly created: boolean }, ReadonlyMap<string, string>] => {
              const existing = g.get(key(name, vpcId))
              if (existing !== undefined) return [{ id: existing, created: false }, g] as const
              const id = `sg-${(++next).toString(16).padStart(17, "0")}`
              return [{ id, created: true }, new Map([...g, [key(name, vpcId), id]])] as const
            })
        })
      })
    )
}
