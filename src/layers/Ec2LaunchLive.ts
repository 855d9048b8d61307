/** The live Ec2Launch layer: image lookup, RunInstances and spot price history for `aegea launch`. */
import { Effect, Layer, Stream } from "effect"
import { AwsClients } from "./AwsClients.ts"
import { call, client, paginate } from "./aws.ts"
import * as map from "./ec2Mapping.ts"
import { Ec2Launch, type RunInstanceRequest } from "../services/Ec2Launch.ts"

const hostKeyTagKeys = new Set(["SSHHostPublicKeyPart1", "SSHHostPublicKeyPart2"])

/** The RunInstances input of a request (exported for --dry-run output and tests). */
export const runInstancesInput = (r: RunInstanceRequest) => {
  const tags = Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value }))
  const volumeTags = tags.filter((t) => !hostKeyTagKeys.has(t.Key))
  return {
    ImageId: r.imageId,
    InstanceType: r.instanceType,
    MinCount: 1,
    MaxCount: 1,
    ClientToken: r.clientToken,
    ...(r.subnetId !== undefined ? { SubnetId: r.subnetId } : {}),
    ...(r.availabilityZone !== undefined ? { Placement: { AvailabilityZone: r.availabilityZone } } : {}),
    ...(r.securityGroupIds.length > 0 ? { SecurityGroupIds: [...r.securityGroupIds] } : {}),
    ...(r.iamInstanceProfile !== undefined ? { IamInstanceProfile: { Name: r.iamInstanceProfile } } : {}),
    ...(r.keyName !== undefined ? { KeyName: r.keyName } : {}),
    UserData: r.userData,
    ...(r.blockDevices.length > 0
      ? {
        BlockDeviceMappings: r.blockDevices.map((d) => ({
          DeviceName: d.deviceName,
          Ebs: {
            VolumeSize: d.sizeGiB,
            VolumeType: d.volumeType,
            ...(d.encrypted !== undefined ? { Encrypted: d.encrypted } : {}),
            DeleteOnTermination: d.deleteOnTermination
          }
        }))
      }
      : {}),
    TagSpecifications: [
      { ResourceType: "instance" as const, Tags: tags },
      ...(volumeTags.length > 0 ? [{ ResourceType: "volume" as const, Tags: volumeTags }] : [])
    ],
    ...(r.spot !== undefined
      ? {
        InstanceMarketOptions: {
          MarketType: "spot" as const,
          SpotOptions: {
            SpotInstanceType: "one-time" as const,
            InstanceInterruptionBehavior: "terminate" as const,
            ...(r.spot.maxPrice !== undefined ? { MaxPrice: r.spot.maxPrice } : {})
          }
        }
      }
      : {})
  }
}

export const Ec2LaunchLive: Layer.Layer<Ec2Launch, never, AwsClients> = Layer.effect(
  Ec2Launch,
  Effect.gen(function*() {
    const env = yield* AwsClients
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const ec2 = yield* client(() => new sdk.EC2Client(env.clientConfig))
    const send = <A>(operation: string, action: string, run: (signal: AbortSignal) => Promise<A>) =>
      call(env, { service: "EC2", operation, action }, run)

    return Ec2Launch.of({
      findImages: (query) =>
        send("DescribeImages", "find images", (abortSignal) =>
          ec2.send(
            new sdk.DescribeImagesCommand({
              ...(query.owners ? { Owners: [...query.owners] } : {}),
              ...(query.ids ? { ImageIds: [...query.ids] } : {}),
              Filters: Object.entries(query.filters ?? {}).map(([Name, Values]) => ({ Name, Values: [...Values] }))
            }),
            { abortSignal }
          )).pipe(
            Effect.map((r) => (r.Images ?? []).map((i) => ({ ...map.toImage(i), ...(i.RootDeviceName ? { rootDeviceName: i.RootDeviceName } : {}) }))),
            Effect.catchIf((e) => e._tag === "AwsNotFound" || (e._tag === "AwsInvalidRequest" && e.code.startsWith("InvalidAMIID")), () => Effect.succeed([]))
          ),
      runInstance: (request) =>
        send("RunInstances", `launch an instance of ${request.imageId}`, (abortSignal) =>
          ec2.send(new sdk.RunInstancesCommand(runInstancesInput(request) as never), { abortSignal })).pipe(
            Effect.map((r) => map.toInstance(r.Instances?.[0] ?? {}))
          ),
      spotPrices: (instanceType, since) =>
        Stream.runCollect(
          paginate((token) =>
            send("DescribeSpotPriceHistory", `look up spot prices of ${instanceType}`, (abortSignal) =>
              ec2.send(
                new sdk.DescribeSpotPriceHistoryCommand({
                  InstanceTypes: [instanceType as never],
                  ProductDescriptions: ["Linux/UNIX"],
                  StartTime: since,
                  ...(token ? { NextToken: token } : {})
                }),
                { abortSignal }
              )).pipe(
                Effect.map((r) =>
                  [
                    (r.SpotPriceHistory ?? []).flatMap((p) =>
                      p.AvailabilityZone && p.SpotPrice
                        ? [{ availabilityZone: p.AvailabilityZone, price: Number(p.SpotPrice), timestamp: p.Timestamp ?? new Date(0) }]
                        : []
                    ),
                    r.NextToken
                  ] as const
                )
              )
          ).pipe(Stream.take(2000))
        )
    })
  })
)
