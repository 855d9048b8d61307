/** `aegea build-ami` through the real parser against aegea/testing layers; every wait under TestClock. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { parse } from "yaml"
import { afterAll } from "vitest"
import { buildAmiCommand } from "../../src/commands/buildAmi.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { launchCommand } from "../../src/commands/launch.ts"
import { builderNameOf, imagesToPrune, parseBuildTimeout, skelCloudConfig } from "../../src/lib/buildAmi.ts"
import { decodeUserData } from "../../src/lib/cloudInit.ts"
import type { Image, Subnet } from "../../src/services/Ec2.ts"
import type { LaunchImage } from "../../src/services/Ec2Launch.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2LaunchMemory, Ec2LaunchMemoryState, type Ec2LaunchSeed } from "../../src/testing/Ec2LaunchMemory.ts"
import { Ec2Memory, Ec2MemoryState, instanceIdOf } from "../../src/testing/Ec2Memory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { IamIdentityMemory, IamMemory } from "../../src/testing/IamMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { type CommandScript, SsmMemory, SsmMemoryState, type SsmSeed } from "../../src/testing/SsmMemory.ts"

const AL2023 = "ami-0ed094fb1304fd857"
const images: ReadonlyArray<Image> = [
  { id: AL2023, name: "al2023-ami-2023-kernel-6.1-x86_64", state: "available", architecture: "x86_64", public: true, ownerId: "137112412989", tags: {} }
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

/** The builder is the first instance the in-memory EC2 launches. */
const builder = instanceIdOf(1)

interface Setup {
  readonly ssm?: SsmSeed
  readonly launch?: Ec2LaunchSeed
  readonly config?: Record<string, unknown>
  readonly configFile?: string
  readonly consoleOutput?: Record<string, string>
  readonly instances?: ReadonlyArray<{ readonly name: string }>
}

const layers = (setup: Setup = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    Ec2LaunchMemory.layer(setup.launch).pipe(
      Layer.provideMerge(Ec2Memory.layer({ images, subnets: ["a", "b"].map(subnet), ...(setup.instances ? { instances: setup.instances } : {}), ...(setup.consoleOutput ? { consoleOutput: setup.consoleOutput } : {}) }))
    ),
    Ec2NetworkMemory.layer(),
    IamMemory.layer(),
    IamIdentityMemory.layer(),
    SsmMemory.layer({ agents: [{ instanceId: builder }], ...setup.ssm }),
    OutputTest.layer({ format: "json" }),
    layerFromValue(
      { launch: { provision_user: false }, ...setup.config },
      setup.configFile !== undefined ? { source: setup.configFile } : {}
    )
  )

const root = Command.make("aegea").pipe(Command.withSubcommands([buildAmiCommand, launchCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

/** Run to the end with the clock moved on in 10 s steps (at most 2 simulated hours). */
const runToEnd = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < 720 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("10 seconds")
    return yield* Fiber.await(fiber)
  })

const stderr = Effect.gen(function*() {
  return yield* (yield* OutputCapture).stderr
})
const terminated = Effect.gen(function*() {
  return (yield* (yield* Ec2MemoryState).calls).includes("terminate:do")
})
const builderState = Effect.gen(function*() {
  const instances = yield* (yield* Ec2MemoryState).instances
  return instances.find((i) => i.id === builder)?.state
})

/** The typed error a run failed with. */
const failureOf = <A, E>(exit: Exit.Exit<A, E>) => {
  const reason = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return (reason as { error: { _tag: string; summary: string } } | undefined)?.error
}

/** cloud-init's wait: done after `after`, with an exit status; the log command prints `log`. */
const cloudInit = (options: { after?: Duration.Input; exitCode?: number; log?: string }) => (_: string, commands: ReadonlyArray<string>): CommandScript =>
  commands[0]?.startsWith("tail ")
    ? { steps: [{ after: "1 second", stdout: options.log ?? "" }] }
    : { steps: [{ after: options.after ?? "30 seconds", stdout: options.exitCode ? "\nstatus: error\n" : "\nstatus: done\n" }], exitCode: options.exitCode ?? 0 }

describe("aegea build-ami", () => {
  it.effect("builds: builder launched as launch does, cloud-init awaited through SSM, image tagged, builder terminated; launch then boots the image", () =>
    Effect.gen(function*() {
      const exit = yield* runToEnd(aegea("build-ami", "web", "--amazon-linux-ami", "--packages", "nginx,git", "--tags", "team=ml"))
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      const launched = (yield* (yield* Ec2LaunchMemoryState).requests)[0]!
      assert.strictEqual(launched.imageId, AL2023)
      assert.strictEqual(launched.iamInstanceProfile, "aegea.build_ami")
      assert.strictEqual(launched.instanceType, "t3a.medium")
      const userData = parse(decodeUserData(launched.userData).replace(/^#cloud-config\n/, "")) as { packages: Array<string>; users?: unknown }
      assert.deepStrictEqual(userData.packages, ["nginx", "git"])
      assert.isUndefined(userData.users)
      const commands = yield* (yield* SsmMemoryState).commands
      assert.deepStrictEqual(commands.map((c) => [c.instanceId, c.commands]), [[builder, ["cloud-init status --wait"]]])
      const [request] = yield* (yield* Ec2LaunchMemoryState).imageRequests
      assert.strictEqual(request?.instanceId, builder)
      assert.match(request?.name ?? "", /^web-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/)
      assert.deepInclude(request?.tags, { Name: "web", team: "ml", Owner: "alice", BaseAMI: AL2023, AegeaVersion: "0.1.0" })
      assert.match(request?.tags.ConfigDigest ?? "", /^[0-9a-f]{64}$/)
      assert.isFalse(Number.isNaN(Date.parse(request?.tags.BuildTime ?? "")))
      assert.isTrue(yield* terminated)
      const printed = JSON.parse(yield* (yield* OutputCapture).stdoutText) as Array<Record<string, string>>
      assert.strictEqual(printed[0]?.baseAmi, AL2023)
      assert.strictEqual(printed[0]?.state, "available")
      assert.include((yield* stderr).join("\n"), `terminated the builder ${builderNameOf("web", 0)}`)

      yield* (yield* OutputCapture).clear
      yield* aegea("launch", "box", "--no-wait", "--no-dns")
      const requests = yield* (yield* Ec2LaunchMemoryState).requests
      assert.strictEqual(requests[requests.length - 1]?.imageId, printed[0]?.id)
    }).pipe(Effect.provide(layers({ ssm: { commandScript: cloudInit({}) }, launch: { imageAvailableAfter: "40 seconds" } }))))

  it.effect("Ctrl-C while waiting for cloud-init terminates the builder", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(aegea("build-ami", "web", "--amazon-linux-ami"))
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual((yield* (yield* SsmMemoryState).commands).map((c) => c.commands[0]), ["cloud-init status --wait"])
      assert.isFalse(yield* terminated)
      assert.strictEqual(yield* builderState, "running")
      yield* Fiber.interrupt(fiber)
      assert.isTrue(yield* terminated)
      assert.strictEqual(yield* builderState, "shutting-down")
      assert.deepStrictEqual(yield* (yield* Ec2LaunchMemoryState).imageRequests, [])
    }).pipe(Effect.provide(layers({ ssm: { commandScript: cloudInit({ after: "2 hours" }) } }))))

  it.effect("cloud-init fails: the end of its log (through SSM) on stderr, exit 1, no image, builder terminated", () =>
    Effect.gen(function*() {
      const exit = yield* runToEnd(aegea("build-ami", "web", "--amazon-linux-ami", "--packages", "nosuch"))
      const failure = failureOf(exit)
      assert.strictEqual(failure?._tag, "OperationFailed")
      assert.include(failure?.summary, "cloud-init failed on the builder")
      assert.include(failure?.summary, "status: error")
      const text = (yield* stderr).join("\n")
      assert.include(text, "last lines of /var/log/cloud-init-output.log (through SSM)")
      assert.include(text, "  E: Unable to locate package nosuch")
      assert.deepStrictEqual((yield* (yield* SsmMemoryState).commands).map((c) => c.commands[0]), [
        "cloud-init status --wait",
        "tail -n 40 /var/log/cloud-init-output.log"
      ])
      assert.deepStrictEqual(yield* (yield* Ec2LaunchMemoryState).imageRequests, [])
      assert.isTrue(yield* terminated)
    }).pipe(Effect.provide(layers({ ssm: { commandScript: cloudInit({ exitCode: 1, log: "Reading package lists...\nE: Unable to locate package nosuch\n" }) } }))))

  it.effect("the SSM agent never comes online: the console output instead, within --cloud-init-timeout; --keep-builder keeps it", () =>
    Effect.gen(function*() {
      const exit = yield* runToEnd(aegea("build-ami", "web", "--amazon-linux-ami", "--cloud-init-timeout", "2m", "--keep-builder"))
      assert.include(failureOf(exit)?.summary, "the SSM agent of the builder")
      assert.include(failureOf(exit)?.summary, "did not come online within 2m")
      const text = (yield* stderr).join("\n")
      assert.include(text, "last lines of the console output on the builder")
      assert.include(text, "  cloud-init: modules failed")
      assert.include(text, `'aegea session ${builderNameOf("web", 0)}'`)
      assert.deepStrictEqual((yield* (yield* SsmMemoryState).commands), [])
      assert.isFalse(yield* terminated)
      // 2 minutes of 5-second polls, then the first poll: 25 reads of the agent at most
      const agentCalls = (yield* (yield* SsmMemoryState).calls).filter((c) => c === "DescribeInstanceInformation")
      assert.isAtMost(agentCalls.length, 25)
      assert.isAtLeast(agentCalls.length, 20)
    }).pipe(Effect.provide(layers({
      ssm: { agents: [] },
      consoleOutput: { [builder]: "boot line 1\ncloud-init: modules failed\n" }
    }))))

  it.effect("usage errors (exit 2) before anything is created: no IAM role, a bad timeout, a bad name, --tags setting aegea's", () =>
    Effect.gen(function*() {
      for (const args of [["--iam-role", ""], ["--cloud-init-timeout", "10s"], ["--tags", "BaseAMI=x"]]) {
        const error = yield* Effect.flip(aegea("build-ami", "web", "--amazon-linux-ami", ...args))
        assert.strictEqual(error._tag, "UsageError", args.join(" "))
      }
      assert.strictEqual((yield* Effect.flip(aegea("build-ami", "no/slash")))._tag, "UsageError")
      assert.deepStrictEqual(yield* (yield* Ec2LaunchMemoryState).requests, [])
    }).pipe(Effect.provide(layers())))

  it.effect("--snapshot-existing-host images a running instance without rebooting it; no builder", () =>
    Effect.gen(function*() {
      const exit = yield* runToEnd(aegea("build-ami", "box-image", "--snapshot-existing-host", "box"))
      assert.isTrue(Exit.isSuccess(exit), String(exit))
      const [request] = yield* (yield* Ec2LaunchMemoryState).imageRequests
      assert.strictEqual(request?.instanceId, instanceIdOf(1))
      assert.isTrue(request?.noReboot)
      assert.deepInclude(request?.tags, { Name: "box-image", SourceInstance: instanceIdOf(1), Owner: "alice", AegeaVersion: "0.1.0" })
      assert.deepStrictEqual(yield* (yield* Ec2LaunchMemoryState).requests, [])
      assert.isFalse(yield* terminated)
    }).pipe(Effect.provide(layers({ instances: [{ name: "box" }] }))))

  it.effect("--dry-run prints the user data (build_image, build_ami, rootfs.skel files, --cloud-config-data) and the requests; creates nothing", () =>
    Effect.gen(function*() {
      yield* aegea("build-ami", "web", "--amazon-linux-ami", "--dry-run", "--cloud-config-data", "{\"runcmd\": [\"echo last\"]}")
      const doc = JSON.parse(yield* (yield* OutputCapture).stdoutText) as {
        RunInstances: { UserData: string; ImageId: string }
        CreateImage: { Name: string; TagSpecifications: Array<{ Tags: Array<{ Key: string; Value: string }> }> }
        TerminateInstances: unknown
        build: { configDigest: string }
      }
      const userData = parse(doc.RunInstances.UserData.replace(/^#cloud-config\n/, "")) as {
        packages: Array<string>
        runcmd: Array<string>
        write_files: Array<{ path: string; permissions: string; content: string; encoding?: string }>
      }
      assert.deepStrictEqual(userData.packages, ["htop", "jq"])
      assert.deepStrictEqual(userData.runcmd, ["echo shared", "echo mine", "echo last"])
      assert.deepStrictEqual(userData.write_files.map((f) => [f.path, f.permissions, f.encoding ?? "text"]), [
        ["/etc/motd", "0644", "text"],
        ["/usr/local/bin/blob", "0755", "gz+b64"]
      ])
      assert.strictEqual(userData.write_files[0]?.content, "built by aegea\n")
      const tags = Object.fromEntries(doc.CreateImage.TagSpecifications[0]!.Tags.map((t) => [t.Key, t.Value]))
      assert.strictEqual(tags.ConfigDigest, doc.build.configDigest)
      assert.strictEqual(tags.BaseAMI, AL2023)
      assert.isDefined(doc.TerminateInstances)
      assert.deepStrictEqual(yield* (yield* Ec2LaunchMemoryState).requests, [])
      assert.deepStrictEqual(yield* (yield* SsmMemoryState).commands, [])
    }).pipe(Effect.provide(layers({
      configFile: configFile(),
      config: { build_image: { packages: ["htop"], commands: ["echo shared"] }, build_ami: { packages: ["jq"], commands: ["echo mine"] } }
    }))))
})

const dirs: Array<string> = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
/** A config file path with a rootfs.skel.build_ami folder beside it: a text file and a binary executable. */
function configFile() {
  const dir = mkdtempSync(join(tmpdir(), "aegea-build-ami-"))
  dirs.push(dir)
  const skel = join(dir, "rootfs.skel.build_ami")
  mkdirSync(join(skel, "etc"), { recursive: true })
  mkdirSync(join(skel, "usr", "local", "bin"), { recursive: true })
  writeFileSync(join(skel, "etc", "motd"), "built by aegea\n")
  chmodSync(join(skel, "etc", "motd"), 0o644)
  writeFileSync(join(skel, "usr", "local", "bin", "blob"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]))
  chmodSync(join(skel, "usr", "local", "bin", "blob"), 0o755)
  return join(dir, "config.yml")
}

describe("build-ami helpers", () => {
  it("--cloud-init-timeout: minutes by default, or with a unit; 1 minute to 24 hours", () => {
    assert.strictEqual(parseBuildTimeout("20"), 1_200_000)
    assert.strictEqual(parseBuildTimeout("90s"), 90_000)
    assert.strictEqual(parseBuildTimeout("1h"), 3_600_000)
    assert.isUndefined(parseBuildTimeout("30s"))
    assert.isUndefined(parseBuildTimeout("2 days"))
    assert.isUndefined(parseBuildTimeout("soon"))
  })

  it("the builder's name is a host name of at most 63 characters", () => {
    assert.strictEqual(builderNameOf("web.v2_x", 1_700_000_000_000), "aegea-build-ami-web-v2-x-1700000000")
    const long = builderNameOf("a".repeat(100), 1_700_000_000_000)
    assert.isAtMost(long.length, 63)
    assert.match(long, /^[a-z0-9-]+-1700000000$/)
  })

  it("prune keeps the newest N per Name tag (BuildTime, else creation date)", () => {
    const image = (id: string, name: string, built: string): LaunchImage =>
      ({ id, state: "available", public: false, tags: { Name: name, BuildTime: built } })
    const all = [
      image("ami-1", "web", "2026-01-01T00:00:00Z"),
      image("ami-3", "web", "2026-03-01T00:00:00Z"),
      image("ami-2", "web", "2026-02-01T00:00:00Z"),
      image("ami-4", "db", "2026-01-01T00:00:00Z")
    ]
    assert.deepStrictEqual(imagesToPrune(all, 1).map((i) => i.id), ["ami-1", "ami-2"])
    assert.deepStrictEqual(imagesToPrune(all, 0).map((i) => i.id), ["ami-4", "ami-1", "ami-2", "ami-3"])
    assert.deepStrictEqual(imagesToPrune(all, 3), [])
  })

  it("skel files: text as is, binary gz+b64, the later folder's file wins", () => {
    const config = skelCloudConfig([
      { path: "/etc/a", bytes: Buffer.from("one"), mode: 0o100600 },
      { path: "/etc/a", bytes: Buffer.from("two"), mode: 0o100644 }
    ]) as { write_files: Array<{ path: string; content: string; permissions: string }> }
    assert.deepStrictEqual(config.write_files, [{ path: "/etc/a", permissions: "0644", content: "two" }])
    assert.deepStrictEqual(skelCloudConfig([]), {})
  })
})
