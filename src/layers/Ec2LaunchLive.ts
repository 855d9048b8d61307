/**
 * The live Ec2Launch layer: image lookup, RunInstances and spot price history for `aegea launch`;
 * CreateImage, DeregisterImage and DeleteSnapshot for `aegea build-ami`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import type { AwsClients } from "./AwsClients.ts"
import { idempotent, makeAws, paginate, reconciled, requestTokenTag } from "./aws.ts"
import * as map from "./ec2Mapping.ts"
import type { AwsError } from "../errors.ts"
import { type CreateImageRequest, Ec2Launch, type RunInstanceRequest } from "../services/Ec2Launch.ts"

/**
 * The tag RunInstances sets to a fresh token, by which an instance whose RunInstances answer was lost
 * is found (AWS honours ClientToken, but moto and other emulators do not).
 */

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

/** `Ec2Launch` against EC2, with the region, credentials and endpoint of `AwsClients`. */
export const Ec2LaunchLive: Layer.Layer<Ec2Launch, never, AwsClients> = Layer.effect(
  Ec2Launch,
  Effect.gen(function*() {
    const sdk = yield* Effect.promise(() => import("./sdk/ec2.ts"))
    const aws = yield* makeAws("EC2", (config) => new sdk.EC2Client(config))

    const runInstance = (request: RunInstanceRequest) => {
      // A fresh token tags the instance; if the answer is lost, the instance it names is the one launched.
      const token = randomUUID()
      const base = runInstancesInput(request)
      const input = {
        ...base,
        TagSpecifications: base.TagSpecifications.map((spec) =>
          spec.ResourceType === "instance" ? { ...spec, Tags: [...spec.Tags, { Key: requestTokenTag, Value: token }] } : spec
        )
      }
      const findLaunched = aws.call(
        new sdk.DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${requestTokenTag}`, Values: [token] },
            { Name: "instance-state-name", Values: ["pending", "running", "shutting-down", "stopping", "stopped"] }
          ]
        }),
        `look for the instance launched from ${request.imageId}`,
        idempotent
      ).pipe(
        Effect.map((r): Option.Option<import("@aws-sdk/client-ec2").RunInstancesCommandOutput> => {
          const reservation = (r.Reservations ?? []).find((res) => (res.Instances ?? []).length > 0)
          return reservation === undefined
            ? Option.none()
            : Option.some({
              Instances: reservation.Instances,
              ...(reservation.ReservationId !== undefined ? { ReservationId: reservation.ReservationId } : {}),
              ...(reservation.OwnerId !== undefined ? { OwnerId: reservation.OwnerId } : {}),
              ...(reservation.Groups !== undefined ? { Groups: reservation.Groups } : {}),
              $metadata: {}
            })
        })
      )
      return aws.call(
        new sdk.RunInstancesCommand(input as never),
        `launch an instance of ${request.imageId}`,
        // ClientToken makes AWS launch at most once; the tag finds the instance where it is not honoured.
        reconciled(findLaunched, (r) => {
          const instance = map.toInstance(r.Instances?.[0] ?? {})
          return `instance ${instance.id} (${instance.name ?? request.tags.Name ?? "no name"})`
        })
      ).pipe(Effect.map((r) => map.toInstance(r.Instances?.[0] ?? {})))
    }

    const describeImages = (query: { readonly owners?: ReadonlyArray<string>; readonly ids?: ReadonlyArray<string>; readonly filters?: Readonly<Record<string, ReadonlyArray<string>>> }) =>
      aws.call(
        new sdk.DescribeImagesCommand({
          ...(query.owners ? { Owners: [...query.owners] } : {}),
          ...(query.ids ? { ImageIds: [...query.ids] } : {}),
          Filters: Object.entries(query.filters ?? {}).map(([Name, Values]) => ({ Name, Values: [...Values] }))
        }),
        "find images",
        idempotent
      ).pipe(
        Effect.map((r) =>
          (r.Images ?? []).map((i) => {
            const snapshots = (i.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []))
            return {
              ...map.toImage(i),
              ...(i.RootDeviceName ? { rootDeviceName: i.RootDeviceName } : {}),
              ...(snapshots.length > 0 ? { snapshotIds: snapshots } : {})
            }
          })
        ),
        Effect.catchIf((e) => e._tag === "AwsNotFound" || (e._tag === "AwsInvalidRequest" && e.code.startsWith("InvalidAMIID")), () => Effect.succeed([]))
      )

    const createImage = (request: CreateImageRequest) => {
      const tags = Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value }))
      // The name is unique in the account: an image whose answer was lost is found by it.
      const findMade = Effect.map(
        describeImages({ owners: ["self"], filters: { name: [request.name] } }),
        (images): Option.Option<import("@aws-sdk/client-ec2").CreateImageCommandOutput> =>
          Option.map(Option.fromUndefinedOr(images[0]), (image) => ({ ImageId: image.id, $metadata: {} }))
      )
      return aws.call(
        new sdk.CreateImageCommand({
          InstanceId: request.instanceId,
          Name: request.name,
          ...(request.description !== undefined ? { Description: request.description } : {}),
          ...(request.noReboot !== undefined ? { NoReboot: request.noReboot } : {}),
          ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: "image" as const, Tags: tags }] } : {})
        }),
        `create image ${request.name} of ${request.instanceId}`,
        reconciled(findMade, (r) => `image ${r.ImageId ?? "?"} (${request.name})`)
      ).pipe(Effect.map((r) => r.ImageId ?? ""))
    }

    const gone = (codes: ReadonlyArray<string>) => (e: AwsError) =>
      e._tag === "AwsNotFound" || ((e._tag === "AwsInvalidRequest") && codes.some((c) => e.code.startsWith(c)))

    return Ec2Launch.of({
      createImage,
      deregisterImage: (imageId) =>
        aws.call(new sdk.DeregisterImageCommand({ ImageId: imageId }), `deregister image ${imageId}`, idempotent).pipe(
          Effect.asVoid,
          Effect.catchIf(gone(["InvalidAMIID"]), () => Effect.void)
        ),
      deleteSnapshot: (snapshotId) =>
        aws.call(new sdk.DeleteSnapshotCommand({ SnapshotId: snapshotId }), `delete snapshot ${snapshotId}`, idempotent).pipe(
          Effect.asVoid,
          Effect.catchIf(gone(["InvalidSnapshot.NotFound", "InvalidSnapshotID"]), () => Effect.void)
        ),
      findImages: describeImages,
      runInstance,
      spotPrices: (instanceType, since) =>
        Stream.runCollect(
          paginate((token) =>
            aws.call(
              new sdk.DescribeSpotPriceHistoryCommand({
                InstanceTypes: [instanceType as never],
                ProductDescriptions: ["Linux/UNIX"],
                StartTime: since,
                ...(token ? { NextToken: token } : {})
              }),
              `look up spot prices of ${instanceType}`,
              idempotent
            ).pipe(
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
