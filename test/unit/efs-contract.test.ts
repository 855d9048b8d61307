import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Command } from "effect/cli"
import { efsCommand } from "../../src/commands/efs.ts"
import type { Efs } from "../../src/services/Efs.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { EfsMemory, EfsMemoryState } from "../../src/testing/EfsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { efsContract } from "../contract/efs.ts"
import { rootOf } from "../support/root.ts"

efsContract("in-memory", {
  make: async () => {
    const context = await Effect.runPromise(Layer.build(EfsMemory.layer()).pipe(Effect.scoped))
    return Layer.succeedContext(context) as Layer.Layer<Efs>
  }
})

describe("aegea efs create (in-memory)", () => {
  const run = (options: Parameters<typeof EfsMemory.layer>[0], format: "json" | "csv", ...argv: Array<string>) =>
    Effect.gen(function*() {
      const exit = yield* Command.runWith(rootOf(efsCommand), { version: "test", renderErrors: false })(["efs", ...argv]).pipe(Effect.exit)
      const out = yield* OutputCapture
      const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
      return {
        stdout: yield* out.stdoutText,
        error: failure?._tag === "Fail" ? failure.error as { _tag: string; summary: string } : undefined,
        groups: yield* (yield* EfsMemoryState).securityGroups
      }
    }).pipe(
      Effect.provide(Layer.mergeAll(NodeServices.layer, EfsMemory.layer(options), OutputTest.layer({ format }), layerFromValue({}))),
      Effect.runPromise
    )

  const twoVpcs = [
    { id: "vpc-1", cidr: "10.1.0.0/16", subnets: [{ id: "subnet-1a", availabilityZone: "us-east-1a" }] },
    { id: "vpc-2", cidr: "10.2.0.0/16", subnets: [{ id: "subnet-2a", availabilityZone: "us-east-1a" }] }
  ]

  it("no default VPC and no --subnets: not found (exit 5); subnets of two VPCs: a usage error", async () => {
    const none = await run({ vpcs: twoVpcs }, "json", "create", "x")
    assert.strictEqual(none.error?._tag, "ResourceNotFound")
    assert.include(none.error?.summary ?? "", "default VPC")
    const mixed = await run({ vpcs: twoVpcs }, "json", "create", "x", "--subnets", "subnet-1a,subnet-2a")
    assert.strictEqual(mixed.error?._tag, "UsageError")
    assert.include(mixed.error?.summary ?? "", "2 VPCs")
  })

  it("makes the aegea.efs group with NFS from the VPC; --dry-run makes nothing; CSV shows mount targets as text", async () => {
    const dry = await run({}, "json", "create", "home", "--dry-run")
    assert.deepStrictEqual(dry.groups, [])
    assert.deepStrictEqual((JSON.parse(dry.stdout) as { mountTargets: Array<unknown> }).mountTargets.length, 2)
    const made = await run({}, "csv", "create", "home")
    assert.deepStrictEqual(made.groups.map((g) => [g.name, g.vpcId, g.ingress]), [["aegea.efs", "vpc-default", ["tcp/2049 from 172.31.0.0/16"]]])
    const id = made.groups[0]!.id
    assert.include(made.stdout, `"subnet-a: ${id}, subnet-b: ${id}"`)
  })
})
