/**
 * The contract suites of IamMemory, Ec2NetworkMemory, S3Memory, Ec2LaunchMemory, SsmMemory,
 * CostExplorerMemory and Ec2InstanceConnectMemory (test/contract/*.ts) on the in-memory layers, in one
 * file so the unit project loads their modules once; test/integration/memory-contracts.test.ts runs
 * them on moto. Checks of the memory side alone (output over TestClock, recorded keys) close sections.
 */
import { Effect, Layer } from "effect"
import type { Iam, IamIdentity } from "../../src/services/Iam.ts"
import { IamIdentityMemory, IamMemory, IamMemoryState } from "../../src/testing/IamMemory.ts"
import { iamContract } from "../contract/iam.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { ec2NetworkContract } from "../contract/ec2Network.ts"
import type { S3 } from "../../src/services/S3.ts"
import { S3Memory, S3MemoryState } from "../../src/testing/S3Memory.ts"
import { s3Contract } from "../contract/s3.ts"
import type { Ec2 } from "../../src/services/Ec2.ts"
import type { Ec2Launch } from "../../src/services/Ec2Launch.ts"
import { Ec2LaunchMemory } from "../../src/testing/Ec2LaunchMemory.ts"
import { Ec2Memory } from "../../src/testing/Ec2Memory.ts"
import { ec2LaunchContract } from "../contract/ec2Launch.ts"
import { assert, describe, it } from "@effect/vitest"
import { TestClock } from "effect/testing"
import { Ssm } from "../../src/services/Ssm.ts"
import { SsmMemory } from "../../src/testing/SsmMemory.ts"
import { ssmContract } from "../contract/ssm.ts"
import { CostExplorerMemory } from "../../src/testing/CostExplorerMemory.ts"
import { costExplorerContract } from "../contract/costExplorer.ts"
import { Ec2InstanceConnect } from "../../src/services/Ec2InstanceConnect.ts"
import { Ec2InstanceConnectMemory, Ec2InstanceConnectMemoryState } from "../../src/testing/Ec2InstanceConnectMemory.ts"
import { ec2InstanceConnectContract } from "../contract/ec2InstanceConnect.ts"

// --- Iam, IamIdentity ---------------------------------------------------------------------------
iamContract("in-memory", {
  make: async (seed) => {
    // Built once, so every call of a test sees the same store.
    const layer = Layer.mergeAll(IamMemory.layer({ users: seed.users ?? [], groups: seed.groups ?? [] }), IamIdentityMemory.layer())
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    const built = Layer.succeedContext(context)
    const state = <A>(f: (s: IamMemoryState["Service"]) => Effect.Effect<A>) =>
      Effect.runPromise(Effect.gen(function*() {
        return yield* f(yield* IamMemoryState)
      }).pipe(Effect.provide(built)))
    return {
      layer: built as Layer.Layer<Iam | IamIdentity>,
      inlinePolicy: async (principal, name) =>
        (await state((s) => s.inlinePolicies)).find((p) =>
          p.principal.kind === principal.kind && p.principal.name === principal.name && p.policyName === name
        )?.document,
      profileRoles: async (profile) => {
        const role = (await state((s) => s.instanceProfiles)).get(profile)
        return role === undefined ? [] : [role]
      }
    }
  }
})

// --- Ec2Network ----------------------------------------------------------------------------------
const builtNetwork = async (layer: ReturnType<typeof Ec2NetworkMemory.layer>) =>
  Layer.succeedContext(await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped)))

ec2NetworkContract("in-memory", {
  make: () => builtNetwork(Ec2NetworkMemory.layer()),
  withoutDefaultVpc: () => builtNetwork(Ec2NetworkMemory.layer(null))
})

// --- S3 ------------------------------------------------------------------------------------------
s3Contract("in-memory", {
  make: async () => {
    // Pages of two objects, so listings are read across pages as S3Live reads them.
    const context = await Effect.runPromise(Layer.build(S3Memory.layer({ pageSize: 2 })).pipe(Effect.scoped))
    const layer = Layer.succeedContext(context)
    const state = <A>(f: (s: S3MemoryState["Service"]) => Effect.Effect<A>) =>
      Effect.runPromise(Effect.gen(function*() {
        return yield* f(yield* S3MemoryState)
      }).pipe(Effect.provide(layer)))
    return {
      layer: layer as Layer.Layer<S3>,
      put: (bucket, key, body) => state((s) => s.putObject(bucket, key, new TextEncoder().encode(body))),
      policy: async (bucket) => {
        const b = await state((s) => s.bucket(bucket))
        return b._tag === "Some" ? b.value.policy : undefined
      },
      sseS3: async (bucket) => {
        const b = await state((s) => s.bucket(bucket))
        return b._tag === "Some" && b.value.encrypted
      }
    }
  }
})

// --- Ec2Launch -----------------------------------------------------------------------------------
/** Amazon Linux 2023 images as moto's built-in list has them (owner: Amazon's account). */
const amazon = "137112412989"
const images = [
  { id: "ami-0e1e769742d1cfb49", name: "al2023-ami-2023.11.20260427.1-kernel-6.18-x86_64", architecture: "x86_64" },
  { id: "ami-0e1e769742d1cfb50", name: "al2023-ami-2023.11.20260427.1-kernel-6.18-arm64", architecture: "arm64" },
  { id: "ami-0e1e769742d1cfb51", name: "amzn2-ami-hvm-2.0.20260427.0-x86_64-gp2", architecture: "x86_64" }
].map((i) => ({ ...i, state: "available", public: true, ownerId: amazon, rootDevice: "ebs", tags: {} }))

ec2LaunchContract("in-memory", {
  honoursClientToken: true,
  make: async () => {
    const spotPrices = ["a", "b", "c"].map((z) => ({ availabilityZone: `us-east-1${z}`, price: 0.0312, timestamp: new Date() }))
    const securityGroupRules = [{ id: "sg-0a1b2c3d4e5f60718", name: "contract-launch", vpcId: "vpc-0a1b2c3d4e5f60718", tags: {} }]
    const layer = Ec2LaunchMemory.layer({ spotPrices }).pipe(Layer.provideMerge(Ec2Memory.layer({ images, securityGroupRules })))
    // Built once, so every call of a test sees the same store (on the real clock).
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return {
      layer: Layer.succeedContext(context) as Layer.Layer<Ec2Launch | Ec2>,
      imageId: "ami-0e1e769742d1cfb49",
      subnetId: "subnet-0a1b2c3d4e5f6071a",
      securityGroup: { id: "sg-0a1b2c3d4e5f60718", name: "contract-launch" }
    }
  }
})

// --- Ssm -----------------------------------------------------------------------------------------
ssmContract("in-memory", {
  registeredAgent: "i-0000000000a000001",
  cancels: true,
  make: async () => {
    // Built once, so every call of a test sees the same store (on the real clock).
    const layer = SsmMemory.layer({ agents: [{ instanceId: "i-0000000000a000001" }] })
    const context = await Effect.runPromise(Layer.build(layer).pipe(Effect.scoped))
    return { layer: Layer.succeedContext(context) as Layer.Layer<Ssm>, instanceId: "i-0000000000a000001", otherInstanceId: "i-0000000000a000002" }
  }
})

// moto runs no command: a command's output appearing over time is checked on the memory layer alone.
describe("SsmMemory Run Command on Effect's clock", () => {
  it.effect("output appears step by step; the invocation is InProgress until the script ends, then Failed with its exit code", () =>
    Effect.gen(function*() {
      const ssm = yield* Ssm
      const id = yield* ssm.sendCommand("i-1", ["make"])
      const read = ssm.commandInvocation(id, "i-1")
      assert.deepStrictEqual([(yield* read).status, (yield* read).stdout], ["InProgress", ""])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual([(yield* read).status, (yield* read).stdout], ["InProgress", "building\n"])
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual([(yield* read).status, (yield* read).stderr], ["InProgress", "error: no rule\n"])
      yield* TestClock.adjust("1 second")
      const done = yield* read
      assert.deepStrictEqual([done.status, done.exitCode, done.stdout, done.stderr], ["Failed", 2, "building\n", "error: no rule\n"])
    }).pipe(Effect.provide(SsmMemory.layer({
      commandScript: () => ({
        steps: [{ after: "1 second", stdout: "building\n" }, { after: "2 seconds", stderr: "error: no rule\n" }],
        exitCode: 2,
        endAfter: "1 second"
      })
    }))))
})

// --- Cost Explorer -------------------------------------------------------------------------------
costExplorerContract("in-memory", {
  validates: true,
  forecasts: true,
  make: async ({ pages = [], forecast }) => CostExplorerMemory.layer({ periods: pages.flat(), ...(forecast ? { forecast } : {}) })
})

// --- EC2 Instance Connect ------------------------------------------------------------------------
// moto's IAM GetUser (no user name) answers default_user, as the memory layer does by default.
ec2InstanceConnectContract("in-memory", {
  callerName: "default_user",
  make: async () => ({ layer: Ec2InstanceConnectMemory.layer() as Layer.Layer<Ec2InstanceConnect>, instanceId: "i-0000000000a000001" })
})

it.effect("Ec2InstanceConnectMemory records every pushed key, in order", () =>
  Effect.gen(function*() {
    const eic = yield* Ec2InstanceConnect
    yield* eic.sendPublicKey({ instanceId: "i-1", osUser: "ec2-user", publicKey: "ssh-ed25519 A" })
    yield* eic.sendPublicKey({ instanceId: "i-2", osUser: "ubuntu", publicKey: "ssh-ed25519 B" })
    const grants = yield* (yield* Ec2InstanceConnectMemoryState).grants
    assert.deepStrictEqual(grants.map((g) => `${g.instanceId}/${g.osUser}`), ["i-1/ec2-user", "i-2/ubuntu"])
    assert.strictEqual(yield* eic.callerName, "alice")
  }).pipe(Effect.provide(Layer.fresh(Ec2InstanceConnectMemory.layer({ callerName: "alice" })))))
