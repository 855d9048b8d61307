/** `aegea launch` through the real parser against aegea/testing layers; waits under TestClock. */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Clock, ConfigProvider, Effect, Fiber, Layer, Option, Runtime } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { parse } from "yaml"
import { globalFlags } from "../../src/commands/global.ts"
import { launchCommand } from "../../src/commands/launch.ts"
import { cliSummary } from "../../src/commands/remedies.ts"
import { lsCommand } from "../../src/commands/ls.ts"
import { decodeUserData } from "../../src/lib/cloudInit.ts"
import { architectureOf } from "../../src/lib/instanceTypes.ts"
import { openSshFingerprint } from "../../src/lib/sshKey.ts"
import { type Image, type Subnet } from "../../src/services/Ec2.ts"
import { Ec2Network } from "../../src/services/Ec2Network.ts"
import { Ssm } from "../../src/services/Ssm.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2Memory, Ec2MemoryState } from "../../src/testing/Ec2Memory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { Ec2LaunchMemory, Ec2LaunchMemoryState, type Ec2LaunchSeed } from "../../src/testing/Ec2LaunchMemory.ts"
import { IamIdentityMemory, IamMemory, IamMemoryState } from "../../src/testing/IamMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { publicAmiParameters, SsmMemory, type SsmSeed } from "../../src/testing/SsmMemory.ts"

const image = (id: string, fields: Partial<Image> = {}): Image => ({
  id,
  state: "available",
  architecture: "x86_64",
  public: false,
  ownerId: "123456789012",
  tags: {},
  ...fields
})
const images: ReadonlyArray<Image> = [
  image("ami-0ed094fb1304fd857", { name: "al2023-ami-2023-kernel-6.1-x86_64", ownerId: "137112412989", public: true }),
  image("ami-0c4e709339fa8521a", { name: "ubuntu-noble-24.04-arm64", architecture: "arm64", ownerId: "099720109477", public: true }),
  image("ami-0000000000000b0b1", { name: "aegea-x86_64-2025", created: new Date("2025-06-01"), tags: { AegeaVersion: "3.0", Owner: "bob" } }),
  image("ami-00000000000a11ce1", { name: "aegea-x86_64-2024", created: new Date("2024-06-01"), tags: { AegeaVersion: "3.0", Owner: "alice" } }),
  image("ami-00000000000a11ce2", { name: "aegea-arm64-2024", architecture: "arm64", created: new Date("2024-07-01"), tags: { AegeaVersion: "3.0", Owner: "alice" } }),
  image("ami-000000000000c0de1", { name: "my-image-1", created: new Date("2024-01-01"), tags: { team: "data" } }),
  image("ami-000000000000c0de2", { name: "my-image-2", created: new Date("2024-03-01"), tags: { team: "web" } })
]
const subnet = (zone: string): Subnet => ({
  id: `subnet-${zone}`,
  vpcId: "vpc-default",
  cidr: "172.31.0.0/20",
  availabilityZone: `us-east-1${zone}`,
  availableIps: 4000,
  defaultForAz: true,
  mapPublicIp: true,
  state: "available",
  tags: {}
})

interface Setup {
  readonly images?: ReadonlyArray<Image>
  readonly launch?: Ec2LaunchSeed
  readonly ssm?: SsmSeed
  readonly ssmLayer?: Layer.Layer<Ssm>
  readonly config?: Record<string, unknown>
}

const layers = (setup: Setup = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    Ec2LaunchMemory.layer(setup.launch).pipe(Layer.provideMerge(Ec2Memory.layer({ images: setup.images ?? images, subnets: ["a", "b", "c"].map(subnet) }))),
    Ec2NetworkMemory.layer(),
    IamMemory.layer(),
    IamIdentityMemory.layer(),
    setup.ssmLayer ?? SsmMemory.layer(setup.ssm),
    OutputTest.layer({ format: "json" }),
    // provision_user: false keeps these tests off ~/.ssh (provisioning is tested in test/cli/sshLogin.test.ts)
    layerFromValue({ launch: { instance_type: "t3a.micro", provision_user: false, ...setup.config } })
  )

const root = Command.make("aegea").pipe(Command.withSubcommands([launchCommand, lsCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const launched = Effect.gen(function*() {
  const rows = JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<Record<string, string>>
  return rows[0]!
})
const requests = Effect.gen(function*() {
  return yield* (yield* Ec2LaunchMemoryState).requests
})
const lastRequest = Effect.map(requests, (r) => r[r.length - 1]!)
const userDataOf = Effect.map(lastRequest, (r) => decodeUserData(r.userData))

describe("architecture from the instance type", () => {
  it("Graviton families are arm64, everything else x86_64 (GPU g5/g4dn included)", () => {
    for (const t of ["a1.large", "t4g.micro", "m6g.large", "m6gd.xlarge", "c6gn.large", "c7g.large", "m8g.large", "r8gd.large", "x2gd.large", "im4gn.large", "is4gen.large", "g5g.xlarge", "hpc7g.4xlarge"]) {
      assert.strictEqual(architectureOf(t), "arm64", t)
    }
    for (const t of ["t3a.micro", "m5.large", "g5.xlarge", "g4dn.xlarge", "p4d.24xlarge", "c7i-flex.large", "inf2.xlarge", "x2iedn.xlarge"]) {
      assert.strictEqual(architectureOf(t), "x86_64", t)
    }
  })
})

describe("aegea launch: images", () => {
  it.effect("--amazon-linux-ami reads AWS's public SSM parameter for the instance's architecture", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "box", "--amazon-linux-ami", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, publicAmiParameters["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"])
      const row = yield* launched
      assert.strictEqual(row.name, "box")
      assert.strictEqual(row.imageId, "ami-0ed094fb1304fd857")
      assert.strictEqual(row.lifecycle, "on-demand")
    }).pipe(Effect.provide(layers())))

  it.effect("--ubuntu-linux-ami on a Graviton type uses the arm64 parameter; the prefix comes from config", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "arm1", "--ubuntu-linux-ami", "-t", "t4g.micro", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-0c4e709339fa8521a")
    }).pipe(Effect.provide(layers())))

  it.effect("an injected Ubuntu parameter prefix (emulators lack Canonical's) and --ubuntu-release", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "u22", "--ubuntu-linux-ami", "--ubuntu-release", "22.04", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-0000000000000b0b1")
    }).pipe(Effect.provide(layers({
      config: { ubuntu_ssm_parameter_prefix: "/test/canonical" },
      ssm: { parameters: { "/test/canonical/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id": "ami-0000000000000b0b1" } }
    }))))

  it.effect("--ami takes an id, or the newest own image matching a name; --ami-tags filters by tag", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "a1", "--ami", "ami-000000000000c0de1", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-000000000000c0de1")
      yield* aegea("launch", "a2", "--ami", "my-image-*", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-000000000000c0de2")
      yield* aegea("launch", "a3", "--ami-tags", "team=data", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-000000000000c0de1")
      const missing = yield* Effect.flip(aegea("launch", "a4", "--ami", "ami-0123456789abcdef0", "--no-wait"))
      assert.strictEqual(missing._tag, "ResourceNotFound")
    }).pipe(Effect.provide(layers())))

  it.effect("a config launch.ami is the default image, and an image flag overrides it", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "c1", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-000000000000c0de1")
      yield* aegea("launch", "c2", "--amazon-linux-ami", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-0ed094fb1304fd857")
      const both = yield* Effect.flip(aegea("launch", "c3", "--amazon-linux-ami", "--ubuntu-linux-ami", "--no-wait"))
      assert.strictEqual(both._tag, "UsageError")
    }).pipe(Effect.provide(layers({ config: { ami: "ami-000000000000c0de1" } }))))

  it.effect("by default the newest image built by aegea, the caller's own (Owner tag) first, of the right architecture", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "d1", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-00000000000a11ce1")
      yield* aegea("launch", "d2", "-t", "c7g.large", "--no-wait")
      assert.strictEqual((yield* lastRequest).imageId, "ami-00000000000a11ce2")
    }).pipe(Effect.provide(layers())))

  it.effect("with no image built by aegea the error suggests the public-image flags", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(aegea("launch", "box", "--no-wait"))
      assert.strictEqual(error._tag, "ResourceNotFound")
      if (error._tag === "ResourceNotFound") {
        // the CLI's words; a program reads the neutral hint
        assert.include(cliSummary(error), "--ubuntu-linux-ami")
        assert.include(cliSummary(error), "--amazon-linux-ami")
        assert.include(error.summary, "Choose the latest public Ubuntu or Amazon Linux image")
        assert.strictEqual(error[Runtime.errorExitCode], 5)
      }
      assert.deepStrictEqual(yield* requests, [])
    }).pipe(Effect.provide(layers({ images: images.slice(0, 2) }))))

  it.effect("an image whose architecture differs from the instance type's is a usage error naming both", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(aegea("launch", "box", "--ami", "ami-000000000000c0de1", "-t", "m7g.large", "--no-wait"))
      assert.strictEqual(error._tag, "UsageError")
      if (error._tag === "UsageError") {
        assert.include(error.message, "x86_64")
        assert.include(error.message, "m7g.large is arm64")
      }
      assert.deepStrictEqual(yield* requests, [])
    }).pipe(Effect.provide(layers())))
})

describe("aegea launch: placement, storage, tags", () => {
  it.effect("--spot picks the zone with the lowest latest spot price; --spot-price sets the cap", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "s1", "--amazon-linux-ami", "--spot", "--no-wait")
      const first = yield* lastRequest
      assert.strictEqual(first.availabilityZone, "us-east-1b")
      assert.strictEqual(first.subnetId, "subnet-b")
      assert.deepStrictEqual(first.spot, {})
      assert.strictEqual((yield* launched).lifecycle, "spot")
      yield* aegea("launch", "s2", "--amazon-linux-ami", "--spot-price", "0.05", "--availability-zone", "us-east-1c", "--no-wait")
      const second = yield* lastRequest
      assert.deepStrictEqual(second.spot, { maxPrice: "0.05" })
      assert.strictEqual(second.subnetId, "subnet-c")
    }).pipe(Effect.provide(layers({
      launch: {
        spotPrices: [
          { availabilityZone: "us-east-1a", price: 0.05, timestamp: new Date(2000) },
          { availabilityZone: "us-east-1b", price: 0.9, timestamp: new Date(1000) },
          { availabilityZone: "us-east-1b", price: 0.02, timestamp: new Date(3000) },
          { availabilityZone: "us-east-1c", price: 0.03, timestamp: new Date(3000) },
          { availabilityZone: "us-east-1z", price: 0.001, timestamp: new Date(3000) }
        ]
      }
    }))))

  it.effect("--storage resizes the root and adds encrypted gp3 volumes that cloud-init formats and mounts", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "st", "--amazon-linux-ami", "--storage", "/=30", "--storage", "/data=100GB,/scratch=20", "--no-wait")
      const request = yield* lastRequest
      assert.deepStrictEqual(request.blockDevices, [
        { deviceName: "/dev/xvda", sizeGiB: 30, volumeType: "gp3", deleteOnTermination: true },
        { deviceName: "/dev/xvdz", sizeGiB: 100, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
        { deviceName: "/dev/xvdy", sizeGiB: 20, volumeType: "gp3", encrypted: true, deleteOnTermination: true }
      ])
      const config = parse(yield* userDataOf) as { mounts: Array<Array<string>> }
      assert.deepStrictEqual(config.mounts.map((m) => [m[0], m[1]]), [["/dev/xvdz", "/data"], ["/dev/xvdy", "/scratch"]])
      const bad = yield* Effect.flip(aegea("launch", "st2", "--amazon-linux-ami", "--storage", "data=big", "--no-wait"))
      assert.strictEqual(bad._tag, "UsageError")
    }).pipe(Effect.provide(layers())))

  it.effect("tags: Name, Owner, --tags and the host key in SSHHostPublicKeyPart1/2, matching the key cloud-init gets", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "tagged", "--amazon-linux-ami", "--tags", "team=ml", "--tags", "env=dev", "--no-wait")
      const request = yield* lastRequest
      assert.strictEqual(request.tags.Name, "tagged")
      assert.strictEqual(request.tags.Owner, "alice")
      assert.strictEqual(request.tags.team, "ml")
      assert.strictEqual(request.tags.env, "dev")
      const publicKey = request.tags.SSHHostPublicKeyPart1! + request.tags.SSHHostPublicKeyPart2!
      assert.match(publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+$/)
      const config = parse(yield* userDataOf) as { ssh_keys: Record<string, string>; hostname: string }
      assert.strictEqual(config.ssh_keys.ed25519_public, publicKey)
      assert.include(config.ssh_keys.ed25519_private!, "BEGIN OPENSSH PRIVATE KEY")
      assert.strictEqual(config.hostname, "tagged")
      assert.strictEqual((yield* launched).hostKeyFingerprint, openSshFingerprint(publicKey))
      const listed = (yield* (yield* Ec2MemoryState).instances).find((i) => i.name === "tagged")
      assert.strictEqual(listed?.tags.SSHHostPublicKeyPart1, request.tags.SSHHostPublicKeyPart1)
      const reserved = yield* Effect.flip(aegea("launch", "t2", "--amazon-linux-ami", "--tags", "Name=other", "--no-wait"))
      assert.strictEqual(reserved._tag, "UsageError")
    }).pipe(Effect.provide(layers())))

  it.effect("takes config launch.cloud_config_data (a mapping) unless --cloud-config-data is given; refuses user data carrying AWS credentials", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "cf", "--amazon-linux-ami", "--no-wait")
      const fromConfig = parse(yield* userDataOf) as { packages: Array<string>; runcmd: Array<string> }
      assert.deepStrictEqual(fromConfig.packages, ["jq"])
      assert.include(fromConfig.runcmd, "echo config")
      yield* aegea("launch", "cc", "--amazon-linux-ami", "--cloud-config-data", '{"packages": ["git", "jq"], "runcmd": ["echo flag"]}', "--no-wait")
      const config = parse(yield* userDataOf) as { packages: Array<string>; runcmd: Array<string> }
      assert.deepStrictEqual(config.packages, ["git", "jq"])
      assert.include(config.runcmd, "echo flag")
      assert.notInclude(config.runcmd, "echo config")
      const keyId = yield* Effect.flip(aegea("launch", "leak1", "--amazon-linux-ami", "--cloud-config-data", '{"runcmd": ["export K=AKIAIOSFODNN7EXAMPLE"]}', "--no-wait"))
      assert.strictEqual(keyId._tag, "UsageError")
      const secret = yield* Effect.flip(
        aegea("launch", "leak2", "--amazon-linux-ami", "--cloud-config-data", '{"runcmd": ["echo wJalrXUtnFEMI/K7MDENG"]}', "--no-wait").pipe(
          Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG" })))
        )
      )
      assert.strictEqual(secret._tag, "UsageError")
      assert.strictEqual((yield* requests).length, 2)
    }).pipe(Effect.provide(layers({ config: { cloud_config_data: { packages: ["jq"], runcmd: ["echo config"] } } }))))
})

describe("aegea launch: dry run, IAM, names, waiting", () => {
  it.effect("--dry-run prints the requests with the user data decoded and the private key redacted, and creates nothing", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "dry", "--amazon-linux-ami", "--dry-run")
      const text = yield* (yield* OutputCapture).stdoutText
      const doc = JSON.parse(text) as { RunInstances: Record<string, unknown>; ensure: Array<Record<string, unknown>> }
      assert.strictEqual(doc.RunInstances.ImageId, "ami-0ed094fb1304fd857")
      assert.strictEqual(doc.RunInstances.InstanceType, "t3a.micro")
      assert.include(String(doc.RunInstances.UserData), "#cloud-config")
      assert.include(String(doc.RunInstances.UserData), "redacted")
      assert.notInclude(text, "PRIVATE KEY")
      assert.deepStrictEqual(doc.ensure.map((e) => Object.keys(e)[0]), ["CreateSecurityGroup", "EnsureRole", "EnsureInstanceProfile"])
      assert.deepStrictEqual(yield* requests, [])
      assert.deepStrictEqual(yield* (yield* Ec2MemoryState).instances, [])
      assert.deepStrictEqual(yield* (yield* IamMemoryState).createdRoles, [])
      assert.strictEqual((yield* (yield* IamMemoryState).instanceProfiles).size, 0)
      assert.isUndefined(yield* (yield* Ec2Network).securityGroupId("aegea.launch", "vpc-default"))
    }).pipe(Effect.provide(layers())))

  it.effect("creates the security group, role and instance profile once across two launches", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "one", "--amazon-linux-ami", "--no-wait")
      yield* aegea("launch", "two", "--amazon-linux-ami", "--no-wait")
      const iam = yield* IamMemoryState
      assert.deepStrictEqual((yield* iam.createdRoles).map((r) => [r.name, r.trustedService]), [["aegea.launch", "ec2.amazonaws.com"]])
      assert.strictEqual((yield* iam.instanceProfiles).get("aegea.launch"), "aegea.launch")
      const policy = (yield* iam.inlinePolicies).find((p) => p.principal.name === "aegea.launch")
      assert.include(JSON.stringify(policy?.document), "ssmmessages:OpenDataChannel")
      const group = yield* (yield* Ec2Network).securityGroupId("aegea.launch", "vpc-default")
      const [first, second] = yield* requests
      assert.deepStrictEqual(first?.securityGroupIds, [group!])
      assert.deepStrictEqual(second?.securityGroupIds, [group!])
      assert.strictEqual(second?.iamInstanceProfile, "aegea.launch")
    }).pipe(Effect.provide(layers())))

  it.effect("--no-manage-iam uses the profile as it is; --iam-role '' launches without one", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "n1", "--amazon-linux-ami", "--no-manage-iam", "--no-wait")
      assert.strictEqual((yield* lastRequest).iamInstanceProfile, "aegea.launch")
      yield* aegea("launch", "n2", "--amazon-linux-ami", "--iam-role", "", "--no-wait")
      assert.isUndefined((yield* lastRequest).iamInstanceProfile)
      assert.deepStrictEqual(yield* (yield* IamMemoryState).createdRoles, [])
    }).pipe(Effect.provide(layers())))

  it.effect("retries RunInstances while IAM has not yet propagated a new instance profile", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("launch", "fresh", "--amazon-linux-ami", "--no-wait"))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      const all = yield* requests
      assert.strictEqual(all.length, 3)
      assert.strictEqual(new Set(all.map((r) => r.clientToken)).size, 1)
      assert.strictEqual((yield* launched).name, "fresh")
    }).pipe(Effect.provide(layers({ launch: { rejectInstanceProfileTimes: 2 } }))))

  it.effect("a name already used by a live instance is refused (exit 1) before anything is created", () =>
    Effect.gen(function*() {
      yield* aegea("launch", "box", "--amazon-linux-ami", "--no-wait")
      const error = yield* Effect.flip(aegea("launch", "box", "--amazon-linux-ami", "--no-wait"))
      assert.strictEqual(error._tag, "OperationFailed")
      if (error._tag === "OperationFailed") {
        assert.include(error.message, "an instance named box already exists (i-")
        assert.strictEqual(error[Runtime.errorExitCode], 1)
      }
      assert.strictEqual((yield* requests).length, 1)
      const bad = yield* Effect.flip(aegea("launch", "bad.name", "--amazon-linux-ami", "--no-wait"))
      assert.strictEqual(bad._tag, "UsageError")
    }).pipe(Effect.provide(layers())))

  const agentOnlineAt = (ms: number) =>
    Layer.effect(
      Ssm,
      Effect.gen(function*() {
        const base = yield* Ssm
        return Ssm.of({
          ...base,
          agentInfo: (instanceId) =>
            Effect.map(Clock.currentTimeMillis, (now) => (now >= ms ? Option.some({ instanceId, pingStatus: "Online" }) : Option.none()))
        })
      })
    ).pipe(Layer.provide(SsmMemory.layer()))

  it.effect("waits (by default) until running and the SSM agent is online, polling on the clock", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("launch", "waited", "--amazon-linux-ami"))
      yield* TestClock.adjust("20 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("15 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* launched).state, "running")
    }).pipe(Effect.provide(layers({ ssmLayer: agentOnlineAt(30_000) }))))

  it.effect("the wait shows its progress: the instance's state, then the agent's, each once on a pipe", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("launch", "shown", "--amazon-linux-ami"))
      yield* TestClock.adjust("35 seconds")
      yield* Fiber.join(fiber)
      const out = yield* OutputCapture
      const statuses = (yield* out.statuses).filter((s, i, all) => s !== all[i - 1])
      assert.match(statuses[0]!, /^waiting for i-\S+ \(shown\): (pending → running|running)$/)
      assert.match(statuses.at(-3)!, /^waiting for i-\S+ \(shown\) SSM agent: not registered → Online$/)
      assert.match(statuses.at(-2)!, /^waiting for i-\S+ \(shown\) SSM agent: Online$/)
      assert.strictEqual(statuses.at(-1), "(done)")
      // Not a terminal: a timestamped line per change, never the same twice.
      const lines = (yield* out.stderr).filter((l) => /^\S+Z i-/.test(l))
      assert.deepStrictEqual(lines.map((l) => l.replace(/^\S+Z i-\S+ /, "")), [
        ...(lines.length === 4 ? ["(shown) pending"] : []),
        "(shown) running",
        "(shown) SSM agent not registered",
        "(shown) SSM agent Online"
      ])
    }).pipe(Effect.provide(layers({ ssmLayer: agentOnlineAt(30_000) }))))

  it.effect("an agent that never comes online fails the wait after 15 minutes with a hint", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(aegea("launch", "silent", "--amazon-linux-ami")))
      yield* TestClock.adjust("16 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "OperationFailed")
      if (error._tag === "OperationFailed") assert.include(error.message, "SSM agent did not come online")
    }).pipe(Effect.provide(layers({ ssmLayer: agentOnlineAt(Number.MAX_SAFE_INTEGER) }))))
})
