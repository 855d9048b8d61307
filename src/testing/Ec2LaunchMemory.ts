/**
 * Ec2Launch in memory, over Ec2Memory: image lookup, RunInstances (idempotent by client token), spot
 * prices, and build-ami's CreateImage (pending for `imageAvailableAfter`), DeregisterImage, DeleteSnapshot.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { Ec2, type Image } from "../services/Ec2.ts"
import { AwsInvalidRequest, AwsNotFound } from "../errors.ts"
import { type CreateImageRequest, Ec2Launch, type LaunchImage, type RunInstanceRequest, type SpotPrice } from "../services/Ec2Launch.ts"
import { Ec2MemoryState, makeInstance } from "./Ec2Memory.ts"

/**
 * How `Ec2LaunchMemory` behaves: Spot prices, the account's images, IAM's eventual consistency, how long new
 * images stay pending.
 */
export interface Ec2LaunchSeed {
  /** Spot price history (default: none, so the first zone with a subnet is used). */
  readonly spotPrices?: ReadonlyArray<SpotPrice>
  /** The first N RunInstances calls with an instance profile fail as IAM's eventual consistency makes them fail. */
  readonly rejectInstanceProfileTimes?: number
  /** This account's id, which "self" means for image owners (default 123456789012). */
  readonly accountId?: string
  /** More images of this account, with their snapshots (e.g. earlier builds for `build-ami --prune`). */
  readonly images?: ReadonlyArray<LaunchImage>
  /** How long a CreateImage image stays `pending` before it is `available` (default 0: at once, as moto). */
  readonly imageAvailableAfter?: Duration.Input
}

/** What launches asked for, from a test. */
export class Ec2LaunchMemoryState extends Context.Service<Ec2LaunchMemoryState, {
  /** Every RunInstances request, in order (including rejected ones). */
  readonly requests: Effect.Effect<ReadonlyArray<RunInstanceRequest>>
  /** Every CreateImage request that made an image, in order. */
  readonly imageRequests: Effect.Effect<ReadonlyArray<CreateImageRequest>>
  /** Images deregistered, in order. */
  readonly deregisteredImages: Effect.Effect<ReadonlyArray<string>>
  /** Snapshots deleted, in order. */
  readonly deletedSnapshots: Effect.Effect<ReadonlyArray<string>>
}>()("aegea/testing/Ec2LaunchMemoryState") {}

const imageMatches = (image: Image, name: string, values: ReadonlyArray<string>): boolean => {
  const glob = (pattern: string, s: string | undefined) =>
    s !== undefined && new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(s)
  if (name.startsWith("tag:")) return values.some((v) => glob(v, image.tags[name.slice(4)]))
  const field: Record<string, string | undefined> = {
    name: image.name,
    architecture: image.architecture,
    state: image.state,
    "image-id": image.id,
    "owner-id": image.ownerId
  }
  if (name === "tag-key") return values.some((v) => v in image.tags)
  return values.some((v) => glob(v, field[name]))
}

/**
 * Ec2Launch over Ec2Memory: images are Ec2Memory's seeded images (root device /dev/xvda),
 * launched instances are added to Ec2Memory (running at once, as moto does), and a repeated
 * client token returns the instance it launched first, as EC2 does.
 */
export const Ec2LaunchMemory = {
  layer: (seed: Ec2LaunchSeed = {}): Layer.Layer<Ec2Launch | Ec2LaunchMemoryState, never, Ec2 | Ec2MemoryState> =>
    Layer.effectContext(
      Effect.gen(function*() {
        const ec2 = yield* Ec2
        const memory = yield* Ec2MemoryState
        const account = seed.accountId ?? "123456789012"
        const requests = yield* Ref.make<ReadonlyArray<RunInstanceRequest>>([])
        const byToken = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
        let rejections = seed.rejectInstanceProfileTimes ?? 0
        const owner = (o: string) => (o === "self" ? account : o === "amazon" ? "137112412989" : o)
        const pendingMs = Duration.toMillis(Duration.fromInputUnsafe(seed.imageAvailableAfter ?? 0))
        const made = yield* Ref.make<ReadonlyArray<{ readonly image: LaunchImage; readonly availableAt: number }>>(
          (seed.images ?? []).map((image) => ({ image: { ownerId: account, ...image }, availableAt: 0 }))
        )
        const imageRequests = yield* Ref.make<ReadonlyArray<CreateImageRequest>>([])
        const deregistered = yield* Ref.make<ReadonlyArray<string>>([])
        const deletedSnapshots = yield* Ref.make<ReadonlyArray<string>>([])
        let imageCounter = 0
        /** Seeded and created images not deregistered, created ones `pending` until due. */
        const allImages = Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const gone = new Set(yield* Ref.get(deregistered))
          const seeded = yield* Stream.runCollect(ec2.images({ owners: [] }))
          const own = (yield* Ref.get(made)).map(({ image, availableAt }) => (image.state === "pending" && availableAt <= now ? { ...image, state: "available" } : image))
          return [...seeded.map((i): LaunchImage => ({ ...i, rootDeviceName: "/dev/xvda" })), ...own].filter((i) => !gone.has(i.id))
        })

        const createImage = (request: CreateImageRequest) =>
          Effect.gen(function*() {
            const instance = (yield* memory.instances).find((i) => i.id === request.instanceId)
            if (instance === undefined) {
              return yield* new AwsNotFound({
                action: `create image ${request.name} of ${request.instanceId}`,
                service: "EC2",
                operation: "CreateImage",
                code: "InvalidInstanceID.NotFound",
                awsMessage: `The instance ID '${request.instanceId}' does not exist`,
                region: ec2.region
              })
            }
            const clash = (yield* allImages).find((i) => (i.ownerId ?? account) === account && i.name === request.name)
            if (clash !== undefined) {
              return yield* new AwsInvalidRequest({
                action: `create image ${request.name} of ${request.instanceId}`,
                service: "EC2",
                operation: "CreateImage",
                code: "InvalidAMIName.Duplicate",
                awsMessage: `AMI name ${request.name} is already in use by AMI ${clash.id}`
              })
            }
            const n = ++imageCounter
            const now = yield* Clock.currentTimeMillis
            const image: LaunchImage = {
              id: `ami-${(0x0b000000 + n).toString(16).padStart(17, "0")}`,
              name: request.name,
              state: pendingMs > 0 ? "pending" : "available",
              ...(instance.architecture !== undefined ? { architecture: instance.architecture } : {}),
              created: new Date(now),
              public: false,
              ownerId: account,
              ...(request.description !== undefined ? { description: request.description } : {}),
              rootDevice: "ebs",
              rootDeviceName: "/dev/xvda",
              snapshotIds: [`snap-${(0x0b000000 + n).toString(16).padStart(17, "0")}`],
              tags: { ...request.tags }
            }
            yield* Ref.update(made, (all) => [...all, { image, availableAt: now + pendingMs }])
            yield* Ref.update(imageRequests, (all) => [...all, request])
            return image.id
          })

        const launch = Ec2Launch.of({
          findImages: (query) =>
            Effect.map(allImages, (all): ReadonlyArray<LaunchImage> =>
              all
                .filter((i) => !query.owners || query.owners.some((o) => owner(o) === (i.ownerId ?? account)))
                .filter((i) => !query.ids || query.ids.includes(i.id))
                .filter((i) => Object.entries(query.filters ?? {}).every(([name, values]) => imageMatches(i, name, values)))),
          createImage,
          deregisterImage: (imageId) => Ref.update(deregistered, (all) => (all.includes(imageId) ? all : [...all, imageId])),
          deleteSnapshot: (snapshotId) => Ref.update(deletedSnapshots, (all) => (all.includes(snapshotId) ? all : [...all, snapshotId])),
          runInstance: (request) =>
            Effect.gen(function*() {
              yield* Ref.update(requests, (r) => [...r, request])
              if (request.iamInstanceProfile !== undefined && rejections > 0) {
                rejections--
                return yield* new AwsInvalidRequest({
                  action: `launch an instance of ${request.imageId}`,
                  service: "EC2",
                  operation: "RunInstances",
                  code: "InvalidParameterValue",
                  awsMessage: `Value (${request.iamInstanceProfile}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`
                })
              }
              const earlier = (yield* Ref.get(byToken)).get(request.clientToken)
              const existing = (yield* memory.instances).find((i) => i.id === earlier)
              if (existing !== undefined) return existing
              // An instance lists its groups by name, as DescribeInstances does (ids of unknown groups stay ids).
              const groupNames = new Map((yield* Stream.runCollect(ec2.securityGroupRules())).map((g) => [g.id, g.name]))
              const instance = yield* memory.addInstance({
                ...(request.tags.Name !== undefined ? { name: request.tags.Name } : {}),
                state: "running",
                type: request.instanceType,
                imageId: request.imageId,
                ...(request.subnetId !== undefined ? { subnetId: request.subnetId } : {}),
                availabilityZone: request.availabilityZone ?? `${ec2.region}a`,
                lifecycle: request.spot ? "spot" : "on-demand",
                ...(request.iamInstanceProfile !== undefined ? { iamProfile: request.iamInstanceProfile } : {}),
                ...(request.keyName !== undefined ? { keyName: request.keyName } : {}),
                securityGroups: request.securityGroupIds.map((id) => groupNames.get(id) ?? id),
                privateIp: "172.31.0.10",
                tags: { ...request.tags },
                launchTime: new Date(yield* Clock.currentTimeMillis)
              })
              yield* Ref.update(byToken, (m) => new Map([...m, [request.clientToken, instance.id]]))
              return instance
            }),
          spotPrices: () => Effect.succeed(seed.spotPrices ?? [])
        })
        return Context.make(Ec2Launch, launch).pipe(Context.add(Ec2LaunchMemoryState, Ec2LaunchMemoryState.of({
            requests: Ref.get(requests),
            imageRequests: Ref.get(imageRequests),
            deregisteredImages: Ref.get(deregistered),
            deletedSnapshots: Ref.get(deletedSnapshots)
          })))
      })
    )
}
