/** Ec2Network in memory: a default VPC (or none), and security groups created on demand. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { type DefaultNetwork, Ec2Network } from "../services/Ec2Network.ts"
import { ResourceNotFound } from "../errors.ts"

export const Ec2NetworkMemory = {
  /** A default VPC `vpc-default` with subnets `subnet-a`..`subnet-c` unless `network` is given (null: no default VPC). */
  layer: (network: DefaultNetwork | null = { vpcId: "vpc-default", subnetIds: ["subnet-a", "subnet-b", "subnet-c"] }) =>
    Layer.effect(
      Ec2Network,
      Effect.gen(function*() {
        const groups = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
        let next = 0
        const key = (name: string, vpcId: string) => `${vpcId}/${name}`
        return Ec2Network.of({
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
