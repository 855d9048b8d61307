/** The live Ec2Network layer: the default VPC, its subnets, and security groups created on demand. */
import { Effect, Layer } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client } from "./aws.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { ResourceNotFound } from "../errors.ts"

export const Ec2NetworkLive: Layer.Layer<Ec2Network, never, AwsClients> = Layer.effect(
  Ec2Network,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const ec2 = yield* client(() => new sdk.EC2Client(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "EC2", operation, action }, run)

    const securityGroupId = (name: string, vpcId: string) =>
      send("DescribeSecurityGroups", `find security group ${name}`, (abortSignal) =>
        ec2.send(
          new sdk.DescribeSecurityGroupsCommand({
            Filters: [{ Name: "group-name", Values: [name] }, { Name: "vpc-id", Values: [vpcId] }]
          }),
          { abortSignal }
        )).pipe(Effect.map((r) => r.SecurityGroups?.[0]?.GroupId))

    return Ec2Network.of({
      defaultNetwork: Effect.gen(function*() {
        const vpcs = yield* send("DescribeVpcs", "find the default VPC", (abortSignal) =>
          ec2.send(new sdk.DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }), { abortSignal }))
        const vpcId = vpcs.Vpcs?.[0]?.VpcId
        if (vpcId === undefined) {
          return yield* new ResourceNotFound({
            kind: "VPC",
            name: "default",
            region: env.region,
            hint: "Create one with 'aws ec2 create-default-vpc', or create the queue yourself with 'aegea batch create-compute-environment'"
          })
        }
        const subnets = yield* send("DescribeSubnets", `list the subnets of ${vpcId}`, (abortSignal) =>
          ec2.send(new sdk.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }), { abortSignal }))
        const all = subnets.Subnets ?? []
        const preferred = all.filter((s) => s.DefaultForAz)
        const subnetIds = (preferred.length > 0 ? preferred : all).flatMap((s) => (s.SubnetId ? [s.SubnetId] : [])).sort()
        return { vpcId, subnetIds }
      }),
      securityGroupId,
      ensureSecurityGroup: (name, vpcId, description) =>
        Effect.gen(function*() {
          const existing = yield* securityGroupId(name, vpcId)
          if (existing !== undefined) return { id: existing, created: false }
          const created = yield* send("CreateSecurityGroup", `create security group ${name}`, (abortSignal) =>
            ec2.send(new sdk.CreateSecurityGroupCommand({ GroupName: name, VpcId: vpcId, Description: description }), { abortSignal })).pipe(
              Effect.map((r) => r.GroupId),
              Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && e.code === "InvalidGroup.Duplicate", () => Effect.succeed(undefined))
            )
          if (created !== undefined) return { id: created, created: true }
          const raced = yield* securityGroupId(name, vpcId)
          return { id: raced ?? "", created: false }
        })
    })
  })
)
