/** launch and terminate keep NAME.<private zone> in Route 53 (aegea/testing layers, the real parser). */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { globalFlags } from "../../src/commands/global.ts"
import { instanceCommands } from "../../src/commands/instances.ts"
import { launchCommand } from "../../src/commands/launch.ts"
import { AwsAccessDenied } from "../../src/errors.ts"
import type { Image, Subnet } from "../../src/services/Ec2.ts"
import { Route53 } from "../../src/services/Route53.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2LaunchMemory } from "../../src/testing/Ec2LaunchMemory.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { IamIdentityMemory, IamMemory } from "../../src/testing/IamMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { Route53Memory, Route53MemoryState, type ZoneSeed } from "../../src/testing/Route53Memory.ts"
import { SsmMemory } from "../../src/testing/SsmMemory.ts"

const image: Image = { id: "ami-0000000000000b0b1", name: "own", state: "available", architecture: "x86_64", public: false, tags: {} }
const subnet: Subnet = {
  id: "subnet-a",
  vpcId: "vpc-default",
  cidr: "172.31.0.0/20",
  availabilityZone: "us-east-1a",
  availableIps: 4000,
  defaultForAz: true,
  mapPublicIp: true,
  state: "available",
  tags: {}
}

const root = Command.make("aegea").pipe(Command.withSubcommands([launchCommand, ...instanceCommands]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const layers = (route53: Layer.Layer<Route53 | Route53MemoryState> | Layer.Layer<Route53>, config: Record<string, unknown> = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    Ec2LaunchMemory.layer().pipe(
      Layer.provideMerge(Ec2Memory.layer({
        images: [image],
        subnets: [subnet],
        instances: [
          { id: "i-0000000000000d001", name: "old", privateIp: "172.31.0.20", vpcId: "vpc-default" },
          { id: "i-0000000000000d002", name: "moved", privateIp: "172.31.0.21", vpcId: "vpc-default" }
        ]
      }))
    ),
    Ec2NetworkMemory.layer(),
    IamMemory.layer(),
    IamIdentityMemory.layer(),
    SsmMemory.layer(),
    route53,
    OutputTest.layer({ format: "json" }),
    layerFromValue({ launch: { instance_type: "t3a.micro", provision_user: false }, ...config })
  )

const stderr = Effect.gen(function*() {
  return (yield* (yield* OutputCapture).stderr).join("\n")
})
const records = (zone: string) =>
  Effect.gen(function*() {
    return (yield* (yield* Route53MemoryState).records(zone)).filter((r) => r.type === "A").map((r) => `${r.name} ${r.values.join(",")}`)
  })

const otherVpcZone: ZoneSeed = {
  name: "corp.internal",
  private: true,
  vpcs: [{ vpcId: "vpc-other", region: "us-east-1" }],
  records: [
    { name: "old.corp.internal.", type: "A", ttl: 60, values: ["172.31.0.20"] },
    // points at another address than the instance named "moved": terminate leaves it
    { name: "moved.corp.internal.", type: "A", ttl: 60, values: ["10.9.9.9"] }
  ]
}

describe("instance names in the private zone", () => {
  it.effect("launch makes the aegea. zone with the VPC and registers NAME -> private IP; --no-dns registers nothing", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "box", "--ami", image.id, "--no-wait")
      const zones = yield* (yield* Route53MemoryState).zones
      assert.deepStrictEqual(zones.map((z) => [z.name, z.private, z.vpcs.map((v) => v.vpcId)]), [["aegea.", true, ["vpc-default"]]])
      assert.deepStrictEqual(yield* records("aegea."), ["box.aegea. 172.31.0.10"])
      assert.include(yield* stderr, "registered box.aegea. -> 172.31.0.10 in private hosted zone aegea.")
      yield* aegea("launch", "quiet", "--ami", image.id, "--no-wait", "--no-dns")
      assert.deepStrictEqual(yield* records("aegea."), ["box.aegea. 172.31.0.10"])
    }).pipe(Effect.provide(layers(Route53Memory.layer()))))

  it.effect("--dry-run shows the record it would register and creates no zone", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "box", "--ami", image.id, "--dry-run")
      const doc = JSON.parse(yield* (yield* OutputCapture).stdoutText) as { RegisterDns?: unknown }
      assert.deepStrictEqual(doc.RegisterDns, { record: "box.aegea.", type: "A", privateZone: "aegea.", vpcId: "vpc-default" })
      assert.deepStrictEqual(yield* (yield* Route53MemoryState).zones, [])
    }).pipe(Effect.provide(layers(Route53Memory.layer()))))

  it.effect("dns.private_zone names the zone; a zone without the VPC gets it associated", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "box", "--ami", image.id, "--no-wait")
      const [zone] = yield* (yield* Route53MemoryState).zones
      assert.deepStrictEqual(zone?.vpcs.map((v) => v.vpcId), ["vpc-other", "vpc-default"])
      assert.include(yield* stderr, "associated VPC vpc-default with private hosted zone corp.internal.")
      assert.include(yield* records("corp.internal"), "box.corp.internal. 172.31.0.10")
    }).pipe(Effect.provide(layers(Route53Memory.layer({ zones: [otherVpcZone] }), { dns: { private_zone: "corp.internal" } }))))

  it.effect("a Route 53 failure after the launch is one warning naming what to run; the launch succeeds", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "box", "--ami", image.id, "--no-wait")
      const text = yield* stderr
      assert.include(text, "launched box")
      const warnings = text.split("\n").filter((l) => l.startsWith("warning:"))
      assert.strictEqual(warnings.length, 1)
      assert.include(warnings[0], "access denied for route53:ListHostedZonesByName")
      assert.include(warnings[0], "'aegea zones update aegea. box=172.31.0.10 --type A --ttl 60'")
    }).pipe(Effect.provide(layers(Layer.succeed(Route53, deniedRoute53)))))

  it.effect("terminate removes the record that points at the instance, and leaves one pointing elsewhere", () =>
    Effect.gen(function*() {
      yield* aegea("terminate", "old", "moved", "--yes")
      assert.deepStrictEqual(yield* records("corp.internal"), ["moved.corp.internal. 10.9.9.9"])
      assert.include(yield* stderr, "removed old.corp.internal. -> 172.31.0.20")
    }).pipe(Effect.provide(layers(Route53Memory.layer({ zones: [otherVpcZone] }), { dns: { private_zone: "corp.internal." } }))))
})

const denied = (operation: string) =>
  Effect.fail(
    new AwsAccessDenied({ action: "look up hosted zone aegea.", service: "Route 53", operation, code: "AccessDenied", awsMessage: "not allowed" })
  )
const deniedRoute53 = Route53.of({
  listZones: () => Effect.die("unused") as never,
  zonesNamed: () => denied("ListHostedZonesByName"),
  getZone: () => denied("GetHostedZone"),
  listRecords: () => Effect.die("unused") as never,
  recordsNamed: () => denied("ListResourceRecordSets"),
  changeRecords: () => denied("ChangeResourceRecordSets"),
  createPrivateZone: () => denied("CreateHostedZone"),
  associateVpc: () => denied("AssociateVPCWithHostedZone")
})
