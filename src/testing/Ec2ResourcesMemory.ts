/**
 * Ec2Resources in memory: resources by id, volumes, snapshots and instances (their Name and devices),
 * in a store a test can seed and read. Changes apply at once (volumes are "available" or "in-use"
 * straight away; snapshots complete at once unless the store's `snapshotSeconds` says otherwise);
 * dry runs change nothing.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AwsInvalidRequest, ResourceNotFound } from "../errors.ts"
import type { Snapshot, Volume } from "../services/Ec2.ts"
import { Ec2Resources, nounOf, type Removable, type RemovableKind } from "../services/Ec2Resources.ts"

/** A resource `Ec2ResourcesMemory` can find and remove: its kind, id, name, VPC, and what is deleted with it. */
export interface StoredResource {
  readonly kind: RemovableKind
  readonly id: string
  readonly name?: string | undefined
  /** A subnet's, security group's or attached internet gateway's VPC. */
  readonly vpcId?: string | undefined
  /** An AMI's snapshots. */
  readonly snapshotIds?: ReadonlyArray<string> | undefined
  /** An EFS file system's mount targets (deleted with it). */
  readonly mountTargetIds?: ReadonlyArray<string> | undefined
}

/** An instance as `Ec2ResourcesMemory` knows it: its zone and VPC, for attaching volumes. */
export interface StoredInstance {
  readonly id: string
  name?: string | undefined
  readonly availabilityZone: string
  readonly vpcId?: string | undefined
}

/**
 * The state of `Ec2ResourcesMemory`, which a test keeps to seed and inspect: resources, volumes, snapshots,
 * instances.
 */
export interface Ec2ResourcesStore {
  readonly resources: Map<string, StoredResource>
  readonly volumes: Map<string, Volume>
  readonly snapshots: Map<string, Snapshot>
  readonly instances: Map<string, StoredInstance>
  /**
   * How long a new snapshot stays pending, in seconds of Effect's Clock (its progress rising evenly);
   * default 0: completed at once.
   */
  snapshotSeconds?: number | undefined
}

/** An `Ec2ResourcesStore` with nothing in it. */
export const emptyEc2ResourcesStore = (): Ec2ResourcesStore => ({
  resources: new Map(),
  volumes: new Map(),
  snapshots: new Map(),
  instances: new Map()
})

const region = "us-east-1"

/** `Ec2Resources` in memory, over a store the test holds. */
export const Ec2ResourcesMemory = {
  /** A layer over `store` (default: empty); the test keeps the store to seed and inspect it. */
  layer: (store: Ec2ResourcesStore = emptyEc2ResourcesStore()) =>
    Layer.sync(Ec2Resources, () => {
      let next = 0
      /** When each slow snapshot started and completes (Clock millis), with `snapshotSeconds`. */
      const snapshotDone = new Map<string, { readonly from: number; readonly at: number }>()
      const newId = (prefix: string) => `${prefix}-${(++next).toString(16).padStart(17, "0")}`
      const invalid = (operation: string, code: string, awsMessage: string) =>
        new AwsInvalidRequest({ action: operation, service: "EC2", operation, code, awsMessage, region })
      const volumeNotFound = (id: string) =>
        new ResourceNotFound({ kind: "volume", name: id, region, hint: "Run 'aegea ebs ls' to see the volumes" })
      const getVolume = (id: string): Effect.Effect<Volume, ResourceNotFound> => {
        const v = store.volumes.get(id)
        return v === undefined ? Effect.fail(volumeNotFound(id)) : Effect.succeed(v)
      }
      /** The volume an operation names, or that operation's InvalidVolume.NotFound. */
      const volumeFor = (operation: string, id: string): Effect.Effect<Volume, AwsInvalidRequest> => {
        const v = store.volumes.get(id)
        return v === undefined
          ? Effect.fail(invalid(operation, "InvalidVolume.NotFound", `The volume '${id}' does not exist.`))
          : Effect.succeed(v)
      }

      const blockersOf = (vpcId: string) => [
        ...[...store.resources.values()].filter((r) => r.kind === "subnet" && r.vpcId === vpcId).map((r) => `subnet ${r.id}`),
        ...[...store.instances.values()].filter((i) => i.vpcId === vpcId).map((i) => `instance ${i.id}`),
        ...[...store.resources.values()].filter((r) => r.kind === "internet-gateway" && r.vpcId === vpcId).map((r) =>
          `internet gateway ${r.id}`
        ),
        ...[...store.resources.values()].filter((r) => r.kind === "security-group" && r.vpcId === vpcId && r.name !== "default").map((r) =>
          `security group ${r.id}`
        )
      ]

      const find = (kind: RemovableKind, id: string, byName: boolean): Removable | undefined => {
        if (kind === "volume") {
          const v = store.volumes.get(id)
          return v && { kind, id, name: v.name, alsoDeletes: [], blockers: [] }
        }
        if (kind === "snapshot") {
          const s = store.snapshots.get(id)
          return s && { kind, id, name: s.name, alsoDeletes: [], blockers: [] }
        }
        const r = byName
          ? [...store.resources.values()].find((x) => x.kind === kind && x.name === id)
          : store.resources.get(id)
        if (r === undefined || r.kind !== kind) return undefined
        return {
          kind,
          // A key pair named is deleted by its name; anything else by its id.
          id: byName && kind === "key-pair" ? (r.name ?? id) : r.id,
          name: byName && kind === "key-pair" ? undefined : r.name,
          alsoDeletes: r.snapshotIds ?? r.mountTargetIds ?? [],
          blockers: kind === "vpc" ? blockersOf(id) : [],
          ...(kind === "internet-gateway" ? { detachFrom: r.vpcId === undefined ? [] : [r.vpcId] } : {})
        }
      }

      return Ec2Resources.of({
        region,
        find: (kind, id, options = {}) => {
          const r = find(kind, id, options.byName === true)
          return r === undefined
            ? Effect.fail(new ResourceNotFound({ kind: nounOf(kind), name: id, region, hint: "Check the id and the region", remedy: "check-region" }))
            : Effect.succeed(r)
        },
        remove: (target, options = {}) =>
          Effect.gen(function*() {
            if (target.kind === "vpc" && blockersOf(target.id).length > 0) {
              return yield* invalid("DeleteVpc", "DependencyViolation", `The vpc '${target.id}' has dependencies and cannot be deleted.`)
            }
            if (target.kind === "volume" && store.volumes.get(target.id)?.state === "in-use") {
              return yield* invalid("DeleteVolume", "VolumeInUse", `Volume ${target.id} is currently attached`)
            }
            if (options.dryRun === true) return
            if (target.kind === "volume") store.volumes.delete(target.id)
            else if (target.kind === "snapshot") store.snapshots.delete(target.id)
            else if (target.kind === "key-pair" && !target.id.startsWith("key-")) {
              for (const r of store.resources.values()) if (r.kind === "key-pair" && r.name === target.id) store.resources.delete(r.id)
            } else store.resources.delete(target.id)
            if (target.kind === "image") for (const snapshot of target.alsoDeletes) store.snapshots.delete(snapshot)
          }),
        volume: getVolume,
        snapshot: (id) =>
          Effect.gen(function*() {
            const stored = store.snapshots.get(id)
            if (stored === undefined) {
              return yield* new ResourceNotFound({ kind: "snapshot", name: id, region, hint: "Run 'aegea snapshots' to see the snapshots" })
            }
            const done = snapshotDone.get(id)
            if (done === undefined) return stored
            const now = yield* Clock.currentTimeMillis
            if (now >= done.at) return { ...stored, state: "completed", progress: "100%" }
            const share = Math.floor((100 * (now - done.from)) / Math.max(1, done.at - done.from))
            return { ...stored, state: "pending", progress: `${share}%` }
          }),
        devicesInUse: (instanceId) =>
          Effect.succeed(
            [...store.volumes.values()].filter((v) => v.attachedTo === instanceId && v.device !== undefined).map((v) => v.device as string)
          ),
        createVolume: (spec) =>
          Effect.sync(() => {
            if (spec.dryRun === true) return undefined
            const volume: Volume = {
              id: newId("vol"),
              ...(spec.name !== undefined ? { name: spec.name } : {}),
              state: "available",
              sizeGiB: spec.sizeGiB ?? (spec.snapshotId !== undefined ? (store.snapshots.get(spec.snapshotId)?.sizeGiB ?? 8) : 8),
              type: spec.type ?? "gp2",
              availabilityZone: spec.availabilityZone,
              encrypted: false,
              created: new Date(),
              tags: spec.name !== undefined ? { Name: spec.name } : {}
            }
            store.volumes.set(volume.id, volume)
            return volume
          }),
        attachVolume: (volumeId, instanceId, device, options = {}) =>
          Effect.gen(function*() {
            const v = yield* volumeFor("AttachVolume", volumeId)
            if (v.state !== "available") return yield* invalid("AttachVolume", "VolumeInUse", `${volumeId} is already attached`)
            if (!store.instances.has(instanceId)) {
              return yield* invalid("AttachVolume", "InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`)
            }
            if (options.dryRun === true) return
            store.volumes.set(volumeId, { ...v, state: "in-use", attachedTo: instanceId, device })
          }),
        detachVolume: (volumeId, options = {}) =>
          Effect.gen(function*() {
            const v = yield* volumeFor("DetachVolume", volumeId)
            if (v.attachedTo === undefined) {
              return yield* invalid("DetachVolume", "IncorrectState", `Volume '${volumeId}' is in the 'available' state.`)
            }
            if (options.dryRun === true) return
            const { attachedTo: _a, device: _d, ...rest } = v
            store.volumes.set(volumeId, { ...rest, state: "available" })
          }),
        modifyVolume: (volumeId, change) =>
          Effect.gen(function*() {
            const v = yield* volumeFor("ModifyVolume", volumeId)
            if (change.sizeGiB !== undefined && change.sizeGiB < v.sizeGiB) {
              return yield* invalid("ModifyVolume", "InvalidParameterValue", "New size cannot be smaller than existing size")
            }
            if (change.dryRun === true) return
            store.volumes.set(volumeId, {
              ...v,
              ...(change.sizeGiB !== undefined ? { sizeGiB: change.sizeGiB } : {}),
              ...(change.type !== undefined ? { type: change.type } : {})
            })
          }),
        createSnapshot: (volumeId, options = {}) =>
          Effect.gen(function*() {
            const v = yield* volumeFor("CreateSnapshot", volumeId)
            if (options.dryRun === true) return undefined
            const snapshot: Snapshot = {
              id: newId("snap"),
              ...(options.name !== undefined ? { name: options.name } : {}),
              state: "completed",
              volumeId,
              sizeGiB: v.sizeGiB,
              progress: "100%",
              started: new Date(),
              ...(options.description !== undefined ? { description: options.description } : {}),
              encrypted: v.encrypted,
              tags: options.name !== undefined ? { Name: options.name } : {}
            }
            store.snapshots.set(snapshot.id, snapshot)
            const seconds = store.snapshotSeconds ?? 0
            if (seconds > 0) {
              const from = yield* Clock.currentTimeMillis
              snapshotDone.set(snapshot.id, { from, at: from + seconds * 1000 })
              return { ...snapshot, state: "pending", progress: "0%" }
            }
            return snapshot
          }),
        setInstanceName: (instanceId, name, options = {}) =>
          Effect.gen(function*() {
            const instance = store.instances.get(instanceId)
            if (instance === undefined) {
              return yield* invalid("CreateTags", "InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`)
            }
            if (options.dryRun !== true) instance.name = name
          })
      })
    })
}
