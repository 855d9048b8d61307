/**
 * The Ec2Resources contract: the same scenarios against Ec2ResourcesMemory (test/unit) and
 * Ec2ResourcesLive on moto (test/integration). The harness seeds what the service does not create
 * itself (an instance, a VPC with a subnet).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer } from "effect"
import { Ec2Resources } from "../../src/services/Ec2Resources.ts"

export interface Ec2ResourcesHarness {
  readonly make: () => Promise<Layer.Layer<Ec2Resources>>
  /** A running instance (with its availability zone). */
  readonly seedInstance: () => Promise<{ readonly id: string; readonly availabilityZone: string }>
  /** A VPC with one subnet. */
  readonly seedVpc: () => Promise<{ readonly vpcId: string; readonly subnetId: string }>
  /** An EFS file system named `name` with one mount target (in a subnet of its own VPC). */
  readonly seedFileSystem: (name: string) => Promise<{ readonly fileSystemId: string; readonly mountTargetId: string }>
  /** The instance's Name tag. */
  readonly instanceName: (id: string) => Promise<string | undefined>
}

const run = <A, E>(layer: Layer.Layer<Ec2Resources>, f: (s: Ec2Resources["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ec2Resources)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Ec2Resources>, f: (s: Ec2Resources["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ec2Resources)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (reason === undefined || reason._tag !== "Fail") throw new Error("expected a typed failure")
  return reason.error as { _tag: string; kind?: string; code?: string }
}

export const ec2ResourcesContract = (label: string, harness: Ec2ResourcesHarness) =>
  describe(`Ec2Resources contract (${label})`, () => {
    it("creates a volume (a dry run creates none), finds it, deletes it (a dry run keeps it)", async () => {
      const layer = await harness.make()
      const zone = "us-east-1a"
      assert.isUndefined(await run(layer, (s) => s.createVolume({ availabilityZone: zone, sizeGiB: 5, dryRun: true })))
      const volume = await run(layer, (s) => s.createVolume({ availabilityZone: zone, sizeGiB: 5, type: "gp3", name: "contract-data" }))
      assert.isDefined(volume)
      assert.match(volume!.id, /^vol-/)
      assert.strictEqual(volume!.sizeGiB, 5)
      assert.strictEqual(volume!.availabilityZone, zone)
      const read = await run(layer, (s) => s.volume(volume!.id))
      assert.strictEqual(read.type, "gp3")
      assert.strictEqual(read.name, "contract-data")
      const found = await run(layer, (s) => s.find("volume", volume!.id))
      assert.strictEqual(found.name, "contract-data")
      await run(layer, (s) => s.remove(found, { dryRun: true }))
      assert.strictEqual((await run(layer, (s) => s.volume(volume!.id))).id, volume!.id)
      await run(layer, (s) => s.remove(found))
      assert.strictEqual((await failureOf(layer, (s) => s.volume(volume!.id)))._tag, "ResourceNotFound")
      const missing = await failureOf(layer, (s) => s.find("volume", volume!.id))
      assert.strictEqual(missing._tag, "ResourceNotFound")
      assert.strictEqual(missing.kind, "volume")
    })

    it("attaches a volume (in-use, its device in use), detaches it (available), grows it", async () => {
      const layer = await harness.make()
      const instance = await harness.seedInstance()
      const volume = (await run(layer, (s) => s.createVolume({ availabilityZone: instance.availabilityZone, sizeGiB: 4 })))!
      await run(layer, (s) => s.attachVolume(volume.id, instance.id, "/dev/xvdg", { dryRun: true }))
      assert.strictEqual((await run(layer, (s) => s.volume(volume.id))).state, "available")
      await run(layer, (s) => s.attachVolume(volume.id, instance.id, "/dev/xvdg"))
      const attached = await run(layer, (s) => s.volume(volume.id))
      assert.strictEqual(attached.state, "in-use")
      assert.strictEqual(attached.attachedTo, instance.id)
      assert.include(await run(layer, (s) => s.devicesInUse(instance.id)), "/dev/xvdg")
      await run(layer, (s) => s.detachVolume(volume.id))
      const detached = await run(layer, (s) => s.volume(volume.id))
      assert.strictEqual(detached.state, "available")
      assert.isUndefined(detached.attachedTo)
      await run(layer, (s) => s.modifyVolume(volume.id, { sizeGiB: 6, dryRun: true }))
      assert.strictEqual((await run(layer, (s) => s.volume(volume.id))).sizeGiB, 4)
      await run(layer, (s) => s.modifyVolume(volume.id, { sizeGiB: 6 }))
      assert.strictEqual((await run(layer, (s) => s.volume(volume.id))).sizeGiB, 6)
    })

    it("snapshots a volume and deletes the snapshot", async () => {
      const layer = await harness.make()
      const volume = (await run(layer, (s) => s.createVolume({ availabilityZone: "us-east-1a", sizeGiB: 3 })))!
      assert.isUndefined(await run(layer, (s) => s.createSnapshot(volume.id, { dryRun: true })))
      const snapshot = (await run(layer, (s) => s.createSnapshot(volume.id, { description: "contract", name: "snap-name" })))!
      assert.match(snapshot.id, /^snap-/)
      assert.strictEqual(snapshot.volumeId, volume.id)
      const found = await run(layer, (s) => s.find("snapshot", snapshot.id))
      assert.strictEqual(found.name, "snap-name")
      const read = await run(layer, (s) => s.snapshot(snapshot.id))
      assert.strictEqual(read.volumeId, volume.id)
      assert.strictEqual(read.state, "completed")
      await run(layer, (s) => s.remove(found))
      assert.strictEqual((await failureOf(layer, (s) => s.find("snapshot", snapshot.id)))._tag, "ResourceNotFound")
      assert.strictEqual((await failureOf(layer, (s) => s.snapshot(snapshot.id)))._tag, "ResourceNotFound")
    })

    it("a VPC with a subnet names the subnet as its blocker; without it, the VPC is deleted", async () => {
      const layer = await harness.make()
      const { vpcId, subnetId } = await harness.seedVpc()
      const vpc = await run(layer, (s) => s.find("vpc", vpcId))
      assert.include(vpc.blockers, `subnet ${subnetId}`)
      const subnet = await run(layer, (s) => s.find("subnet", subnetId))
      await run(layer, (s) => s.remove(subnet))
      const freed = await run(layer, (s) => s.find("vpc", vpcId))
      assert.deepStrictEqual(freed.blockers, [])
      await run(layer, (s) => s.remove(freed))
      assert.strictEqual((await failureOf(layer, (s) => s.find("vpc", vpcId)))._tag, "ResourceNotFound")
    })

    it("an EFS file system: found with its mount target; a dry run keeps it; removal deletes both", async () => {
      const layer = await harness.make()
      const { fileSystemId, mountTargetId } = await harness.seedFileSystem("contract-fs")
      const fs = await run(layer, (s) => s.find("file-system", fileSystemId))
      assert.strictEqual(fs.name, "contract-fs")
      assert.deepStrictEqual(fs.alsoDeletes, [mountTargetId])
      await run(layer, (s) => s.remove(fs, { dryRun: true }))
      assert.deepStrictEqual((await run(layer, (s) => s.find("file-system", fileSystemId))).alsoDeletes, [mountTargetId])
      await run(layer, (s) => s.remove(fs))
      const gone = await failureOf(layer, (s) => s.find("file-system", fileSystemId))
      assert.strictEqual(gone._tag, "ResourceNotFound")
      assert.strictEqual(gone.kind, "EFS file system")
    })

    it("sets an instance's Name tag (a dry run does not)", async () => {
      const layer = await harness.make()
      const instance = await harness.seedInstance()
      await run(layer, (s) => s.setInstanceName(instance.id, "renamed-dry", { dryRun: true }))
      assert.notStrictEqual(await harness.instanceName(instance.id), "renamed-dry")
      await run(layer, (s) => s.setInstanceName(instance.id, "renamed"))
      assert.strictEqual(await harness.instanceName(instance.id), "renamed")
    })
  })
