/** The live Ec2Network layer: the default VPC, its subnets, and security groups and launch templates created on demand. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, reconciled, tokenized } from "./aws.ts"
import { Ec2Network } from "../services/Ec2Network.ts"
import { ResourceNotFound } from "../errors.ts"

/** `Ec2Network` against EC2, with the region, credentials and endpoint of `AwsClients`. */
export const Ec2NetworkLive: Layer.Layer<Ec2Network, never, AwsClients> = Layer.effect(
  Ec2Network,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const aws = yield* makeAws("EC2", (config) => new sdk.EC2Client(config))

    const securityGroupId = (name: string, vpcId: string) =>
      aws.call(
        new sdk.DescribeSecurityGroupsCommand({
          Filters: [{ Name: "group-name", Values: [name] }, { Name: "vpc-id", Values: [vpcId] }]
        }),
        `find security group ${name}`,
        idempotent
      ).pipe(Effect.map((r) => r.SecurityGroups?.[0]?.GroupId))

    const launchTemplate = (name: string) =>
      aws.call(
        new sdk.DescribeLaunchTemplatesCommand({ Filters: [{ Name: "launch-template-name", Values: [name] }] }),
        `find launch template ${name}`,
        idempotent
      ).pipe(
        Effect.map((r) => {
          const found = (r.LaunchTemplates ?? []).find((t) => t.LaunchTemplateName === name)
          return Option.map(Option.fromUndefinedOr(found?.LaunchTemplateId), (id) => ({ id, name }))
        })
      )

    return Ec2Network.of({
      launchTemplate,
      ensureLaunchTemplate: (spec) =>
        Effect.gen(function*() {
          const existing = yield* launchTemplate(spec.name)
          if (Option.isSome(existing)) return { value: existing.value, created: false }
          const tags = Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))
          const created = yield* aws.call(
            new sdk.CreateLaunchTemplateCommand({
              LaunchTemplateName: spec.name,
              // Made once per ensure: a retry after a lost answer gets the template this request made.
              ClientToken: randomUUID(),
              LaunchTemplateData: { UserData: Buffer.from(spec.userData, "utf8").toString("base64") },
              ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: "launch-template" as const, Tags: tags }] } : {})
            }),
            `create launch template ${spec.name}`,
            tokenized
          ).pipe(
            Effect.map((r) => r.LaunchTemplate?.LaunchTemplateId),
            // made meanwhile by another run: the template of that name is the same content
            Effect.catchIf((e) => e._tag === "AwsInvalidRequest" && /AlreadyExists/.test(e.code), () => Effect.succeed(undefined))
          )
          if (created !== undefined) return { value: { id: created, name: spec.name }, created: true }
          const raced = yield* launchTemplate(spec.name)
          return { value: Option.getOrElse(raced, () => ({ id: "", name: spec.name })), created: false }
        }),
      defaultNetwork: Effect.gen(function*() {
        const vpcs = yield* aws.call(
          new sdk.DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }),
          "find the default VPC",
          idempotent
        )
        const vpcId = vpcs.Vpcs?.[0]?.VpcId
        if (vpcId === undefined) {
          return yield* new ResourceNotFound({
            kind: "VPC",
            name: "default",
            region: aws.region,
            hint: "Create one with 'aws ec2 create-default-vpc', or create the queue yourself with 'aegea batch create-compute-environment'"
          })
        }
        const subnets = yield* aws.call(
          new sdk.DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
          `list the subnets of ${vpcId}`,
          idempotent
        )
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
          const created = yield* aws.call(
            new sdk.CreateSecurityGroupCommand({ GroupName: name, VpcId: vpcId, Description: description }),
            `create security group ${name}`,
            // A group's name is unique in its VPC and it was not there just before: if the answer is
            // lost, the group of that name is the one this request created (a retry would only get
            // InvalidGroup.Duplicate).
            reconciled(
              Effect.map(
                securityGroupId(name, vpcId),
                (GroupId): Option.Option<import("@aws-sdk/client-ec2").CreateSecurityGroupCommandOutput> =>
                  Option.map(Option.fromUndefinedOr(GroupId), (id) => ({ GroupId: id, $metadata: {} }))
              ),
              (r) => `security group ${r.GroupId} (${name})`
            )
          ).pipe(
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
