/**
 * The image-building part of the Ec2Launch contract (CreateImage, DescribeImages by id, DeregisterImage,
 * DeleteSnapshot): the same scenarios against Ec2LaunchMemory (test/unit) and Ec2LaunchLive on moto
 * (test/integration), so `aegea build-ami` is tested on a fake that behaves as EC2 does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer } from "effect"
import { Ec2 } from "../../src/services/Ec2.ts"
import { Ec2Launch } from "../../src/services/Ec2Launch.ts"

export interface Ec2ImagesHarness {
  /** A layer, and the id of a running instance it knows. */
  readonly make: () => Promise<{ readonly layer: Layer.Layer<Ec2Launch | Ec2>; readonly instanceId: string }>
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<Ec2Launch | Ec2>, f: (s: Ec2Launch["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Ec2Launch)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const consoleOf = (layer: Layer.Layer<Ec2Launch | Ec2>, id: string) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* (yield* Ec2).consoleOutput(id)
  }).pipe(Effect.provide(layer), Effect.exit))

export const ec2ImagesContract = (label: string, harness: Ec2ImagesHarness) =>
  describe(`Ec2Launch images contract (${label})`, () => {
    it("CreateImage tags the image at creation; it is found by id and by owner, tag key and Name tag, with its snapshots", async () => {
      const { layer, instanceId } = await harness.make()
      const name = fresh("build")
      const id = await run(layer, (ec2) => ec2.createImage({ instanceId, name, description: "made by the contract", tags: { Name: "contract", AegeaVersion: "9.9.9", BuildTime: "2026-01-02T03:04:05.000Z" } }))
      assert.match(id, /^ami-[0-9a-f]+$/)
      const [byId] = await run(layer, (ec2) => ec2.findImages({ ids: [id] }))
      assert.strictEqual(byId?.id, id)
      assert.strictEqual(byId?.name, name)
      assert.include(["pending", "available"], byId?.state)
      assert.strictEqual(byId?.tags.AegeaVersion, "9.9.9")
      assert.strictEqual(byId?.tags.Name, "contract")
      assert.isAbove(byId?.snapshotIds?.length ?? 0, 0)
      for (const s of byId?.snapshotIds ?? []) assert.match(s, /^snap-[0-9a-f]+$/)
      const built = await run(layer, (ec2) => ec2.findImages({ owners: ["self"], filters: { "tag-key": ["AegeaVersion"], "tag:Name": ["contract"] } }))
      assert.include(built.map((i) => i.id), id)
      const other = await run(layer, (ec2) => ec2.findImages({ owners: ["self"], filters: { "tag-key": ["AegeaVersion"], "tag:Name": ["someone-else"] } }))
      assert.notInclude(other.map((i) => i.id), id)
    })

    it("DeregisterImage removes the image (twice is fine); DeleteSnapshot deletes its snapshots (twice is fine)", async () => {
      const { layer, instanceId } = await harness.make()
      const id = await run(layer, (ec2) => ec2.createImage({ instanceId, name: fresh("gone"), tags: { Name: "gone" } }))
      const [image] = await run(layer, (ec2) => ec2.findImages({ ids: [id] }))
      await run(layer, (ec2) => ec2.deregisterImage(id))
      assert.deepStrictEqual(await run(layer, (ec2) => ec2.findImages({ ids: [id] })), [])
      await run(layer, (ec2) => ec2.deregisterImage(id))
      for (const snapshot of image?.snapshotIds ?? []) {
        await run(layer, (ec2) => ec2.deleteSnapshot(snapshot))
        await run(layer, (ec2) => ec2.deleteSnapshot(snapshot))
      }
      assert.deepStrictEqual(await run(layer, (ec2) => ec2.findImages({ owners: ["self"], filters: { "tag:Name": ["gone"] } })), [])
    })

    it("GetConsoleOutput (a failed build's log without SSM): the instance's text or nothing; an unknown instance is not found", async () => {
      const { layer, instanceId } = await harness.make()
      const found = await consoleOf(layer, instanceId)
      assert.isTrue(Exit.isSuccess(found))
      if (Exit.isSuccess(found)) assert.include(["string", "undefined"], typeof found.value)
      const missing = await consoleOf(layer, "i-0123456789abcdef0")
      const reason = Exit.isFailure(missing) ? missing.cause.reasons.find((r) => r._tag === "Fail") : undefined
      assert.strictEqual((reason as { error: { _tag: string } } | undefined)?.error._tag, "AwsNotFound")
    })
  })
