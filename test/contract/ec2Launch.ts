/**
 * The launch part of the Ec2Launch contract (DescribeImages with owners and filters, RunInstances,
 * spot price history): the same scenarios against Ec2LaunchMemory over Ec2Memory (test/unit) and
 * Ec2LaunchLive with Ec2Live on moto (test/integration). Images built by `build-ami` are
 * test/contract/ec2Images.ts's.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { Ec2 } from "../../src/services/Ec2.ts"
import { Ec2Launch, type RunInstanceRequest } from "../../src/services/Ec2Launch.ts"
import { freshName, runOn } from "./run.ts"

export interface Ec2LaunchHarness {
  readonly make: () => Promise<{
    readonly layer: Layer.Layer<Ec2Launch | Ec2>
    /** A public Amazon Linux 2023 x86_64 image the region has (its name starts with al2023-ami-2023). */
    readonly imageId: string
    readonly subnetId: string
    /** A security group of the default VPC, and its name (instances list their groups by name). */
    readonly securityGroup: { readonly id: string; readonly name: string }
  }>
  /** Whether a repeated ClientToken returns the first instance (AWS: yes; moto ignores the token). */
  readonly honoursClientToken: boolean
}

const launch = Effect.gen(function*() {
  return yield* Ec2Launch
})

export const ec2LaunchContract = (label: string, harness: Ec2LaunchHarness) =>
  describe(`Ec2Launch launch contract (${label})`, () => {
    it("findImages by owner alias, name wildcard and architecture; an unknown id is no image", async () => {
      const { layer, imageId } = await harness.make()
      const found = await runOn(layer, Effect.flatMap(launch, (l) =>
        l.findImages({ owners: ["amazon"], filters: { name: ["al2023-ami-2023*"], architecture: ["x86_64"] } })))
      assert.include(found.map((i) => i.id), imageId)
      for (const image of found) {
        assert.match(image.name ?? "", /^al2023-ami-2023/)
        assert.strictEqual(image.architecture, "x86_64")
        assert.strictEqual(image.state, "available")
      }
      const [byId] = await runOn(layer, Effect.flatMap(launch, (l) => l.findImages({ ids: [imageId] })))
      assert.strictEqual(byId?.id, imageId)
      assert.match(byId?.rootDeviceName ?? "", /^\/dev\//)
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(launch, (l) => l.findImages({ ids: ["ami-00000000000000000"] }))), [])
      const arm = await runOn(layer, Effect.flatMap(launch, (l) =>
        l.findImages({ owners: ["amazon"], filters: { name: ["al2023-ami-2023*"], architecture: ["arm64"] } })))
      assert.isAbove(arm.length, 0)
      assert.notInclude(arm.map((i) => i.id), imageId)
    })

    it("runInstance launches one instance as asked (a spot one here), then listed running with its tags", async () => {
      const { layer, imageId, subnetId, securityGroup } = await harness.make()
      const name = freshName("contract-launch")
      const request: RunInstanceRequest = {
        imageId,
        instanceType: "t3.micro",
        subnetId,
        securityGroupIds: [securityGroup.id],
        keyName: "contract-key",
        userData: Buffer.from("#!/bin/sh\ntrue\n").toString("base64"),
        blockDevices: [],
        tags: { Name: name, Owner: "contract" },
        spot: {},
        clientToken: freshName("token")
      }
      const made = await runOn(layer, Effect.flatMap(launch, (l) => l.runInstance(request)))
      assert.match(made.id, /^i-[0-9a-f]+$/)
      assert.include(["pending", "running"], made.state)
      assert.deepStrictEqual(
        [made.type, made.imageId, made.subnetId, made.keyName, made.lifecycle, made.name, made.tags.Owner],
        ["t3.micro", imageId, subnetId, "contract-key", "spot", name, "contract"]
      )
      assert.deepStrictEqual(made.securityGroups, [securityGroup.name])
      const listed = await runOn(layer, Effect.gen(function*() {
        return yield* Stream.runCollect((yield* Ec2).instances({ names: [name] }))
      }))
      assert.deepStrictEqual(listed.map((i) => [i.id, i.state, i.lifecycle]), [[made.id, "running", "spot"]])
      assert.match(listed[0]?.privateIp ?? "", /^\d+\.\d+\.\d+\.\d+$/)
      assert.instanceOf(listed[0]?.launchTime, Date)
    })

    // memory only where the peer lacks the call (see the README's table of fakes)
    if (harness.honoursClientToken) it("a repeated client token returns the instance it launched, not a second one", async () => {
      const { layer, imageId, subnetId, securityGroup } = await harness.make()
      const name = freshName("contract-token")
      const request: RunInstanceRequest = {
        imageId,
        instanceType: "t3.micro",
        subnetId,
        securityGroupIds: [securityGroup.id],
        userData: "",
        blockDevices: [],
        tags: { Name: name },
        clientToken: freshName("token")
      }
      const first = await runOn(layer, Effect.flatMap(launch, (l) => l.runInstance(request)))
      const second = await runOn(layer, Effect.flatMap(launch, (l) => l.runInstance(request)))
      assert.strictEqual(second.id, first.id)
      const listed = await runOn(layer, Effect.gen(function*() {
        return yield* Stream.runCollect((yield* Ec2).instances({ names: [name] }))
      }))
      assert.strictEqual(listed.length, 1)
    })

    it("spotPrices: a positive Linux/UNIX price per zone of the region", async () => {
      const { layer } = await harness.make()
      const region = await runOn(layer, Effect.gen(function*() {
        return (yield* Ec2).region
      }))
      const prices = await runOn(layer, Effect.flatMap(launch, (l) => l.spotPrices("m5.large", new Date(Date.now() - 3_600_000))))
      assert.isAbove(prices.length, 0)
      for (const p of prices) {
        assert.isTrue(p.availabilityZone.startsWith(region), p.availabilityZone)
        assert.isAbove(p.price, 0)
        assert.instanceOf(p.timestamp, Date)
      }
    })
  })
