/**
 * The Ec2Network contract (the default VPC, security groups and launch templates made on demand):
 * the same scenarios against Ec2NetworkMemory (test/unit) and Ec2NetworkLive on moto (test/integration).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { Ec2Network } from "../../src/services/Ec2Network.ts"
import { failureOn, freshName, runOn } from "./run.ts"

export interface Ec2NetworkHarness {
  readonly make: () => Promise<Layer.Layer<Ec2Network>>
  /** A layer on a region without a default VPC (absent: not checked on this side). */
  readonly withoutDefaultVpc?: () => Promise<Layer.Layer<Ec2Network>>
}

const network = Effect.gen(function*() {
  return yield* Ec2Network
})

export const ec2NetworkContract = (label: string, harness: Ec2NetworkHarness) =>
  describe(`Ec2Network contract (${label})`, () => {
    it("the default VPC and its subnets, sorted", async () => {
      const layer = await harness.make()
      const { vpcId, subnetIds } = await runOn(layer, Effect.flatMap(network, (n) => n.defaultNetwork))
      assert.match(vpcId, /^vpc-[0-9a-z]+$/)
      assert.isAbove(subnetIds.length, 0)
      for (const s of subnetIds) assert.match(s, /^subnet-[0-9a-z]+$/)
      assert.deepStrictEqual([...subnetIds].sort(), [...subnetIds])
    })

    // memory only where the peer lacks the call (see the README's table of fakes)
    if (harness.withoutDefaultVpc !== undefined) it("a region without a default VPC is ResourceNotFound (VPC default)", async () => {
      const layer = await harness.withoutDefaultVpc!()
      const error = await failureOn(layer, Effect.flatMap(network, (n) => n.defaultNetwork))
      assert.deepStrictEqual([error._tag, error._tag === "ResourceNotFound" ? [error.kind, error.name] : []], ["ResourceNotFound", ["VPC", "default"]])
    })

    it("ensureSecurityGroup creates the group once; securityGroupId finds it by name in its VPC", async () => {
      const layer = await harness.make()
      const { vpcId } = await runOn(layer, Effect.flatMap(network, (n) => n.defaultNetwork))
      const name = freshName("contract-sg")
      assert.isUndefined(await runOn(layer, Effect.flatMap(network, (n) => n.securityGroupId(name, vpcId))))
      const first = await runOn(layer, Effect.flatMap(network, (n) => n.ensureSecurityGroup(name, vpcId, "made by the contract")))
      assert.strictEqual(first.created, true)
      assert.match(first.id, /^sg-[0-9a-f]+$/)
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(network, (n) => n.ensureSecurityGroup(name, vpcId, "made by the contract"))), { id: first.id, created: false })
      assert.strictEqual(await runOn(layer, Effect.flatMap(network, (n) => n.securityGroupId(name, vpcId))), first.id)
      const other = await runOn(layer, Effect.flatMap(network, (n) => n.ensureSecurityGroup(freshName("contract-sg"), vpcId, "another")))
      assert.notStrictEqual(other.id, first.id)
    })

    it("ensureLaunchTemplate creates the template once; launchTemplate finds it by name", async () => {
      const layer = await harness.make()
      const name = freshName("contract-lt")
      assert.isTrue(Option.isNone(await runOn(layer, Effect.flatMap(network, (n) => n.launchTemplate(name)))))
      const spec = { name, userData: "#cloud-config\nruncmd: [true]\n", tags: { ManagedBy: "aegea" } }
      const first = await runOn(layer, Effect.flatMap(network, (n) => n.ensureLaunchTemplate(spec)))
      assert.strictEqual(first.created, true)
      assert.strictEqual(first.value.name, name)
      assert.match(first.value.id, /^lt-[0-9a-f]{17}$/)
      const second = await runOn(layer, Effect.flatMap(network, (n) => n.ensureLaunchTemplate({ ...spec, userData: "changed" })))
      assert.deepStrictEqual(second, { value: first.value, created: false })
      assert.deepStrictEqual(await runOn(layer, Effect.flatMap(network, (n) => n.launchTemplate(name))), Option.some(first.value))
    })
  })
