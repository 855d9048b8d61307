/** `aegea build-docker-image` and `aegea batch create-compute-environment` through the real parser against aegea/testing layers, on the TestClock. */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { afterAll } from "vitest"
import { Effect, Fiber, Layer } from "effect"
import { Command } from "effect/cli"
import { TestClock } from "effect/testing"
import { batchCommand } from "../../src/commands/batch/index.ts"
import { buildDockerImageCommand } from "../../src/commands/buildDockerImage.ts"
import { globalFlags } from "../../src/commands/global.ts"
import { defaults } from "../../src/defaults.ts"
import { layerFromValue } from "../../src/testing/AegeaConfigTest.ts"
import { BatchMemory, BatchMemoryState } from "../../src/testing/BatchMemory.ts"
import { EcrMemory } from "../../src/testing/EcrMemory.ts"
import { Ec2NetworkMemory } from "../../src/testing/Ec2NetworkMemory.ts"
import { IamMemory } from "../../src/testing/IamMemory.ts"
import { LogsMemory } from "../../src/testing/LogsMemory.ts"
import { OutputCapture, OutputTest } from "../../src/testing/OutputTest.ts"
import { S3StagingMemory, S3StagingMemoryState } from "../../src/testing/S3StagingMemory.ts"
import { SsmMemory } from "../../src/testing/SsmMemory.ts"

const root = Command.make("aegea").pipe(Command.withSubcommands([batchCommand, buildDockerImageCommand]), Command.withGlobalFlags(globalFlags))
const aegea = (...argv: Array<string>) => Command.runWith(root, { version: "test" })(argv)

const ecsParameters = { "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id": "ami-0aae19d30bab785d3" }

const layers = (options: { readonly exitCode?: number; readonly config?: Record<string, unknown> } = {}) =>
  Layer.mergeAll(
    NodeServices.layer,
    BatchMemory.layer({ script: () => ({ exitCode: options.exitCode ?? 0, logLines: ["Step 1/2 : FROM alpine"] }) }).pipe(Layer.provideMerge(LogsMemory.layer())),
    IamMemory.layer(),
    Ec2NetworkMemory.layer(),
    SsmMemory.layer({ parameters: ecsParameters }),
    EcrMemory.layer(),
    S3StagingMemory.layer(),
    OutputTest.layer({ format: "json" }),
    layerFromValue({ ...structuredClone(defaults), ...options.config })
  )

/** Run a command to its end on the TestClock; returns the failure, if any. */
const run = (...argv: Array<string>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(Effect.flip(aegea(...argv)).pipe(Effect.map((e) => e as unknown), Effect.catch(() => Effect.succeed(undefined))))
    // The build reads local files (real I/O): let it reach each sleep before moving the clock on,
    // until it is done (a loaded machine may need many turns for the archive; bounded)
    for (let step = 0; step < 3000 && fiber.pollUnsafe() === undefined; step++) {
      yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      yield* TestClock.adjust("5 seconds")
    }
    return (yield* Fiber.join(fiber)) as { _tag?: string; exitCode?: number; message?: string } | undefined
  })

const context = mkdtempSync(join(tmpdir(), "aegea-build-unit-"))
afterAll(() => rmSync(context, { recursive: true, force: true }))

describe("aegea build-docker-image", () => {
  it.effect("uploads the Dockerfile's folder (without .git) and exits with the build's exit code under --watch", () =>
    Effect.gen(function*() {
      writeFileSync(join(context, "Dockerfile"), "FROM alpine\nCOPY src /src\n")
      mkdirSync(join(context, "src"), { recursive: true })
      writeFileSync(join(context, "src", "main.sh"), "echo main\n")
      mkdirSync(join(context, ".git"), { recursive: true })
      writeFileSync(join(context, ".git", "HEAD"), "ref: refs/heads/main\n")
      const error = yield* run("build-docker-image", "tools/app", "--dockerfile", join(context, "Dockerfile"), "--tag", "v2", "--watch")
      assert.strictEqual(error?._tag, "OperationFailed")
      assert.strictEqual(error?.exitCode, 3)
      const out = yield* OutputCapture
      assert.isTrue([...(yield* out.stdout), ...(yield* out.stderr)].some((l) => l.includes("Step 1/2 : FROM alpine")), "the build log is streamed")
      const staging = yield* S3StagingMemoryState
      const [key] = yield* staging.keys("aegea-123456789012-us-east-1")
      assert.match(key ?? "", /^aegea-build\/tools_app\/[0-9a-f]{12}\.tar\.gz$/)
      const archive = yield* staging.object("aegea-123456789012-us-east-1", key ?? "")
      writeFileSync(join(context, "..", "aegea-build-unit.tar.gz"), archive ?? new Uint8Array())
      const listed = execFileSync("tar", ["-tzf", join(context, "..", "aegea-build-unit.tar.gz")]).toString().trim().split("\n").sort()
      rmSync(join(context, "..", "aegea-build-unit.tar.gz"))
      assert.deepStrictEqual(listed, ["Dockerfile", "src/", "src/main.sh"])
      const [submitted] = yield* (yield* BatchMemoryState).submitted
      const environment = Object.fromEntries((submitted?.containerOverrides.environment ?? []).map((e) => [e.name, e.value]))
      assert.strictEqual(environment.AEGEA_BUILD_TAGS, `${key?.slice(-19, -7)} v2`)
      assert.strictEqual(environment.AEGEA_BUILD_DOCKERFILE, "Dockerfile")
      assert.strictEqual(submitted?.jobQueue, "aegea_build")
    }).pipe(Effect.provide(layers({ exitCode: 3 }))))

  it.effect("builds the config's build_image section; usage errors are one clear line, before any call", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* run("build-docker-image", "jq-box", "--dry-run"))
      const out = yield* OutputCapture
      const printed = JSON.parse((yield* out.stdout).join("\n")) as { Dockerfile: string }
      assert.include(printed.Dockerfile, "apt-get install -y -o APT::Install-Recommends=false jq curl")
      assert.include(printed.Dockerfile, "RUN make install")
      const both = yield* run("build-docker-image", "jq-box", "--dockerfile", "Dockerfile", "--cloud-config-data", "{}")
      assert.strictEqual(both?._tag, "UsageError")
      const tag = yield* run("build-docker-image", "jq-box", "--tag", "a/b")
      assert.include(tag?.message, "invalid --tag \"a/b\"")
      const missing = yield* run("build-docker-image", "jq-box", "--dockerfile", join(context, "nope", "Dockerfile"))
      assert.include(missing?.message, "no such file")
      assert.deepStrictEqual(yield* (yield* BatchMemoryState).submitted, [])
    }).pipe(Effect.provide(layers({ config: { build_image: { packages: ["jq", "curl"], commands: ["make install"] } } }))))

  it.effect("with no Dockerfile and no cloud config there is nothing to build", () =>
    Effect.gen(function*() {
      const error = yield* run("build-docker-image", "jq-box")
      assert.strictEqual(error?._tag, "UsageError")
      assert.include(error?.message, "nothing to build")
    }).pipe(Effect.provide(layers())))
})

describe("aegea batch create-compute-environment", () => {
  it.effect("EC2-only flags on Fargate, and types of two architectures, are refused before any call", () =>
    Effect.gen(function*() {
      const fargate = yield* run("batch", "create-compute-environment", "f", "--gpus", "--ssh-key-name", "k")
      assert.strictEqual(fargate?._tag, "UsageError")
      assert.include(fargate?.message, "--gpus, --ssh-key-name only apply to EC2 and SPOT compute environments")
      const mixed = yield* run("batch", "create-compute-environment", "m", "--compute-type", "EC2", "--instance-types", "m7g,m5d")
      assert.include(mixed?.message, "--instance-types mixes arm64 (Graviton) and x86_64 types: m7g, m5d")
      const armGpu = yield* run("batch", "create-compute-environment", "g", "--compute-type", "EC2", "--instance-types", "g5g", "--gpus")
      assert.include(armGpu?.message, "no ECS-optimized GPU image for arm64")
      assert.deepStrictEqual(yield* (yield* BatchMemoryState).calls, [])
    }).pipe(Effect.provide(layers())))
})
