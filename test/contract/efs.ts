/**
 * The EFS contract: the same scenarios against EfsMemory (test/unit) and EfsLive on moto
 * (test/integration). Every test uses fresh names.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, type Layer } from "effect"
import { Efs } from "../../src/services/Efs.ts"

export interface EfsHarness {
  /** A layer over a region with a default VPC (two subnets or more, in different zones). */
  readonly make: () => Promise<Layer.Layer<Efs>>
}

let counter = 0
const fresh = (base: string) => `contract-${base}-${Date.now().toString(36)}-${++counter}`

const run = <A, E>(layer: Layer.Layer<Efs>, f: (s: Efs["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Efs)
  }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>)

const failureOf = async <A, E>(layer: Layer.Layer<Efs>, f: (s: Efs["Service"]) => Effect.Effect<A, E>) => {
  const exit = await Effect.runPromise(Effect.gen(function*() {
    return yield* f(yield* Efs)
  }).pipe(Effect.provide(layer), Effect.exit) as Effect.Effect<Exit.Exit<A, E>>)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error as { _tag: string; kind?: string; code?: string }
}

export const efsContract = (label: string, harness: EfsHarness) =>
  describe(`EFS contract (${label})`, () => {
    it("the default network is the default VPC with its CIDR and subnets in distinct zones", async () => {
      const layer = await harness.make()
      const net = await run(layer, (s) => s.network([]))
      assert.match(net.vpcId, /^vpc-/)
      assert.match(net.cidr, /^\d+\.\d+\.\d+\.\d+\/\d+$/)
      assert.isAtLeast(net.subnets.length, 2)
      const zones = net.subnets.map((s) => s.availabilityZone)
      assert.deepStrictEqual(zones, [...zones].sort())
      const one = await run(layer, (s) => s.network([net.subnets[1]!.id]))
      assert.deepStrictEqual(one, { vpcId: net.vpcId, cidr: net.cidr, subnets: [net.subnets[1]!] })
    })

    it("an unknown subnet is ResourceNotFound", async () => {
      const layer = await harness.make()
      const e = await failureOf(layer, (s) => s.network(["subnet-0000000000doesnotexist"]))
      assert.strictEqual(e._tag, "ResourceNotFound")
      assert.strictEqual(e.kind, "subnet")
    })

    it("creates an NFS security group, found by name afterwards; a second create is a duplicate", async () => {
      const layer = await harness.make()
      const net = await run(layer, (s) => s.network([]))
      const name = fresh("sg")
      assert.isUndefined(await run(layer, (s) => s.securityGroupId(name, net.vpcId)))
      const id = await run(layer, (s) => s.createNfsSecurityGroup(name, net.vpcId, net.cidr))
      assert.match(id, /^sg-/)
      assert.strictEqual(await run(layer, (s) => s.securityGroupId(name, net.vpcId)), id)
    })

    it("a file system is made once per creation token; mount targets carry their security groups", async () => {
      const layer = await harness.make()
      const net = await run(layer, (s) => s.network([]))
      const sg = await run(layer, (s) => s.createNfsSecurityGroup(fresh("sg"), net.vpcId, net.cidr))
      const name = fresh("fs")
      const first = await run(layer, (s) => s.createFileSystem(name))
      assert.strictEqual(first.created, true)
      assert.strictEqual(first.fileSystem.creationToken, name)
      assert.match(first.fileSystem.id, /^fs-/)
      const again = await run(layer, (s) => s.createFileSystem(name))
      assert.strictEqual(again.created, false)
      assert.strictEqual(again.fileSystem.id, first.fileSystem.id)
      await run(layer, (s) => s.waitAvailable(first.fileSystem.id))
      const [a, b] = net.subnets
      await run(layer, (s) => s.createMountTarget(first.fileSystem.id, a!.id, [sg]))
      await run(layer, (s) => s.createMountTarget(first.fileSystem.id, b!.id, [sg]))
      const conflict = await failureOf(layer, (s) => s.createMountTarget(first.fileSystem.id, a!.id, [sg]))
      assert.strictEqual(conflict.code, "MountTargetConflict")
      const found = await run(layer, (s) => s.byCreationToken(name))
      assert.strictEqual(found?.id, first.fileSystem.id)
      assert.strictEqual(found?.name, name)
      assert.strictEqual(found?.state, "available")
      assert.deepStrictEqual(
        found?.mountTargets.map((t) => [t.subnetId, t.availabilityZone, t.securityGroups]).sort(),
        [[a!.id, a!.availabilityZone, [sg]], [b!.id, b!.availabilityZone, [sg]]].sort()
      )
      const listed = (await run(layer, (s) => s.list())).find((f) => f.id === first.fileSystem.id)
      assert.strictEqual(listed?.mountTargets.length, 2)
      assert.isUndefined(await run(layer, (s) => s.byCreationToken(fresh("none"))))
    })
  })
