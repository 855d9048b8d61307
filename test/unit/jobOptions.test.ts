// The container options of `batch submit` and `ecs run` (storage, EFS, volumes, privileged, ulimits,
// user, log driver): their parsing, the definitions they build, the Fargate refusals, the definition
// hash; and `ecs run --execute` of a large file through S3 on the in-memory layers.
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { parseEfsStorage, parseStorage, parseUlimits, parseVolumes } from "../../src/commands/batch/parseFlags.ts"
import { ecsCommand } from "../../src/commands/ecs.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { defaults } from "../../src/defaults.ts"
import { checkContainerShape, type ContainerShape, registerJobDefinitionRequest } from "../../src/services/batchRequests.ts"
import { checkTaskShape, registerTaskDefinitionRequest, runTaskRequest, type TaskShape } from "../../src/services/ecsRequests.ts"
import { executeExpiryRule, stagingBucketName } from "../../src/services/S3Staging.ts"
import { urlVariable } from "../../src/lib/executePayload.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { EcsMemory, EcsMemoryState } from "../../src/testing/EcsMemory.ts"
import { EfsMemory } from "../../src/testing/EfsMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { S3StagingMemory, S3StagingMemoryState } from "../../src/testing/S3StagingMemory.ts"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"

const fargate: ContainerShape = { image: "ubuntu", vcpus: 1, memoryMiB: 2048, gpus: 0, platform: "FARGATE", logGroup: "/aws/batch/job", executionRoleArn: "arn:aws:iam::123456789012:role/x" }
const ec2: ContainerShape = { ...fargate, platform: "EC2", executionRoleArn: undefined }
const task: TaskShape = { image: "ubuntu", cpu: 256, memoryMiB: 512, executionRoleArn: "arn:aws:iam::123456789012:role/x", logGroup: "/aegea/ecs", region: "us-east-1" }

type InputProblem = { readonly message: string; readonly advice?: string | undefined }

/** The error as the CLI words it (`input`: the flag's words), and its neutral sentence and hint as a program reads them. */
const usage = <A>(effect: Effect.Effect<A, { readonly _tag: string; readonly message?: string | undefined; readonly hint?: string | undefined; readonly input?: InputProblem | undefined }>) =>
  Effect.runSync(Effect.flip(effect).pipe(Effect.map((e) => ({
    tag: e._tag,
    message: e.input?.message ?? e.message ?? "",
    hint: (e.input !== undefined ? e.input.advice : e.hint) ?? "",
    neutral: `${e.message ?? ""} ${e.hint ?? ""}`
  }))))

/** The `--flag`s a text names. */
const flagsIn = (text: string) => [...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0])

describe("Fargate refusals: one UsageError naming the flag and --platform EC2", () => {
  const cases: Array<[string, Partial<ContainerShape>, RegExp]> = [
    ["--privileged", { privileged: true }, /^--privileged needs EC2/],
    ["--volumes", { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] }, /^--volumes needs EC2: Fargate cannot mount host paths/],
    ["--mount-instance-storage", { mountInstanceStorage: true }, /^--mount-instance-storage needs EC2: Fargate has no instance storage/],
    ["--gpus", { gpus: 1 }, /^--gpus needs EC2: Fargate has no GPUs/],
    ["--storage twice", { storage: [{ mount: "/a", sizeGiB: 30 }, { mount: "/b", sizeGiB: 30 }] }, /^Fargate has one ephemeral storage per task: give --storage once/],
    ["--storage too large", { storage: [{ mount: "/a", sizeGiB: 500 }] }, /^invalid --storage \/a=500: Fargate ephemeral storage is 21 to 200 GiB/],
    ["--storage too small", { storage: [{ mount: "/a", sizeGiB: 20 }] }, /21 to 200 GiB/]
  ]
  for (const [label, fields, message] of cases) {
    it(`batch ${label}`, () => {
      const e = usage(checkContainerShape({ ...fargate, ...fields }))
      assert.strictEqual(e.tag, "UsageError")
      assert.match(e.message, message)
      assert.match(e.hint, /--platform EC2/)
      // a program reads the same problem without the CLI's flags
      assert.deepStrictEqual(flagsIn(e.neutral), [], e.neutral)
      assert.match(e.neutral, /EC2/)
      // The same shape is fine on EC2.
      Effect.runSync(checkContainerShape({ ...ec2, ...fields }))
    })
    if (label === "--gpus") continue
    it(`ecs ${label}`, () => {
      const e = usage(checkTaskShape({ ...task, ...fields } as TaskShape))
      assert.match(e.message, message)
      assert.match(e.hint, /--platform EC2/)
      assert.deepStrictEqual(flagsIn(e.neutral), [], e.neutral)
      Effect.runSync(checkTaskShape({ ...task, ...fields, platform: "EC2" } as TaskShape))
    })
  }

  it("any platform: mounts must be absolute, soft limits at most hard ones; --task-name must be a family name", () => {
    assert.match(usage(checkContainerShape({ ...ec2, volumes: [{ hostPath: "/x", containerPath: "rel" }] })).message, /invalid --volumes mount "rel"/)
    assert.match(usage(checkContainerShape({ ...ec2, volumes: [{ hostPath: "x", containerPath: "/x" }] })).message, /invalid --volumes host path "x"/)
    assert.match(usage(checkContainerShape({ ...fargate, efsVolumes: [{ fileSystemId: "fs-1", containerPath: "efs" }] })).message, /invalid --efs-storage mount "efs"/)
    assert.match(usage(checkContainerShape({ ...fargate, ulimits: [{ name: "nofile", softLimit: 10, hardLimit: 5 }] })).message, /soft limit 10 is above the hard limit 5/)
    assert.match(usage(checkTaskShape({ ...task, taskName: "bad name" })).message, /invalid --task-name "bad name"/)
  })
})

describe("what the options put into the definitions", () => {
  it("batch EC2: privileged, user, ulimits, host volumes, instance storage, EFS, log driver", () => {
    const r = registerJobDefinitionRequest({
      ...ec2,
      privileged: true,
      user: "1000:1000",
      ulimits: [{ name: "nofile", softLimit: 4096, hardLimit: 65536 }],
      volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }],
      storage: [{ mount: "/scratch", sizeGiB: 500 }],
      mountInstanceStorage: true,
      efsVolumes: [{ fileSystemId: "fs-0123", containerPath: "/efs" }],
      logDriver: "json-file",
      logOptions: { "max-size": "10m" }
    })
    const c = r.containerProperties
    assert.deepStrictEqual(r.platformCapabilities, ["EC2"])
    assert.strictEqual(c.privileged, true)
    assert.strictEqual(c.user, "1000:1000")
    assert.deepStrictEqual(c.ulimits, [{ name: "nofile", softLimit: 4096, hardLimit: 65536 }])
    assert.deepStrictEqual(c.volumes, [
      { name: "host1", host: { sourcePath: "/var/run/docker.sock" } },
      { name: "instance-storage", host: { sourcePath: "/mnt" } },
      { name: "efs1", efsVolumeConfiguration: { fileSystemId: "fs-0123", transitEncryption: "ENABLED" } }
    ])
    assert.deepStrictEqual(c.mountPoints?.map((m) => `${m.sourceVolume}:${m.containerPath}`), [
      "host1:/var/run/docker.sock",
      "instance-storage:/mnt",
      "instance-storage:/scratch",
      "efs1:/efs"
    ])
    assert.deepStrictEqual(c.logConfiguration, { logDriver: "json-file", options: { "max-size": "10m" } })
    assert.isUndefined(c.ephemeralStorage)
  })

  it("batch Fargate: --storage is the ephemeral storage; awslogs keeps its group under --log-options", () => {
    const c = registerJobDefinitionRequest({ ...fargate, storage: [{ mount: "/scratch", sizeGiB: 100 }], logOptions: { "awslogs-stream-prefix": "x" } }).containerProperties
    assert.deepStrictEqual(c.ephemeralStorage, { sizeInGiB: 100 })
    assert.isUndefined(c.volumes)
    assert.deepStrictEqual(c.logConfiguration, { logDriver: "awslogs", options: { "awslogs-group": "/aws/batch/job", "awslogs-stream-prefix": "x" } })
  })

  it("without the new options a definition is what it was (so existing definitions are still reused)", () => {
    const { jobDefinitionName: _, tags: __, ...body } = registerJobDefinitionRequest(fargate)
    assert.deepStrictEqual(body, {
      type: "container",
      platformCapabilities: ["FARGATE"],
      containerProperties: {
        image: "ubuntu",
        resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "2048" }],
        executionRoleArn: "arn:aws:iam::123456789012:role/x",
        networkConfiguration: { assignPublicIp: "ENABLED" },
        fargatePlatformConfiguration: { platformVersion: "LATEST" },
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/aws/batch/job" } }
      }
    })
  })

  it("the definition name: same options, same name (any order); any option changed, a new name", () => {
    const name = (shape: ContainerShape) => registerJobDefinitionRequest(shape).jobDefinitionName
    const a = { ...ec2, user: "1000", ulimits: [{ name: "nofile", softLimit: 1, hardLimit: 2 }] }
    const b = { ulimits: [{ hardLimit: 2, softLimit: 1, name: "nofile" }], user: "1000", ...ec2 }
    assert.strictEqual(name(a), name(b))
    const names = new Set([
      name(ec2),
      name(a),
      name({ ...ec2, privileged: true }),
      name({ ...ec2, user: "0" }),
      name({ ...ec2, volumes: [{ hostPath: "/a", containerPath: "/a" }] }),
      name({ ...ec2, mountInstanceStorage: true }),
      name({ ...ec2, storage: [{ mount: "/s", sizeGiB: 1 }] }),
      name({ ...ec2, efsVolumes: [{ fileSystemId: "fs-1", containerPath: "/e" }] }),
      name({ ...ec2, logDriver: "json-file" }),
      name({ ...ec2, logOptions: { a: "b" } }),
      name({ ...fargate, storage: [{ mount: "/s", sizeGiB: 30 }] }),
      name({ ...fargate, storage: [{ mount: "/s", sizeGiB: 31 }] })
    ])
    assert.strictEqual(names.size, 12)
  })

  it("ecs: task-level ephemeral storage and EFS volumes, container mounts/ulimits/user; --task-name prefixes the family; EC2 uses bridge networking", () => {
    const r = registerTaskDefinitionRequest({
      ...task,
      taskName: "nightly",
      storage: [{ mount: "/scratch", sizeGiB: 50 }],
      efsVolumes: [{ fileSystemId: "fs-9", containerPath: "/efs" }],
      ulimits: [{ name: "nofile", softLimit: 100, hardLimit: 100 }],
      user: "nobody"
    })
    assert.match(r.family, /^nightly_[0-9a-f]{12}$/)
    assert.deepStrictEqual(r.ephemeralStorage, { sizeInGiB: 50 })
    assert.deepStrictEqual(r.volumes, [{ name: "efs1", efsVolumeConfiguration: { fileSystemId: "fs-9", transitEncryption: "ENABLED" } }])
    const c = r.containerDefinitions[0]!
    assert.deepStrictEqual(c.mountPoints, [{ sourceVolume: "efs1", containerPath: "/efs", readOnly: false }])
    assert.strictEqual(c.user, "nobody")
    assert.strictEqual(registerTaskDefinitionRequest({ ...task, taskName: "nightly" }).family.replace("nightly", "aegea_ecs"), registerTaskDefinitionRequest(task).family)
    const onEc2 = registerTaskDefinitionRequest({ ...task, platform: "EC2", privileged: true })
    assert.deepStrictEqual([onEc2.requiresCompatibilities, onEc2.networkMode, onEc2.containerDefinitions[0]?.privileged], [["EC2"], "bridge", true])
    const run = runTaskRequest({ cluster: "c", commandLines: ["x"], environment: {}, subnets: ["s"], securityGroups: ["g"], tags: {}, platform: "EC2" }, onEc2.family)
    assert.strictEqual(run.launchType, "EC2")
    assert.isUndefined(run.networkConfiguration)
  })
})

describe("flag values", () => {
  const ok = <A>(e: Effect.Effect<A, unknown>) => Effect.runSync(e)
  it("parse", () => {
    assert.deepStrictEqual(ok(parseUlimits(["nofile=1024", "nproc=10:20"])), [
      { name: "nofile", softLimit: 1024, hardLimit: 1024 },
      { name: "nproc", softLimit: 10, hardLimit: 20 }
    ])
    assert.deepStrictEqual(ok(parseStorage(["/scratch=100", "/x=2GiB"])), [{ mount: "/scratch", sizeGiB: 100 }, { mount: "/x", sizeGiB: 2 }])
    assert.deepStrictEqual(ok(parseVolumes(["/a:/b"])), [{ hostPath: "/a", containerPath: "/b" }])
    assert.deepStrictEqual(ok(parseEfsStorage(["/efs", "/data=fs-1"])), [{ mount: "/efs", fileSystem: undefined }, { mount: "/data", fileSystem: "fs-1" }])
  })
  it("bad values name the flag and its form", () => {
    assert.match(usage(parseUlimits(["nofile:1024"])).message, /^invalid --ulimits "nofile:1024": write it as NAME=SOFT\[:HARD\]/)
    assert.match(usage(parseStorage(["/scratch"])).message, /^invalid --storage "\/scratch": write it as MOUNT=SIZE/)
    assert.match(usage(parseStorage(["/scratch=lots"])).message, /^invalid --storage/)
    assert.match(usage(parseVolumes(["/only"])).message, /^invalid --volumes "\/only": write it as HOST:CONTAINER/)
    assert.match(usage(parseEfsStorage(["/efs="])).message, /^invalid --efs-storage/)
  })
})

// --- ecs run --execute FILE larger than the inline limit, on the in-memory layers --------------------

const folder = mkdtempSync(join(tmpdir(), "aegea-execute-"))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
const bigFile = join(folder, "tool.bin")
// 64 KiB of incompressible bytes: far above ECS's 6 KiB inline limit.
writeFileSync(bigFile, randomBytes(64 * 1024))

const root = Command.make("aegea").pipe(Command.withSubcommands([ecsCommand]), Command.withGlobalFlags(globalFlags))
const layers = () =>
  Layer.mergeAll(
    NodeServices.layer,
    EcsMemory.layer({ script: () => ({ runFor: "2 seconds" }) }).pipe(Layer.provideMerge(LogsMemory.layer())),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    S3StagingMemory.layer(),
    EfsMemory.layer(),
    OutputTest.layer({ format: "json" }),
    layerFromValue(structuredClone(defaults))
  )
const run = (...argv: Array<string>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.exit(Command.runWith(root, { version: "test" })(argv)))
    // The command reads the file for real: let the event loop turn between steps of the test clock.
    for (let i = 0; i < 300 && fiber.pollUnsafe() === undefined; i++) {
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      yield* TestClock.adjust("1 second")
    }
    return yield* Fiber.join(fiber)
  })

describe("ecs run --execute of a large file", () => {
  const bucket = stagingBucketName("123456789012", "us-east-1")
  it.effect("goes through S3 with a presigned URL; without --watch the object stays for the lifecycle rule, with --watch it is deleted", () =>
    Effect.gen(function*() {
      const staging = yield* S3StagingMemoryState
      const ecs = yield* EcsMemoryState
      const first = yield* run("ecs", "run", "--execute", bigFile)
      assert.strictEqual(first._tag, "Success", String(first))
      const [key] = yield* staging.keys(bucket)
      assert.match(key ?? "", /^aegea-execute\/[0-9a-f]{16}-[0-9a-f]{8}\/tool\.bin$/)
      assert.strictEqual((yield* staging.object(bucket, key!))?.length, 64 * 1024)
      const [request] = yield* ecs.started
      const env = request?.overrides.containerOverrides[0]?.environment ?? []
      assert.match(env.find((e) => e.name === urlVariable)?.value ?? "", new RegExp(`^https://${bucket}\\.s3\\.us-east-1\\.amazonaws\\.com/aegea-execute/`))
      const out = yield* OutputCapture
      assert.isTrue((yield* out.stderr).some((l) => l.includes(`now expire after ${executeExpiryRule.days} days`)))

      yield* run("ecs", "run", "--execute", bigFile, "--watch")
      assert.deepStrictEqual(yield* staging.keys(bucket), [key!])
      assert.isTrue((yield* out.stderr).some((l) => /^deleted s3:\/\/aegea-123456789012-us-east-1\/aegea-execute\//.test(l)))
    }).pipe(Effect.provide(layers())))
})
